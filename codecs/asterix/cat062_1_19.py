"""CAT062 SDPS Track Messages, edition 1.19 (EUROCONTROL specification, 2020-11-04).

Declared from the asterix-specs description of the edition (specs/cat062/cat-1.19.ast).
Differences from edition 1.21: I062/080 ends after its sixth octet (IEC, one spare bit; no
MLAT, no M5I octet); I062/380 sub-field #25 is called MB (1.21: BDSDATA).
Tables are declared by size only; their texts are in the specification.
"""
from radarbench.codecs.asterix.spec import (
    Ascii, Category, Compound, Depends, Explicit, Extended, Group, Icao6, Item, Octal,
    Quantity, Raw, Repetitive, RepetitiveFX, Spare, Table, Unsigned,
)

I010 = Item("010", "Data Source Identifier", Group(
    "SAC" / Raw(8),
    "SIC" / Raw(8),
))

I015 = Item("015", "Service Identification", Raw(8))

I040 = Item("040", "Track Number", Raw(16))

I060 = Item("060", "Track Mode 3/A Code", Group(
    "V" / Table(1),
    "G" / Table(1),
    "CH" / Table(1),
    Spare(1),
    "MODE3A" / Octal(12),
))

I070 = Item("070", "Time Of Track Information", Quantity(24, 1 / 2**7, "s"))

I080 = Item("080", "Track Status", Extended(
    ["MON" / Table(1), "SPI" / Table(1), "MRH" / Table(1), "SRC" / Table(3), "CNF" / Table(1)],
    ["SIM" / Table(1), "TSE" / Table(1), "TSB" / Table(1), "FPC" / Table(1), "AFF" / Table(1),
     "STP" / Table(1), "KOS" / Table(1)],
    ["AMA" / Table(1), "MD4" / Table(2), "ME" / Table(1), "MI" / Table(1), "MD5" / Table(2)],
    ["CST" / Table(1), "PSR" / Table(1), "SSR" / Table(1), "MDS" / Table(1), "ADS" / Table(1),
     "SUC" / Table(1), "AAC" / Table(1)],
    ["SDS" / Table(2), "EMS" / Table(3), "PFT" / Table(1), "FPLT" / Table(1)],
    ["DUPT" / Table(1), "DUPF" / Table(1), "DUPM" / Table(1), "SFC" / Table(1), "IDD" / Table(1),
     "IEC" / Table(1), Spare(1)],
))

I100 = Item("100", "Calculated Track Position (Cartesian)", Group(
    "X" / Quantity(24, 1 / 2, "m", signed=True),
    "Y" / Quantity(24, 1 / 2, "m", signed=True),
))

I105 = Item("105", "Calculated Position In WGS-84 Co-ordinates", Group(
    "LAT" / Quantity(32, 180 / 2**25, "deg", signed=True),
    "LON" / Quantity(32, 180 / 2**25, "deg", signed=True),
))

I110 = Item("110", "Mode 5 Data Reports and Extended Mode 1 Code", Compound(
    "SUM" / Group(
        "M5" / Table(1), "ID" / Table(1), "DA" / Table(1), "M1" / Table(1),
        "M2" / Table(1), "M3" / Table(1), "MC" / Table(1), "X" / Table(1),
    ),
    "PMN" / Group(
        Spare(2), "PIN" / Raw(14),
        Spare(3), "NAT" / Raw(5),
        Spare(2), "MIS" / Raw(6),
    ),
    "POS" / Group(
        "LAT" / Quantity(24, 180 / 2**23, "deg", signed=True),
        "LON" / Quantity(24, 180 / 2**23, "deg", signed=True),
    ),
    "GA" / Group(
        Spare(1),
        "RES" / Table(1),
        "GA" / Quantity(14, 25, "ft", signed=True),
    ),
    "EM1" / Group(
        Spare(4),
        "EM1" / Octal(12),
    ),
    "TOS" / Quantity(8, 1 / 2**7, "s", signed=True),
    "XP" / Group(
        Spare(3),
        "X5" / Table(1), "XC" / Table(1), "X3" / Table(1), "X2" / Table(1), "X1" / Table(1),
    ),
))

I120 = Item("120", "Track Mode 2 Code", Group(
    Spare(4),
    "MODE2" / Octal(12),
))

I130 = Item("130", "Calculated Track Geometric Altitude", Quantity(16, 25 / 2**2, "ft", signed=True))

