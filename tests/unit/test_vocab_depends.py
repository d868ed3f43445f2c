"""Depends: content chosen by values decoded before it, a sibling or an earlier top-level item.

The declaration follows I004/120/CC of CAT004 1.12: CPC depends on (I004/000, I004/120/CC/TID).
"""
from __future__ import annotations

import pytest

import asterix.base as lb
from oracle import _variation_value, libasterix_records
from radarbench.codecs.asterix.spec import (
    Category, Compound, Depends, Group, Item, Quantity, Raw, Spare, Table, Unsigned,
)
from vocab_engines import decode_error, decoded, encode_both

I010 = Item("010", "Data Source Identifier", Group("SAC" / Raw(8), "SIC" / Raw(8)))
I000 = Item("000", "Message Type", Table(8, {5: "APW", 7: "STCA", 9: "RIMCAS"}))
CPC = Depends((("000",), ("120", "CC", "TID")), {
    (5, 1): Table(3, {0: "APW Low Severity"}),
    (7, 0): Table(3),
    (7, 1): Group("LPF" / Table(1), "CPF" / Table(1), "MHF" / Table(1)),
    (9, 2): Group("RAS" / Table(1), Spare(2)),
}, default=None)
I120 = Item("120", "Conflict Characteristics", Compound(
    None,
    "CC" / Group("TID" / Raw(4), "CPC" / CPC, "CS" / Table(1)),
))
# as I062/380/IAS: the older single-sibling form, and the root-path form of the same thing
IAS_OLD = Group("IM" / Table(1), "IAS" / Depends("IM", {
    0: Quantity(15, 2**-14, "NM/s"), 1: Quantity(15, 0.001, "Mach")}))
IAS_NEW = Group("IM" / Table(1), "IAS" / Depends((("150", "IM"),), {
    (0,): Quantity(15, 2**-14, "NM/s"), (1,): Quantity(15, 1 / 1000, "Mach")}, default=Raw(15)))
I150 = Item("150", "Air Speed", IAS_NEW)
I151 = Item("151", "Air Speed (older form)", IAS_OLD)
# UAP as CAT004 1.12: 010, 000, 015, 020, 040, 045, 060, 030, 170, 120 -> FRN 1, 2 and 10
CAT = Category(4, "t", "depends", [I010, I000, None, None, None, None, None, None, None, I120, I150, I151])

HEAD = bytes([0x41, 0x20])  # FRN 2 (000) and FRN 10 (120)


def record(msg_type: int, cc: int) -> bytes:
    return HEAD + bytes([msg_type, 0x40, cc])


@pytest.mark.parametrize("msg_type,cc,cpc", [
    (7, 0b0001_101_1, {"LPF": 1, "CPF": 0, "MHF": 1}),   # (7, 1): a group
    (5, 0b0001_101_1, 5),                                 # (5, 1): a table
    (7, 0b0000_011_0, 3),                                 # (7, 0): another table
    (9, 0b0010_100_1, {"RAS": 1}),                        # (9, 2): a group with spare bits
    (1, 0b0001_101_1, 5),                                 # no case: the default, raw bits
    (5, 0b0011_110_0, 6),                                 # TID 3 with 000 = 5: the default
])
def test_cpc_follows_message_type_and_tid(msg_type: int, cc: int, cpc) -> None:
    data = record(msg_type, cc)
    items, warnings = decoded(CAT, data, strict=True)
    assert items == {"000": msg_type, "120": {"CC": {"TID": cc >> 4, "CPC": cpc, "CS": cc & 1}}}
    assert encode_both(CAT, items) == data


def test_dependency_absent_gives_the_default() -> None:
    data = bytes([0x01, 0x20, 0x40, 0b0001_101_1])   # 120 without 000
    items, _ = decoded(CAT, data)
    assert items["120"]["CC"]["CPC"] == 5
    assert encode_both(CAT, items) == data


def test_spare_bits_in_a_case_group() -> None:
    data = record(9, 0b0010_101_0)  # (9, 2): RAS 1 and spare bits 01
    items, warnings = decoded(CAT, data)
    assert items["120"]["CC"]["CPC"] == {"RAS": 1}
    assert warnings == ["CAT004 item 120/CC/CPC at byte offset 4: non-zero spare bits (0x1)"]
    assert decode_error(CAT, data, strict=True) == (4, "120/CC/CPC", 4, "non-zero spare bits (0x1) (strict mode)")


def test_truncated_dependent_item() -> None:
    assert decode_error(CAT, record(7, 0x1B)[:-1]) == (4, "120/CC", 4, "needs 1 octet, the data block has 0 left")


@pytest.mark.parametrize("group,key", [(I150, "150"), (I151, "151")])
def test_sibling_forms(group: Item, key: str) -> None:
    frn = CAT.uap.index(group)
    fspec = bytes([0x01, (0x80 >> (frn - 7)) & 0xFE])
    mach = fspec + bytes([0x83, 0x20])   # IM 1, 800 * 0.001 Mach
    nms = fspec + bytes([0x00, 0x40])    # IM 0, 64 * 2^-14 NM/s
    assert decoded(CAT, mach)[0] == {key: {"IM": 1, "IAS": 800 * 0.001}}
    assert decoded(CAT, nms)[0] == {key: {"IM": 0, "IAS": 64 * 2**-14}}
    for data in (mach, nms):
        assert encode_both(CAT, decoded(CAT, data)[0]) == data


def test_declaration_checks() -> None:
    with pytest.raises(ValueError, match="differ in size"):
        Depends((("000",),), {(1,): Raw(3), (2,): Raw(4)})
    with pytest.raises(ValueError, match="tuple"):
        Depends((("000",), ("120", "TID")), {(1,): Raw(3)})


@pytest.mark.parametrize("msg_type,cc", [(7, 0b0001_101_1), (5, 0b0001_010_1), (7, 0b0000_100_0), (9, 0b0010_100_1)])
def test_cpc_agrees_with_libasterix(msg_type: int, cc: int) -> None:
    """libasterix 1.12 parses the same record; its CPC, read with the case key it declares
    (I004/000, I004/120/CC/TID), equals ours."""
    data = record(msg_type, cc)
    block = bytes([4]) + (len(data) + 3).to_bytes(2, "big") + data
    rec = libasterix_records(4, "1.12", block)[0]
    v000 = rec.items_regular["000"].as_uint()
    cc_group = rec.items_regular["120"].arg.arg.arg["CC"].arg.arg
    fields = {i.cv_non_spare.cv_name: i.arg for i in cc_group.arg if isinstance(i, lb.Item)}
    tid = fields["TID"].as_uint()
    rv = fields["CPC"].arg
    assert type(rv).cv_depends_on == [["000"], ["120", "CC", "TID"]]
    theirs = _variation_value(rv._variation((v000, tid)), ["120", "CC", "CPC"])
    ours, _ = decoded(CAT, data)
    assert ours["120"]["CC"]["CPC"] == theirs
