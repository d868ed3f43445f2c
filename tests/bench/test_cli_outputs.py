"""What `radarbench bench` and `radarbench run` print and return, as a user and a CI job see
it: the verdict in the exit status, the result line and the JSON alike; the report path
checked before anything runs; the result printed even when the report cannot be written.

Run as root here, and root writes through permission bits (a chmod 0555 folder stops nobody):
the unwritable paths are ones that stop root too: a path under a regular file (ENOTDIR), a
path in /proc, and, where mounting is allowed, a read-only tmpfs (EROFS) and a full 64 kB
tmpfs (ENOSPC).
"""
from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from overload import bench_overloaded_saying_why

from radarbench.bench.cli import main
from radarbench.bench.report import Report
from radarbench.rigs.rigfile import example_path

_ENTRY = "import sys; from radarbench.bench.cli import main; sys.exit(main(sys.argv[1:]))"


def radarbench(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _ENTRY, *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def silent_port() -> Iterator[socket.socket]:
    """A UDP socket bound on loopback that never answers (and counts what reaches it)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    try:
        yield s
    finally:
        s.close()


def _drained(s: socket.socket) -> int:
    n = 0
    while True:
        try:
            s.recv(65536)
        except BlockingIOError:
            return n
        n += 1


def test_a_black_hole_is_no_data_exit_1_with_null_latency(silent_port: socket.socket,
                                                          tmp_path: Path) -> None:
    url = f"udp://127.0.0.1:{silent_port.getsockname()[1]}"
    out = tmp_path / "hole.json"
    proc = radarbench("bench", "--send", url, "--recv", url, "--rate", "200", "--duration", "1",
                      "--drain", "0.3", "-q", "--report", str(out), "--limit", "max_p99_ms=25")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _drained(silent_port) == 200  # the probes went out; nothing came back
    assert proc.stderr == ""
    doc = json.loads(out.read_text())
    assert doc["verdict"]["status"] == doc["status"]
    no_data = ["no data: 200 probes sent, none received",
               "max_p99_ms: no latency measured (nothing received); the limit is 25 ms",
               "max_lost: 200 is over the limit 0"]
    if bench_overloaded_saying_why(doc):
        # A busy host slowed the sender: that verdict comes first, and no data is still said.
        assert doc["verdict"]["reasons"][-3:] == no_data
        assert doc["health"]["overloaded"]  # no rig here: the bench's own health, not the host's
        assert proc.stdout.startswith("BENCH OVERLOADED: sent 200 received 0 lost 200 late 0 ")
        headline = "## radarbench run: BENCH OVERLOADED\n\n- bench overloaded: "
    else:
        assert proc.stdout == ("NO DATA: sent 200 received 0 lost 200 late 0 dup 0 reord 0 corrupt 0; "
                               "one-way loop latency n/a (no data); 0.0 msgs/s; "
                               "no data: 200 probes sent, none received (+2 more)\n")
        assert doc["status"] == "no_data"
        assert doc["verdict"]["reasons"] == no_data
        headline = "## radarbench run: NO DATA\n\n- no data: 200 probes sent, none received\n"
    assert doc["latency_us"]["corrected"]["p99"] is None and doc["latency_us"]["corrected"]["count"] == 0
    # the limit given, then loop mode's default ones the user did not replace
    assert doc["limits"] == [
        {"key": "max_p99_ms", "limit": 25.0, "value": None, "passed": False},
        {"key": "max_lost", "limit": 0.0, "value": 200, "passed": False, "default": True},
        {"key": "max_late", "limit": 0.0, "value": 0, "passed": True, "default": True},
        {"key": "max_corrupted", "limit": 0.0, "value": 0, "passed": True, "default": True}]
    md = radarbench("report", str(out)).stdout
    assert md.startswith(headline)
    assert "- no data: 200 probes sent, none received\n" in md
    assert "p99 latency **n/a (no data)**" in md


def test_a_self_loop_is_ok_and_quiet_prints_one_line(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "r.json"
    proc = radarbench("bench", "--send", f"udp://127.0.0.1:{port}", "--recv",
                      f"udp://127.0.0.1:{port}?listen=1", "--rate", "200", "--duration", "1", "-q",
                      "--limit", "max_lost=0", "--limit", "min_received=1", "--report", str(out))
    assert proc.stderr == "" and proc.stdout.count("\n") == 1
    doc = json.loads(out.read_text())
    # the link itself held: the two given, and loop mode's defaults for the keys not given
    assert [(lim["key"], lim["passed"]) for lim in doc["limits"]] == [
        ("max_lost", True), ("min_received", True), ("max_late", True), ("max_corrupted", True)]
    if bench_overloaded_saying_why(doc):
        assert proc.returncode == 1
        assert proc.stdout.startswith("BENCH OVERLOADED: sent 200 received 200 lost 0 ")
        return
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("OK: sent 200 received 200 lost 0 ")


def test_a_broken_bench_limit_fails_the_run(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "r.json"
    proc = radarbench("bench", "--send", f"udp://127.0.0.1:{port}", "--recv",
                      f"udp://127.0.0.1:{port}?listen=1", "--rate", "200", "--duration", "1",
                      "--limit", "min_received=1000", "--report", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(out.read_text())
    lines = proc.stdout.splitlines()
    assert lines[-2:] == ["  min_received: 200 is under the limit 1,000", f"report: {out}"]
    if bench_overloaded_saying_why(doc):
        # the bench's reasons first, the broken limit still listed
        assert proc.stdout.startswith("BENCH OVERLOADED: sent 200 ")
        assert all(ln.startswith("  bench overloaded: ") for ln in lines[1:-2])
        return
    assert lines == [lines[0], "  min_received: 200 is under the limit 1,000", f"report: {out}"]
    assert proc.stdout.startswith("FAIL: sent 200 ")
    assert Report.load(out).status == "fail"


@pytest.mark.parametrize("argv, message", [
    (["--limit", "max_p98_ms=3"], "--limit 'max_p98_ms=3': unknown limit 'max_p98_ms'; known limits: max_p50_ms"),
    (["--limit", "max_lost"], "--limit 'max_lost': expected KEY=VALUE"),
    (["--limit", "max_lost=few"], "--limit 'max_lost=few': 'few' is not a number"),
    (["--limit", "max_lost=-1"], "--limit 'max_lost=-1': must be a number >= 0"),
])
def test_bad_limits_are_user_mistakes(argv: list[str], message: str) -> None:
    proc = radarbench("bench", "--send", "udp://127.0.0.1:9", "--recv", "udp://127.0.0.1:9", *argv)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"radarbench bench: {message}"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- report paths


def _mounted_tmpfs(options: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="rb-tmpfs-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): needs root with CAP_SYS_ADMIN")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()


@pytest.fixture
def read_only_fs() -> Iterator[Path]:
    yield from _mounted_tmpfs("ro,size=64k")


@pytest.fixture
def full_fs() -> Iterator[Path]:
    for folder in _mounted_tmpfs("size=64k"):
        (folder / "filler").write_bytes(bytes(64 * 1024))  # every block taken
        yield folder


def _unwritable(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, str]:
    """(a report path that root cannot write, what the error line says)."""
    if kind == "under a regular file":
        (tmp_path / "file").write_text("x")
        return str(tmp_path / "file" / "run.json"), "not a directory"
    if kind == "missing folder":
        return str(tmp_path / "no" / "such" / "run.json"), "no such directory"
    if kind == "in /proc":
        return "/proc/radarbench-run.json", "cannot write there"
    if kind == "read-only fs":
        return str(request.getfixturevalue("read_only_fs") / "run.json"), "Read-only file system"
    return str(request.getfixturevalue("full_fs") / "run.json"), "No space left on device"


KINDS = ["under a regular file", "missing folder", "in /proc", "read-only fs", "full fs"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("option", ["--report", "--markdown"])
def test_bench_checks_the_report_path_before_it_sends_anything(
        kind: str, option: str, silent_port: socket.socket, tmp_path: Path,
        request: pytest.FixtureRequest) -> None:
    path, why = _unwritable(kind, tmp_path, request)
    url = f"udp://127.0.0.1:{silent_port.getsockname()[1]}"
    t0 = time.monotonic()
    proc = radarbench("bench", "--send", url, "--recv", url, "--duration", "30", option, path)
    took = time.monotonic() - t0
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"radarbench bench: {option} {path}: ")
    assert why in lines[0]
    assert took < 20  # a 30 s run never started
    assert _drained(silent_port) == 0  # not one probe sent


@pytest.mark.parametrize("kind", ["under a regular file", "read-only fs"])
def test_run_checks_the_report_path_before_the_devices_start(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    path, why = _unwritable(kind, tmp_path, request)
    proc = radarbench("run", str(example_path("loopback")), "--report", path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"radarbench run: --report {path}: ") and why in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1  # no "starting 3 emulated devices"


def test_the_check_leaves_nothing_behind(tmp_path: Path) -> None:
    from radarbench.bench.cmd_bench import check_output_path

    check_output_path(str(tmp_path / "run.json"), "--report")
    (tmp_path / "old.md").write_text("kept")
    check_output_path(str(tmp_path / "old.md"), "--markdown")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.md"]
    assert (tmp_path / "old.md").read_text() == "kept"


@pytest.mark.parametrize("quiet", [True, False])
def test_a_report_that_cannot_be_written_after_the_run_still_shows_the_result(
        quiet: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # The disk fills up during the run: the check before it passed, the write after it fails.
    attempted: list[Report] = []

    def disk_full(self: Report, path: object) -> None:
        attempted.append(self)
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(Report, "write", disk_full)
    out = tmp_path / "run.json"
    argv = ["bench", "--send", "loop://", "--recv", "loop://", "--count", "50",
            "--rate", "500", "--drain", "0.2", "--report", str(out)] + (["-q"] if quiet else [])
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2
    assert len(attempted) == 1
    head = "BENCH OVERLOADED" if bench_overloaded_saying_why(attempted[0].to_dict()) else "OK"
    assert captured.out.splitlines()[0].startswith(f"{head}: sent 50 received 50 lost 0")
    if quiet:
        assert captured.out.count("\n") == 1
    else:
        assert "report:" not in captured.out  # it was not written: no claim that it was
    assert captured.err.strip().splitlines()[-1] == (
        f"radarbench bench: cannot write the report {out}: No space left on device")
