"""CAT048 Monoradar Target Reports, edition 1.32 (EUROCONTROL specification, 2024-07-01).

Declared from asterix-specs ``specs/cat048/cat-1.32.ast``: items in the vocabulary of
:mod:`radarbench.codecs.asterix.spec`, then the UAP. Each table carries the specification's
texts for its values (for people reading decoded records; decoded values stay integers).
"""
from radarbench.codecs.asterix.spec import (
    Category, Compound, Explicit, Extended, Group, Icao6, Item, Octal, Quantity, Raw,
    Repetitive, RepetitiveFX, Spare, Table, Unsigned,
)

# Texts several tables share (edition 1.31 imports them too).
VALIDATED = {0: "Code validated", 1: "Code not validated"}
GARBLED = {0: "Default", 1: "Garbled code"}
NO_YES = {0: "No", 1: "Yes"}
AVAILABLE = {0: "Not available", 1: "Available"}

# Confidence of each reply pulse (I048/060, 065, 080, 100).
QA4 = {0: "High quality pulse A4", 1: "Low quality pulse A4"}
QA2 = {0: "High quality pulse A2", 1: "Low quality pulse A2"}
QA1 = {0: "High quality pulse A1", 1: "Low quality pulse A1"}
QB4 = {0: "High quality pulse B4", 1: "Low quality pulse B4"}
QB2 = {0: "High quality pulse B2", 1: "Low quality pulse B2"}
QB1 = {0: "High quality pulse B1", 1: "Low quality pulse B1"}
QC4 = {0: "High quality pulse C4", 1: "Low quality pulse C4"}
QC2 = {0: "High quality pulse C2", 1: "Low quality pulse C2"}
QC1 = {0: "High quality pulse C1", 1: "Low quality pulse C1"}
QD4 = {0: "High quality pulse D4", 1: "Low quality pulse D4"}
QD2 = {0: "High quality pulse D2", 1: "Low quality pulse D2"}
QD1 = {0: "High quality pulse D1", 1: "Low quality pulse D1"}

# I048/020, the octets editions 1.31 and 1.32 share (first part and the first two extensions).
TYP = {
    0: "No detection",
    1: "Single PSR detection",
    2: "Single SSR detection",
    3: "SSR + PSR detection",
    4: "Single ModeS All-Call",
    5: "Single ModeS Roll-Call",
    6: "ModeS All-Call + PSR",
    7: "ModeS Roll-Call + PSR",
}
SIM = {0: "Actual target report", 1: "Simulated target report"}
RDP = {0: "Report from RDP Chain 1", 1: "Report from RDP Chain 2"}
SPI = {0: "Absence of SPI", 1: "Special Position Identification"}
RAB = {0: "Report from aircraft transponder", 1: "Report from field monitor (fixed transponder)"}
TST = {0: "Real target report", 1: "Test target report"}
ERR = {0: "No Extended Range", 1: "Extended Range present"}
XPP = {0: "No X-Pulse present", 1: "X-Pulse present"}
ME = {0: "No military emergency", 1: "Military emergency"}
MI = {0: "No military identification", 1: "Military identification"}
FOEFRI = {0: "No Mode 4 interrogation", 1: "Friendly target", 2: "Unknown target", 3: "No reply"}
ADSB_EP = {0: "ADSB not populated", 1: "ADSB populated"}
SCN_EP = {0: "SCN not populated", 1: "SCN populated"}
PAI_EP = {0: "PAI not populated", 1: "PAI populated"}

I010 = Item("010", "Data Source Identifier", Group(
    "SAC" / Raw(8),
    "SIC" / Raw(8),
))

I020 = Item("020", "Target Report Descriptor", Extended(
    ["TYP" / Table(3, TYP), "SIM" / Table(1, SIM), "RDP" / Table(1, RDP), "SPI" / Table(1, SPI),
     "RAB" / Table(1, RAB)],
    ["TST" / Table(1, TST), "ERR" / Table(1, ERR), "XPP" / Table(1, XPP), "ME" / Table(1, ME),
     "MI" / Table(1, MI), "FOEFRI" / Table(2, FOEFRI)],
    ["ADSB" / Group("EP" / Table(1, ADSB_EP), "VAL" / Table(1, AVAILABLE)),
     "SCN" / Group("EP" / Table(1, SCN_EP), "VAL" / Table(1, AVAILABLE)),
     "PAI" / Group("EP" / Table(1, PAI_EP), "VAL" / Table(1, AVAILABLE)),
     Spare(1)],
    ["ACASXV" / Group(
        "EP" / Table(1, {0: "ACASXV not populated", 1: "ACASXV populated"}),
        "VAL" / Table(4, {0: "Non-Extended Version", 1: "ACAS Xa Version 1", 2: "ACAS Xu Version 1"})),
     "POXPR" / Group(
        "EP" / Table(1, {0: "POXPR not populated", 1: "POXPR populated"}),
        "VAL" / Table(1, {0: "PO not supported (PPM only)", 1: "PO supported"}))],
    ["POACT" / Group(
        "EP" / Table(1, {0: "POACT not populated", 1: "POACT populated"}),
        "VAL" / Table(1, {0: "PO not active", 1: "PO active"})),
     "DTFXPR" / Group(
        "EP" / Table(1, {0: "DTFXPR not populated", 1: "DTFXPR populated"}),
        "VAL" / Table(1, {0: "Basic Dataflash not supported", 1: "Basic Dataflash supported"})),
     "DTFACT" / Group(
        "EP" / Table(1, {0: "DTFACT not populated", 1: "DTFACT populated"}),
        "VAL" / Table(1, {0: "Basic Dataflash not active", 1: "Basic Dataflash active"})),
     Spare(1)],
    ["IRMXPR" / Group(
        "EP" / Table(1, {0: "IRMXPR not populated", 1: "IRMXPR populated"}),
        "VAL" / Table(1, {0: "Transponder not IRM capable", 1: "Transponder IRM capable"})),
     "IRMACT" / Group(
        "EP" / Table(1, {0: "IRMACT not populated", 1: "IRMACT populated"}),
        "VAL" / Table(1, {0: "IRM not active", 1: "IRM active"})),
     Spare(3)],
))

