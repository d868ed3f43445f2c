"""NEWCOMER #3: a TCP device killed mid-run, the bench using one TcpTransport from its sender
and receiver threads (--send equal to --recv). Real processes: `radarbench emulate echo` as
the device, `radarbench bench` through the CLI, the device SIGKILLed 2 s in.

Before the fix, 2 runs in 5 (3 in 5 here) crashed the bench's receiver thread with an
AttributeError and cut the run short (1.6 s of 4 s, one fault 0.003 s long). Now every run
lasts its 4 s and says FAULT, with one episode from the kill to the end and every probe
accounted for. By hand: 10 runs in 10 (see the commit); here 2, to keep the suite short.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from procs import free_tcp_port, marked_pids

CLI = [sys.executable, "-m", "radarbench.bench.cli"]
RATE, DURATION_S, KILL_AFTER_S = 500, 4.0, 2.0


@pytest.mark.parametrize("attempt", [1, 2])
def test_tcp_device_killed_mid_run_is_one_fault_to_the_end(tmp_path: Path, attempt: int) -> None:
    marker = uuid.uuid4().hex
    env = dict(os.environ, RB_TCP_KILLED=marker, PYTHONUNBUFFERED="1")
    port = free_tcp_port()
    url = f"tcp://127.0.0.1:{port}"
    report = tmp_path / "r.json"
    echo = subprocess.Popen([*CLI, "emulate", "echo", "--in", f"tcp://:{port}?listen=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    bench: subprocess.Popen[str] | None = None
    try:
        assert echo.stdout is not None and echo.stdout.readline().strip() == "ready"
        bench = subprocess.Popen([*CLI, "bench", "--send", url, "--recv", url, "--rate", str(RATE),
                                  "--duration", str(DURATION_S), "--report", str(report), "-q"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                 start_new_session=True)
        time.sleep(KILL_AFTER_S)
        echo.kill()
        echo.communicate(timeout=10)
        out, err = bench.communicate(timeout=60)
    finally:
        for p in (echo, bench):
            if p is not None and p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.communicate()
    assert "Traceback" not in err and "Exception in thread" not in err, err
    assert bench.returncode == 1, (out, err)
    doc = json.loads(report.read_text())
    assert doc["status"] == "fault"
    assert doc["duration_s"] == pytest.approx(DURATION_S, abs=0.1)  # not cut short
    c = doc["counts"]
    assert c["sent"] == pytest.approx(RATE * DURATION_S, abs=10)
    assert c["sent"] == c["received"] + c["lost"] + c["late"]
    assert c["received"] > 0 and c["lost"] > RATE * 1.0  # the echo answered, then was gone
    faults = doc["faults"]
    assert len(faults) == 1, faults  # one outage, one episode
    f = faults[0]
    # the bench starts its run some 0.3-0.5 s after its process (imports): the kill lands
    # between 1 and 2 s into the run; the device never comes back, so it lasts to the end
    assert 0.8 < f["t_s"] < KILL_AFTER_S + 0.5, f
    assert f["t_s"] + f["duration_s"] > DURATION_S - 0.3, f
    deadline = time.monotonic() + 5
    while marked_pids(marker, "RB_TCP_KILLED") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marked_pids(marker, "RB_TCP_KILLED") == []
