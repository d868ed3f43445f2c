"""Source mode against `radarbench emulate radar` in its own process: message rate, data age,
plots per scan between north markers, north markers on time, decode errors."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

from radarbench.bench.engine import bench


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_source_mode_measures_the_radar() -> None:
    port = free_port()
    period_s, sectors, targets = 0.5, 16, 12
    radar = subprocess.Popen(
        [sys.executable, "-m", "radarbench.bench.cli", "emulate", "radar", "--out", f"udp://127.0.0.1:{port}",
         "--period", str(period_s), "--sectors", str(sectors), "--targets", str(targets), "--duration", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def garbage() -> None:
        time.sleep(1.0)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _ in range(3):
                s.sendto(b"\x30\x00\x09\xff\xff\xff\xff\xff\xff", ("127.0.0.1", port))

    try:
        assert radar.stdout is not None and "ready" in radar.stdout.readline()
        threading.Thread(target=garbage, daemon=True).start()
        report = bench(recv=f"udp://127.0.0.1:{port}?listen=1", duration=2.6)
    finally:
        radar.terminate()
        radar.communicate(timeout=10)
    src = report.to_dict()["source"]
    assert report.latency_kind == "data age"
    assert report.counts.decode_errors == 3
    assert src["scans"] >= 4
    assert src["plots_per_scan"]["min"] == src["plots_per_scan"]["max"] == targets
    assert src["antenna_period_s"] == period_s
    assert src["north_markers_on_time"] == src["north_markers"] - 1
    assert src["north_markers_missed"] == 0
    # A plot leaves when the beam leaves its sector: its age is under one sector time, plus
    # the time of day truncated to its LSB (1/128 s), plus the path (a few ms on a loaded box).
    sector_ms = period_s / sectors * 1000
    assert 0 < report.corrected.max_us / 1000 <= sector_ms + 1000 / 128 + 10
    assert report.counts.received == src["plots"]