# I048/030 codes up to 36 (edition 1.31 stops there; 1.32 adds 37).
WARNINGS_1_31 = {
    0: "Not defined; never used",
    1: "Multipath Reply (Reflection)",
    2: "Reply due to sidelobe interrogation/reception",
    3: "Split plot",
    4: "Second time around reply",
    5: "Angel",
    6: "Slow moving target correlated with road infrastructure (terrestrial vehicle)",
    7: "Fixed PSR plot",
    8: "Slow PSR target",
    9: "Low quality PSR plot",
    10: "Phantom SSR plot",
    11: "Non-Matching Mode-3/A Code",
    12: "Mode C code / Mode S altitude code abnormal value compared to the track",
    13: "Target in Clutter Area",
    14: "Maximum Doppler Response in Zero Filter",
    15: "Transponder anomaly detected",
    16: "Duplicated or Illegal Mode S Aircraft Address",
    17: "Mode S error correction applied",
    18: "Undecodable Mode C code / Mode S altitude code",
    19: "Birds",
    20: "Flock of Birds",
    21: "Mode-1 was present in original reply",
    22: "Mode-2 was present in original reply",
    23: "Plot potentially caused by Wind Turbine",
    24: "Helicopter",
    25: "Maximum number of re-interrogations reached (surveillance information)",
    26: "Maximum number of re-interrogations reached (BDS Extractions)",
    27: "BDS Overlay Incoherence",
    28: "Potential BDS Swap Detected",
    29: "Track Update in the Zenithal Gap",
    30: "Mode S Track re-acquired",
    31: "Duplicated Mode 5 Pair NO/PIN detected",
    32: "Wrong DF reply format detected",
    33: "Transponder anomaly (MS XPD replies with Mode A/C to Mode A/C-only all-call)",
    34: "Transponder anomaly (SI capability report wrong)",
    35: "Potential IC Conflict",
    36: "IC Conflict detection possible-no conflict currently detected",
}

I030 = Item("030", "Warning/Error Conditions and Target Classification", RepetitiveFX(Table(7, {
    **WARNINGS_1_31,
    37: "Duplicate Mode 5 PIN (refer to the Mode 5 items in the REF)",
})))

I040 = Item("040", "Measured Position in Polar Co-ordinates", Group(
    "RHO" / Quantity(16, 2**-8, "NM"),
    "THETA" / Quantity(16, 360 / 2**16, "deg"),
))

I042 = Item("042", "Calculated Position in Cartesian Co-ordinates", Group(
    "X" / Quantity(16, 2**-7, "NM", signed=True),
    "Y" / Quantity(16, 2**-7, "NM", signed=True),
))

I050 = Item("050", "Mode-2 Code in Octal Representation", Group(
    "V" / Table(1, VALIDATED),
    "G" / Table(1, GARBLED),
    "L" / Table(1, {0: "Mode-2 code as derived from the reply of the transponder",
                    1: "Smoothed Mode-2 code as provided by a local tracker"}),
    Spare(1),
    "MODE2" / Octal(12),
))

I055 = Item("055", "Mode-1 Code in Octal Representation", Group(
    "V" / Table(1, VALIDATED),
    "G" / Table(1, GARBLED),
    "L" / Table(1, {0: "Mode-1 code as derived from the reply of the transponder",
                    1: "Smoothed Mode-1 code as provided by a local tracker"}),
    "MODE1" / Raw(5),
))

I060 = Item("060", "Mode-2 Code Confidence Indicator", Group(
    Spare(4),
    "QA4" / Table(1, QA4), "QA2" / Table(1, QA2), "QA1" / Table(1, QA1),
    "QB4" / Table(1, QB4), "QB2" / Table(1, QB2), "QB1" / Table(1, QB1),
    "QC4" / Table(1, QC4), "QC2" / Table(1, QC2), "QC1" / Table(1, QC1),
    "QD4" / Table(1, QD4), "QD2" / Table(1, QD2), "QD1" / Table(1, QD1),
))

