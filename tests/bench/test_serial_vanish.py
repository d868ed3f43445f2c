"""A serial port that vanishes mid-run (its pty's owner exits) is a fault with a time and a
length in the report; the run ends on time and the report is still written."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

OWNER = textwrap.dedent("""
    import sys, time
    from radarbench.rigs import open_url
    t = open_url(f"pty://{sys.argv[1]}?baud=115200&framing=hdlc&pace=0")
    print("ready", flush=True)
    time.sleep(float(sys.argv[2]))
    t.close()
""")


def test_vanished_serial_port_is_a_fault(tmp_path: Path) -> None:
    link = tmp_path / "line"
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(link), "1.0"], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
    report = tmp_path / "run.json"
    p = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "bench", "--send",
                        f"serial://{link}?baud=115200&framing=hdlc", "--rate", "100", "--duration", "2.5",
                        "--report", str(report), "-q"], capture_output=True, text=True, timeout=30)
    owner.wait(timeout=5)
    assert p.returncode == 1, p.stderr  # a run with faults exits 1, not with a traceback
    assert "Traceback" not in p.stderr
    r = json.loads(report.read_text())
    assert r["status"] == "fault"
    (fault,) = r["faults"]
    assert "Input/output error" in fault["detail"] or "errno 5" in fault["detail"].lower()
    # The port went away mid-run (its owner closes it 1 s after "ready"; how far into the run
    # that is depends on how long the bench took to start, which a loaded host stretches:
    # 0.17 s was seen) and stayed away to the end of the 2.5 s run.
    assert 0 < fault["t_s"] < 1.8
    assert abs(fault["t_s"] + fault["duration_s"] - r["duration_s"]) < 0.5, (fault, r["duration_s"])
    assert 0 < r["counts"]["sent"] < 250
