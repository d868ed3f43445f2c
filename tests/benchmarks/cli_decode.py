"""`radarbench decode` beside the codec: records/s and peak RSS on one large file, one run.

    python3 tests/benchmarks/cli_decode.py [--repeat 3000] [--rounds 3]

Builds a bare .ast file in a temporary folder by repeating the 86 real CAT048 data blocks
(128 records, 6,434 octets) of ../shared/samples/cat034_048.pcap: 3000 times gives the
19.3 MB / 384,000-record file of issue 9 (nothing big is committed). Then, on that file:

- iter_decode alone, in this process (CPU time; the codec's own speed);
- `radarbench decode FILE` to JSON Lines and `--format text`, each a real subprocess writing
  to /dev/null, with orjson when installed and, for comparison, with it made unimportable;
  CPU time (user + system, startup included) and peak RSS of that child alone.

Figures are CPU times, not wall times: on a loaded 2-core host the wall clock measures the
other load. The best of ``--rounds`` runs is kept for each.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from samples import sample  # noqa: E402

from radarbench.codecs.asterix import iter_decode, split_blocks  # noqa: E402
from radarbench.rigs.pcapfile import iter_datagrams  # noqa: E402

ENTRY = "import sys; from radarbench.bench.cli import main; sys.exit(main(sys.argv[1:]))"
NO_ORJSON = "import sys; sys.modules['orjson'] = None; " + ENTRY
# Runs the command as its only child and prints that child's CPU seconds and peak RSS (kB).
# A child forked straight from this process would inherit its peak RSS (Linux keeps the
# high-water mark across exec), hence the small process in between.
MEASURE = ("import os, resource, subprocess, sys; "
           "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
           "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "print(u.ru_utime + u.ru_stime, u.ru_maxrss)")


def build(path: Path, repeat: int) -> int:
    """Write the file; return its number of records."""
    blocks = []
    for d in iter_datagrams(sample("cat034_048.pcap")):
        blocks += [d.payload[p:e] for p, cat, e in split_blocks(d.payload) if cat == 48]
    one = b"".join(blocks)
    with path.open("wb") as f:
        for _ in range(repeat):
            f.write(one)
    return 128 * repeat


def child(entry: str, *args: str) -> tuple[float, int]:
    """(CPU seconds, peak RSS in kB) of one run of the command, output to /dev/null."""
    out = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-c", entry, *args],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1])


def codec_alone(path: Path) -> float:
    data = path.read_bytes()
    t0 = time.process_time()
    n = sum(1 for _ in iter_decode(data))
    return n / (time.process_time() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3000, help="copies of the 128 records (3000: 19.3 MB)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-text", action="store_true", help="leave out --format text (slow)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cat048.ast"
        records = build(path, a.repeat)
        size_mb = path.stat().st_size / 1e6
        runs = {"iter_decode alone": [], "decode jsonl (orjson)": [], "decode jsonl (json)": []}
        if not a.skip_text:
            runs["decode --format text"] = []
        rss: dict[str, int] = {}
        for _ in range(a.rounds):
            runs["iter_decode alone"].append(codec_alone(path))
            for name, entry, extra in (("decode jsonl (orjson)", ENTRY, ()), ("decode jsonl (json)", NO_ORJSON, ()),
                                       ("decode --format text", ENTRY, ("--format", "text"))):
                if name not in runs:
                    continue
                cpu_s, kb = child(entry, "decode", str(path), *extra)
                runs[name].append(records / cpu_s)
                rss[name] = max(rss.get(name, 0), kb)
        base = max(runs["iter_decode alone"])
        print(f"{path.name}: {size_mb:.1f} MB, {records:,} records; best of {a.rounds}, CPU time")
        for name, rates in runs.items():
            best = max(rates)
            mem = f"  peak RSS {rss[name] / 1024:.1f} MB" if name in rss else ""
            print(f"  {name:<24} {best:>9,.0f} records/s  {best / base:.2f} of iter_decode{mem}")


if __name__ == "__main__":
    main()
