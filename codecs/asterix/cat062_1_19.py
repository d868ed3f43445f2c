"""CAT062 SDPS Track Messages, edition 1.19 (EUROCONTROL specification, 2020-11-04).

Declared from the asterix-specs description of the edition (specs/cat062/cat-1.19.ast).
Items whose layout is the same in edition 1.21 are that edition's declarations, imported; the
ones that differ are declared here.
Differences from edition 1.21: I062/080 ends after its sixth octet (IEC, one spare bit; no
MLAT, no M5I octet); I062/380 sub-field #25 is called MB (1.21: BDSDATA).
Tables are declared by size only; their texts are in the specification.
"""
from radarbench.codecs.asterix.cat062_1_21 import (  # same layout in 1.19
    I010, I015, I040, I060, I070, I100, I105, I110, I120, I130, I135, I136, I185, I200, I210,
    I220, I245, I270, I290, I295, I300, I340, I390, I500, IRE, ISP,
)
from radarbench.codecs.asterix.spec import (
    Category, Compound, Depends, Extended, Group, Icao6, Item, Quantity, Raw, Repetitive,
    RepetitiveFX, Spare, Table, Unsigned,
)

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