I135 = Item("135", "Calculated Track Barometric Altitude", Group(
    "QNH" / Table(1),
    "CTB" / Quantity(15, 1 / 2**2, "FL", signed=True),
))

I136 = Item("136", "Measured Flight Level", Quantity(16, 1 / 2**2, "FL", signed=True))

I185 = Item("185", "Calculated Track Velocity (Cartesian)", Group(
    "VX" / Quantity(16, 1 / 2**2, "m/s", signed=True),
    "VY" / Quantity(16, 1 / 2**2, "m/s", signed=True),
))

I200 = Item("200", "Mode of Movement", Group(
    "TRANS" / Table(2),
    "LONG" / Table(2),
    "VERT" / Table(2),
    "ADF" / Table(1),
    Spare(1),
))

I210 = Item("210", "Calculated Acceleration (Cartesian)", Group(
    "AX" / Quantity(8, 1 / 2**2, "m/s2", signed=True),
    "AY" / Quantity(8, 1 / 2**2, "m/s2", signed=True),
))

I220 = Item("220", "Calculated Rate of Climb/Descent", Quantity(16, 25 / 2**2, "ft/min", signed=True))

I245 = Item("245", "Target Identification", Group(
    "STI" / Table(2),
    Spare(6),
    "CHR" / Icao6(48),
))

I270 = Item("270", "Target Size and Orientation", Extended(
    ["LENGTH" / Quantity(7, 1, "m")],
    ["ORIENTATION" / Quantity(7, 360 / 2**7, "deg")],
    ["WIDTH" / Quantity(7, 1, "m")],
))

I290 = Item("290", "System Track Update Ages", Compound(
    "TRK" / Quantity(8, 1 / 2**2, "s"),
    "PSR" / Quantity(8, 1 / 2**2, "s"),
    "SSR" / Quantity(8, 1 / 2**2, "s"),
    "MDS" / Quantity(8, 1 / 2**2, "s"),
    "ADS" / Quantity(16, 1 / 2**2, "s"),
    "ES" / Quantity(8, 1 / 2**2, "s"),
    "VDL" / Quantity(8, 1 / 2**2, "s"),
    "UAT" / Quantity(8, 1 / 2**2, "s"),
    "LOP" / Quantity(8, 1 / 2**2, "s"),
    "MLT" / Quantity(8, 1 / 2**2, "s"),
))

I295 = Item("295", "Track Data Ages", Compound(
    "MFL" / Quantity(8, 1 / 2**2, "s"),
    "MD1" / Quantity(8, 1 / 2**2, "s"),
    "MD2" / Quantity(8, 1 / 2**2, "s"),
    "MDA" / Quantity(8, 1 / 2**2, "s"),
    "MD4" / Quantity(8, 1 / 2**2, "s"),
    "MD5" / Quantity(8, 1 / 2**2, "s"),
    "MHG" / Quantity(8, 1 / 2**2, "s"),
    "IAS" / Quantity(8, 1 / 2**2, "s"),
    "TAS" / Quantity(8, 1 / 2**2, "s"),
    "SAL" / Quantity(8, 1 / 2**2, "s"),
    "FSS" / Quantity(8, 1 / 2**2, "s"),
    "TID" / Quantity(8, 1 / 2**2, "s"),
    "COM" / Quantity(8, 1 / 2**2, "s"),
    "SAB" / Quantity(8, 1 / 2**2, "s"),
    "ACS" / Quantity(8, 1 / 2**2, "s"),
    "BVR" / Quantity(8, 1 / 2**2, "s"),
    "GVR" / Quantity(8, 1 / 2**2, "s"),
    "RAN" / Quantity(8, 1 / 2**2, "s"),
    "TAR" / Quantity(8, 1 / 2**2, "s"),
    "TAN" / Quantity(8, 1 / 2**2, "s"),
    "GSP" / Quantity(8, 1 / 2**2, "s"),
    "VUN" / Quantity(8, 1 / 2**2, "s"),
    "MET" / Quantity(8, 1 / 2**2, "s"),
    "EMC" / Quantity(8, 1 / 2**2, "s"),
    "POS" / Quantity(8, 1 / 2**2, "s"),
    "GAL" / Quantity(8, 1 / 2**2, "s"),
    "PUN" / Quantity(8, 1 / 2**2, "s"),
    "MB" / Quantity(8, 1 / 2**2, "s"),
    "IAR" / Quantity(8, 1 / 2**2, "s"),
    "MAC" / Quantity(8, 1 / 2**2, "s"),
    "BPS" / Quantity(8, 1 / 2**2, "s"),
))

