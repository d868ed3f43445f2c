"""The generated decoder and encoder agree with the Construct reference on random records
of every registered edition, and fall back to it (same bytes, same errors) on odd values; on
damaged records both decoders give the same DecodeError or the same values and warnings. The
generated source can be read, and tracebacks show its lines."""
from __future__ import annotations

import random

import pytest

from oracle import random_record
from radarbench.codecs.asterix import (
    DecodeError, EncodeError, _fast_encoder, category_spec, decode, encode_record, pack_blocks,
)
from radarbench.codecs.asterix.codegen import Fallback
from radarbench.codecs.asterix.editions import known


@pytest.mark.parametrize("cat,ed", known())
def test_fast_and_reference_agree_on_random_records(cat: int, ed: str) -> None:
    spec = category_spec(cat, ed)
    rng = random.Random(cat * 1000 + int(ed.replace(".", "")))
    declined = 0
    for _ in range(150):
        items = random_record(spec, rng)
        ref = encode_record(cat, items, ed, engine="construct")
        try:
            fast = _fast_encoder(spec)(items)
        except Fallback:
            declined += 1
            continue
        assert fast == ref
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
