"""pytest-benchmark: decode and encode of the CAT048 blocks of the shared capture.

Each benchmark processes all 86 CAT048 data blocks (128 records) of cat034_048.pcap; divide
the median by 128 for a time per record. The peer (asterix_decoder) runs in the same group
when installed in .peers/ (see peers.py).
"""
from __future__ import annotations

import pytest

from peers import asterix_decoder
from radarbench.codecs.asterix import decode, encode, split_blocks
from radarbench.rigs.pcapfile import iter_datagrams
from samples import sample


@pytest.fixture(scope="module")
def blocks() -> list[bytes]:
    out = []
    for d in iter_datagrams(sample("cat034_048.pcap")):
        out += [d.payload[p:e] for p, cat, e in split_blocks(d.payload) if cat == 48]
    assert len(out) == 86
    return out


@pytest.mark.benchmark(group="decode CAT048 (128 records)")
@pytest.mark.parametrize("engine", ["fast", "construct"])
def test_decode(benchmark, blocks, engine) -> None:
    n = benchmark(lambda: sum(len(decode(b, engine=engine)) for b in blocks))
    assert n == 128


@pytest.mark.benchmark(group="decode CAT048 (128 records)")
def test_decode_asterix_decoder(benchmark, blocks) -> None:
    ad = asterix_decoder()
    if ad is None:
        pytest.skip("asterix_decoder not installed in .peers/asterix_decoder")
    n = benchmark(lambda: sum(len(ad.parse(b, verbose=False)) for b in blocks))
    assert n == 128


@pytest.mark.benchmark(group="encode CAT048 (128 records)")
@pytest.mark.parametrize("engine", ["fast", "construct"])
def test_encode(benchmark, blocks, engine) -> None:
    from radarbench.codecs.asterix import encode_record, pack_blocks
    records = [r for b in blocks for r in decode(b)]

    def run() -> bytes:
        return pack_blocks((r.category, r.edition, encode_record(r.category, r.items, r.edition, engine))
                           for r in records)
    out = benchmark(run)
    assert out == encode(records)
