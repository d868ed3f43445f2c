"""`radarbench bench` as a user runs it: exit codes, report files, progress lines, JSON stream."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from overload import bench_overloaded_saying_why

from radarbench.bench.report import Report


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "bench", *argv],
                          capture_output=True, text=True, timeout=60, check=False)


def test_loop_run_writes_report_markdown_and_stream(tmp_path: Path) -> None:
    # Sender aimed straight at the bench's own receiver: no device, nothing lost.
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out, md, stream = tmp_path / "r.json", tmp_path / "r.md", tmp_path / "s.jsonl"
    res = run("--send", f"udp://127.0.0.1:{port}", "--recv", f"udp://127.0.0.1:{port}?listen=1",
              "--rate", "1000", "--duration", "2.2", "--records-per-block", "4",
              "--report", str(out), "--markdown", str(md), "--json-stream", str(stream))
    report = Report.load(out)
    overloaded = bench_overloaded_saying_why(json.loads(out.read_text()))
    assert res.returncode == (1 if overloaded else 0), res.stdout + res.stderr
    assert report.status == ("bench_overloaded" if overloaded else "ok")
    assert report.counts.sent == 2200 and report.counts.lost == 0
    assert report.config["records_per_block"] == 4
    assert "| sent | received |" in md.read_text()
    lines = [json.loads(x) for x in stream.read_text().splitlines()]
    assert len(lines) >= 2 and {"t_s", "sent", "received", "lost", "p99_ms"} <= set(lines[0])
    # stderr is not a terminal here: plain progress lines; the result on stdout.
    assert any(ln.startswith("t=") for ln in res.stderr.splitlines())
    head = "BENCH OVERLOADED" if overloaded else "OK"
    assert res.stdout.splitlines()[0].startswith(f"{head}: sent 2,200 received 2,200")
    if overloaded:  # the bench's reasons stand where "no limits set" would
        assert all(ln.startswith("  bench overloaded: ") for ln in res.stdout.splitlines()[1:-1])
        assert res.stdout.splitlines()[-1] == f"report: {out}, summary: {md}"
    else:
        assert res.stdout.splitlines()[1:] == ["  all 3 limits held (default limits: none given)", f"report: {out}, summary: {md}"]
    # the last streamed line carries the report's counts
    assert (lines[-1]["sent"], lines[-1]["received"], lines[-1]["lost"]) == (2200, 2200, 0)


def test_user_mistakes_exit_2_with_one_line() -> None:
    for argv, what in (
        (["--send", "udp://127.0.0.1", "--recv", "udp://127.0.0.1:9"], "no port"),
        (["--send", "bogus://x"], "unknown scheme"),
        ([], "give --send URL, --recv URL, or both"),
        (["--send", "udp://127.0.0.1:9", "--category", "21"], "--category 21"),
        (["--send", "udp://127.0.0.1:9", "--recv", "udp://127.0.0.1:9", "--match-keys", "x"], "match key"),
        (["--send", "udp://127.0.0.1:9", "--duration", "2", "--warmup", "3"], "--warmup"),
    ):
        res = run(*argv)
        assert res.returncode == 2, (argv, res.stderr)
        assert what in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
