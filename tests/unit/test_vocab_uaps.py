"""Several UAPs chosen by the record (CAT001 plot/track by I001/020 TYP, CAT007 by I007/410),
the RFS slot (random field sequencing), and Record.uap."""
from __future__ import annotations

import pytest

from oracle import _nonspare_value, libasterix_records, libasterix_values, values_diff
from radarbench.codecs.asterix import decode, encode
from radarbench.codecs.asterix import editions as registry
from radarbench.codecs.asterix.spec import (
    RFS, Category, Extended, Group, Item, Quantity, Raw, Table, UapSelect, Unsigned,
)
from vocab_engines import decode_error, decoded, encode_both, encode_error

# CAT001 1.2, the items used here, at their FRNs
I010 = Item("010", "Data Source Identifier", Group("SAC" / Raw(8), "SIC" / Raw(8)))
I020 = Item("020", "Target Report Descriptor", Extended(
    ["TYP" / Table(1), "SIM" / Table(1), "SSRPSR" / Table(2), "ANT" / Table(1), "SPI" / Table(1), "RAB" / Table(1)],
))
I040 = Item("040", "Measured Position in Polar Co-ordinates",
            Group("RHO" / Quantity(16, 1 / 2**7, "NM"), "THETA" / Quantity(16, 360 / 2**16, "°")))
I161 = Item("161", "Track Plot Number", Unsigned(16))
I141 = Item("141", "Truncated Time of Day", Quantity(16, 1 / 2**7, "s"))
PLOT = [I010, I020, I040, None, None, None, I141] + [None] * 13 + [RFS]
TRACK = [I010, I020, I161, I040, None, None, None, None, I141] + [None] * 11 + [RFS, None]
CAT001 = Category(1, "1.2", "Monoradar Target Reports", uaps={"plot": PLOT, "track": TRACK},
                  select=UapSelect("020", "TYP", {0: "plot", 1: "track"}, default=None))

FSPEC_RFS = bytes([0xC1, 0x01, 0x02])   # FRN 1, 2 and 21 (RFS)
POS = bytes.fromhex("0a804000")          # RHO 21 NM, THETA 90°


def block(cat: int, data: bytes) -> bytes:
    return bytes([cat]) + (len(data) + 3).to_bytes(2, "big") + data


# ---------------------------------------------------------------- several UAPs

def test_plot_and_track() -> None:
    plot = bytes([0xE2, 1, 2, 0x00]) + POS + bytes([0x01, 0x00])        # FRN 1, 2, 3 (040), 7 (141)
    track = bytes([0xF1, 0x40, 1, 2, 0x80, 0x01, 0x02]) + POS + bytes([0x01, 0x00])  # FRN 1-4, 9
    pi, _ = decoded(CAT001, plot, strict=True)
    ti, _ = decoded(CAT001, track, strict=True)
    assert pi == {"010": {"SAC": 1, "SIC": 2}, "020": {"TYP": 0, "SIM": 0, "SSRPSR": 0, "ANT": 0, "SPI": 0, "RAB": 0},
                  "040": {"RHO": 21.0, "THETA": 90.0}, "141": 2.0}
    assert ti["161"] == 0x0102 and ti["040"] == {"RHO": 21.0, "THETA": 90.0} and ti["141"] == 2.0
    assert encode_both(CAT001, pi) == plot and encode_both(CAT001, ti) == track
    for data, uap in ((plot, "plot"), (track, "track")):
        theirs = libasterix_values(1, "1.2", block(1, data), uap=uap)
        assert values_diff(decoded(CAT001, data)[0], theirs[0]) == []


def test_selector_absent_or_unknown() -> None:
    only_010 = bytes([0x80, 1, 2])
    assert decode_error(CAT001, only_010) == (
        1, "FSPEC", 0, "no UAP fits: the record has no I001/020, which chooses the UAP")
    err = encode_error(CAT001, {"010": {"SAC": 1, "SIC": 2}})
    assert "no UAP fits" in str(err)
    # with a default, the default serves
    lenient = Category(1, "t", "x", uaps={"plot": PLOT, "track": TRACK},
                       select=UapSelect("020", "TYP", {1: "track"}, default="plot"))
    assert decoded(lenient, only_010)[0] == {"010": {"SAC": 1, "SIC": 2}}
    assert encode_both(lenient, {"010": {"SAC": 1, "SIC": 2}}) == only_010


# CAT007-like: the selector is a whole element item
I410 = Item("410", "Message Type", Table(8))
I100 = Item("100", "Downlink", Raw(16))
I200 = Item("200", "Uplink", Raw(8))
CAT007 = Category(7, "t", "x", uaps={"downlink": [I010, I410, I100], "uplink": [I010, I410, I200]},
                  select=UapSelect("410", None, {0: "downlink", 1: "uplink"}))


def test_element_selector() -> None:
    down = bytes([0xE0, 1, 2, 0, 0xAB, 0xCD])
    up = bytes([0xE0, 1, 2, 1, 0xAB])
    assert decoded(CAT007, down)[0] == {"010": {"SAC": 1, "SIC": 2}, "410": 0, "100": 0xABCD}
    assert decoded(CAT007, up)[0] == {"010": {"SAC": 1, "SIC": 2}, "410": 1, "200": 0xAB}
    assert encode_both(CAT007, decoded(CAT007, down)[0]) == down
    assert decode_error(CAT007, bytes([0xE0, 1, 2, 12, 0xAB])) == (
        7, "410", 3, "no UAP fits: I007/410 is 12 (UAPs: 0 -> downlink, 1 -> uplink)")
    err = encode_error(CAT007, {"410": 12, "100": 1})
    assert err.item == "410" and "no UAP fits" in str(err)


