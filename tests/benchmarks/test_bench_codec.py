"""pytest-benchmark: decode and encode of the CAT048 blocks of the shared capture, and of
random CAT062 1.21 / CAT021 2.7 records, beside the peers.

Each CAT048 benchmark processes all 86 CAT048 data blocks (128 records) of cat034_048.pcap;
divide the median by 128 for a time per record. The random sets are those of
compare_peers.py (400 records, every item of the UAP, one a block, the blocks
asterix_decoder accepts). The peers run in the same group when installed: asterix_decoder
in .peers/ (see peers.py) for decoding, libasterix (the test oracle) for encoding. Issue 9's
targets are ratios to those peers (compare_peers.py prints them side by side in one run).
"""
from __future__ import annotations

import pytest

import compare_peers  # before the peer: it imports libasterix's `asterix` (the oracle) first
from peers import asterix_decoder
from radarbench.codecs.asterix import decode, encode, encode_record, iter_decode, pack_blocks, split_blocks
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
def test_iter_decode(benchmark, blocks) -> None:
    n = benchmark(lambda: sum(1 for b in blocks for _ in iter_decode(b)))
    assert n == 128


@pytest.mark.benchmark(group="decode CAT048 (128 records)")
def test_decode_asterix_decoder(benchmark, blocks) -> None:
    ad = asterix_decoder()
    if ad is None:
        pytest.skip("asterix_decoder not installed in .peers/asterix_decoder")
    n = benchmark(lambda: sum(len(ad.parse(b, verbose=False)) for b in blocks))
    assert n == 128


@pytest.fixture(scope="module")
def random_sets() -> dict[str, list[bytes]]:
    ad = asterix_decoder()
    if ad is None:
        pytest.skip("asterix_decoder not installed in .peers/asterix_decoder (it chooses the blocks)")
    return compare_peers.sets(ad, ["cat062", "cat021"])


@pytest.mark.benchmark(group="decode random CAT062 1.21")
@pytest.mark.parametrize("who", ["radarbench", "asterix_decoder"])
def test_decode_cat062(benchmark, random_sets, who) -> None:
    blocks = random_sets["cat062"]
    ad = asterix_decoder()
    f = (lambda b: decode(b)) if who == "radarbench" else (lambda b: ad.parse(b, verbose=False))
    assert benchmark(lambda: sum(len(f(b)) for b in blocks)) == len(blocks)


@pytest.mark.benchmark(group="decode random CAT021 2.7")
@pytest.mark.parametrize("who", ["radarbench", "asterix_decoder"])
def test_decode_cat021(benchmark, random_sets, who) -> None:
    blocks = random_sets["cat021"]
    ad = asterix_decoder()
    f = (lambda b: decode(b)) if who == "radarbench" else (lambda b: ad.parse(b, verbose=False))
    assert benchmark(lambda: sum(len(f(b)) for b in blocks)) == len(blocks)


@pytest.mark.benchmark(group="encode CAT048 (128 records)")
@pytest.mark.parametrize("engine", ["fast", "construct"])
def test_encode(benchmark, blocks, engine) -> None:
    records = [r for b in blocks for r in decode(b)]

    def run() -> bytes:
        return pack_blocks((r.category, r.edition, encode_record(r.category, r.items, r.edition, engine))
                           for r in records)
    out = benchmark(run)
    assert out == encode(records)


@pytest.mark.benchmark(group="encode CAT048 (128 records)")
def test_encode_libasterix(benchmark, blocks) -> None:
    _, _, la = compare_peers.encode_pair(blocks)
    out = benchmark(lambda: [la(i) for i in range(len(blocks))])
    assert out == blocks


@pytest.fixture(scope="module")
def big(blocks) -> bytes:
    """The 86 blocks repeated 300 times: 1.9 MB, 38,400 records (a file's worth)."""
    return b"".join(blocks) * 300


@pytest.mark.benchmark(group="decode CAT048, one 1.9 MB input (38,400 records)")
@pytest.mark.parametrize("how", ["decode", "decode, GC left running", "iter_decode"])
def test_decode_large_input(benchmark, big, how) -> None:
    """decode() pauses the cyclic GC from GC_PAUSE_OCTETS up; "GC left running" is the same
    call with the pause defeated, to show what it saves."""
    import radarbench.codecs.asterix as codec

    if how == "iter_decode":
        n = benchmark(lambda: sum(1 for _ in iter_decode(big)))
    else:
        threshold = codec.GC_PAUSE_OCTETS
        if how != "decode":
            codec.GC_PAUSE_OCTETS = len(big) + 1
        try:
            n = benchmark(lambda: len(decode(big)))
        finally:
            codec.GC_PAUSE_OCTETS = threshold
    assert n == 38_400


@pytest.mark.benchmark(group="memory")
def test_decode_memory_per_record(benchmark, blocks) -> None:
    """Bytes held per record by decode()'s list (tracemalloc), reported in extra_info."""
    import tracemalloc
    data = b"".join(blocks) * 20

    def held() -> float:
        tracemalloc.start()
        try:
            recs = decode(data)
            return tracemalloc.get_traced_memory()[0] / len(recs)
        finally:
            tracemalloc.stop()
    per_record = benchmark.pedantic(held, rounds=3, iterations=1)
    benchmark.extra_info["bytes_per_record"] = round(per_record)
