"""CAT062 SDPS Track Messages, edition 1.19 (EUROCONTROL specification, 2020-11-04).

Declared from the asterix-specs description of the edition (specs/cat062/cat-1.19.ast).
Items whose layout is the same in edition 1.21 are that edition's declarations, imported; the
ones that differ are declared here.
Differences from edition 1.21: I062/080 ends after its sixth octet (IEC, one spare bit; no
MLAT, no M5I octet); I062/380 sub-field #25 is called MB (1.21: BDSDATA).
Table texts are those of edition 1.21 (the same in this edition's asterix-specs text), imported.
"""
from radarbench.codecs.asterix.cat062_1_21 import (  # same layout in 1.19
    I010, I015, I040, I060, I070, I100, I105, I110, I120, I130, I135, I136, I185, I200, I210,
    I220, I245, I270, I290, I295, I300, I340, I390, I500, IRE, ISP,
)
from radarbench.codecs.asterix.cat062_1_21 import (  # table texts the editions share
    ACTIVE, ARC, COM_COM, COM_STAT, EMC, IM, MET_TMP, MET_TRB, MET_WD, MET_WS, NAV, NC, NO_YES,
    NVB, PT, S0, S1, S2, S3, S4, S5, SAB_AC, SAB_DC, SAB_GBS, SAB_MN, SAB_STAT, SAL_SRC, SAS,
    TCA, TD, TI, TOA, TRA,
)
from radarbench.codecs.asterix.spec import (
    Category, Compound, Depends, Extended, Group, Icao6, Item, Quantity, Raw, Repetitive,
    RepetitiveFX, Spare, Table, Unsigned,
)

I080 = Item("080", "Track Status", Extended(
    ["MON" / Table(1, S0["MON"]), "SPI" / Table(1, S0["SPI"]), "MRH" / Table(1, S0["MRH"]),
     "SRC" / Table(3, S0["SRC"]), "CNF" / Table(1, S0["CNF"])],
    ["SIM" / Table(1, S1["SIM"]), "TSE" / Table(1, S1["TSE"]), "TSB" / Table(1, S1["TSB"]),
     "FPC" / Table(1, S1["FPC"]), "AFF" / Table(1, S1["AFF"]), "STP" / Table(1, S1["STP"]),
     "KOS" / Table(1, S1["KOS"])],
    ["AMA" / Table(1, S2["AMA"]), "MD4" / Table(2, S2["MD4"]), "ME" / Table(1, S2["ME"]),
     "MI" / Table(1, S2["MI"]), "MD5" / Table(2, S2["MD5"])],
    ["CST" / Table(1, S3["CST"]), "PSR" / Table(1, S3["PSR"]), "SSR" / Table(1, S3["SSR"]),
     "MDS" / Table(1, S3["MDS"]), "ADS" / Table(1, S3["ADS"]), "SUC" / Table(1, S3["SUC"]),
     "AAC" / Table(1, S3["AAC"])],
    ["SDS" / Table(2, S4["SDS"]), "EMS" / Table(3, S4["EMS"]), "PFT" / Table(1, S4["PFT"]),
     "FPLT" / Table(1, S4["FPLT"])],
    ["DUPT" / Table(1, S5["DUPT"]), "DUPF" / Table(1, S5["DUPF"]), "DUPM" / Table(1, S5["DUPM"]),
     "SFC" / Table(1, S5["SFC"]), "IDD" / Table(1, S5["IDD"]), "IEC" / Table(1, S5["IEC"]),
     Spare(1)],
))

