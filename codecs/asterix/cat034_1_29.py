"""CAT034 edition 1.29: Transmission of Monoradar Service Messages.

Source: EUROCONTROL ASTERIX specification, Category 034, edition 1.29 (2021-03-15), as
described by asterix-specs (specs/cat034/cat-1.29.ast).
"""
from radarbench.codecs.asterix.spec import (
    Category, Compound, Explicit, Group, Item, Quantity, Raw, Repetitive, Spare, Table, Unsigned,
)

I000 = Item("000", "Message Type", Table(8, {
    1: "North marker message",
    2: "Sector crossing message",
    3: "Geographical filtering message",
    4: "Jamming strobe message",
    5: "Solar Storm Message",
    6: "SSR Jamming Strobe Message",
    7: "Mode S Jamming Strobe Message",
}))

I010 = Item("010", "Data Source Identifier", Group(
    "SAC" / Raw(8),
    "SIC" / Raw(8),
))

I020 = Item("020", "Sector Number", Quantity(8, 360 / 2**8, "deg"))

I030 = Item("030", "Time of Day", Quantity(24, 1 / 2**7, "s"))

I041 = Item("041", "Antenna Rotation Speed", Quantity(16, 1 / 2**7, "s"))

I050 = Item("050", "System Configuration and Status", Compound(
    "COM" / Group(
        "NOGO" / Table(1),
        "RDPC" / Table(1),
        "RDPR" / Table(1),
        "OVLRDP" / Table(1),
        "OVLXMT" / Table(1),
        "MSC" / Table(1),
        "TSV" / Table(1),
        Spare(1),
    ),
    None,
    None,
    "PSR" / Group(
        "ANT" / Table(1),
        "CHAB" / Table(2),
        "OVL" / Table(1),
        "MSC" / Table(1),
        Spare(3),
    ),
    "SSR" / Group(
        "ANT" / Table(1),
        "CHAB" / Table(2),
        "OVL" / Table(1),
        "MSC" / Table(1),
        Spare(3),
    ),
    "MDS" / Group(
        "ANT" / Table(1),
        "CHAB" / Table(2),
        "OVLSUR" / Table(1),
        "MSC" / Table(1),
        "SCF" / Table(1),
        "DLF" / Table(1),
        "OVLSCF" / Table(1),
        "OVLDLF" / Table(1),
        Spare(7),
    ),
))

I060 = Item("060", "System Processing Mode", Compound(
    "COM" / Group(
        Spare(1),
        "REDRDP" / Table(3),
        "REDXMT" / Table(3),
        Spare(1),
    ),
    None,
    None,
    "PSR" / Group(
        "POL" / Table(1),
        "REDRAD" / Table(3),
        "STC" / Table(2),
        Spare(2),
    ),
    "SSR" / Group(
        "REDRAD" / Table(3),
        Spare(5),
    ),
    "MDS" / Group(
        "REDRAD" / Table(3),
        "CLU" / Table(1),
        Spare(4),
    ),
))

I070 = Item("070", "Message Count Values", Repetitive(Group(
    "TYP" / Table(5),
    "COUNT" / Unsigned(11),
), rep=1))

I090 = Item("090", "Collimation Error", Group(
    "RNG" / Quantity(8, 1 / 2**7, "NM", signed=True),
    "AZM" / Quantity(8, 360 / 2**14, "deg", signed=True),
))

I100 = Item("100", "Generic Polar Window", Group(
    "RHOST" / Quantity(16, 1 / 2**8, "NM"),
    "RHOEND" / Quantity(16, 1 / 2**8, "NM"),
    "THETAST" / Quantity(16, 360 / 2**16, "deg"),
    "THETAEND" / Quantity(16, 360 / 2**16, "deg"),
))

I110 = Item("110", "Data Filter", Table(8, {
    0: "Invalid value",
    1: "Filter for Weather data",
    2: "Filter for Jamming Strobe",
    3: "Filter for PSR data",
    4: "Filter for SSR/Mode S data",
    5: "Filter for SSR/Mode S + PSR data",
    6: "Enhanced Surveillance data",
    7: "Filter for PSR+Enhanced Surveillance data",
    8: "Filter for PSR+Enhanced Surveillance + SSR/Mode S data not in Area of Prime Interest",
    9: "Filter for PSR+Enhanced Surveillance + all SSR/Mode S data",
}))

I120 = Item("120", "3D-Position Of Data Source", Group(
    "HGT" / Quantity(16, 1, "m", signed=True),
    "LAT" / Quantity(24, 180 / 2**23, "deg", signed=True),
    "LON" / Quantity(24, 180 / 2**23, "deg", signed=True),
))

IRE = Item("RE", "Reserved Expansion Field", Explicit("re"))

ISP = Item("SP", "Special Purpose Field", Explicit("sp"))

CATEGORY = Category(34, "1.29", "Transmission of Monoradar Service Messages", uap=[
    I010, I000, I030, I020, I041, I050, I060,
    I070, I100, I110, I120, I090, IRE, ISP,
])
