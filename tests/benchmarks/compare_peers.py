"""Side-by-side: radarbench decode against asterix_decoder, in one process, interleaved.

    python3 -m pip install --target .peers/asterix_decoder asterix_decoder
    python3 tests/benchmarks/compare_peers.py [--rounds 41]

Decodes the 86 CAT048 data blocks (128 records) of ../shared/samples/cat034_048.pcap with each
decoder in turn, round after round (so machine noise hits both alike), and prints the median
records per second of each and their ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from peers import asterix_decoder  # noqa: E402
from radarbench.codecs.asterix import decode, split_blocks  # noqa: E402
from radarbench.rigs.pcapfile import iter_datagrams  # noqa: E402
from samples import SAMPLES  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=41)
    args = ap.parse_args()
    ad = asterix_decoder()
    if ad is None:
        print("asterix_decoder is not installed in .peers/asterix_decoder (see the docstring)", file=sys.stderr)
        return 2
    blocks = []
    for d in iter_datagrams(SAMPLES / "cat034_048.pcap"):
        blocks += [d.payload[p:e] for p, cat, e in split_blocks(d.payload) if cat == 48]
    n_ours = sum(len(decode(b)) for b in blocks)
    n_peer = sum(len(ad.parse(b, verbose=False)) for b in blocks)
    assert n_ours == n_peer == 128, (n_ours, n_peer)
    runs = {"radarbench (fast)": lambda b: decode(b), "asterix_decoder": lambda b: ad.parse(b, verbose=False),
            "asterix_decoder (verbose)": lambda b: ad.parse(b)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.rounds):
        for name, f in runs.items():
            t0 = time.perf_counter()
            for b in blocks:
                f(b)
            times[name].append(time.perf_counter() - t0)
    rates = {k: n_ours / statistics.median(v) for k, v in times.items()}
    for k, r in rates.items():
        print(f"{k:28s} {r:10.0f} records/s  ({1e6 / r:6.1f} us a record)")
    ratio = rates["radarbench (fast)"] / rates["asterix_decoder"]
    print(f"ratio radarbench / asterix_decoder (verbose=False): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