I380 = Item("380", "Aircraft Derived Data", Compound(
    "ADR" / Raw(24),
    "ID" / Icao6(48),
    "MHG" / Quantity(16, 360 / 2**16, "deg"),
    "IAS" / Group(
        "IM" / Table(1, IM),
        "IAS" / Depends("IM", {
            0: Quantity(15, 1 / 2**14, "NM/s"),
            1: Quantity(15, 1 / 1000, "Mach"),
        }, default=Raw(15)),
    ),
    "TAS" / Quantity(16, 1, "kt"),
    "SAL" / Group(
        "SAS" / Table(1, SAS),
        "SRC" / Table(2, SAL_SRC),
        "ALT" / Quantity(13, 25, "ft", signed=True),
    ),
    "FSS" / Group(
        "MV" / Table(1, ACTIVE),
        "AH" / Table(1, ACTIVE),
        "AM" / Table(1, ACTIVE),
        "ALT" / Quantity(13, 25, "ft", signed=True),
    ),
    "TIS" / Extended(
        ["NAV" / Table(1, NAV), "NVB" / Table(1, NVB), Spare(5)],
    ),
    "TID" / Repetitive(Group(
        "TCA" / Table(1, TCA),
        "NC" / Table(1, NC),
        "TCPN" / Raw(6),
        "ALT" / Quantity(16, 10, "ft", signed=True),
        "LAT" / Quantity(24, 180 / 2**23, "deg", signed=True),
        "LON" / Quantity(24, 180 / 2**23, "deg", signed=True),
        "PT" / Table(4, PT),
        "TD" / Table(2, TD),
        "TRA" / Table(1, TRA),
        "TOA" / Table(1, TOA),
        "TOV" / Quantity(24, 1, "s"),
        "TTR" / Quantity(16, 1 / 100, "NM"),
    ), rep=1),
    "COM" / Group(
        "COM" / Table(3, COM_COM),
        "STAT" / Table(3, COM_STAT),
        Spare(2),
        "SSC" / Table(1, NO_YES),
        "ARC" / Table(1, ARC),
        "AIC" / Table(1, NO_YES),
        "B1A" / Raw(1),
        "B1B" / Raw(4),
    ),
    "SAB" / Group(
        "AC" / Table(2, SAB_AC),
        "MN" / Table(2, SAB_MN),
        "DC" / Table(2, SAB_DC),
        "GBS" / Table(1, SAB_GBS),
        Spare(6),
        "STAT" / Table(3, SAB_STAT),
    ),
    "ACS" / Raw(56),
    "BVR" / Quantity(16, 25 / 2**2, "ft/min", signed=True),
    "GVR" / Quantity(16, 25 / 2**2, "ft/min", signed=True),
    "RAN" / Quantity(16, 1 / 100, "deg", signed=True),
    "TAR" / Group(
        "TI" / Table(2, TI),
        Spare(6),
        "ROT" / Quantity(7, 1 / 2**2, "deg/s", signed=True),
        Spare(1),
    ),
    "TAN" / Quantity(16, 360 / 2**16, "deg"),
    "GS" / Quantity(16, 1 / 2**14, "NM/s", signed=True),
    "VUN" / Raw(8),
    "MET" / Group(
        "WS" / Table(1, MET_WS),
        "WD" / Table(1, MET_WD),
        "TMP" / Table(1, MET_TMP),
        "TRB" / Table(1, MET_TRB),
        Spare(4),
        "WSD" / Quantity(16, 1, "kt"),
        "WDD" / Quantity(16, 1, "deg"),
        "TMPD" / Quantity(16, 1 / 2**2, "degC", signed=True),
        "TRBD" / Unsigned(8),
    ),
    "EMC" / Table(8, EMC),
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

# Repetitive with FX (master, then slaves), as in the later asterix-specs revisions of this
# edition; an earlier revision wrote it as a two-part extended item (MIDENT/MTRACK, SIDENT/STRACK)
# that could not carry more than one slave.
I510 = Item("510", "Composed Track Number", RepetitiveFX(Group(
    "IDENT" / Raw(8),
    "TRACK" / Raw(15),
)))

CATEGORY = Category(62, "1.19", "SDPS Track Messages", uap=[
    I010, None, I015, I070, I105, I100, I185,
    I210, I060, I245, I380, I040, I080, I290,
    I200, I295, I136, I130, I135, I220, I390,
    I270, I300, I110, I120, I510, I500, I340,
    None, None, None, None, None, IRE, ISP,
])
