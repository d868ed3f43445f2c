"""CAT034 edition 1.29: Transmission of Monoradar Service Messages.

Source: EUROCONTROL ASTERIX specification, Category 034, edition 1.29 (2021-03-15), as
described by asterix-specs (specs/cat034/cat-1.29.ast).
"""
from radarbench.codecs.asterix.spec import (
    Category, Compound, Explicit, Group, Item, Quantity, Raw, Repetitive, Spare, Table, Unsigned,
)

# Texts several tables share.
NO_OVERLOAD = {0: "No overload", 1: "Overload"}
ANTENNA = {0: "Antenna 1", 1: "Antenna 2"}
MONITORING = {0: "Monitoring system connected", 1: "Monitoring system disconnected"}
CHANNEL_IN_USE = {0: "Channel A in use", 1: "Channel B in use"}
REDUCTION = {
    0: "No reduction active",
    1: "Reduction step 1 active",
    2: "Reduction step 2 active",
    3: "Reduction step 3 active",
    4: "Reduction step 4 active",
    5: "Reduction step 5 active",
    6: "Reduction step 6 active",
    7: "Reduction step 7 active",
}

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
        "NOGO" / Table(1, {0: "System is released for operational use",
                           1: "Operational use of System is inhibited (data to be discarded by an SDPS)"}),
        "RDPC" / Table(1, {0: "RDPC-1 selected", 1: "RDPC-2 selected"}),
        "RDPR" / Table(1, {0: "Default situation", 1: "Reset of RDPC"}),
        "OVLRDP" / Table(1, {0: "Default, no overload", 1: "Overload in RDP"}),
        "OVLXMT" / Table(1, {0: "Default, no overload", 1: "Overload in transmission subsystem"}),
        "MSC" / Table(1, MONITORING),
        "TSV" / Table(1, {0: "Valid", 1: "Invalid"}),
        Spare(1),
    ),
    None,
    None,
    "PSR" / Group(
        "ANT" / Table(1, ANTENNA),
        "CHAB" / Table(2, {0: "No channel selected", 1: "Channel A only selected",
                           2: "Channel B only selected", 3: "Diversity mode; Channel A and B selected"}),
        "OVL" / Table(1, NO_OVERLOAD),
        "MSC" / Table(1, MONITORING),
        Spare(3),
    ),
    "SSR" / Group(
        "ANT" / Table(1, ANTENNA),
        "CHAB" / Table(2, {0: "No channel selected", 1: "Channel A only selected",
                           2: "Channel B only selected", 3: "Invalid combination"}),
        "OVL" / Table(1, NO_OVERLOAD),
        "MSC" / Table(1, MONITORING),
        Spare(3),
    ),
    "MDS" / Group(
        "ANT" / Table(1, ANTENNA),
        "CHAB" / Table(2, {0: "No channel selected", 1: "Channel A only selected",
                           2: "Channel B only selected", 3: "Illegal combination"}),
        "OVLSUR" / Table(1, NO_OVERLOAD),
        "MSC" / Table(1, MONITORING),
        "SCF" / Table(1, CHANNEL_IN_USE),
        "DLF" / Table(1, CHANNEL_IN_USE),
        "OVLSCF" / Table(1, NO_OVERLOAD),
        "OVLDLF" / Table(1, NO_OVERLOAD),
        Spare(7),
    ),
))

I060 = Item("060", "System Processing Mode", Compound(
    "COM" / Group(
        Spare(1),
        "REDRDP" / Table(3, REDUCTION),
        "REDXMT" / Table(3, REDUCTION),
        Spare(1),
    ),
    None,
    None,
    "PSR" / Group(
        "POL" / Table(1, {0: "Linear polarization", 1: "Circular polarization"}),
        "REDRAD" / Table(3, REDUCTION),
        "STC" / Table(2, {0: "STC Map-1", 1: "STC Map-2", 2: "STC Map-3", 3: "STC Map-4"}),
        Spare(2),
    ),
    "SSR" / Group(
        "REDRAD" / Table(3, REDUCTION),
        Spare(5),
    ),
    "MDS" / Group(
        "REDRAD" / Table(3, REDUCTION),
        "CLU" / Table(1, {0: "Autonomous", 1: "Not autonomous"}),
        Spare(4),
    ),
))

I070 = Item("070", "Message Count Values", Repetitive(Group(
    "TYP" / Table(5, {
        0: "No detection (number of misses)",
        1: "Single PSR target reports",
        2: "Single SSR target reports (Non-Mode S)",
        3: "SSR+PSR target reports (Non-Mode S)",
        4: "Single All-Call target reports (Mode S)",
        5: "Single Roll-Call target reports (Mode S)",
        6: "All-Call + PSR (Mode S) target reports",
        7: "Roll-Call + PSR (Mode S) target reports",
        8: "Filter for Weather data",
        9: "Filter for Jamming Strobe",
        10: "Filter for PSR data",
        11: "Filter for SSR/Mode S data",
        12: "Filter for SSR/Mode S+PSR data",
        13: "Filter for Enhanced Surveillance data",
        14: "Filter for PSR+Enhanced Surveillance",
        15: "Filter for PSR+Enhanced Surveillance + SSR/Mode S data not in Area of Prime Interest",
        16: "Filter for PSR+Enhanced Surveillance + all SSR/Mode S data",
        17: "Re-Interrogations (per sector)",
        18: "BDS Swap and wrong DF replies (per sector)",
        19: "Mode A/C FRUIT (per sector)",
        20: "Mode S FRUIT (per sector)",
    }),
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
