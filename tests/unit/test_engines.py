"""The generated decoder and encoder agree with the Construct reference on random records
of every registered edition, and fall back to it (same bytes, same errors) on odd values; on
damaged records both decoders give the same DecodeError or the same values and warnings. The
generated source can be read, and tracebacks show its lines."""
from __future__ import annotations

import random
from typing import Any

import pytest

from oracle import random_record
from radarbench.rigs.pcapfile import iter_datagrams
from samples import sample
from radarbench.codecs.asterix import (
    DecodeError, EncodeError, _fast_encoder, category_spec, decode, encode_record, pack_blocks,
)
from radarbench.codecs.asterix.codegen import Fallback, _ShapeEncoders
from radarbench.codecs.asterix.editions import known


@pytest.mark.parametrize("cat,ed", known())
def test_fast_and_reference_agree_on_random_records(cat: int, ed: str) -> None:
    spec = category_spec(cat, ed)
    rng = random.Random(cat * 1000 + int(ed.replace(".", "")))
    declined = 0
    for n in range(150):
        items = random_record(spec, rng)
        ref = encode_record(cat, items, ed, engine="construct")
        try:
            # the first 20 five times: the fifth goes through the function made for records
            # of those items (where the category has them: one UAP, no RFS)
            fast = {_fast_encoder(spec)(items) for _ in range(5 if n < 20 else 1)}
        except Fallback:
            declined += 1
            continue
        assert fast == {ref}
        block = pack_blocks([(cat, ed, ref)])
        a = decode(block, editions={cat: ed})[0].items
        b = decode(block, editions={cat: ed}, engine="construct")[0].items
        assert a == b
    # the generated encoder serves valid values itself (the fallback is for odd ones)
    assert declined == 0


def test_encoder_fallback_gives_the_reference_error() -> None:
    items = {"010": {"SAC": 1, "SIC": 2}, "140": 100.0, "040": {"RHO": 1.0, "THETA": 400.0}}
    with pytest.raises(EncodeError) as ei:
        encode_record(48, items)
    assert ei.value.item == "040" and "THETA" in str(ei.value)
    # a bool is not a number for the reference: the fast path must not take it either
    with pytest.raises(EncodeError):
        encode_record(48, {"010": {"SAC": True, "SIC": 2}})


def _outcome(data: bytes, cat: int, ed: str, engine: str, strict: bool) -> tuple:
    """What a decode gives: the records (items, offset, warnings) or the DecodeError's parts."""
    try:
        recs = decode(data, editions={cat: ed}, engine=engine, strict=strict)
    except DecodeError as exc:
        return ("error", exc.category, exc.item, exc.offset, exc.reason)
    return ("records", [(r.items, r.offset, r.warnings, r.uap) for r in recs])


@pytest.mark.parametrize("cat,ed", known())
def test_engines_agree_on_damaged_records(cat: int, ed: str) -> None:
    # Same values, or the same DecodeError (category, item, byte offset, reason), and the same
    # warnings at the same places, on records with bits flipped, octets cut, inserted, deleted.
    spec = category_spec(cat, ed)
    rng = random.Random(cat * 31 + int(ed.replace(".", "")))
    for _ in range(12):
        rec = bytearray(encode_record(cat, random_record(spec, rng, every_item=rng.random() < 0.5), ed))
        for _ in range(rng.randint(1, 3)):
            if not rec:
                break
            i, op = rng.randrange(len(rec)), rng.random()
            if op < 0.55:
                rec[i] ^= 1 << rng.randrange(8)
            elif op < 0.7:
                del rec[i:]
            elif op < 0.85:
                rec[i:i] = bytes([rng.randrange(256)])
            else:
                del rec[i]
        if not rec:
            continue
        block = pack_blocks([(cat, ed, bytes(rec))])
        for strict in (False, True):
            assert _outcome(block, cat, ed, "fast", strict) == _outcome(block, cat, ed, "construct", strict), block.hex()


def test_generated_source_is_readable_and_shown_in_tracebacks() -> None:
    import linecache
    import traceback

    from radarbench.codecs.asterix import codegen
    src = codegen.source(48, "1.32")
    assert "def decode_record(b, p, e, W):" in src and "# I048/240 Aircraft Identification" in src
    assert "def encode_record(items):" in codegen.source(48, "1.32", encoder=True)
    decode(bytes.fromhex("300006800100"))  # builds (or reuses) the decoder the API runs
    try:
        decode(bytes.fromhex("3000058001"), strict=True)  # I048/010 cut short
    except DecodeError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
    else:
        raise AssertionError("a cut record decoded")
    gen = [f for f in frames if f.filename == "<radarbench CAT048 1.32>"]
    assert gen and gen[-1].line == linecache.getline(gen[-1].filename, gen[-1].lineno).strip() != ""
    assert "_short(CAT, '010'" in gen[-1].line


