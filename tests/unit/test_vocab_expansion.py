"""Explicit RE with a bound Expansion (a compound of a fixed 1-octet FSPEC), as CAT021 2.7's RE
with REF021 1.5: a dict when the contents parse as the expansion, else the hex string and a
warning (lenient) or a DecodeError (strict)."""
from __future__ import annotations

import pytest

import asterix.base as lb
import asterix.generated as lg
from oracle import _nonspare_value, values_diff
from radarbench.codecs.asterix.spec import (
    Category, Compound, Explicit, Expansion, Group, Item, Quantity, Raw, Spare, Table,
)
from vocab_engines import decode_error, decoded, encode_both, encode_error

EXP = Expansion(21, "1.5", "ADS-B Target Reports Expansion", Compound(
    "BPS" / Group(Spare(4), "BPS" / Quantity(12, 1 / 10, "hPa")),
    "SH" / Group(Spare(4), "HDR" / Table(1), "STAT" / Table(1), "SH" / Quantity(10, 45 / 2**6, "°")),
    fspec_octets=1,
))
I010 = Item("010", "Data Source Identification", Group("SAC" / Raw(8), "SIC" / Raw(8)))
IRE = Item("RE", "Reserved Expansion Field", Explicit("re"))
ISP = Item("SP", "Special Purpose Field", Explicit("sp"))
PLAIN = Category(21, "t", "RE", [I010, IRE, ISP])
CAT = PLAIN.with_expansion(EXP)

CONTENTS = bytes.fromhex("c0" "0854" "0c80")      # BPS 213.2 hPa, SH HDR 1 STAT 1 90°
VALUE = {"BPS": {"BPS": 2132 * (1 / 10)}, "SH": {"HDR": 1, "STAT": 1, "SH": 128 * (45 / 2**6)}}


def rec(contents: bytes) -> bytes:
    return bytes([0xC0, 1, 2, len(contents) + 1]) + contents


def test_with_expansion_binds_re_only() -> None:
    assert CAT.items["RE"].variation.expansion is EXP and CAT.expansion is EXP
    assert CAT.items["SP"] is ISP and CAT.items["010"] is I010
    assert PLAIN.items["RE"].variation.expansion is None  # the original is left alone


def test_re_decodes_to_the_expansion() -> None:
    items, warnings = decoded(CAT, rec(CONTENTS), strict=True)
    assert items == {"010": {"SAC": 1, "SIC": 2}, "RE": VALUE}
    assert encode_both(CAT, items) == rec(CONTENTS)
    # without the expansion: the hex string, as before
    assert decoded(PLAIN, rec(CONTENTS))[0]["RE"] == CONTENTS.hex()
    # encoding takes the hex string form too
    assert encode_both(CAT, {"010": {"SAC": 1, "SIC": 2}, "RE": CONTENTS.hex()}) == rec(CONTENTS)


@pytest.mark.parametrize("contents,detail", [
    (CONTENTS + b"\x00", "1 octet(s) left over"),
    (CONTENTS[:3], "runs past the end of its contents"),
    (b"", "runs past the end of its contents"),
    (bytes.fromhex("20"), "primary subfield bit 3 is set but names no sub-item"),
])
def test_re_that_does_not_parse(contents: bytes, detail: str) -> None:
    data = rec(contents)
    message = f"contents do not parse as REF021 1.5: {detail}"
    items, warnings = decoded(CAT, data)
    assert items["RE"] == contents.hex()
    assert warnings == [f"CAT021 item RE at byte offset 3: {message}; kept as hex"]
    assert decode_error(CAT, data, strict=True) == (21, "RE", 3, message)
    assert encode_both(CAT, items) == data  # the hex string goes back as it came


def test_spare_bits_inside_the_expansion() -> None:
    contents = bytes.fromhex("80" "f854")
    items, warnings = decoded(CAT, rec(contents))
    assert items["RE"] == {"BPS": {"BPS": 2132 * (1 / 10)}}
    assert warnings == ["CAT021 item RE/BPS at byte offset 5: non-zero spare bits (0xf)"]
    assert decode_error(CAT, rec(contents), strict=True) == (
        21, "RE", 3, "contents do not parse as REF021 1.5: non-zero spare bits (0xf)")


def test_truncated_re_item() -> None:
    assert decode_error(CAT, rec(CONTENTS)[:-1]) == (21, "RE", 3, "needs 6 octets, the data block has 5 left")


def test_encode_errors() -> None:
    assert "BPS" in str(encode_error(CAT, {"RE": {"BPS": {"BPS": 1e6}}}))
    assert encode_error(CAT, {"RE": {"XYZ": 1}}).item == "RE"
    assert encode_error(CAT, {"RE": 12}).item == "RE"


def test_fixed_fspec_compound_has_no_fx() -> None:
    # bit 8 of a fixed FSPEC octet is a presence bit, not FX
    comp = Compound(*[f"S{i}" / Raw(8) for i in range(8)], fspec_octets=1)
    cat = Category(99, "t", "fixed", [Item("001", "fixed", comp)])
    data = bytes([0x80, 0x81, 0x11, 0x18])
    items, _ = decoded(cat, data)
    assert items == {"001": {"S0": 0x11, "S7": 0x18}}
    assert encode_both(cat, items) == data
    with pytest.raises(ValueError, match="do not fit"):
        Compound(*[f"S{i}" / Raw(8) for i in range(9)], fspec_octets=1)


@pytest.mark.parametrize("contents", [CONTENTS, bytes.fromhex("80" "0001"), bytes.fromhex("40" "0000")])
def test_expansion_agrees_with_libasterix(contents: bytes) -> None:
    """libasterix's REF021 1.5 reads the same contents to the same values."""
    got = lg.Ref_021_1_5.cv_expansion._parse(lb.Bits.from_bytes(contents))
    assert not isinstance(got, ValueError)
    obj, rest = got
    assert len(rest) == 0
    theirs = {name: _nonspare_value(nsp, [name], {}) for name, nsp in obj.arg.items()}
    ours, _ = decoded(CAT, rec(contents), strict=True)
    assert values_diff(ours["RE"], theirs) == []
