"""CAT062 SDPS Track Messages, edition 1.21 (EUROCONTROL specification, 2025-06-05).

Declared from the asterix-specs description of the edition (specs/cat062/cat-1.21.ast).
Each table carries the specification's texts for its values (for people reading decoded
records; decoded values stay integers).
"""
from radarbench.codecs.asterix.spec import (
    Ascii, Category, Compound, Depends, Explicit, Extended, Group, Icao6, Item, Octal,
    Quantity, Raw, Repetitive, RepetitiveFX, Spare, Table, Unsigned,
)

# Texts several tables share (edition 1.19 imports them too).
VALIDATED = {0: "Code validated", 1: "Code not validated"}
GARBLED = {0: "Default", 1: "Garbled code"}
NO_YES = {0: "No", 1: "Yes"}
ACTIVE = {0: "Not active", 1: "Active"}
MODE4_5 = {1: "Friendly target", 2: "Unknown target", 3: "No reply"}

# I062/080, the octets editions 1.19 and 1.21 share (first part and five extensions).
TRACK_STATUS = [
    {"MON": {0: "Multisensor track", 1: "Monosensor track"},
     "SPI": {0: "Default value", 1: "SPI present in the last report received from a sensor capable of decoding this data"},
     "MRH": {0: "Barometric altitude (Mode C) more reliable", 1: "Geometric altitude more reliable"},
     "SRC": {0: "No source", 1: "GNSS", 2: "3D radar", 3: "Triangulation", 4: "Height from coverage",
             5: "Speed look-up table", 6: "Default height", 7: "Multilateration"},
     "CNF": {0: "Confirmed track", 1: "Tentative track"}},
    {"SIM": {0: "Actual track", 1: "Simulated track"},
     "TSE": {0: "Default value", 1: "Last message transmitted to the user for the track"},
     "TSB": {0: "Default value", 1: "First message transmitted to the user for the track"},
     "FPC": {0: "Not flight-plan correlated", 1: "Flight plan correlated"},
     "AFF": {0: "Default value", 1: "ADS-B data inconsistent with other surveillance information"},
     "STP": {0: "Default value", 1: "Slave Track Promotion"},
     "KOS": {0: "Complementary service used", 1: "Background service used"}},
    {"AMA": {0: "Track not resulting from amalgamation process", 1: "Track resulting from amalgamation process"},
     "MD4": {0: "No Mode 4 interrogation", **MODE4_5},
     "ME": {0: "Default value", 1: "Military Emergency present in the last report received from a sensor capable of decoding this data"},
     "MI": {0: "Default value", 1: "Military Identification present in the last report received from a sensor capable of decoding this data"},
     "MD5": {0: "No Mode 5 interrogation", **MODE4_5}},
    {"CST": {0: "Default value", 1: "Age of the last received track update is higher than system dependent threshold (coasting)"},
     "PSR": {0: "Default value", 1: "Age of the last received PSR track update is higher than system dependent threshold"},
     "SSR": {0: "Default value", 1: "Age of the last received SSR track update is higher than system dependent threshold"},
     "MDS": {0: "Default value", 1: "Age of the last received Mode S track update is higher than system dependent threshold"},
     "ADS": {0: "Default value", 1: "Age of the last received ADS-B track update is higher than system dependent threshold"},
     "SUC": {0: "Default value", 1: "Special Used Code (Mode A codes to be defined in the system to mark a track with special interest)"},
     "AAC": {0: "Default value", 1: "Assigned Mode A Code Conflict (same discrete Mode A Code assigned to another track)"}},
    {"SDS": {0: "Combined", 1: "Co-operative only", 2: "Non-Cooperative only", 3: "Not defined"},
     "EMS": {0: "No emergency", 1: "General emergency", 2: "Lifeguard / medical", 3: "Minimum fuel",
             4: "No communications", 5: "Unlawful interference", 6: "Downed Aircraft", 7: "Undefined"},
     "PFT": {0: "No indication", 1: "Potential False Track Indication"},
     "FPLT": {0: "Default value", 1: "Track created / updated with FPL data"}},
    {"DUPT": {0: "Default value", 1: "Duplicate Mode 3/A Code"},
     "DUPF": {0: "Default value", 1: "Duplicate Flight Plan"},
     "DUPM": {0: "Default value", 1: "Duplicate Flight Plan due to manual correlation"},
     "SFC": {0: "Default value", 1: "Surface target"},
     "IDD": {0: "No indication", 1: "Duplicate Flight-ID"},
     "IEC": {0: "Default value", 1: "Inconsistent Emergency Code"}},
]
S0, S1, S2, S3, S4, S5 = TRACK_STATUS