def test_values_from_octet_tables_are_the_callers_own() -> None:
    # I048/020's first octet and I048/230 come from octet tables: changing one decoded
    # record's dict must not change the next decode of the same bytes
    block = bytes.fromhex("300009" "210102" "a0" "4102")  # FSPEC: 020 and 230; one 020 octet
    first = decode(block)[0].items
    first["020"]["TYP"] = 99
    first["230"]["COM"] = 99
    again = decode(block)[0].items
    assert again["020"]["TYP"] != 99 and again["230"]["COM"] != 99
    assert again == decode(block, engine="construct")[0].items


def test_straight_line_encoder_takes_any_key_order_and_declines_odd_keys() -> None:
    items = {"010": {"SAC": 1, "SIC": 2}, "140": 100.0, "161": {"TRN": 7}, "220": 0xABCDEF}
    ref = encode_record(48, items, engine="construct")
    assert _fast_encoder(category_spec(48))(dict(reversed(items.items()))) == ref
    for odd in ({**items, "999": 1}, {**items, "040": None}):
        with pytest.raises(Fallback):
            _fast_encoder(category_spec(48))(odd)
        with pytest.raises(EncodeError):
            encode_record(48, odd, engine="construct")


def _shapes(cat: int, ed: str) -> Any:
    """The shape encoders of an edition's generated encoder (see codegen._ShapeEncoders)."""
    return _fast_encoder(category_spec(cat, ed)).__globals__["SEEN"].__self__


def test_records_seen_again_go_through_a_function_made_for_their_items() -> None:
    import linecache
    import traceback

    data = sample("cat034_048.pcap")
    records = [r for d in iter_datagrams(data) for r in decode(d.payload) if r.category == 48]
    shapes = _shapes(48, "1.32")
    for r in records:
        ref = encode_record(48, r.items, "1.32", engine="construct")
        assert {encode_record(48, r.items, "1.32") for _ in range(_ShapeEncoders.AFTER + 2)} == {ref}
    made = {tuple(r.items) for r in records} & set(shapes.made)
    assert made, "no shape function was made for the real records"
    keys = sorted(made, key=len)[-1]
    assert shapes.sources[keys].startswith("# items " + ", ".join(keys))
    # once made, a bad value in a record of that shape still gets the reference's error
    items = next(dict(r.items) for r in records if tuple(r.items) == keys)
    items["010"] = {"SAC": 256, "SIC": 1}
    with pytest.raises(EncodeError) as ei:
        encode_record(48, items, "1.32")
    assert ei.value.item == "010" and "256" in str(ei.value)
    # and tracebacks show the shape function's own lines
    items["010"] = {"SAC": 1, "SIC": "x"}
    try:
        shapes.made[keys](items)
    except Fallback as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "shape" in f.filename]
    else:
        raise AssertionError("a string SIC encoded")
    assert frames and frames[-1].filename.startswith("<radarbench encode CAT048 1.32 shape ")
    assert frames[-1].line == linecache.getline(frames[-1].filename, frames[-1].lineno).strip() != ""


@pytest.mark.parametrize("item,value", [
    ("220", 1 << 24), ("220", -1),              # 3 octets, packed as 1 + 2
    ("240", "DLH65A\u00e9 "),                   # a character ICAO 6-bit has no code for
    ("161", {"TRN": 4096}), ("140", -0.0078125),
])
def test_a_shape_functions_packed_writes_still_give_the_reference_error(item: str, value: Any) -> None:
    # shape functions write runs of fixed-size items with one struct pack (codegen.packed): a
    # value out of its field's range must still fall back to the reference and its error
    data = sample("cat034_048.pcap")
    records = [r for d in iter_datagrams(data) for r in decode(d.payload) if r.category == 48]
    shapes = _shapes(48, "1.32")
    for r in records:
        for _ in range(_ShapeEncoders.AFTER + 1):
            encode_record(48, r.items, "1.32")
    items = next(dict(r.items) for r in records if tuple(r.items) in shapes.made and item in r.items)
    assert "PACK_" in shapes.sources[tuple(items)]
    items[item] = value
    with pytest.raises(EncodeError) as ei:
        encode_record(48, items, "1.32")
    with pytest.raises(EncodeError) as ref:
        encode_record(48, items, "1.32", engine="construct")
    assert (ei.value.item, str(ei.value)) == (ref.value.item, str(ref.value))
    assert ei.value.item == item


def test_no_shape_function_for_items_out_of_uap_order_or_unknown() -> None:
    shapes = _shapes(48, "1.32")
    items = {"010": {"SAC": 1, "SIC": 2}, "140": 100.0, "161": {"TRN": 7}, "220": 0xABCDEF}
    backwards = dict(reversed(items.items()))
    ref = encode_record(48, items, engine="construct")
    for _ in range(2 * _ShapeEncoders.AFTER):
        assert encode_record(48, backwards, "1.32") == ref
    assert shapes.make(tuple(backwards)) is None and tuple(backwards) not in shapes.made
    assert shapes.make(("010", "999")) is None


