"""The bench's health on a quiet and on a busy host: the figures behind bench/health.py's bounds.

    python3 tests/benchmarks/health_load.py [--runs 3] [--duration 5] [--rate 1000 --rate 200] [--busy 2]

Each run is `radarbench bench` through `radarbench emulate echo` on loopback (both
subprocesses); a busy run has `--busy` processes of `python3 -c 'while 1: pass'` beside it
(killed after). Prints one line a run: verdict of health, sender lag, late sends, receiver
lag, drops, CPU pressure, and the latency the run measured.
"""
from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_run(rate: float, duration: float, busy: int) -> dict:
    hogs = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(busy)]
    port = free_port()
    echo = subprocess.Popen([sys.executable, "-m", "radarbench.bench.cli", "emulate", "echo", "--in",
                             f"udp://127.0.0.1:{port}?listen=1"], stdout=subprocess.PIPE, text=True)
    try:
        assert echo.stdout is not None
        if "ready" not in echo.stdout.readline():
            raise RuntimeError("echo did not start")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run.json"
            url = f"udp://127.0.0.1:{port}"
            subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "bench", "--send", url, "--recv", url,
                            "--rate", str(rate), "--duration", str(duration), "-q", "--report", str(out)],
                           check=False, capture_output=True, timeout=duration + 60)
            return json.loads(out.read_text())
    finally:
        for p in [echo, *hogs]:
            p.send_signal(signal.SIGTERM)
        for p in [echo, *hogs]:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def line(label: str, doc: dict) -> str:
    h = doc.get("health") or {}
    s, r = h.get("sender_own_lag_us") or {}, h.get("receiver_lag_us") or {}
    t = h.get("sender_lag_us") or {}
    sends = doc.get("match", {}).get("sends") or 1
    c = doc["counts"]
    return (f"{label:12} {doc['status']:16} recv {c['received']}/{c['sent']} lost {c['lost']} late {c['late']}  "
            f"own lag p50/p99/max {s.get('p50', 0):8.1f} {s.get('p99', 0):9.1f} {s.get('max', 0):9.1f} us  "
            f"total p99 {t.get('p99', 0):9.1f} us  behind {h.get('sender_behind_ms')} ms  late sends "
            f"{h.get('late_sends', 0):5} ({100 * h.get('late_sends', 0) / sends:5.1f} %)  rx lag p99/max "
            f"{r.get('p99', 0):8.1f} {r.get('max', 0):9.1f} us  drops {h.get('rx_queue_drops')}  "
            f"psi {h.get('host_cpu_pressure')}  p99 {doc['latency_us']['corrected']['p99']:.0f} us  "
            f"msgs/s {doc['throughput']['msgs_per_s']:.0f}  "
            f"reasons: {'; '.join(h.get('reasons', []))}  warnings: {'; '.join(h.get('warnings', []))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--rate", type=float, action="append", help="repeatable (default 1000)")
    ap.add_argument("--busy", type=int, default=2)
    ap.add_argument("--only", choices=("quiet", "busy"), help="only quiet or only busy runs")
    args = ap.parse_args()
    for rate in args.rate or [1000.0]:
        for label, busy in (("quiet", 0), ("busy", args.busy)):
            if args.only and args.only != label:
                continue
            for _ in range(args.runs):
                print(line(f"{label} {rate:g}", one_run(rate, args.duration, busy)), flush=True)


if __name__ == "__main__":
    main()