I010 = Item("010", "Data Source Identifier", Group(
    "SAC" / Raw(8),
    "SIC" / Raw(8),
))

I015 = Item("015", "Service Identification", Raw(8))

I040 = Item("040", "Track Number", Raw(16))

I060 = Item("060", "Track Mode 3/A Code", Group(
    "V" / Table(1, VALIDATED),
    "G" / Table(1, GARBLED),
    "CH" / Table(1, {0: "No change", 1: "Mode 3/A has changed"}),
    Spare(1),
    "MODE3A" / Octal(12),
))

I070 = Item("070", "Time Of Track Information", Quantity(24, 1 / 2**7, "s"))

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
     "MLAT" / Table(1, {0: "Default value",
                        1: "Age of the last received MLAT track update is higher than system dependent threshold"})],
    ["M5I" / Table(1, {0: "Default value",
                       1: "Age of the last received Mode-5 interrogation track update is higher than system dependent threshold"}),
     Spare(6)],
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
        "M5" / Table(1, {0: "No Mode 5 interrogation", 1: "Mode 5 interrogation"}),
        "ID" / Table(1, {0: "No authenticated Mode 5 ID reply", 1: "Authenticated Mode 5 ID reply"}),
        "DA" / Table(1, {0: "No authenticated Mode 5 Data reply or Report",
                         1: "Authenticated Mode 5 Data reply or Report (any valid Mode 5 reply type other than ID)"}),
        "M1" / Table(1, {0: "Mode 1 code not present or not from Mode 5 reply", 1: "Mode 1 code from Mode 5 reply"}),
        "M2" / Table(1, {0: "Mode 2 code not present or not from Mode 5 reply", 1: "Mode 2 code from Mode 5 reply"}),
        "M3" / Table(1, {0: "Mode 3 code not present or not from Mode 5 reply", 1: "Mode 3 code from Mode 5 reply"}),
        "MC" / Table(1, {0: "Mode C altitude code not present or not from Mode 5 reply",
                         1: "Mode C altitude from Mode 5 reply"}),
        "X" / Table(1, {0: "X-pulse set to zero or no authenticated Data reply or Report received",
                        1: "X-pulse set to one"}),
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
        "RES" / Table(1, {0: "GA reported in 100 ft increments", 1: "GA reported in 25 ft increments"}),
        "GA" / Quantity(14, 25, "ft", signed=True),
    ),
    "EM1" / Group(
        Spare(4),
        "EM1" / Octal(12),
    ),
    "TOS" / Quantity(8, 1 / 2**7, "s", signed=True),
    "XP" / Group(
        Spare(3),
        "X5" / Table(1, {0: "X-pulse set to zero or no authenticated Data reply or Report received",
                         1: "X-pulse set to one (present)"}),
        "XC" / Table(1, {0: "X-pulse set to zero or no Mode C reply", 1: "X-pulse set to one (present)"}),
        "X3" / Table(1, {0: "X-pulse set to zero or no Mode 3/A reply", 1: "X-pulse set to one (present)"}),
        "X2" / Table(1, {0: "X-pulse set to zero or no Mode 2 reply", 1: "X-pulse set to one (present)"}),
        "X1" / Table(1, {0: "X-pulse set to zero or no Mode 1 reply", 1: "X-pulse set to one (present)"}),
    ),
))

