"""Two runs of rigs/examples/impaired.toml from one folder wrote one ground-truth file,
./impaired-truth.jsonl, which then held 2,000 lines of one run only (the other's truncated
away). The impairer holds its log with an exclusive lock for its life: the second run is
refused with one line before it measures anything, and the first run's log is whole."""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from radarbench.rigs.rigfile import example_path

CLI = [sys.executable, "-m", "radarbench.bench.cli"]
REFUSAL = ("radarbench run: link (impair) did not start: radarbench emulate: impair: cannot "
           "write the log impaired-truth.jsonl: another impairer is writing it")


def _held(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_second_run_of_the_impaired_rig_is_refused_and_the_first_keeps_its_truth(tmp_path: Path) -> None:
    rig = str(example_path("impaired"))
    log = tmp_path / "impaired-truth.jsonl"
    first = subprocess.Popen(CLI + ["run", rig, "-q", "--duration", "4", "--report", "pi1.json"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _held(log):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run's impairer never opened its log"
            time.sleep(0.05)
        second = subprocess.run(CLI + ["run", rig, "-q", "--duration", "2", "--report", "pi2.json"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120)
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert second.returncode == 2
    assert second.stdout == ""
    [line] = second.stderr.splitlines()
    assert line.startswith(REFUSAL), line
    assert not (tmp_path / "pi2.json").exists()
    assert first.returncode in (0, 1), err   # its verdict; not a refusal, not a crash
    report = json.loads((tmp_path / "pi1.json").read_text())
    impair = report["config"]["rig"]["devices"]["link"]
    lines = [json.loads(s) for s in log.read_text().splitlines()]
    assert len(lines) == impair["received"] > 0
    assert [r["index"] for r in lines] == list(range(len(lines)))
    assert sum(r["fate"] == "dropped" for r in lines) == impair["dropped"]
    assert sum(r["copies"] for r in lines) == impair["sent"] + impair["send_errors"]