I065 = Item("065", "Mode-1 Code Confidence Indicator", Group(
    Spare(3),
    "QA4" / Table(1, QA4), "QA2" / Table(1, QA2), "QA1" / Table(1, QA1),
    "QB2" / Table(1, QB2), "QB1" / Table(1, QB1),
))

I070 = Item("070", "Mode-3/A Code in Octal Representation", Group(
    "V" / Table(1, VALIDATED),
    "G" / Table(1, GARBLED),
    "L" / Table(1, {0: "Mode-3/A code derived from the reply of the transponder",
                    1: "Mode-3/A code not extracted during the last scan"}),
    Spare(1),
    "MODE3A" / Octal(12),
))

I080 = Item("080", "Mode-3/A Code Confidence Indicator", Group(
    Spare(4),
    "QA4" / Table(1, QA4), "QA2" / Table(1, QA2), "QA1" / Table(1, QA1),
    "QB4" / Table(1, QB4), "QB2" / Table(1, QB2), "QB1" / Table(1, QB1),
    "QC4" / Table(1, QC4), "QC2" / Table(1, QC2), "QC1" / Table(1, QC1),
    "QD4" / Table(1, QD4), "QD2" / Table(1, QD2), "QD1" / Table(1, QD1),
))

I090 = Item("090", "Flight Level in Binary Representation", Group(
    "V" / Table(1, VALIDATED),
    "G" / Table(1, GARBLED),
    "FL" / Quantity(14, 1 / 4, "FL", signed=True),
))

I100 = Item("100", "Mode-C Code and Code Confidence Indicator", Group(
    "V" / Table(1, VALIDATED),
    "G" / Table(1, GARBLED),
    Spare(2),
    "MODEC" / Raw(12),
    Spare(4),
    "QC1" / Table(1, QC1), "QA1" / Table(1, QA1), "QC2" / Table(1, QC2), "QA2" / Table(1, QA2),
    "QC4" / Table(1, QC4), "QA4" / Table(1, QA4), "QB1" / Table(1, QB1), "QD1" / Table(1, QD1),
    "QB2" / Table(1, QB2), "QD2" / Table(1, QD2), "QB4" / Table(1, QB4), "QD4" / Table(1, QD4),
))

I110 = Item("110", "Height Measured by a 3D Radar", Group(
    Spare(2),
    "3DH" / Quantity(14, 25, "ft", signed=True),
))

I120 = Item("120", "Radial Doppler Speed", Compound(
    "CAL" / Group(
        "D" / Table(1, {0: "Doppler speed is valid", 1: "Doppler speed is doubtful"}),
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
    ["CNF" / Table(1, {0: "Confirmed Track", 1: "Tentative Track"}),
     "RAD" / Table(2, {0: "Combined Track", 1: "PSR Track", 2: "SSR/Mode S Track", 3: "Invalid"}),
     "DOU" / Table(1, {0: "Normal confidence", 1: "Low confidence in plot to track association"}),
     "MAH" / Table(1, {0: "No horizontal man. sensed", 1: "Horizontal man. sensed"}),
     "CDM" / Table(2, {0: "Maintaining", 1: "Climbing", 2: "Descending", 3: "Unknown"})],
    ["TRE" / Table(1, {0: "Track still alive", 1: "End of track lifetime (last report for this track)"}),
     "GHO" / Table(1, {0: "True target track", 1: "Ghost target track"}),
     "SUP" / Table(1, NO_YES),  # track maintained with information from a neighbouring node
     "TCC" / Table(1, {0: "Tracking in the 'Radar Plane' (no slant range correction, no projection)",
                       1: "Slant range correction and projection: tracking in a 2D reference plane"}),
     Spare(3)],
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
    "COM" / Table(3, {
        0: "No communications capability (surveillance only)",
        1: "Comm. A and Comm. B capability",
        2: "Comm. A, Comm. B and Uplink ELM",
        3: "Comm. A, Comm. B, Uplink ELM and Downlink ELM",
        4: "Level 5 Transponder capability",
    }),
    "STAT" / Table(3, {
        0: "No alert, no SPI, aircraft airborne",
        1: "No alert, no SPI, aircraft on ground",
        2: "Alert, no SPI, aircraft airborne",
        3: "Alert, no SPI, aircraft on ground",
        4: "Alert, SPI, aircraft airborne or on ground",
        5: "No alert, SPI, aircraft airborne or on ground",
        7: "Unknown",
    }),
    "SI" / Table(1, {0: "SI-Code Capable", 1: "II-Code Capable"}),
    Spare(1),
    "MSSC" / Table(1, NO_YES),
    "ARC" / Table(1, {0: "100 ft resolution", 1: "25 ft resolution"}),
    "AIC" / Table(1, NO_YES),
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

CATEGORY = Category(48, "1.32", "Monoradar Target Reports", uap=[
    I010, I140, I020, I040, I070, I090, I130,
    I220, I240, I250, I161, I042, I200, I170,
    I210, I030, I080, I100, I110, I120, I230,
    I260, I055, I050, I065, I060, ISP, IRE,
])
