"""The streaming splitter: whole blocks out of bytes cut anywhere, resynchronised after garbage."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from radarbench.codecs.asterix import split_blocks
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
    # every real block comes out, in order; garbage may not add blocks of its own unless they
    # decode (which random bytes practically never do as whole CAT048/034 blocks)
    it = iter(got)
    assert all(any(b == x for x in it) for b in blocks)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    s = StreamDecoder(validate=decodes)
    s.feed(data)
    s.feed(data)
