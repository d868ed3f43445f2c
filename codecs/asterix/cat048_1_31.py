"""CAT048 Monoradar Target Reports, edition 1.31 (EUROCONTROL specification, 2022-10-03).

Declared from asterix-specs ``specs/cat048/cat-1.31.ast``: items in the vocabulary of
:mod:`radarbench.codecs.asterix.spec`, then the UAP. Table texts are left out; the raw table
values are what the specification defines.

Differences from edition 1.32: I048/020 ends after its second extension (no ACASXV, POXPR,
POACT, DTFXPR, DTFACT, IRMXPR, IRMACT); I048/030 has no code 37 (a table text only); I048/090
FL is an *unsigned* quantity in this edition's asterix-specs text (1.32 makes it signed).
"""
from radarbench.codecs.asterix.spec import (
    Category, Compound, Explicit, Extended, Group, Icao6, Item, Octal, Quantity, Raw,
    Repetitive, RepetitiveFX, Spare, Table, Unsigned,
)

I010 = Item("010", "Data Source Identifier", Group(
    "SAC" / Raw(8),
    "SIC" / Raw(8),
))

I020 = Item("020", "Target Report Descriptor", Extended(
    ["TYP" / Table(3), "SIM" / Table(1), "RDP" / Table(1), "SPI" / Table(1), "RAB" / Table(1)],
    ["TST" / Table(1), "ERR" / Table(1), "XPP" / Table(1), "ME" / Table(1), "MI" / Table(1),
     "FOEFRI" / Table(2)],
    ["ADSB" / Group("EP" / Table(1), "VAL" / Table(1)),
     "SCN" / Group("EP" / Table(1), "VAL" / Table(1)),
     "PAI" / Group("EP" / Table(1), "VAL" / Table(1)),
     Spare(1)],
))

I030 = Item("030", "Warning/Error Conditions and Target Classification", RepetitiveFX(Table(7)))

I040 = Item("040", "Measured Position in Polar Co-ordinates", Group(
    "RHO" / Quantity(16, 2**-8, "NM"),
    "THETA" / Quantity(16, 360 / 2**16, "deg"),
))

I042 = Item("042", "Calculated Position in Cartesian Co-ordinates", Group(
    "X" / Quantity(16, 2**-7, "NM", signed=True),
    "Y" / Quantity(16, 2**-7, "NM", signed=True),
))

I050 = Item("050", "Mode-2 Code in Octal Representation", Group(
    "V" / Table(1),
    "G" / Table(1),
    "L" / Table(1),
    Spare(1),
    "MODE2" / Octal(12),
))

I055 = Item("055", "Mode-1 Code in Octal Representation", Group(
    "V" / Table(1),
    "G" / Table(1),
    "L" / Table(1),
    "MODE1" / Raw(5),
))

I060 = Item("060", "Mode-2 Code Confidence Indicator", Group(
    Spare(4),
    "QA4" / Table(1), "QA2" / Table(1), "QA1" / Table(1),
    "QB4" / Table(1), "QB2" / Table(1), "QB1" / Table(1),
    "QC4" / Table(1), "QC2" / Table(1), "QC1" / Table(1),
    "QD4" / Table(1), "QD2" / Table(1), "QD1" / Table(1),
))

I065 = Item("065", "Mode-1 Code Confidence Indicator", Group(
    Spare(3),
    "QA4" / Table(1), "QA2" / Table(1), "QA1" / Table(1),
    "QB2" / Table(1), "QB1" / Table(1),
))

I070 = Item("070", "Mode-3/A Code in Octal Representation", Group(
    "V" / Table(1),
    "G" / Table(1),
    "L" / Table(1),
    Spare(1),
    "MODE3A" / Octal(12),
))

I080 = Item("080", "Mode-3/A Code Confidence Indicator", Group(
    Spare(4),
    "QA4" / Table(1), "QA2" / Table(1), "QA1" / Table(1),
    "QB4" / Table(1), "QB2" / Table(1), "QB1" / Table(1),
    "QC4" / Table(1), "QC2" / Table(1), "QC1" / Table(1),
    "QD4" / Table(1), "QD2" / Table(1), "QD1" / Table(1),
))

