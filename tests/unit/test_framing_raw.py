"""Bare framing: data blocks back to back, split by the ASTERIX stream splitter."""
from __future__ import annotations

from pathlib import Path

import pytest

from radarbench.codecs.framing import Deframer, Framer, RawFramer, make_framer
from samples import blocks_of

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
MIXED = (SAMPLES / "mixed_categories.ast").read_bytes()
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()


def test_raw_framer_passes_blocks_and_splits_them_at_every_cut() -> None:
    f = make_framer("raw")
    assert isinstance(f, Framer) and isinstance(f.deframer(), Deframer)
    wire = f.encode(MIXED)
    assert wire == MIXED
    for cut in range(len(wire) + 1):
        d = f.deframer()
        assert d.feed(wire[:cut]) + d.feed(wire[cut:]) == blocks_of(MIXED), cut


def test_raw_resyncs_after_garbage() -> None:
    d = RawFramer(categories={48}).deframer()
    assert d.feed(b"\x00\xff\x13" + ONE_RECORD + b"\x30\x00\x01" + ONE_RECORD) == [ONE_RECORD, ONE_RECORD]
    c = d.counters()
    assert c["frames"] == 2 and c["garbage_bytes"] == 6


@pytest.mark.parametrize("bad", [b"\x30\x00", b"\x30\x00\x02\x00", ONE_RECORD[:-1]])
def test_raw_encode_rejects_partial_blocks(bad: bytes) -> None:
    with pytest.raises(ValueError, match="raw framing"):
        RawFramer().encode(bad)