def test_shape_counting_is_bounded() -> None:
    from radarbench.codecs.asterix.codegen import generate_encoder
    enc = generate_encoder(category_spec(48, "1.32"))[1]
    shapes = enc.__globals__["SEEN"].__self__
    for n in range(shapes.MAX_SEEN + 50):
        items = {"010": {"SAC": 1, "SIC": 2}, "140": float(n)}
        if n % 2:
            items["220"] = n
        items["161"] = {"TRN": n % 4096}   # after 220 in the UAP
        enc(items)
    # two shapes here, seen thousands of times: made once each, nothing left counted
    assert len(shapes.made) == 2 and not shapes.count
    rng = random.Random(5)
    spec = category_spec(48, "1.32")
    for _ in range(shapes.MAX_SEEN + 50):
        enc(random_record(spec, rng))
    assert len(shapes.count) <= shapes.MAX_SEEN and len(shapes.made) <= shapes.MAX_MADE


def test_compound_sub_items_in_any_order_and_odd_ones() -> None:
    # I062/380 (compound, many sub-items): sub-items given backwards encode as the
    # reference puts them; a sub-item the declaration does not name gets its error
    spec = category_spec(62, "1.21")
    rng = random.Random(380)
    tried = 0
    for _ in range(30):
        items = random_record(spec, rng, every_item=True)
        if len(items["380"]) < 2:
            continue
        tried += 1
        ref = encode_record(62, items, "1.21", engine="construct")
        items["380"] = dict(reversed(items["380"].items()))
        assert _fast_encoder(spec)(items) == ref
        items["380"]["XYZ"] = 1
        with pytest.raises(Fallback):
            _fast_encoder(spec)(items)
        with pytest.raises(EncodeError) as ei:
            encode_record(62, items, "1.21")
        assert ei.value.item == "380"
    assert tried >= 10


def test_callsign_codes_are_kept_by_string_within_a_bound() -> None:
    from radarbench.codecs.asterix.codegen import generate_encoder
    enc = generate_encoder(category_spec(48, "1.32"))[1]
    memo = next(v for k, v in enc.__globals__.items() if k.startswith("ICAO_"))
    base = {"010": {"SAC": 1, "SIC": 2}, "140": 1.0}
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    for n in range(5000):
        cs = alphabet[n % 36] + alphabet[n // 36 % 36] + alphabet[n // 1296 % 36] + "12"
        items = {**base, "240": cs}
        if n % 50 == 0 or n > 4990:   # the reference is slow: a sample, and past the bound
            assert enc(items) == encode_record(48, items, engine="construct")
        else:
            assert enc(items)[-6:] == enc(items)[-6:]
    assert len(memo) == 4096
    for odd in (12345, "ABCDEFGHI", "abc", None):
        with pytest.raises((Fallback, EncodeError)):
            enc({**base, "240": odd})
        with pytest.raises(EncodeError):
            encode_record(48, {**base, "240": odd})


class _CaseBlind(str):
    """A str equal (and hashing equal) to any spelling of itself in another case."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.upper() == other.upper()

    def __hash__(self) -> int:
        return hash(self.upper())


def test_a_callsign_equal_to_one_seen_before_is_encoded_as_it_is_spelt() -> None:
    # the kept codes are looked up for a str only: a subclass equal to "DLH65A" is not it
    base = {"010": {"SAC": 1, "SIC": 2}}
    encode_record(48, {**base, "240": "DLH65A"}, "1.32")
    for _ in range(_ShapeEncoders.AFTER + 2):
        with pytest.raises(EncodeError) as ei:
            encode_record(48, {**base, "240": _CaseBlind("dlh65a")}, "1.32")
        assert ei.value.item == "240" and "'d'" in str(ei.value)
        items = {**base, "240": _CaseBlind("DLH65A")}
        assert encode_record(48, items, "1.32") == encode_record(48, items, "1.32", engine="construct")


@pytest.mark.parametrize("engine", ["fast", "construct"])
def test_numbers_past_a_float_are_encode_errors(engine: str) -> None:
    base = {"010": {"SAC": 1, "SIC": 2}}
    for item, value in (("140", 1e308), ("140", 10**400), ("040", {"RHO": 2**1024, "THETA": 0.0})):
        with pytest.raises(EncodeError) as ei:
            encode_record(48, {**base, item: value}, "1.32", engine=engine)
        assert ei.value.item == item


def test_a_category_or_edition_of_the_wrong_kind_is_an_encode_error() -> None:
    from radarbench.codecs.asterix import encode
    items = {"010": {"SAC": 1, "SIC": 2}}
    for cat, ed, needle in ((48, ["1.32"], "edition"), (48, {"1.32": 1}, "edition"),
                            ("48", None, "category"), (None, None, "category"), (True, "1.32", "category")):
        for engine in ("fast", "construct"):
            with pytest.raises(EncodeError, match=needle):
                encode_record(cat, items, ed, engine=engine)  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="edition"):
        encode([{"category": 48, "edition": ["1.32"], "items": items}])
    with pytest.raises(EncodeError, match="category"):
        encode([{"category": float("inf"), "items": items}])
    with pytest.raises(ValueError, match="engine"):
        encode_record(48, items, engine="bogus")
