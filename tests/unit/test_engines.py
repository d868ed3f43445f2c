"""The generated decoder and encoder agree with the Construct reference on random records
of every registered edition, and fall back to it (same bytes, same errors) on odd values."""
from __future__ import annotations

import random

import pytest

from oracle import random_record
from radarbench.codecs.asterix import (
    EncodeError, _fast_encoder, category_spec, decode, encode_record, pack_blocks,
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