I120 = Item("120", "Track Mode 2 Code", Group(
    Spare(4),
    "MODE2" / Octal(12),
))

I130 = Item("130", "Calculated Track Geometric Altitude", Quantity(16, 25 / 2**2, "ft", signed=True))

I135 = Item("135", "Calculated Track Barometric Altitude", Group(
    "QNH" / Table(1, {0: "No QNH correction applied", 1: "QNH correction applied"}),
    "CTB" / Quantity(15, 1 / 2**2, "FL", signed=True),
))

I136 = Item("136", "Measured Flight Level", Quantity(16, 1 / 2**2, "FL", signed=True))

I185 = Item("185", "Calculated Track Velocity (Cartesian)", Group(
    "VX" / Quantity(16, 1 / 2**2, "m/s", signed=True),
    "VY" / Quantity(16, 1 / 2**2, "m/s", signed=True),
))

I200 = Item("200", "Mode of Movement", Group(
    "TRANS" / Table(2, {0: "Constant course", 1: "Right turn", 2: "Left turn", 3: "Undetermined"}),
    "LONG" / Table(2, {0: "Constant groundspeed", 1: "Increasing groundspeed", 2: "Decreasing groundspeed",
                       3: "Undetermined"}),
    "VERT" / Table(2, {0: "Level", 1: "Climb", 2: "Descent", 3: "Undetermined"}),
    "ADF" / Table(1, {0: "No altitude discrepancy", 1: "Altitude discrepancy"}),
    Spare(1),
))

I210 = Item("210", "Calculated Acceleration (Cartesian)", Group(
    "AX" / Quantity(8, 1 / 2**2, "m/s2", signed=True),
    "AY" / Quantity(8, 1 / 2**2, "m/s2", signed=True),
))

I220 = Item("220", "Calculated Rate of Climb/Descent", Quantity(16, 25 / 2**2, "ft/min", signed=True))

I245 = Item("245", "Target Identification", Group(
    "STI" / Table(2, {0: "Callsign or registration downlinked from target",
                      1: "Callsign not downlinked from target",
                      2: "Registration not downlinked from target", 3: "Invalid"}),
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

I300 = Item("300", "Vehicle Fleet Identification", Table(8, {
    0: "Unknown",
    1: "ATC equipment maintenance",
    2: "Airport maintenance",
    3: "Fire",
    4: "Bird scarer",
    5: "Snow plough",
    6: "Runway sweeper",
    7: "Emergency",
    8: "Police",
    9: "Bus",
    10: "Tug (push/tow)",
    11: "Grass cutter",
    12: "Fuel",
    13: "Baggage",
    14: "Catering",
    15: "Aircraft maintenance",
    16: "Flyco (follow me)",
}))

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
        "V" / Table(1, VALIDATED),
        "G" / Table(1, GARBLED),
        "LMC" / Quantity(14, 1 / 2**2, "FL", signed=True),
    ),
    "MDA" / Group(
        "V" / Table(1, VALIDATED),
        "G" / Table(1, GARBLED),
        "L" / Table(1, {0: "Mode 3/A code as derived from the reply of the transponder",
                        1: "Mode 3/A code as provided by a sensor local tracker"}),
        Spare(1),
        "MODE3A" / Octal(12),
    ),
    "TYP" / Group(
        "TYP" / Table(3, {
            0: "No detection",
            1: "Single PSR detection",
            2: "Single SSR detection",
            3: "SSR + PSR detection",
            4: "Single ModeS All-Call",
            5: "Single ModeS Roll-Call",
            6: "ModeS All-Call + PSR",
            7: "ModeS Roll-Call + PSR",
        }),
        "SIM" / Table(1, {0: "Actual target report", 1: "Simulated target report"}),
        "RAB" / Table(1, {0: "Report from target transponder", 1: "Report from field monitor (item transponder)"}),
        "TST" / Table(1, {0: "Real target report", 1: "Test target report"}),
        Spare(2),
    ),
))

