"""Soak: memory stays bounded over a long run.

    python3 tests/benchmarks/test_soak.py --minutes 10 --rate 2000
    python3 tests/benchmarks/test_soak.py --minutes 10 --replay radar.pcap --speed 20   # real traffic
    python3 -m pytest tests/benchmarks/test_soak.py -q        # a short version (1 minute)

`radarbench bench` through `radarbench emulate echo` on loopback (both subprocesses) for
--minutes at --rate msgs/s. The RSS of every process (the bench parent, its sender and
receiver children, the echo) is read from /proc each second. After the first minute (imports,
buffers and the matcher's ring settle) each process's RSS must grow less than 5 %; the table
gives RSS at each minute and the growth extrapolated to 24 h (linear, from the slope after
the first minute, and from the slope of the second half). Linear is pessimistic here: what
grows in the parent is the report's timeline, one row a second up to 1,800 rows (then rows
merge), a few hundred kB at most.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
GROWTH_LIMIT = 0.05


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return None


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def soak(minutes: float, rate: float, replay: str | None = None, speed: float = 1.0) -> dict:
    """Run the soak; returns {"samples": {name: [(t_s, rss)]}, "report": run JSON}. With
    `replay`, the load is that recording looped at `speed` (matched by content) instead of
    probes at `rate`."""
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    echo = subprocess.Popen([sys.executable, "-m", "radarbench.bench.cli", "emulate", "echo", "--in",
                             f"{url}?listen=1"], stdout=subprocess.PIPE, text=True)
    tmp = tempfile.TemporaryDirectory()
    out = Path(tmp.name) / "soak.json"
    bench = None
    samples: dict[str, list[tuple[float, int]]] = {}
    try:
        assert echo.stdout is not None
        if "ready" not in echo.stdout.readline():
            raise RuntimeError("emulate echo did not start")
        load = ["--replay", replay, "--loop", "--speed", str(speed)] if replay else ["--rate", str(rate)]
        bench = subprocess.Popen([sys.executable, "-m", "radarbench.bench.cli", "bench", "--send", url,
                                  "--recv", url, *load, "--duration", str(minutes * 60),
                                  "-q", "--report", str(out)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        while bench.poll() is None:
            t = time.monotonic() - t0
            kids = children(bench.pid)
            procs = {"bench": bench.pid, "echo": echo.pid}
            for i, pid in enumerate(sorted(kids)[:2]):
                procs[("sender", "receiver")[i]] = pid
            for name, pid in procs.items():
                rss = rss_bytes(pid)
                if rss is not None:
                    samples.setdefault(name, []).append((t, rss))
            time.sleep(1.0)
        _, err = bench.communicate()
        if not out.exists():
            raise RuntimeError(f"no report: {err}")
        return {"samples": samples, "report": json.loads(out.read_text())}
    finally:
        if bench is not None and bench.poll() is None:
            bench.kill()
            bench.wait()
        echo.send_signal(signal.SIGTERM)
        try:
            echo.wait(timeout=10)
        except subprocess.TimeoutExpired:
            echo.kill()
            echo.wait()
        tmp.cleanup()


def analyse(samples: dict[str, list[tuple[float, int]]], settle_s: float = 60.0) -> dict[str, dict]:
    """Per process: RSS at the end of the settling minute and at the end, growth share, and
    the 24 h extrapolation (MB) from the slope after settling."""
    out = {}
    for name, points in samples.items():
        after = [(t, r) for t, r in points if t >= settle_s]
        if len(after) < 2:
            after = points[len(points) // 2:]
        t_a, r_a = after[0]
        t_b, r_b = after[-1]
        # the end as the median of the last 10 samples: one sample caught mid-allocation
        # must not decide
        tail = sorted(r for _, r in after[-10:])
        r_end = tail[len(tail) // 2]
        slope = (r_end - r_a) / max(t_b - t_a, 1e-9)
        # The slope of the second half alone: a one-off step early on (an arena the allocator
        # keeps) must not be read as a trend.
        half = after[len(after) // 2:]
        t_h, r_h = half[0]
        late_slope = (r_end - r_h) / max(t_b - t_h, 1e-9)
        out[name] = {"settled_mb": r_a / 2**20, "end_mb": r_end / 2**20, "peak_mb": max(r for _, r in points) / 2**20,
                     "growth": (r_end - r_a) / r_a, "mb_24h": (r_a + slope * 86400) / 2**20,
                     "mb_24h_late": (r_end + late_slope * (86400 - t_b)) / 2**20,
                     "minutes": {int(t // 60): r / 2**20 for t, r in points}}
    return out


def table(result: dict, minutes: float, rate: float, what: str | None = None) -> str:
    stats = analyse(result["samples"])
    rep = result["report"]
    c = rep["counts"]
    lines = [f"soak: {minutes:g} min at {what or f'{rate:g} msgs/s'} through emulate echo; load average "
             f"{os.getloadavg()[0]:.2f} at the end; counts {c}; health overloaded "
             f"{(rep.get('health') or {}).get('overloaded')}",
             f"{'process':9} {'after 1 min':>11} {'end':>8} {'peak':>8} {'growth':>8} "
             f"{'24 h (slope after 1 min)':>25} {'24 h (slope of 2nd half)':>24}"]
    for name, s in stats.items():
        lines.append(f"{name:9} {s['settled_mb']:9.1f}MB {s['end_mb']:6.1f}MB {s['peak_mb']:6.1f}MB "
                     f"{100 * s['growth']:7.2f}% {s['mb_24h']:23.1f}MB {s['mb_24h_late']:22.1f}MB")
    names = list(stats)
    lines.append("RSS (MB) by minute: " + "  ".join(names))
    for m in sorted(stats[names[0]]["minutes"]):
        lines.append(f"  {m:3d}  " + "  ".join(f"{stats[n]['minutes'].get(m, float('nan')):7.1f}" for n in names))
    return "\n".join(lines)


def check(result: dict) -> None:
    c = result["report"]["counts"]
    assert c["sent"] == c["received"] + c.get("modified", 0) + c["lost"] + c["late"], c
    assert {"bench", "sender", "receiver", "echo"} <= set(result["samples"]), list(result["samples"])
    for name, s in analyse(result["samples"]).items():
        assert s["growth"] < GROWTH_LIMIT, f"{name}: RSS grew {100 * s['growth']:.1f} % after the first minute"


def test_soak_short() -> None:
    # The short form: 90 s at 2,000 msgs/s (the full soak is the script's default, 10 min).
    result = soak(1.5, 2000)
    print(table(result, 1.5, 2000))
    check(result)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=2000.0)
    ap.add_argument("--replay", default=None, metavar="RECORDING",
                    help="load: this recording looped (matched by content) instead of probes")
    ap.add_argument("--speed", type=float, default=1.0, help="with --replay: its speed")
    args = ap.parse_args()
    result = soak(args.minutes, args.rate, args.replay, args.speed)
    what = f"a replay of {args.replay} looped at speed {args.speed:g}" if args.replay else None
    print(table(result, args.minutes, args.rate, what), flush=True)
    check(result)
    print("PASS: every process grew less than 5 % after the first minute")


if __name__ == "__main__":
    main()
