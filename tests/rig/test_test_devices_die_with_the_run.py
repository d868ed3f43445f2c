"""A device a test starts (tests/procs.Device) is on the test run's lifeline: killing the run
(a CI timeout) leaves no device behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from procs import free_udp_port

HERE = Path(__file__).resolve().parents[1]

RUN = f"""
import sys, time
sys.path.insert(0, {str(HERE)!r})
from procs import Device
d = Device("echo", "--in", "udp://127.0.0.1:{{port}}?listen=1")
print(d.proc.pid, flush=True)
time.sleep(60)
"""


def test_a_killed_test_run_takes_its_devices_with_it() -> None:
    run = subprocess.Popen([sys.executable, "-c", RUN.format(port=free_udp_port())], stdout=subprocess.PIPE, text=True)
    assert run.stdout is not None
    device = int(run.stdout.readline())
    try:
        os.kill(device, 0)  # running
        run.send_signal(signal.SIGKILL)
        run.wait(5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(device, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"device {device} outlived the killed test run")
    finally:
        for pid in (device, run.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
