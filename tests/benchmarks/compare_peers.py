"""Side-by-side: radarbench against asterix_decoder (decode) and libasterix (encode), in one
process, interleaved.

    python3 -m pip install --target .peers/asterix_decoder asterix_decoder
    python3 tests/benchmarks/compare_peers.py [--rounds 41] [--set cat048 cat062 cat021 cat001 encode048]

Sets of data blocks, each handled by both codecs in turn, round after round (so machine
noise hits both alike); prints the median records per second of each and their ratio. Each
set runs in a process of its own (``--one-process``: all in this one, as before session 9):
a figure must not depend on which sets ran before it. In one process, the 41 rounds of
CAT048 decoding before encode048 left encoding 11-15 % slower (records built on a heap the
decoding had churned: 8.7-9.1 against 7.7-7.9 us a record, cold, 2026-11-30).

* cat048: the 86 CAT048 data blocks (128 records) of ../shared/samples/cat034_048.pcap;
* cat021: the two real CAT021 blocks of cat021_re.ast, and random CAT021 2.7 records (every
  item of the UAP, fixed seed, one record a block, RE left out) encoded by radarbench;
* cat001: the real CAT001 block of mixed_categories.ast, and random CAT001 1.4 plot and track
  records (fixed seed) encoded by radarbench;
* cat062: random CAT062 1.21 records (every item of the UAP, fixed seed, one record a block,
  RE and SP left out) encoded by radarbench;
* encode048: encoding the 128 records of the cat048 set back into its 86 data blocks, by
  radarbench (``encode``, from the decoded values) and by libasterix 0.36.3 (``create`` of each
  record from the same values in its argument form, built beforehand, then ``create`` of the
  data block and ``unparse().to_bytes()``); both give the same bytes (checked).

asterix_decoder knows CAT021 2.6 and CAT001 1.2 (its bundled XML), not 2.7 and 1.4: a block
enters a set only if asterix_decoder reads it with no error and the same number of records
as radarbench, so both decode the same work.
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
from time import perf_counter, thread_time
from pathlib import Path
from typing import Any, Callable

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1]),
                str(Path(__file__).resolve().parents[1] / "unit")]

import oracle  # noqa: E402  tests/unit/oracle.py; imports libasterix's `asterix` before the peer's
from peers import asterix_decoder  # noqa: E402
from radarbench.codecs.asterix import category_spec, decode, encode, split_blocks  # noqa: E402
from radarbench.codecs.asterix import spec as S  # noqa: E402
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
    if "cat048" in names or "encode048" in names:
        b: list[bytes] = []
        for d in iter_datagrams(SAMPLES / "cat034_048.pcap"):
            b += _blocks_of(d.payload, 48)
        out["cat048"] = b
    if "cat062" in names:
        rnd = _random_blocks(62, "1.21", 400, seed=62, fix=lambda it: {k: v for k, v in it.items() if k not in ("RE", "SP")})
        out["cat062"] = _accepted(ad, rnd)
    if "cat021" in names:
        real = _blocks_of((SAMPLES / "cat021_re.ast").read_bytes(), 21)
        rnd = _random_blocks(21, "2.7", 400, seed=21, fix=lambda it: {k: v for k, v in it.items() if k not in ("RE", "SP")})
        out["cat021"] = _accepted(ad, real + rnd)
    if "cat001" in names:
        real = _blocks_of((SAMPLES / "mixed_categories.ast").read_bytes(), 1)
        rnd = _random_blocks(1, "1.4", 400, seed=1, fix=lambda it: {k: v for k, v in it.items() if k not in ("RFS", "SP")})
        out["cat001"] = _accepted(ad, real + rnd)
    return out


def libasterix_args(node: Any, value: Any) -> Any:
    """A radarbench value in the argument form of libasterix's ``create`` (for the encode
    set): groups as tuples of every field (spares 0), extended items as tuples of the parts
    present (each with None for its FX bit), compounds as dicts, explicit items as bytes.
    Scaled quantities and strings are handed over as values, for libasterix to convert."""
    if isinstance(node, S.Spare):
        return 0
    if isinstance(node, S.Group):
        return tuple(0 if n is None else libasterix_args(sub, value[n]) for n, sub in node.fields)
    if isinstance(node, S.Extended):
        parts = []
        for i, part in enumerate(node.parts):
            if i and not any(n in value for n in node.names[i]):
                break
            fx = (None,) if node.fx_last or i < len(node.parts) - 1 else ()
            parts.append(tuple(0 if n is None else libasterix_args(sub, value[n]) for n, sub in part) + fx)
        return tuple(parts)
    if isinstance(node, (S.Repetitive, S.RepetitiveFX)):
        return [libasterix_args(node.sub, x) for x in value]
    if isinstance(node, S.Compound):
        return {n: libasterix_args(sub, value[n]) for n, sub in (s for s in node.subitems if s) if n in value}
    if isinstance(node, S.Explicit):
        return bytes.fromhex(value)
    if isinstance(node, S.Quantity):
        return float(value)
    if isinstance(node, S.Element) and node.signed:
        return value & ((1 << node.bits) - 1)
    return value


def encode_pair(blocks: list[bytes]) -> tuple[list, Callable, Callable]:
    """(per-block records, radarbench encode, libasterix encode) of CAT048 blocks."""
    lib = oracle.libasterix_class(48, "1.32")
    spec = category_spec(48, "1.32")
    ours = [list(decode(b)) for b in blocks]
    theirs = [[{k: libasterix_args(spec.items[k].variation, v) for k, v in r.items.items()} for r in recs]
              for recs in ours]

    def rb(i: int) -> bytes:
        return encode(ours[i])

    def la(i: int) -> bytes:
        create = lib.cv_record.create
        return lib.create([create(a) for a in theirs[i]]).unparse().to_bytes()

    for i, b in enumerate(blocks):
        assert rb(i) == la(i) == b, i
    return ours, rb, la


def _race(name: str, n_records: int, runs: dict[str, Callable[[], Any]], rounds: int,
          clock: Callable[[], float] = perf_counter, warm: bool = False) -> None:
    """Each run in turn, round after round; the median records per second of each, and the
    ratio of the first to the second. ``clock`` is wall time, or this thread's CPU time (which
    other processes on a busy machine disturb less: they take turns, not cycles). ``warm``:
    each timed pass follows an untimed pass of the same work, so neither side is timed with
    the CPU caches the other one left."""
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(rounds):
        for k, f in runs.items():
            if warm:
                f()
            t0 = clock()
            f()
            times[k].append(clock() - t0)
    rates = {k: n_records / statistics.median(v) for k, v in times.items()}
    print(name)
    for k, r in rates.items():
        print(f"  {k:28s} {r:10.0f} records/s  ({1e6 / r:6.1f} us a record)")
    (a, ra), (b, rb) = list(rates.items())[:2]
    # each round's own ratio too: their median holds better when the machine's speed drifts
    paired = statistics.median(tb / ta for ta, tb in zip(times[a], times[b]))
    print(f"  ratio {a} / {b}: {ra / rb:.2f} (median of the rounds' ratios {paired:.2f})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    choices = ["cat048", "cat062", "cat021", "cat001", "encode048"]
    ap.add_argument("--rounds", type=int, default=41)
    ap.add_argument("--set", nargs="+", default=choices, choices=choices)
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall time (default), or the thread's CPU time for a busy machine")
    ap.add_argument("--warm", action="store_true",
                    help="an untimed pass of the same work before each timed one (see _race)")
    ap.add_argument("--one-process", action="store_true",
                    help="all sets in this process (by default each set runs in a process of its own)")
    args = ap.parse_args()
    if len(args.set) > 1 and not args.one_process:
        for name in args.set:
            cmd = [sys.executable, __file__, "--set", name, "--rounds", str(args.rounds), "--clock", args.clock]
            sys.stdout.flush()
            rc = subprocess.run(cmd + (["--warm"] if args.warm else [])).returncode
            if rc:
                return rc
        return 0
    clock = thread_time if args.clock == "cpu" else perf_counter
    ad = asterix_decoder()
    if ad is None:
        print("asterix_decoder is not installed in .peers/asterix_decoder (see the docstring)", file=sys.stderr)
        return 2
    for name, blocks in sets(ad, args.set).items():
        if name in args.set:
            n_ours = sum(len(decode(b)) for b in blocks)
            n_peer = sum(len(ad.parse(b, verbose=False)) for b in blocks)
            assert n_ours == n_peer and n_ours > 0, (name, n_ours, n_peer)
            _race(f"{name}: {len(blocks)} blocks, {n_ours} records", n_ours, {
                "radarbench (fast)": lambda: [decode(b) for b in blocks],
                "asterix_decoder": lambda: [ad.parse(b, verbose=False) for b in blocks],
            }, args.rounds, clock, args.warm)
        if name == "cat048" and "encode048" in args.set:
            recs, rb, la = encode_pair(blocks)
            idx = range(len(blocks))
            _race(f"encode048: {len(blocks)} blocks, {sum(map(len, recs))} records", sum(map(len, recs)), {
                "radarbench encode": lambda: [rb(i) for i in idx],
                "libasterix create+unparse": lambda: [la(i) for i in idx],
            }, args.rounds, clock, args.warm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
