"""`radarbench bench` as a user runs it: exit codes, report files, progress lines, JSON stream."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    assert res.returncode == 0, res.stderr
    report = Report.load(out)
    assert report.status == "ok" and report.counts.sent == 2200 and report.counts.lost == 0
    assert report.config["records_per_block"] == 4
    assert "| sent | received |" in md.read_text()
    lines = [json.loads(x) for x in stream.read_text().splitlines()]
    assert len(lines) >= 2 and {"t_s", "sent", "received", "lost", "p99_ms"} <= set(lines[0])
    # stderr is not a terminal here: plain progress lines; the result on stdout.
    assert any(ln.startswith("t=") for ln in res.stderr.splitlines())
    assert res.stdout.splitlines()[0].startswith("OK: sent 2,200 received 2,200")
    assert res.stdout.splitlines()[1:] == ["  all 3 limits held (default limits: none given)",
                                           f"report: {out}, summary: {md}"]


def test_user_mistakes_exit_2_with_one_line() -> None:
    for argv, what in (
        (["--send", "udp://127.0.0.1", "--recv", "udp://127.0.0.1:9"], "no port"),
        (["--send", "bogus://x"], "unknown scheme"),
        ([], "give --send URL, --recv URL, or both"),
        (["--send", "udp://127.0.0.1:9", "--category", "62"], "--category 62"),
        (["--send", "udp://127.0.0.1:9", "--recv", "udp://127.0.0.1:9", "--match-keys", "x"], "match key"),
        (["--send", "udp://127.0.0.1:9", "--duration", "2", "--warmup", "3"], "--warmup"),
    ):
        res = run(*argv)
        assert res.returncode == 2, (argv, res.stderr)
        assert what in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