# I062/380 tables (edition 1.19 imports them too).
IM = {0: "Air Speed = IAS, LSB = 2^-14 NM/s", 1: "Air Speed = Mach, LSB = 0.001"}
SAS = {0: "No source information provided", 1: "Source information provided"}
SAL_SRC = {0: "Unknown", 1: "Aircraft altitude", 2: "FCU/MCP selected altitude", 3: "FMS selected altitude"}
NAV = {0: "Trajectory intent data is available for this aircraft",
       1: "Trajectory intent data is not available for this aircraft"}
NVB = {0: "Trajectory intent data is valid", 1: "Trajectory intent data is not valid"}
TCA = {0: "TCP number available", 1: "TCP number not available"}
NC = {0: "TCP compliance", 1: "TCP non-compliance"}
PT = {
    0: "Unknown",
    1: "Fly by waypoint (LT)",
    2: "Fly over waypoint (LT)",
    3: "Hold pattern (LT)",
    4: "Procedure hold (LT)",
    5: "Procedure turn (LT)",
    6: "RF leg (LT)",
    7: "Top of climb (VT)",
    8: "Top of descent (VT)",
    9: "Start of level (VT)",
    10: "Cross-over altitude (VT)",
    11: "Transition altitude (VT)",
}
TD = {0: "N/A", 1: "Turn right", 2: "Turn left", 3: "No turn"}
TRA = {0: "TTR not available", 1: "TTR available"}
TOA = {0: "TOV available", 1: "TOV not available"}
COM_COM = {
    0: "No communications capability (surveillance only)",
    1: "Comm. A and Comm. B capability",
    2: "Comm. A, Comm. B and Uplink ELM",
    3: "Comm. A, Comm. B, Uplink ELM and Downlink ELM",
    4: "Level 5 Transponder capability",
    5: "Not assigned",
    6: "Not assigned",
    7: "Not assigned",
}
COM_STAT = {
    0: "No alert, no SPI, aircraft airborne",
    1: "No alert, no SPI, aircraft on ground",
    2: "Alert, no SPI, aircraft airborne",
    3: "Alert, no SPI, aircraft on ground",
    4: "Alert, SPI, aircraft airborne or on ground",
    5: "No alert, SPI, aircraft airborne or on ground",
    6: "Not defined",
    7: "Unknown or not yet extracted",
}
ARC = {0: "100 ft resolution", 1: "25 ft resolution"}
SAB_AC = {0: "Unknown", 1: "ACAS not operational", 2: "ACAS operational", 3: "Invalid"}
SAB_MN = {0: "Unknown", 1: "Multiple navigational aids not operating", 2: "Multiple navigational aids operating",
          3: "Invalid"}
