"""`radarbench report` and `radarbench compare` as a CI job runs them: real processes, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_report import synthetic_report  # tests/bench is on sys.path under pytest


# What the `radarbench` console script runs. Not `python -m radarbench.bench.cli`: that runs
# cli.py as __main__, a second copy of the module whose UserError is not the one the command
# modules raise, so a user error would escape as a traceback with exit status 1.
_ENTRY = "import sys; from radarbench.bench.cli import main; sys.exit(main(sys.argv[1:]))"


def radarbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _ENTRY, *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("runs")
    paths = {
        "base": synthetic_report(stall_at_s=None, link_down_at_s=None),
        "same": synthetic_report(stall_at_s=None, link_down_at_s=None, seed=2),
        "worse": synthetic_report(),  # stall and link-down
    }
    out = {}
    for name, report in paths.items():
        out[name] = report.write(folder / f"{name}.json")
    bad = folder / "bad.json"
    doc = json.loads(out["base"].read_text())
    del doc["counts"]["lost"]
    bad.write_text(json.dumps(doc))
    out["bad"] = bad
    return out


def test_report_prints_markdown(runs: dict[str, Path]) -> None:
    proc = radarbench("report", str(runs["worse"]))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("## radarbench run: FAULT\n\n- fault: link-down at 3.000 s")
    assert "40 lost" in proc.stdout


def test_report_writes_html_and_markdown(runs: dict[str, Path], tmp_path: Path) -> None:
    html, md = tmp_path / "run.html", tmp_path / "run.md"
    proc = radarbench("report", str(runs["worse"]), "--html", str(html), "--markdown", str(md))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert html.read_text().count("<svg") == 3  # distribution, spectrum, timeline
    assert md.read_text().startswith("## radarbench run")


def test_report_on_bad_file_exits_2_with_one_line(runs: dict[str, Path], tmp_path: Path) -> None:
    proc = radarbench("report", str(runs["bad"]))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "bad.json: counts.lost: missing" in proc.stderr
    proc = radarbench("report", str(tmp_path / "missing.json"))
    assert proc.returncode == 2
    assert "missing.json: no such file" in proc.stderr


def test_compare_passes(runs: dict[str, Path]) -> None:
    proc = radarbench("compare", str(runs["base"]), str(runs["same"]),
                      "--fail-on", "p99=+10%,lost=0,msgs_per_s=-5%")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| p99 |" in proc.stdout and "FAIL" not in proc.stdout


def test_compare_fails_on_regression(runs: dict[str, Path], tmp_path: Path) -> None:
    md = tmp_path / "cmp.md"
    proc = radarbench("compare", str(runs["base"]), str(runs["worse"]),
                      "--fail-on", "p99_9=+10%,lost=0", "--markdown", str(md))
    assert proc.returncode == 1
    assert "p99_9 regressed:" in proc.stderr
    assert "lost regressed: 0 -> 40 (+40, limit 0)" in proc.stderr
    assert "**FAIL**" in md.read_text()


def test_compare_bad_rule_or_file_exits_2(runs: dict[str, Path]) -> None:
    proc = radarbench("compare", str(runs["base"]), str(runs["same"]), "--fail-on", "p98=+1%")
    assert proc.returncode == 2
    assert "rule 'p98=+1%'" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    proc = radarbench("compare", str(runs["base"]), str(runs["bad"]))
    assert proc.returncode == 2
    assert "counts.lost: missing" in proc.stderr
