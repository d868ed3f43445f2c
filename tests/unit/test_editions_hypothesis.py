"""Property tests over every known category edition, both engines.

* Random bytes, in a well-formed data block header of the category or not, and mutated valid
  records (bit flips, truncation, insertion, deletion, a wrong LEN): decode raises DecodeError
  and nothing else, strict or lenient.
* decode(encode(x)) == x for random valid records (oracle.random_record: every item or a random
  selection, RFS, dependent contents, several UAPs, RE expansions), and encoding the decoded
  records gives the same bytes.

RADARBENCH_HYPOTHESIS_EXAMPLES (default 15) examples per edition, engine and property.
"""
from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracle import random_record, values_diff
from radarbench.codecs.asterix import DecodeError, decode, encode
from radarbench.codecs.asterix import editions as registry

EXAMPLES = int(os.environ.get("RADARBENCH_HYPOTHESIS_EXAMPLES", "15"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EDITIONS = [pytest.param(c, e, id=f"cat{c:03d}-{e}") for c, e in registry.known()]
ENGINES = ["fast", "construct"]


def _block(cat: int, body: bytes) -> bytes:
    n = len(body) + 3
    return bytes([cat, (n >> 8) & 0xFF, n & 0xFF]) + body


def _decodes_or_decode_error(data: bytes, cat: int, ed: str, engine: str) -> None:
    for strict in (False, True):
        try:
            decode(data, editions={cat: ed}, engine=engine, strict=strict)
        except DecodeError:
            pass


def _valid_block(cat: int, ed: str, seed: int, records: int = 2) -> bytes:
    spec = registry.load(cat, ed)
    rng = random.Random(seed)
    return encode([{"category": cat, "edition": ed, "items": random_record(spec, rng, every_item=rng.random() < 0.5)}
                   for _ in range(records)])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cat,ed", EDITIONS)
def test_random_bytes_raise_decode_error_only(cat, ed, engine):
    @SETTINGS
    @given(body=st.binary(max_size=400), framed=st.booleans())
    def prop(body, framed):
        _decodes_or_decode_error(_block(cat, body) if framed else bytes([cat]) + body, cat, ed, engine)
    prop()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cat,ed", EDITIONS)
def test_mutated_records_raise_decode_error_only(cat, ed, engine):
    @SETTINGS
    @given(seed=st.integers(0, 2**32 - 1), ops=st.lists(st.tuples(
        st.sampled_from(["flip", "cut", "insert", "delete", "len"]), st.integers(0, 1 << 16), st.integers(0, 255)),
        min_size=1, max_size=4))
    def prop(seed, ops):
        data = bytearray(_valid_block(cat, ed, seed))
        for op, pos, val in ops:
            if not data:
                break
            i = pos % len(data)
            if op == "flip":
                data[i] ^= 1 << (val % 8)
            elif op == "cut":
                del data[i:]
            elif op == "insert":
                data[i:i] = bytes([val])
            elif op == "delete":
                del data[i]
            elif op == "len" and len(data) >= 3:
                data[1 + (val & 1)] = pos & 0xFF
            if op != "len" and len(data) >= 3 and val & 1:  # keep LEN right half of the time
                n = len(data)
                data[1], data[2] = (n >> 8) & 0xFF, n & 0xFF
        _decodes_or_decode_error(bytes(data), cat, ed, engine)
    prop()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cat,ed", EDITIONS)
def test_decode_encode_round_trip(cat, ed, engine):
    spec = registry.load(cat, ed)

    @SETTINGS
    @given(seed=st.integers(0, 2**32 - 1), every_item=st.booleans())
    def prop(seed, every_item):
        items = random_record(spec, random.Random(seed), every_item=every_item)
        data = encode([{"category": cat, "edition": ed, "items": items}])
        try:
            recs = decode(data, editions={cat: ed}, engine=engine, strict=True)
        except DecodeError as exc:
            pytest.fail(f"CAT{cat:03d} {ed}: {exc} on our own encoding {data.hex()} of {items}")
        assert len(recs) == 1
        diff = values_diff(recs[0].items, items)
        assert diff == [], f"CAT{cat:03d} {ed}: {data.hex()} decodes differently from {items}: {diff[:8]}"
        assert encode(recs) == data
    prop()
