"""CAT048 Monoradar Target Reports, edition 1.31 (EUROCONTROL specification, 2022-10-03).

Declared from asterix-specs ``specs/cat048/cat-1.31.ast``. Items whose layout and table texts
are the same in edition 1.32 are that edition's declarations, imported; the ones that differ
are declared here.

Differences from edition 1.32: I048/020 ends after its second extension (no ACASXV, POXPR,
POACT, DTFXPR, DTFACT, IRMXPR, IRMACT); I048/030 has no code 37 (a table text only, declared
here for that text); I048/090 FL is an *unsigned* quantity in this edition's asterix-specs text
(1.32 makes it signed).
"""
from radarbench.codecs.asterix.cat048_1_32 import (  # same layout in 1.31
    I010, I040, I042, I050, I055, I060, I065, I070, I080, I100, I110, I120, I130, I140,
    I161, I170, I200, I210, I220, I230, I240, I250, I260, IRE, ISP,
)
from radarbench.codecs.asterix.cat048_1_32 import (  # table texts the editions share
    ADSB_EP, AVAILABLE, ERR, FOEFRI, GARBLED, ME, MI, PAI_EP, RAB, RDP, SCN_EP, SIM, SPI, TST,
    TYP, VALIDATED, WARNINGS_1_31, XPP,
)
from radarbench.codecs.asterix.spec import (
    Category, Extended, Group, Item, Quantity, RepetitiveFX, Spare, Table,
)

I020 = Item("020", "Target Report Descriptor", Extended(
    ["TYP" / Table(3, TYP), "SIM" / Table(1, SIM), "RDP" / Table(1, RDP), "SPI" / Table(1, SPI),
     "RAB" / Table(1, RAB)],
    ["TST" / Table(1, TST), "ERR" / Table(1, ERR), "XPP" / Table(1, XPP), "ME" / Table(1, ME),
     "MI" / Table(1, MI), "FOEFRI" / Table(2, FOEFRI)],
    ["ADSB" / Group("EP" / Table(1, ADSB_EP), "VAL" / Table(1, AVAILABLE)),
     "SCN" / Group("EP" / Table(1, SCN_EP), "VAL" / Table(1, AVAILABLE)),
     "PAI" / Group("EP" / Table(1, PAI_EP), "VAL" / Table(1, AVAILABLE)),
     Spare(1)],
))

I030 = Item("030", "Warning/Error Conditions and Target Classification",
            RepetitiveFX(Table(7, WARNINGS_1_31)))  # codes 0..36 (37 came with 1.32)

I090 = Item("090", "Flight Level in Binary Representation", Group(
    "V" / Table(1, VALIDATED),
    "G" / Table(1, GARBLED),
    "FL" / Quantity(14, 1 / 4, "FL"),  # unsigned in 1.31 (signed from 1.32 on)
))

CATEGORY = Category(48, "1.31", "Monoradar Target Reports", uap=[
    I010, I140, I020, I040, I070, I090, I130,
    I220, I240, I250, I161, I042, I200, I170,
    I210, I030, I080, I100, I110, I120, I230,
    I260, I055, I050, I065, I060, ISP, IRE,
])