I090 = Item("090", "Flight Level in Binary Representation", Group(
    "V" / Table(1),
    "G" / Table(1),
    "FL" / Quantity(14, 1 / 4, "FL"),  # unsigned in 1.31 (signed from 1.32 on)
))

I100 = Item("100", "Mode-C Code and Code Confidence Indicator", Group(
    "V" / Table(1),
    "G" / Table(1),
    Spare(2),
    "MODEC" / Raw(12),
    Spare(4),
    "QC1" / Table(1), "QA1" / Table(1), "QC2" / Table(1), "QA2" / Table(1),
    "QC4" / Table(1), "QA4" / Table(1), "QB1" / Table(1), "QD1" / Table(1),
    "QB2" / Table(1), "QD2" / Table(1), "QB4" / Table(1), "QD4" / Table(1),
))

I110 = Item("110", "Height Measured by a 3D Radar", Group(
    Spare(2),
    "3DH" / Quantity(14, 25, "ft", signed=True),
))

I120 = Item("120", "Radial Doppler Speed", Compound(
    "CAL" / Group(
        "D" / Table(1),
        Spare(5),
        "CAL" / Quantity(10, 1, "m/s", signed=True),
    ),
    "RDS" / Repetitive(Group(
        "DOP" / Quantity(16, 1, "m/s"),
        "AMB" / Quantity(16, 1, "m/s"),
        "FRQ" / Quantity(16, 1, "MHz"),
    ), rep=1),
))

I130 = Item("130", "Radar Plot Characteristics", Compound(
    "SRL" / Quantity(8, 360 / 2**13, "deg"),
    "SRR" / Unsigned(8),
    "SAM" / Quantity(8, 1, "dBm", signed=True),
    "PRL" / Quantity(8, 360 / 2**13, "deg"),
    "PAM" / Quantity(8, 1, "dBm", signed=True),
    "RPD" / Quantity(8, 2**-8, "NM", signed=True),
    "APD" / Quantity(8, 360 / 2**14, "deg", signed=True),
))

I140 = Item("140", "Time of Day", Quantity(24, 2**-7, "s"))

I161 = Item("161", "Track Number", Group(
    Spare(4),
    "TRN" / Raw(12),
))

I170 = Item("170", "Track Status", Extended(
    ["CNF" / Table(1), "RAD" / Table(2), "DOU" / Table(1), "MAH" / Table(1), "CDM" / Table(2)],
    ["TRE" / Table(1), "GHO" / Table(1), "SUP" / Table(1), "TCC" / Table(1), Spare(3)],
))

I200 = Item("200", "Calculated Track Velocity in Polar Co-ordinates", Group(
    "GSP" / Quantity(16, 2**-14, "NM/s"),
    "HDG" / Quantity(16, 360 / 2**16, "deg"),
))

I210 = Item("210", "Track Quality", Group(
    "SIGX" / Quantity(8, 2**-7, "NM"),
    "SIGY" / Quantity(8, 2**-7, "NM"),
    "SIGV" / Quantity(8, 2**-14, "NM/s"),
    "SIGH" / Quantity(8, 360 / 2**12, "deg"),
))

I220 = Item("220", "Aircraft Address", Raw(24))

I230 = Item("230", "Communications/ACAS Capability and Flight Status", Group(
    "COM" / Table(3),
    "STAT" / Table(3),
    "SI" / Table(1),
    Spare(1),
    "MSSC" / Table(1),
    "ARC" / Table(1),
    "AIC" / Table(1),
    "B1A" / Raw(1),
    "B1B" / Raw(4),
))

I240 = Item("240", "Aircraft Identification", Icao6(48))

I250 = Item("250", "BDS Register Data", Repetitive(Group(
    "MBDATA" / Raw(56),
    "BDS1" / Raw(4),
    "BDS2" / Raw(4),
), rep=1))

I260 = Item("260", "ACAS Resolution Advisory Report", Raw(56))

ISP = Item("SP", "Special Purpose Field", Explicit("sp"))

IRE = Item("RE", "Reserved Expansion Field", Explicit("re"))

CATEGORY = Category(48, "1.31", "Monoradar Target Reports", uap=[
    I010, I140, I020, I040, I070, I090, I130,
    I220, I240, I250, I161, I042, I200, I170,
    I210, I030, I080, I100, I110, I120, I230,
    I260, I055, I050, I065, I060, ISP, IRE,
])