I300 = Item("300", "Vehicle Fleet Identification", Table(8))

I340 = Item("340", "Measured Information", Compound(
    "SID" / Group(
        "SAC" / Raw(8),
        "SIC" / Raw(8),
    ),
    "POS" / Group(
        "RHO" / Quantity(16, 1 / 2**8, "NM"),
        "THETA" / Quantity(16, 360 / 2**16, "deg"),
    ),
    "HEIGHT" / Quantity(16, 25, "ft", signed=True),
    "MDC" / Group(
        "V" / Table(1),
        "G" / Table(1),
        "LMC" / Quantity(14, 1 / 2**2, "FL", signed=True),
    ),
    "MDA" / Group(
        "V" / Table(1),
        "G" / Table(1),
        "L" / Table(1),
        Spare(1),
        "MODE3A" / Octal(12),
    ),
    "TYP" / Group(
        "TYP" / Table(3),
        "SIM" / Table(1),
        "RAB" / Table(1),
        "TST" / Table(1),
        Spare(2),
    ),
))

I380 = Item("380", "Aircraft Derived Data", Compound(
    "ADR" / Raw(24),
    "ID" / Icao6(48),
    "MHG" / Quantity(16, 360 / 2**16, "deg"),
    "IAS" / Group(
        "IM" / Table(1),
        "IAS" / Depends("IM", {
            0: Quantity(15, 1 / 2**14, "NM/s"),
            1: Quantity(15, 1 / 1000, "Mach"),
        }, default=Raw(15)),
    ),
    "TAS" / Quantity(16, 1, "kt"),
    "SAL" / Group(
        "SAS" / Table(1),
        "SRC" / Table(2),
        "ALT" / Quantity(13, 25, "ft", signed=True),
    ),
    "FSS" / Group(
        "MV" / Table(1),
        "AH" / Table(1),
        "AM" / Table(1),
        "ALT" / Quantity(13, 25, "ft", signed=True),
    ),
    "TIS" / Extended(
        ["NAV" / Table(1), "NVB" / Table(1), Spare(5)],
    ),
    "TID" / Repetitive(Group(
        "TCA" / Table(1),
        "NC" / Table(1),
        "TCPN" / Raw(6),
        "ALT" / Quantity(16, 10, "ft", signed=True),
        "LAT" / Quantity(24, 180 / 2**23, "deg", signed=True),
        "LON" / Quantity(24, 180 / 2**23, "deg", signed=True),
        "PT" / Table(4),
        "TD" / Table(2),
        "TRA" / Table(1),
        "TOA" / Table(1),
        "TOV" / Quantity(24, 1, "s"),
        "TTR" / Quantity(16, 1 / 100, "NM"),
    ), rep=1),
    "COM" / Group(
        "COM" / Table(3),
        "STAT" / Table(3),
        Spare(2),
        "SSC" / Table(1),
        "ARC" / Table(1),
        "AIC" / Table(1),
        "B1A" / Raw(1),
        "B1B" / Raw(4),
    ),
    "SAB" / Group(
        "AC" / Table(2),
        "MN" / Table(2),
        "DC" / Table(2),
        "GBS" / Table(1),
        Spare(6),
        "STAT" / Table(3),
    ),
    "ACS" / Raw(56),
    "BVR" / Quantity(16, 25 / 2**2, "ft/min", signed=True),
    "GVR" / Quantity(16, 25 / 2**2, "ft/min", signed=True),
    "RAN" / Quantity(16, 1 / 100, "deg", signed=True),
    "TAR" / Group(
        "TI" / Table(2),
        Spare(6),
        "ROT" / Quantity(7, 1 / 2**2, "deg/s", signed=True),
        Spare(1),
    ),
    "TAN" / Quantity(16, 360 / 2**16, "deg"),
    "GS" / Quantity(16, 1 / 2**14, "NM/s", signed=True),
    "VUN" / Raw(8),
    "MET" / Group(
        "WS" / Table(1),
        "WD" / Table(1),
        "TMP" / Table(1),
        "TRB" / Table(1),
        Spare(4),
        "WSD" / Quantity(16, 1, "kt"),
        "WDD" / Quantity(16, 1, "deg"),
        "TMPD" / Quantity(16, 1 / 2**2, "degC", signed=True),
        "TRBD" / Unsigned(8),
    ),
    "EMC" / Table(8),
    "POS" / Group(
        "LAT" / Quantity(24, 180 / 2**23, "deg", signed=True),
        "LON" / Quantity(24, 180 / 2**23, "deg", signed=True),
    ),
    "GAL" / Quantity(16, 25 / 2**2, "ft", signed=True),
    "PUN" / Group(
        Spare(4),
        "PUN" / Raw(4),
    ),
    "MB" / Repetitive(Raw(64), rep=1),
    "IAR" / Quantity(16, 1, "kt"),
    "MAC" / Quantity(16, 1 / 125, "Mach"),
    "BPS" / Group(
        Spare(4),
        "BPS" / Quantity(12, 1 / 10, "mb"),
    ),
))

