"""Categories with several UAPs choose one from the record itself (as CAT001 does by I001/020 TYP).

A small two-UAP category is declared here; both engines must pick the UAP from the record.
"""
from __future__ import annotations

import pytest
from radarbench.codecs.asterix.codegen import generate
from radarbench.codecs.asterix.record import build_record, parse_record
from radarbench.codecs.asterix.spec import (
    Category,
    Extended,
    Group,
    Item,
    Quantity,
    Raw,
    Table,
    UapSelect,
    Unsigned,
)

I010 = Item("010", "Data Source Identifier", Group("SAC" / Raw(8), "SIC" / Raw(8)))
I020 = Item("020", "Target Report Descriptor", Extended(
    ["TYP" / Table(1), "SIM" / Table(1), "SSRPSR" / Table(2), "ANT" / Table(1), "SPI" / Table(1), "RAB" / Table(1)],
))
I040 = Item("040", "Position", Group("RHO" / Quantity(16, 1 / 128, "NM"), "THETA" / Quantity(16, 360 / 2**16, "deg")))
I161 = Item("161", "Track Plot Number", Unsigned(16))
I141 = Item("141", "Truncated Time of Day", Quantity(16, 1 / 128, "s"))

CAT = Category(1, "test", "two UAPs", uaps={
    "plot": [I010, I020, I040, I141],
    "track": [I010, I020, I161, I040, I141],
}, select=UapSelect("020", "TYP", {0: "plot", 1: "track"}, default="plot"))

ENGINES = {
    "fast": generate(CAT)[1],
    "construct": lambda b, p, e, W: parse_record(CAT, b, p, e, W),
}


@pytest.mark.parametrize("engine", ENGINES)
def test_uap_follows_typ(engine: str) -> None:
    dec = ENGINES[engine]
    plot = {"010": {"SAC": 1, "SIC": 2}, "020": {"TYP": 0, "SIM": 0, "SSRPSR": 2, "ANT": 0, "SPI": 0, "RAB": 0},
            "040": {"RHO": 10.5, "THETA": 90.0}, "141": 12.25}
    track = {"010": {"SAC": 1, "SIC": 2}, "020": {"TYP": 1, "SIM": 0, "SSRPSR": 2, "ANT": 0, "SPI": 0, "RAB": 0},
             "161": 513, "040": {"RHO": 10.5, "THETA": 90.0}, "141": 12.25}
    pb, tb = build_record(CAT, plot), build_record(CAT, track)
    # FRN 3 is I040 in the plot UAP and I161 in the track UAP: the FSPECs differ
    assert pb[0] == 0b11110000 and tb[0] == 0b11111000
    assert dec(pb, 0, len(pb), []) == (plot, len(pb))
    assert dec(tb, 0, len(tb), []) == (track, len(tb))
    # the same octets with TYP flipped are read under the track UAP: FRN 3 becomes I161
    flipped = bytearray(pb)
    flipped[3] |= 0x80  # I020 after FSPEC (1) and I010 (2)
    items, end = dec(bytes(flipped), 0, len(flipped), [])
    assert list(items) == ["010", "020", "161", "040"] and items["020"]["TYP"] == 1
    assert items["161"] == int.from_bytes(pb[4:6], "big")


def test_selector_must_come_first() -> None:
    with pytest.raises(ValueError, match="selector"):
        Category(1, "bad", "x", uaps={"a": [I010, I020], "b": [I020, I010]},
                 select=UapSelect("020", "TYP", {0: "a"}, default="a"))
