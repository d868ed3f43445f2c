"""Probe blocks: built once and patched, parsed back fast, every damaged bit caught."""
from __future__ import annotations

import pytest
from radarbench.bench.probe import (
    Corrupted,
    ProbeCodec,
    parse_match_keys,
    parse_tag,
    tag_bytes,
)
from radarbench.bench.schedule import Bursts, ConstantRate, Ramp
from radarbench.codecs.asterix import decode


@pytest.mark.parametrize("k", [1, 3])
def test_round_trip_and_real_asterix(k: int) -> None:
    codec = ProbeCodec(0xABCDEF01, k)
    block = bytes(codec.fill(1000))
    assert codec.parse(block).seqs == list(range(1000, 1000 + k))
    records = decode(block)  # a real CAT048 data block, K plots
    assert [parse_tag(bytes.fromhex(r.items["SP"])) for r in records] == \
        [(0xABCDEF01, s) for s in range(1000, 1000 + k)]
    assert records[0].items["070"]["MODE3A"] == f"{1000 & 0xFFF:04o}"


@pytest.mark.parametrize("k", [1, 4])
def test_every_single_bit_flip_is_corruption(k: int) -> None:
    codec = ProbeCodec(7, k)
    block = bytes(codec.fill(123456))
    for bit in range(len(block) * 8):
        damaged = bytearray(block)
        damaged[bit // 8] ^= 0x80 >> (bit % 8)
        with pytest.raises(Corrupted):
            codec.parse(bytes(damaged))


def test_another_runs_probes_are_foreign_not_corrupted() -> None:
    ours, theirs = ProbeCodec(1, 2), ProbeCodec(2, 2)
    parsed = ours.parse(bytes(theirs.fill(5)))
    assert parsed.seqs == [] and parsed.foreign == 2


def test_reblocked_probes_still_match() -> None:
    codec = ProbeCodec(3, 4)
    block = bytes(codec.fill(40))
    rl = codec.record_len
    one_each = b"".join(bytes([48, 0, 3 + rl]) + block[3 + i * rl:3 + (i + 1) * rl] for i in range(4))
    assert codec.parse(one_each).seqs == [40, 41, 42, 43]


def test_tag_crc() -> None:
    tag = bytearray(tag_bytes(9, 77))
    assert parse_tag(bytes(tag)) == (9, 77)
    tag[7] ^= 1
    assert parse_tag(bytes(tag)) is None


def test_match_keys() -> None:
    codec = ProbeCodec(5, 1, match_keys=parse_match_keys("161.TRN,070.MODE3A"))
    assert codec.parse(bytes(codec.fill(0x345678))).keys == [0x345678]
    assert codec.key_modulus == 1 << 24
    assert ProbeCodec(5, 1, match_keys=parse_match_keys("060.MODE3A")).key_modulus == 4096
    for bad in ("161.TRN", "SP", "040", "070.MODE3A,060.MODE3A"):
        with pytest.raises(ValueError):
            parse_match_keys(bad)


def test_schedules() -> None:
    c = ConstantRate(1000.0, 10)
    assert [c.offset_ns(i) for i in range(3)] == [0, 1_000_000, 2_000_000] and c.span_ns == 10_000_000
    b = Bursts(1000.0, 5, 20)
    assert [b.offset_ns(i) for i in (0, 4, 5, 9, 10)] == [0, 0, 5_000_000, 5_000_000, 10_000_000]
    r = Ramp(100.0, 300.0, 2.0)
    assert r.count == 400
    offsets = [r.offset_ns(i) for i in range(r.count)]
    assert offsets == sorted(offsets) and offsets[-1] < 2_000_000_000
    # The rate climbs: the last gaps are a third of the first.
    assert 2.5 < (offsets[1] - offsets[0]) / (offsets[-1] - offsets[-2]) < 3.5
    with pytest.raises(ValueError):
        ConstantRate(0.0, 1)