I390 = Item("390", "Flight Plan Related Data", Compound(
    "TAG" / Group(
        "SAC" / Raw(8),
        "SIC" / Raw(8),
    ),
    "CS" / Ascii(56),
    "IFI" / Group(
        "TYP" / Table(2),
        Spare(3),
        "NBR" / Unsigned(27),
    ),
    "FCT" / Group(
        "GATOAT" / Table(2),
        "FR1FR2" / Table(2),
        "RVSM" / Table(2),
        "HPR" / Table(1),
        Spare(1),
    ),
    "TAC" / Ascii(32),
    "WTC" / Ascii(8),
    "DEP" / Ascii(32),
    "DST" / Ascii(32),
    "RDS" / Group(
        "NU1" / Ascii(8),
        "NU2" / Ascii(8),
        "LTR" / Ascii(8),
    ),
    "CFL" / Quantity(16, 1 / 2**2, "FL"),
    "CTL" / Group(
        "CENTRE" / Raw(8),
        "POSITION" / Raw(8),
    ),
    "TOD" / Repetitive(Group(
        "TYP" / Table(5),
        "DAY" / Table(2),
        Spare(4),
        "HOR" / Unsigned(5),
        Spare(2),
        "MIN" / Unsigned(6),
        "AVS" / Table(1),
        Spare(1),
        "SEC" / Unsigned(6),
    ), rep=1),
    "AST" / Ascii(48),
    "STS" / Group(
        "EMP" / Table(2),
        "AVL" / Table(2),
        Spare(4),
    ),
    "STD" / Ascii(56),
    "STA" / Ascii(56),
    "PEM" / Group(
        Spare(3),
        "VA" / Table(1),
        "MODE3A" / Octal(12),
    ),
    "PEC" / Ascii(56),
))

I500 = Item("500", "Estimated Accuracies", Compound(
    "APC" / Group(
        "X" / Quantity(16, 1 / 2, "m"),
        "Y" / Quantity(16, 1 / 2, "m"),
    ),
    "COV" / Quantity(16, 1 / 2, "m", signed=True),
    "APW" / Group(
        "LAT" / Quantity(16, 180 / 2**25, "deg"),
        "LON" / Quantity(16, 180 / 2**25, "deg"),
    ),
    "AGA" / Quantity(8, 25 / 2**2, "ft"),
    "ABA" / Quantity(8, 1 / 2**2, "FL"),
    "ATV" / Group(
        "X" / Quantity(8, 1 / 2**2, "m/s"),
        "Y" / Quantity(8, 1 / 2**2, "m/s"),
    ),
    "AA" / Group(
        "X" / Quantity(8, 1 / 2**2, "m/s2"),
        "Y" / Quantity(8, 1 / 2**2, "m/s2"),
    ),
    "ARC" / Quantity(8, 25 / 2**2, "ft/min"),
))

# Repetitive with FX (master, then slaves), as in the later asterix-specs revisions of this
# edition; an earlier revision wrote it as a two-part extended item (MIDENT/MTRACK, SIDENT/STRACK)
# that could not carry more than one slave.
I510 = Item("510", "Composed Track Number", RepetitiveFX(Group(
    "IDENT" / Raw(8),
    "TRACK" / Raw(15),
)))

IRE = Item("RE", "Reserved Expansion Field", Explicit("re"))

ISP = Item("SP", "Special Purpose Field", Explicit("sp"))

CATEGORY = Category(62, "1.19", "SDPS Track Messages", uap=[
    I010, None, I015, I070, I105, I100, I185,
    I210, I060, I245, I380, I040, I080, I290,
    I200, I295, I136, I130, I135, I220, I390,
    I270, I300, I110, I120, I510, I500, I340,
    None, None, None, None, None, IRE, ISP,
])
