"""`radarbench match` of a recording cut short: `head -c 5000 cat034_048.pcap` (the file ends
inside frame 37 of 100) against the whole capture read `OK on 70 of 70 records` with a
warning, while 92 output records were set aside as outside the window in silence. A
recording that is not read whole gives a FAULT naming the side and where it breaks, and
output records outside the window are said."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from samples import sample

_ENTRY = "import sys; from radarbench.bench.cli import main; sys.exit(main(sys.argv[1:]))"

# cat034_048.pcap holds 162 records; its first 5000 bytes, 70 of them (36 whole frames)
RECORDS, KEPT = 162, 70


def radarbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _ENTRY, *args], capture_output=True, text=True,
                          timeout=120)


def _cut(tmp_path: Path) -> tuple[str, str]:
    whole = sample("cat034_048.pcap")
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(whole.read_bytes()[:5000])
    return str(whole), str(cut)


def test_a_cut_input_recording_is_a_fault_not_ok(tmp_path: Path) -> None:
    whole, cut = _cut(tmp_path)
    report = tmp_path / "run.json"
    r = radarbench("match", cut, whole, "--report", str(report))
    assert r.returncode == 1, r.stdout + r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith(f"FAULT: sent {KEPT} received {KEPT} lost 0 ")
    assert "fault: recording cut short (in side)" in first
    assert "the file ends inside frame 37" in first
    doc = json.loads(report.read_text())
    assert doc["status"] == "fault"
    [fault] = doc["faults"]
    assert (fault["kind"], fault["side"], fault["errors"]) == ("recording cut short", "in", 1)
    assert doc["content"]["out_outside_window"] == RECORDS - KEPT
    warnings = doc["content"]["warnings"]
    assert any(w.startswith(f"{RECORDS - KEPT} output record(s) outside the window") for w in warnings)
    assert f"  warning: {RECORDS - KEPT} output record(s) outside the window" in r.stdout
    # what the Markdown headline says, from the same verdict
    md = radarbench("report", str(report))
    assert md.returncode == 0 and md.stdout.splitlines()[0] == "## radarbench run: FAULT"
    assert md.stdout.splitlines()[2].startswith("- fault: recording cut short (in side)")


def test_a_cut_output_recording_is_a_fault_and_its_input_after_the_cut_lost(tmp_path: Path) -> None:
    whole, cut = _cut(tmp_path)
    r = radarbench("match", whole, cut, "-q")
    assert r.returncode == 1
    line = r.stdout.strip()
    assert line.startswith(f"FAULT: sent {RECORDS} received {KEPT} lost {RECORDS - KEPT} ")
    assert "fault: recording cut short (out side)" in line and "input after that point counts lost" in line


def test_whole_recordings_stay_ok_with_nothing_outside(tmp_path: Path) -> None:
    whole = sample("cat034_048.pcap")
    copy = tmp_path / "copy.pcap"
    shutil.copyfile(whole, copy)
    report = tmp_path / "run.json"
    r = radarbench("match", str(whole), str(copy), "--report", str(report))
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(report.read_text())
    assert doc["status"] == "ok" and doc["faults"] == []
    assert doc["content"]["out_outside_window"] == 0 and "warnings" not in doc["content"]
    assert doc["counts"]["sent"] == doc["counts"]["received"] == RECORDS
