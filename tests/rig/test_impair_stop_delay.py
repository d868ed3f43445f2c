"""An impairer stopped while copies are still delayed sent them all at once, though its log
and summary said each had its full delay (--delay 2000: ten copies arrived 0.65 s after
their send, logged "delivered", delay_ms 2000). It now sends them when due, for at most
STOP_DELAY_WAIT_S, and counts any it must release early (released_early)."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from procs import free_udp_port
from radarbench.rigs.devices import impair
from samples import sample

CLI = [sys.executable, "-m", "radarbench.bench.cli"]


def _run(tmp_path: Path, delay_ms: int, stop_after_s: float, *more: str) -> tuple[list[float], dict]:
    a, b = free_udp_port(), free_udp_port()
    log = tmp_path / "truth.jsonl"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
        rx.bind(("127.0.0.1", b))
        rx.settimeout(10)
        dev = subprocess.Popen([*CLI, "emulate", "impair", "--in", f"udp://127.0.0.1:{a}", "--out",
                                f"udp://127.0.0.1:{b}", "--delay", str(delay_ms), "--log", str(log), *more],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert dev.stdout is not None and dev.stdout.readline().strip() == "ready"
        block = sample("cat048_one_record.ast").read_bytes()
        t0 = time.monotonic()
        for _ in range(10):
            tx.sendto(block, ("127.0.0.1", a))
        time.sleep(stop_after_s)
        dev.send_signal(signal.SIGTERM)
        arrived = []
        try:
            while len(arrived) < 10:
                rx.recv(4096)
                arrived.append(time.monotonic() - t0)
        except socket.timeout:
            pass
        out, _ = dev.communicate(timeout=30)
    return arrived, json.loads(out.strip().splitlines()[-1])


def test_copies_delayed_at_stop_leave_when_due(tmp_path: Path) -> None:
    arrived, summary = _run(tmp_path, 1500, 0.3)
    assert len(arrived) == 10 and min(arrived) >= 1.45, arrived
    assert summary["released_early"] == 0 and summary["sent"] == 10


def test_copies_delayed_past_the_wait_are_counted_released_early(tmp_path: Path) -> None:
    arrived, summary = _run(tmp_path, int((impair.STOP_DELAY_WAIT_S + 3) * 1000), 0.3)
    assert len(arrived) == 10 and max(arrived) < impair.STOP_DELAY_WAIT_S + 2.5, arrived
    assert summary["released_early"] == 10


def test_a_copy_held_to_be_reordered_still_serves_its_delay(tmp_path: Path) -> None:
    # A copy held back for a later one to overtake left, at the hold's end (1 s) or when the
    # impairer stopped, without its own delay: 3 s copies arrived after 51-600 ms, logged
    # delay_ms 3000, and were not counted released_early. Stopped at 0.3 s here.
    arrived, summary = _run(tmp_path, 1500, 0.3, "--reorder", "1.0", "--seed", "1")
    assert len(arrived) == 10 and min(arrived) >= 1.45, arrived
    assert summary["released_early"] == 0 and summary["reordered"] == 10