SAB_DC = {0: "Unknown", 1: "Differential correction", 2: "No differential correction", 3: "Invalid"}
SAB_GBS = {0: "Transponder ground bit not set or unknown", 1: "Transponder Ground Bit set"}
SAB_STAT = {
    0: "No emergency",
    1: "General emergency",
    2: "Lifeguard / medical",
    3: "Minimum fuel",
    4: "No communications",
    5: "Unlawful interference",
    6: "Downed Aircraft",
    7: "Unknown",
}
TI = {0: "Not available", 1: "Left", 2: "Right", 3: "Straight"}
MET_WS = {0: "Not valid Wind Speed", 1: "Valid Wind Speed"}
MET_WD = {0: "Not valid Wind Direction", 1: "Valid Wind Direction"}
MET_TMP = {0: "Not valid Temperature", 1: "Valid Temperature"}
MET_TRB = {0: "Not valid Turbulence", 1: "Valid Turbulence"}
EMC = {
    1: "Light aircraft =< 7000 kg",
    2: "Reserved",
    3: "7000 kg < medium aircraft < 136000 kg",
    4: "Reserved",
    5: "136000 kg <= heavy aircraft",
    6: "Highly manoeuvrable (5g acceleration capability) and high speed (>400 knots cruise)",
    7: "Reserved",
    8: "Reserved",
    9: "Reserved",
    10: "Rotocraft",
    11: "Glider / sailplane",
    12: "Lighter-than-air",
    13: "Unmanned aerial vehicle",
    14: "Space / transatmospheric vehicle",
    15: "Ultralight / handglider / paraglider",
    16: "Parachutist / skydiver",
    17: "Reserved",
    18: "Reserved",
    19: "Reserved",
    20: "Surface emergency vehicle",
    21: "Surface service vehicle",
    22: "Fixed ground or tethered obstruction",
    23: "Reserved",
    24: "Reserved",
}

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
    "BDSDATA" / Repetitive(Raw(64), rep=1),
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
        "TYP" / Table(2, {0: "Plan Number", 1: "Unit 1 internal flight number",
                          2: "Unit 2 internal flight number", 3: "Unit 3 internal flight number"}),
        Spare(3),
        "NBR" / Unsigned(27),
    ),
    "FCT" / Group(
        "GATOAT" / Table(2, {0: "Unknown", 1: "General Air Traffic", 2: "Operational Air Traffic",
                             3: "Not applicable"}),
        "FR1FR2" / Table(2, {0: "Instrument Flight Rules", 1: "Visual Flight Rules", 2: "Not applicable",
                             3: "Controlled Visual Flight Rules"}),
        "RVSM" / Table(2, {0: "Unknown", 1: "Approved", 2: "Exempt", 3: "Not Approved"}),
        "HPR" / Table(1, {0: "Normal Priority Flight", 1: "High Priority Flight"}),
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
        "TYP" / Table(5, {
            0: "Scheduled off-block time",
            1: "Estimated off-block time",
            2: "Estimated take-off time",
            3: "Actual off-block time",
            4: "Predicted time at runway hold",
            5: "Actual time at runway hold",
            6: "Actual line-up time",
            7: "Actual take-off time",
            8: "Estimated time of arrival",
            9: "Predicted landing time",
            10: "Actual landing time",
            11: "Actual time off runway",
            12: "Predicted time to gate",
            13: "Actual on-block time",
        }),
        "DAY" / Table(2, {0: "Today", 1: "Yesterday", 2: "Tomorrow", 3: "Invalid"}),
        Spare(4),
        "HOR" / Unsigned(5),
        Spare(2),
        "MIN" / Unsigned(6),
        "AVS" / Table(1, {0: "Seconds available", 1: "Seconds not available"}),
        Spare(1),
        "SEC" / Unsigned(6),
    ), rep=1),
    "AST" / Ascii(48),
    "STS" / Group(
        "EMP" / Table(2, {0: "Empty", 1: "Occupied", 2: "Unknown", 3: "Invalid"}),
        "AVL" / Table(2, {0: "Available", 1: "Not available", 2: "Unknown", 3: "Invalid"}),
        Spare(4),
    ),
    "STD" / Ascii(56),
    "STA" / Ascii(56),
    "PEM" / Group(
        Spare(3),
        "VA" / Table(1, {0: "No valid Mode 3/A available", 1: "Valid Mode 3/A available"}),
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

I510 = Item("510", "Composed Track Number", RepetitiveFX(Group(
    "IDENT" / Raw(8),
    "TRACK" / Raw(15),
)))

IRE = Item("RE", "Reserved Expansion Field", Explicit("re"))

ISP = Item("SP", "Special Purpose Field", Explicit("sp"))

CATEGORY = Category(62, "1.21", "SDPS Track Messages", uap=[
    I010, None, I015, I070, I105, I100, I185,
    I210, I060, I245, I380, I040, I080, I290,
    I200, I295, I136, I130, I135, I220, I390,
    I270, I300, I110, I120, I510, I500, I340,
    None, None, None, None, None, IRE, ISP,
])
