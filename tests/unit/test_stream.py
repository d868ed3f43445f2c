"""The streaming splitter: whole blocks out of bytes cut anywhere, resynchronised after garbage."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radarbench.codecs.asterix import decode, split_blocks
from radarbench.codecs.asterix.stream import StreamDecoder, decodes
from radarbench.rigs.pcapfile import iter_datagrams
from samples import sample


def real_blocks() -> list[bytes]:
    out = []
    for d in iter_datagrams(sample("cat034_048.pcap")):
        out += [d.payload[p:e] for p, _, e in split_blocks(d.payload)]
    return out


def test_every_cut_of_a_stream_gives_the_same_blocks() -> None:
    blocks = real_blocks()[:20]
    stream = b"".join(blocks)
    for cut in range(1, len(stream)):
        s = StreamDecoder()
        got = s.feed(stream[:cut]) + s.feed(stream[cut:])
        assert got == blocks
        assert s.buffered == 0 and s.garbage_bytes == 0


def test_one_byte_at_a_time() -> None:
    blocks = real_blocks()
    s = StreamDecoder(validate=decodes)
    got = []
    for b in b"".join(blocks):
        got += s.feed(bytes([b]))
    assert got == blocks


def test_resynchronises_after_garbage() -> None:
    blocks = real_blocks()[:10]
    garbage = bytes([0x30, 0x00, 0x09, 0xFF, 0x12, 0x00, 0x30, 0x01])  # looks like a CAT048 header
    stream = blocks[0] + garbage + b"".join(blocks[1:])
    s = StreamDecoder(categories={34, 48}, validate=decodes)
    got = s.feed(stream)
    assert got == blocks
    assert s.garbage_bytes == len(garbage) and s.resyncs == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=8), st.data())
def test_garbage_between_blocks_never_loses_a_later_block(garbages: list[bytes], data) -> None:
    blocks = real_blocks()[:len(garbages) + 1]
    stream = bytearray(blocks[0])
    for g, b in zip(garbages, blocks[1:]):
        stream += g + b
    s = StreamDecoder(categories={34, 48}, validate=decodes)
    got = []
    pos = 0
    while pos < len(stream):
        n = data.draw(st.integers(1, 64))
        got += s.feed(bytes(stream[pos:pos + n]))
        pos += n
    got += s.flush()  # the stream ends at a block boundary: the line goes quiet
    # every real block comes out, in order; garbage may not add blocks of its own unless they
    # decode (which random bytes practically never do as whole CAT048/034 blocks)
    it = iter(got)
    assert all(any(b == x for x in it) for b in blocks)
    assert s.buffered == 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    s = StreamDecoder(validate=decodes)
    s.feed(data)
    s.feed(data)


# --------------------------------------------------------------------------- issue 9: a sound splitter

def all_samples() -> list[bytes]:
    """Every data block of the shared samples, in file order: CAT048, 034, 062, 030, 001,
    002, 255, 032 and 021 (some of them categories without a specification)."""
    out = real_blocks()
    for d in iter_datagrams(sample("cat062.pcap")):
        out += [d.payload[p:e] for p, _, e in split_blocks(d.payload)]
    for name in ("mixed_categories.ast", "cat021_re.ast"):
        data = sample(name).read_bytes()
        out += [data[p:e] for p, _, e in split_blocks(data)]
    return out


def with_garbage(blocks: list[bytes], rng: random.Random, most: int) -> tuple[bytes, list[int], int]:
    """The blocks with random garbage (0..most octets) before each: stream, block offsets,
    garbage octets."""
    stream = bytearray()
    offsets = []
    for b in blocks:
        stream += rng.randbytes(rng.randint(0, most))
        offsets.append(len(stream))
        stream += b
    return bytes(stream), offsets, len(stream) - sum(map(len, blocks))


def split(s: StreamDecoder, stream: bytes, sizes) -> list[bytes]:
    """Feed ``stream`` in pieces of the sizes drawn from ``sizes()``, then flush (the line goes
    quiet after the last block)."""
    out: list[bytes] = []
    pos = 0
    while pos < len(stream):
        n = sizes()
        out += s.feed(stream[pos:pos + n])
        pos += n
    return out + s.flush()


def located(stream: bytes, out: list[bytes]) -> list[int]:
    """Where each block handed out sits in the stream: they must be non-overlapping candidates
    in stream order (nothing is made up, nothing handed out twice)."""
    where, cursor = [], 0
    for b in out:
        p = stream.find(b, cursor)
        assert p >= 0, "a block that is not a run of the stream's bytes (or out of order)"
        where.append(p)
        cursor = p + len(b)
    return where


PIECES = [*range(1, 65), "random"]


def sizes_of(piece, rng: random.Random):
    return (lambda: piece) if piece != "random" else (lambda: rng.randint(1, 3000))


@pytest.mark.parametrize("settings_", [{}, {"categories": {1, 2, 21, 30, 32, 34, 48, 62, 255}}],
                         ids=["default", "categories"])
def test_samples_in_pieces_of_every_size_come_out_exactly(settings_) -> None:
    blocks = all_samples()
    stream = b"".join(blocks)
    rng = random.Random(9)
    for piece in PIECES:
        s = StreamDecoder(**settings_)
        assert split(s, stream, sizes_of(piece, rng)) == blocks, piece
        assert (s.garbage_bytes, s.resyncs, s.buffered, s.blocks) == (0, 0, 0, len(blocks))


def test_samples_with_garbage_in_pieces_of_every_size() -> None:
    # With a validator the real blocks are the ones it accepts: 87 of the 100 CAT062 blocks of
    # cat062.pcap and the CAT032 block do not decode with any declared edition, and would be
    # garbage here (the splitter drops them octet by octet, as it must).
    blocks = [b for b in all_samples() if decodes(b)]
    rng = random.Random(48)
    for piece in PIECES:
        stream, _, garbage = with_garbage(blocks, rng, 40)
        s = StreamDecoder(validate=decodes)
        out = split(s, stream, sizes_of(piece, rng))
        assert out == blocks, piece
        assert s.garbage_bytes == garbage and s.buffered == 0


def test_a_bogus_header_before_100_blocks_swallows_none_of_them() -> None:
    # issue 9: with default settings, 30 00 02 (LEN too short) then 00 02 30 read as a
    # 560-octet CAT000 block (no specification) that held 92 real blocks.
    blocks = real_blocks()[:100]
    stream = bytes.fromhex("300002") + b"".join(blocks)
    for piece in [len(stream), *range(1, 65)]:
        for validate in (None, decodes):
            s = StreamDecoder(validate=validate)
            got = [b for i in range(0, len(stream), piece) for b in s.feed(stream[i:i + piece])]
            assert got == blocks, (piece, validate)
            assert (s.garbage_bytes, s.resyncs, s.buffered) == (3, 1, 0)


def test_a_single_small_block_inside_a_real_one_is_not_evidence() -> None:
    # 01 00 05 40 20 is a whole CAT001 block that decodes; it sits in CAT048 records
    blocks = real_blocks()
    inner = [b for b in blocks if b[0] == 48 and bytes.fromhex("0100054020") in b[1:]]
    assert inner, "the sample no longer holds the trap this test is about"
    for validate in (None, decodes):
        s = StreamDecoder(validate=validate)
        got = [x for b in b"".join(blocks) for x in s.feed(bytes([b]))]
        assert got == blocks and s.garbage_bytes == 0


def test_a_quiet_link_gives_up_a_bogus_header_on_flush() -> None:
    block = real_blocks()[0]
    s = StreamDecoder(validate=decodes)
    assert s.feed(bytes.fromhex("304000") + block) == []  # a CAT048 header claiming 16384 octets
    assert s.buffered == 3 + len(block)
    assert s.flush() == [block]
    assert (s.garbage_bytes, s.resyncs, s.buffered) == (3, 1, 0)


def test_without_a_validator_a_header_of_a_specified_category_waits_for_a_flush() -> None:
    # Without a validator, nothing vouches for a block but its header: records hold chains of
    # plausible headers (up to 4 in a row in a 64 KB block of real CAT048 records), so a
    # waiting CAT048 header is not given up for later blocks, only when the line goes quiet
    # and two blocks end exactly where the bytes end. One is not enough: a plausible header of
    # a specified category ends at 0.4 % of the cut points of the samples' blocks.
    first, second = real_blocks()[:2]
    s = StreamDecoder()
    assert s.feed(bytes.fromhex("304000") + first) == [] and s.flush() == []
    assert s.feed(second) == []
    assert s.flush() == [first, second]
    assert (s.garbage_bytes, s.resyncs, s.buffered) == (3, 1, 0)


@pytest.mark.parametrize("validate", [None, decodes], ids=["default", "decodes"])
def test_flush_keeps_a_block_that_is_still_arriving(validate) -> None:
    # Measured over every cut point of every sample block: without a validator none is given
    # up; with decodes 2 of 8062 are (a whole block that decodes ends exactly at the cut).
    given_up = 0
    cuts = 0
    for block in all_samples():
        if validate is not None and not validate(block):
            continue
        s = StreamDecoder(validate=validate)
        for cut in range(1, len(block)):
            s.reset()
            cuts += 1
            if s.feed(block[:cut]) or s.flush():
                given_up += 1
                continue
            assert s.buffered == cut
            assert s.feed(block[cut:]) == [block]
    assert given_up <= (0 if validate is None else cuts // 1000), (given_up, cuts)


def test_each_candidate_is_validated_once_at_most() -> None:
    blocks = real_blocks()
    stream, _, _ = with_garbage(blocks, random.Random(1), 40)
    seen: list[bytes] = []

    def validate(b: bytes) -> bool:  # no `categories` hint: asked about every header
        seen.append(b)
        return decodes(b)

    s = StreamDecoder(validate=validate)
    out = split(s, stream, lambda: 1)
    assert out == blocks
    assert len(seen) <= len(stream)  # at most once per start position


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=60), st.integers(0, 229)), min_size=1, max_size=12),
       st.lists(st.integers(1, 300), min_size=1, max_size=50))
def test_garbage_and_real_blocks_in_any_chunking(parts, cuts) -> None:
    pool = [b for b in all_samples() if decodes(b)]
    blocks = [pool[i % len(pool)] for _, i in parts]
    stream = bytearray()
    offsets = []
    for (g, _), b in zip(parts, blocks):
        stream += g
        offsets.append(len(stream))
        stream += b
    stream = bytes(stream)
    it = iter(cuts * (len(stream) // len(cuts) + 1))
    s = StreamDecoder(validate=decodes)
    out = split(s, stream, lambda: next(it))
    where = located(stream, out)
    # every real block comes out where it is: nothing swallowed it
    assert set(offsets) <= set(where)
    extra = sum(len(b) for b, p in zip(out, where) if p not in offsets)
    assert s.garbage_bytes + extra == len(stream) - sum(map(len, blocks))
    assert s.buffered == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=40),
       st.lists(st.integers(1, 300), min_size=1, max_size=50),
       st.sampled_from([None, decodes]))
def test_no_garbage_is_exact_in_any_chunking(picks, cuts, validate) -> None:
    pool = all_samples()
    if validate is not None:
        pool = [b for b in pool if validate(b)]
    blocks = [pool[i % len(pool)] for i in picks]
    stream = b"".join(blocks)
    it = iter(cuts * (len(stream) // len(cuts) + 1))
    s = StreamDecoder(validate=validate)
    assert split(s, stream, lambda: next(it)) == blocks
    assert (s.garbage_bytes, s.buffered) == (0, 0)


def test_decodes_takes_no_empty_record_as_evidence() -> None:
    # 30 00 07 80 d2 cb 00: a CAT048 record (I048/010) then an empty record (FSPEC 00), which
    # lenient decoding reads as a record of no items; as evidence of a boundary it is too weak
    # (a fake CAT021 block of 290 octets ending in 00s swallowed real ones when it counted).
    padded = bytes.fromhex("30000780d2cb00")
    assert len(decode(padded)) == 2 and decode(padded)[1].items == {}
    assert not decodes(padded) and decodes(bytes.fromhex("30000680d2cb"))
