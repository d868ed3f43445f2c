"""Bds: a Mode S Comm-B register element, decoded to its raw unsigned integer."""
from __future__ import annotations

import pytest

from oracle import libasterix_item_value
from radarbench.codecs.asterix.spec import Bds, Category, Compound, Group, Item, Raw, Repetitive
from vocab_engines import decode_error, decoded, encode_both, encode_error

I010 = Item("010", "Data Source Identification", Group("SAC" / Raw(8), "SIC" / Raw(8)))
# as I021/250 (2.7): repetitive 1 of a 64-bit BDS register with its address in the low octet
I250 = Item("250", "Mode S MB Data", Repetitive(Bds(64), rep=1))
# a 56-bit register of a known (30) and of an unknown number
I260 = Item("260", "ACAS Resolution Advisory Report", Bds(56, "30"))
I270 = Item("270", "Register", Compound("A" / Bds(56), "B" / Bds(64)))
CAT = Category(21, "t", "bds", [I010, I250, I260, I270])

MB1 = bytes.fromhex("a0001910203040" + "40")   # BDS 4,0
MB2 = bytes.fromhex("ffffffffffffff" + "60")   # BDS 6,0


def test_bds_values_and_round_trip() -> None:
    # FSPEC: FRN 1..4 -> 0xF0
    data = bytes([0xF0, 1, 2, 2]) + MB1 + MB2 + bytes.fromhex("30c00000000000") \
        + bytes([0x80]) + bytes.fromhex("00000000000001")
    items, warnings = decoded(CAT, data)
    assert items == {
        "010": {"SAC": 1, "SIC": 2},
        "250": [0xA000191020304040, 0xFFFFFFFFFFFFFF60],
        "260": 0x30C00000000000,
        "270": {"A": 1},
    }
    assert warnings == []
    assert encode_both(CAT, items) == data
    assert CAT.items["260"].variation.register == "30" and CAT.items["250"].variation.sub.register is None


def test_bds_truncated_and_out_of_range() -> None:
    data = bytes([0x40, 1]) + MB1[:5]
    # both engines: the 8 octets of the repetition after the count octet are missing
    assert decode_error(CAT, data) == (21, "250", 2, "needs 8 octets, the data block has 5 left")
    err = encode_error(CAT, {"250": [1 << 64]})
    assert err.item == "250" and "64" in str(err)
    err = encode_error(CAT, {"260": -1})
    assert err.item == "260"


@pytest.mark.parametrize("mb", [MB1, MB2])
def test_bds_agrees_with_libasterix(mb: bytes) -> None:
    data = bytes([1]) + mb
    theirs, n = libasterix_item_value(21, "2.7", "250", data)
    assert n == len(data)
    items, _ = decoded(CAT, bytes([0x40]) + data)
    assert items["250"] == theirs
