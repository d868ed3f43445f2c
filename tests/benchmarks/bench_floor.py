"""The bench's own floor and ceiling on UDP loopback, measured side by side in one run.

    python3 tests/benchmarks/bench_floor.py [--rounds 5] [--ceiling]

Floor: round-trip p50 of the bench (loop mode, open loop at a gentle rate) through
`radarbench emulate echo`, next to a minimal plain-socket ping-pong (blocking client, plain
Python echo server in its own process) in the same run, interleaved round by round so machine
noise hits both alike; and the same two against each other's echo, to tell the device's share
from the bench's. Ceiling (--ceiling): `--find-max` with the bench's sender aimed straight at
its own receiver (no device: the bench alone) and through `emulate echo`, one record per
datagram and 10 per block.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time

from radarbench.bench.engine import bench

PLAIN_ECHO = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ping_pong_p50_us(port: int, n: int, size: int = 34) -> float:
    """Median round trip of n blocking ping-pongs with a plain socket."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.settimeout(1.0)
    payload = bytes(size)
    rtts = []
    for _ in range(n):
        t0 = time.monotonic_ns()
        s.send(payload)
        s.recv(65535)
        rtts.append(time.monotonic_ns() - t0)
        time.sleep(0.0005)  # like the bench's gentle rate: each ping finds the path idle
    s.close()
    return statistics.median(rtts) / 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--ceiling", action="store_true")
    args = ap.parse_args()

    plain = subprocess.Popen([sys.executable, "-c", PLAIN_ECHO], stdout=subprocess.PIPE, text=True)
    assert plain.stdout is not None
    plain_port = int(plain.stdout.readline())
    echo_port = free_port()
    echo = subprocess.Popen([sys.executable, "-m", "radarbench.bench.cli", "emulate", "echo", "--in",
                             f"udp://127.0.0.1:{echo_port}?listen=1"], stdout=subprocess.PIPE, text=True)
    assert echo.stdout is not None and "ready" in echo.stdout.readline()
    rows: dict[str, list[float]] = {k: [] for k in (
        "ping-pong, plain echo", "ping-pong, emulate echo", "bench uncorrected, emulate echo",
        "bench corrected, emulate echo", "bench uncorrected, plain echo")}
    try:
        for r in range(args.rounds):
            rows["ping-pong, plain echo"].append(ping_pong_p50_us(plain_port, args.count))
            rows["ping-pong, emulate echo"].append(ping_pong_p50_us(echo_port, args.count))
            url = f"udp://127.0.0.1:{echo_port}"
            rep = bench(send=url, recv=url, rate=args.rate, duration=None, count=args.count, drain_s=0.5)
            assert rep.counts.lost == 0, rep.counts
            rows["bench uncorrected, emulate echo"].append(rep.uncorrected.p50_us)
            rows["bench corrected, emulate echo"].append(rep.corrected.p50_us)
            url = f"udp://127.0.0.1:{plain_port}"
            rep = bench(send=url, recv=url, rate=args.rate, duration=None, count=args.count, drain_s=0.5)
            rows["bench uncorrected, plain echo"].append(rep.uncorrected.p50_us)
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.1f}" for k, v in rows.items()), file=sys.stderr)
        print(f"\nround-trip p50 on UDP loopback, median of {args.rounds} rounds of {args.count} "
              f"(bench at {args.rate:g} msgs/s):")
        base = statistics.median(rows["ping-pong, plain echo"])
        for k, v in rows.items():
            m = statistics.median(v)
            print(f"  {k:34s} {m:8.1f} us   x{m / base:.2f}")

        if args.ceiling:
            print("\nhighest rate with zero loss (find-max, 2 s steps):")
            direct = free_port()
            targets = {"bench alone (sender -> own receiver)": (f"udp://127.0.0.1:{direct}",
                                                                 f"udp://127.0.0.1:{direct}?listen=1"),
                       "through emulate echo": (f"udp://127.0.0.1:{echo_port}",) * 2}
            for name, (send, recv) in targets.items():
                for k in (1, 10):
                    rep = bench(send=send, recv=recv, rate=10000, duration=2, find_max=True,
                                records_per_block=k, drain_s=0.5)
                    fm = rep.to_dict()["find_max"]
                    print(f"  {name:38s} {k:2d} per datagram: {fm['max_msgs_per_s']:>10,.0f} msgs/s "
                          f"(first failing {fm['bracket'][1] or 0:,.0f})")
    finally:
        for p in (plain, echo):
            p.terminate()
            p.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
