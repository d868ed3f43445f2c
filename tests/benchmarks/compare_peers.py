"""Side-by-side: radarbench decode against asterix_decoder, in one process, interleaved.

    python3 -m pip install --target .peers/asterix_decoder asterix_decoder
    python3 tests/benchmarks/compare_peers.py [--rounds 41] [--set cat048 cat021 cat001]

Sets of data blocks, each decoded by both decoders in turn, round after round (so machine
noise hits both alike); prints the median records per second of each and their ratio:

* cat048: the 86 CAT048 data blocks (128 records) of ../shared/samples/cat034_048.pcap;
* cat021: the two real CAT021 blocks of cat021_re.ast, and random CAT021 2.7 records (every
  item of the UAP, fixed seed, one record a block, RE left out) encoded by radarbench;
* cat001: the real CAT001 block of mixed_categories.ast, and random CAT001 1.4 plot and track
  records (fixed seed) encoded by radarbench.

asterix_decoder knows CAT021 2.6 and CAT001 1.2 (its bundled XML), not 2.7 and 1.4: a block
enters a set only if asterix_decoder reads it with no error and the same number of records
as radarbench, so both decode the same work.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path
from typing import Any, Callable

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1]),
                str(Path(__file__).resolve().parents[1] / "unit")]

import oracle  # noqa: E402  tests/unit/oracle.py; imports libasterix's `asterix` before the peer's
from peers import asterix_decoder  # noqa: E402
from radarbench.codecs.asterix import category_spec, decode, encode, split_blocks  # noqa: E402
from radarbench.rigs.pcapfile import iter_datagrams  # noqa: E402
from samples import SAMPLES  # noqa: E402


def _blocks_of(data: bytes, cat: int) -> list[bytes]:
    return [data[p:e] for p, c, e in split_blocks(data) if c == cat]


def _random_blocks(cat: int, edition: str, n: int, seed: int, fix: Callable[[dict], dict] | None = None) -> list[bytes]:
    spec = category_spec(cat, edition)
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        items = oracle.random_record(spec, rng, every_item=True)
        if fix is not None:
            items = fix(items)
        out.append(encode([{"category": cat, "edition": edition, "items": items}]))
    return out


def _accepted(ad: Any, blocks: list[bytes]) -> list[bytes]:
    """The blocks asterix_decoder reads without error, with as many records as radarbench."""
    keep = []
    for b in blocks:
        try:
            theirs = ad.parse(b, verbose=False)
        except Exception:
            continue
        if any("error" in str(r).lower() for r in theirs):
            continue
        if len(theirs) == len(decode(b)):
            keep.append(b)
    return keep


def sets(ad: Any, names: list[str]) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    if "cat048" in names:
        b: list[bytes] = []
        for d in iter_datagrams(SAMPLES / "cat034_048.pcap"):
            b += _blocks_of(d.payload, 48)
        out["cat048"] = b
    if "cat021" in names:
        real = _blocks_of((SAMPLES / "cat021_re.ast").read_bytes(), 21)
        rnd = _random_blocks(21, "2.7", 400, seed=21, fix=lambda it: {k: v for k, v in it.items() if k not in ("RE", "SP")})
        out["cat021"] = _accepted(ad, real + rnd)
    if "cat001" in names:
        real = _blocks_of((SAMPLES / "mixed_categories.ast").read_bytes(), 1)
        rnd = _random_blocks(1, "1.4", 400, seed=1, fix=lambda it: {k: v for k, v in it.items() if k not in ("RFS", "SP")})
        out["cat001"] = _accepted(ad, real + rnd)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=41)
    ap.add_argument("--set", nargs="+", default=["cat048", "cat021", "cat001"], choices=["cat048", "cat021", "cat001"])
    args = ap.parse_args()
    ad = asterix_decoder()
    if ad is None:
        print("asterix_decoder is not installed in .peers/asterix_decoder (see the docstring)", file=sys.stderr)
        return 2
    for name, blocks in sets(ad, args.set).items():
        n_ours = sum(len(decode(b)) for b in blocks)
        n_peer = sum(len(ad.parse(b, verbose=False)) for b in blocks)
        assert n_ours == n_peer and n_ours > 0, (name, n_ours, n_peer)
        runs = {"radarbench (fast)": lambda b: decode(b), "asterix_decoder": lambda b: ad.parse(b, verbose=False)}
        times: dict[str, list[float]] = {k: [] for k in runs}
        from time import perf_counter
        for _ in range(args.rounds):
            for k, f in runs.items():
                t0 = perf_counter()
                for b in blocks:
                    f(b)
                times[k].append(perf_counter() - t0)
        rates = {k: n_ours / statistics.median(v) for k, v in times.items()}
        print(f"{name}: {len(blocks)} blocks, {n_ours} records")
        for k, r in rates.items():
            print(f"  {k:28s} {r:10.0f} records/s  ({1e6 / r:6.1f} us a record)")
        print(f"  ratio radarbench / asterix_decoder (verbose=False): {rates['radarbench (fast)'] / rates['asterix_decoder']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