def test_declaration_checks() -> None:
    with pytest.raises(ValueError, match="not declared"):
        Category(7, "t", "x", uaps={"a": [I010, I410]}, select=UapSelect("410", None, {0: "b"}))


def test_record_uap_through_the_api(monkeypatch) -> None:
    monkeypatch.setattr(registry, "resolve", lambda editions: {1: "1.2", 7: "t"})
    monkeypatch.setattr(registry, "load", lambda cat, ed: {1: CAT001, 7: CAT007}[cat])
    data = block(7, bytes([0xE0, 1, 2, 1, 0xAB])) + block(1, FSPEC_RFS + bytes([1, 2, 0x80, 1, 4]) + POS)
    for engine in ("fast", "construct"):
        recs = decode(data, engine=engine)
        assert [r.uap for r in recs] == ["uplink", "track"]
        assert recs[0].to_dict()["uap"] == "uplink"
        assert encode(recs) == data


# ---------------------------------------------------------------- RFS

def test_rfs_decodes_in_carried_order() -> None:
    data = FSPEC_RFS + bytes([1, 2, 0x00]) + bytes([2, 7, 0x01, 0x00, 3]) + POS
    items, _ = decoded(CAT001, data, strict=True)
    assert items == {"010": {"SAC": 1, "SIC": 2}, "020": {"TYP": 0, "SIM": 0, "SSRPSR": 0, "ANT": 0, "SPI": 0, "RAB": 0},
                     "RFS": [{"141": 2.0}, {"040": {"RHO": 21.0, "THETA": 90.0}}]}
    assert encode_both(CAT001, items) == data
    # the FRNs are those of the record's UAP: 3 is I161 in the track UAP
    track = FSPEC_RFS + bytes([1, 2, 0x80]) + bytes([1, 3, 0x12, 0x34])
    assert decoded(CAT001, track)[0]["RFS"] == [{"161": 0x1234}]


@pytest.mark.parametrize("frn", [0, 4, 21, 22, 200])
def test_rfs_frn_that_names_no_item(frn: int) -> None:
    data = FSPEC_RFS + bytes([1, 2, 0x00]) + bytes([1, frn, 0, 0])
    assert decode_error(CAT001, data) == (1, "RFS", 7, f"RFS field 1: FRN {frn} names no item of the UAP")


def test_rfs_truncated() -> None:
    head = FSPEC_RFS + bytes([1, 2, 0x00])
    assert decode_error(CAT001, head) == (1, "RFS", 6, "needs 1 octet, the data block has 0 left")
    assert decode_error(CAT001, head + bytes([2, 7, 1, 0])) == (1, "RFS", 10, "needs 1 octet, the data block has 0 left")
    assert decode_error(CAT001, head + bytes([1, 3, 0x0A])) == (1, "040", 8, "needs 4 octets, the data block has 1 left")


def test_rfs_encode_errors() -> None:
    base = {"010": {"SAC": 1, "SIC": 2}, "020": {"TYP": 0, "SIM": 0, "SSRPSR": 0, "ANT": 0, "SPI": 0, "RAB": 0}}
    assert encode_error(CAT001, {**base, "RFS": [{"999": 1}]}).item == "RFS"
    assert encode_error(CAT001, {**base, "RFS": [{"040": 1, "141": 2.0}]}).item == "RFS"
    assert encode_error(CAT001, {**base, "RFS": {"040": 1}}).item == "RFS"


def test_rfs_agrees_with_libasterix() -> None:
    data = FSPEC_RFS + bytes([1, 2, 0x00]) + bytes([2, 3]) + POS + bytes([7, 0x01, 0x00])
    rec = libasterix_records(1, "1.2", block(1, data), uap="plot")[0]
    theirs = [{name: _nonspare_value(nsp, [name], {})} for slot in rec.items_rfs for name, nsp in slot]
    ours, _ = decoded(CAT001, data)
    assert values_diff(ours["RFS"], theirs) == []


def test_a_replaced_registry_neither_finds_nor_leaves_encoders(monkeypatch) -> None:
    # encode keeps the generated encoder of each (category, edition) it has met: a registry
    # replaced for a while (as here) must get its own declarations, and leave none behind
    from radarbench.codecs.asterix import EncodeError, encode_record
    items = {"010": {"SAC": 1, "SIC": 2}, "020": {"TYP": 0, "SIM": 0, "SSRPSR": 0, "ANT": 0, "SPI": 0, "RAB": 0}}
    real = encode_record(1, items, "1.2")
    assert real == bytes([0xC0, 1, 2, 0])
    swapped = Category(1, "1.2", "x", uap=[I161, I010, I020])   # I001/010 at FRN 2, 020 at 3
    monkeypatch.setattr(registry, "load", lambda cat, ed: {1: swapped, 7: CAT007}[cat])
    assert encode_record(1, items, "1.2") == bytes([0x60, 1, 2, 0])
    assert encode_record(7, {"010": {"SAC": 1, "SIC": 2}, "410": 1, "200": 0xAB}, "t") == bytes([0xE0, 1, 2, 1, 0xAB])
    monkeypatch.undo()
    assert encode_record(1, items, "1.2") == real
    with pytest.raises(EncodeError, match="edition t"):
        encode_record(7, {"010": {"SAC": 1, "SIC": 2}, "410": 1, "200": 0xAB}, "t")
