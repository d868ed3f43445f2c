"""Highest message rate of each emulated device on UDP loopback (out of the default run).

    python -m pytest tests/benchmarks/test_devices_rate.py -s     # or: python tests/benchmarks/test_devices_rate.py

Each device runs as its own `radarbench emulate` process. For echo, gateway and impair, this
process sends N CAT048 probes as fast as it can and a thread counts what comes out: the
figure is messages delivered per second between the first and the last arrival (at
saturation some are lost in socket buffers; the loss is printed beside it). For the radar,
the figure is the plots per second it keeps up with (no sector sent late).
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from radarbench.codecs.asterix import encode
from radarbench.rigs import open_url

CLI = [sys.executable, "-m", "radarbench.bench.cli", "emulate"]
N = 20_000


def _free_port() -> int:
    t = open_url("udp://127.0.0.1:0?listen=1")
    port = t.local_address[1]  # type: ignore[attr-defined]
    t.close()
    return port


def _start(args: list[str]) -> subprocess.Popen[str]:
    p = subprocess.Popen(CLI + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return p


def _stop(p: subprocess.Popen[str]) -> dict[str, Any]:
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _probe() -> bytes:
    return encode([{"category": 48, "items": {
        "010": {"SAC": 1, "SIC": 2}, "140": 100.0, "020": {"TYP": 5, "SIM": 0, "RDP": 0, "SPI": 0, "RAB": 0},
        "040": {"RHO": 10.0, "THETA": 20.0}, "070": {"V": 0, "G": 0, "L": 0, "MODE3A": "1234"},
        "090": {"V": 0, "G": 0, "FL": 300.0}, "161": {"TRN": 7}, "SP": "0000000100000002"}}])


def flood(kind_args: list[str], in_port: int, rx: Any, reply: bool = False) -> dict[str, float]:
    """Send N probes to the device at in_port; count arrivals on rx. Rates in msg/s."""
    stamps: list[float] = []
    data = _probe()
    tx = open_url(f"udp://127.0.0.1:{in_port}?rcvbuf=8388608")
    sink = tx if reply else rx

    def receive() -> None:
        while sink.recv(1.0) is not None:
            stamps.append(time.monotonic())

    dev = _start(kind_args)
    reader = threading.Thread(target=receive)
    reader.start()
    t0 = time.monotonic()
    for _ in range(N):
        tx.send(data)
    offered_s = time.monotonic() - t0
    reader.join()
    summary = _stop(dev)
    tx.close()
    span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    return {"offered_msg_s": N / offered_s, "delivered_msg_s": (len(stamps) - 1) / span,
            "delivered": len(stamps), "device_received": summary["received"], "loss": 1 - len(stamps) / N}


def _rx() -> tuple[Any, int]:
    rx = open_url("udp://127.0.0.1:0?listen=1&rcvbuf=8388608")
    return rx, rx.local_address[1]


def test_echo_rate() -> None:
    port = _free_port()
    r = flood(["echo", "--in", f"udp://127.0.0.1:{port}?listen=1&rcvbuf=8388608"], port, None, reply=True)
    print("\necho", json.dumps(r))


def test_gateway_rate() -> None:
    rx, out_port = _rx()
    port = _free_port()
    r = flood(["gateway", "--in", f"udp://127.0.0.1:{port}?listen=1&rcvbuf=8388608",
               "--out", f"udp://127.0.0.1:{out_port}"], port, rx)
    print("\ngateway", json.dumps(r))
    port = _free_port()
    r = flood(["gateway", "--in", f"udp://127.0.0.1:{port}?listen=1&rcvbuf=8388608",
               "--out", f"udp://127.0.0.1:{out_port}", "--to-category", "62", "--lat", "50", "--lon", "5"], port, rx)
    print("gateway 48->62", json.dumps(r))
    rx.close()


def test_impair_rate() -> None:
    rx, out_port = _rx()
    port = _free_port()
    r = flood(["impair", "--in", f"udp://127.0.0.1:{port}?listen=1&rcvbuf=8388608",
               "--out", f"udp://127.0.0.1:{out_port}", "--delay", "5", "--jitter", "1", "--loss", "0.01"], port, rx)
    print("\nimpair", json.dumps(r))
    rx.close()


def test_radar_rate() -> None:
    rx, port = _rx()
    best = None
    for targets in (1000, 4000, 8000, 12000, 16000):
        p = subprocess.run(CLI + ["radar", "--out", f"udp://127.0.0.1:{port}", "--period", "1",
                                  "--targets", str(targets), "--duration", "3"],
                           check=True, capture_output=True, text=True, timeout=60)
        s = json.loads(p.stdout.strip().splitlines()[-1])
        while rx.recv(0.05) is not None:
            pass
        ok = s["late_sectors"] == 0
        print(f"\nradar targets={targets} plots/s={s['plots'] / s['elapsed_s']:.0f} "
              f"datagrams/s={s['sent'] / s['elapsed_s']:.0f} late_sectors={s['late_sectors']}")
        if not ok:
            break
        best = s["plots"] / s["elapsed_s"]
    print("radar highest plots/s without late sectors:", best)
    rx.close()


if __name__ == "__main__":
    for f in (test_echo_rate, test_gateway_rate, test_impair_rate, test_radar_rate):
        f()
