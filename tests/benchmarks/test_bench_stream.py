"""pytest-benchmark: the streaming splitter fed a long data block in small pieces.

Issue 9's figure: one 64 KB CAT048 data block (the real records of cat034_048.pcap repeated)
fed 256 octets at a time to ``StreamDecoder(validate=decodes)``. While the block is incomplete
the splitter looks for evidence that its header was garbage; that search must be linear in
what it is fed (before issue 9 it re-scanned its whole buffer on every feed: 1.17 s CPU
here with decodes, 6.3 s with categories={48}, and ~20 s on the block the issue measured).
"""
from __future__ import annotations

import pytest

from radarbench.codecs.asterix import decode, split_blocks
from radarbench.codecs.asterix.stream import StreamDecoder, decodes
from radarbench.rigs.pcapfile import iter_datagrams
from samples import sample


def long_block(limit: int = 0xFFFF) -> bytes:
    """A CAT048 block of whole real records, as close to ``limit`` octets as they fit."""
    records = []
    for d in iter_datagrams(sample("cat034_048.pcap")):
        for p, cat, e in split_blocks(d.payload):
            if cat == 48:
                starts = [r.offset - p for r in decode(d.payload[p:e])] + [e - p]
                block = d.payload[p:e]
                records += [block[a:b] for a, b in zip(starts, starts[1:])]
    body = bytearray()
    i = 0
    while len(body) + len(records[i % len(records)]) <= limit - 3:
        body += records[i % len(records)]
        i += 1
    return bytes([48]) + (len(body) + 3).to_bytes(2, "big") + bytes(body)


@pytest.fixture(scope="module")
def block() -> bytes:
    b = long_block()
    assert len(b) > 65000 and decodes(b)
    return b


def feed_in_pieces(block: bytes, piece: int, **kw) -> list[bytes]:
    s = StreamDecoder(**kw)
    out = []
    for i in range(0, len(block), piece):
        out += s.feed(block[i:i + piece])
    return out


@pytest.mark.benchmark(group="StreamDecoder: one 64 KB block in 256-octet pieces")
@pytest.mark.parametrize("validate", [decodes, None], ids=["decodes", "no-validator"])
def test_long_block_in_pieces(benchmark, block, validate) -> None:
    out = benchmark.pedantic(feed_in_pieces, args=(block, 256), kwargs={"validate": validate},
                             rounds=5, iterations=1)
    assert out == [block]


@pytest.mark.benchmark(group="StreamDecoder: one 64 KB block one octet at a time")
def test_long_block_octet_by_octet(benchmark, block) -> None:
    out = benchmark.pedantic(feed_in_pieces, args=(block, 1), kwargs={"validate": decodes},
                             rounds=3, iterations=1)
    assert out == [block]
