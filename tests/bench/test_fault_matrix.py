"""The fault matrix: each row a fault a bench meets on a real rig, the verdict it must give.

Every row runs the real command line in its own process (a new session, with a marker in
its environment that every descendant inherits), and checks what a user and CI see: the
verdict (JSON `status`), the exit status, that the report was written (or why it could not
be), that the counts add up (sent = received + lost + late) and that no process of the run
is left behind. The README's fault-matrix table is this file's ROWS.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from procs import free_tcp_port, free_udp_port, hangup_as_from_a_terminal, marked_pids, wait_gone
from radarbench.rigs import lifeline

CLI = [sys.executable, "-m", "radarbench.bench.cli"]


# --------------------------------------------------------------------------- helpers


@dataclass
class Run:
    """One command of a row, started in its own session."""

    argv: list[str]
    marker: str
    proc: subprocess.Popen[str] = field(init=False)

    def start(self) -> Run:
        env = dict(os.environ, RB_MATRIX=self.marker, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env, start_new_session=True,
                                     preexec_fn=hangup_as_from_a_terminal)
        return self

    def finish(self, timeout_s: float = 90) -> tuple[int, str, str]:
        try:
            out, err = self.proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            # A hung run must not outlive its test: kill its whole session, then fail.
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.communicate()
            raise
        return self.proc.returncode, out, err


def start_device(marker: str, *argv: str) -> subprocess.Popen[str]:
    """`radarbench emulate ...` waited on until it says ready."""
    env = dict(os.environ, RB_MATRIX=marker, PYTHONUNBUFFERED="1", **lifeline.child_env())  # dies with the test run
    p = subprocess.Popen([*CLI, "emulate", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    assert p.stdout is not None
    line = p.stdout.readline()
    assert line.strip() == "ready", (line, p.stderr.read() if p.poll() is not None else "")
    return p


def stop(p: subprocess.Popen[str]) -> None:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_for_file(path: Path, within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@dataclass
class Outcome:
    exit: int
    stdout: str
    stderr: str
    report: dict | None
    left: list[int]


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    """One fault. status None: no report can exist (the process was killed outright)."""

    name: str
    fault: str
    status: str | None
    exit: int | None
    report: str            # "written", "none (SIGKILL)", "refused before the run"
    scenario: Callable[[Path, str], Outcome]


def _bench_through_echo(tmp: Path, marker: str, sig: int | None, *, duration: float = 30,
                        rate: float = 200, after_s: float = 1.5) -> Outcome:
    port = free_udp_port()
    echo = start_device(marker, "echo", "--in", f"udp://127.0.0.1:{port}")
    out = tmp / "run.json"
    stream = tmp / "stream.jsonl"
    try:
        run = Run([*CLI, "bench", "--send", f"udp://127.0.0.1:{port}",
                   "--recv", f"udp://127.0.0.1:{port}", "--rate", str(rate),
                   "--duration", str(duration), "--report", str(out),
                   "--json-stream", str(stream)], marker).start()
        if sig is not None:
            wait_for_file(stream)
            time.sleep(after_s)
            if sig == signal.SIGKILL:
                os.kill(run.proc.pid, signal.SIGKILL)
            else:
                run.proc.send_signal(sig)
        code, so, se = run.finish()
    finally:
        stop(echo)
    report = json.loads(out.read_text()) if out.exists() else None
    return Outcome(code, so, se, report, wait_gone(marker))


def row_sigterm(tmp: Path, marker: str) -> Outcome:
    return _bench_through_echo(tmp, marker, signal.SIGTERM)


def row_sighup(tmp: Path, marker: str) -> Outcome:
    return _bench_through_echo(tmp, marker, signal.SIGHUP)


def row_sigint(tmp: Path, marker: str) -> Outcome:
    return _bench_through_echo(tmp, marker, signal.SIGINT)


def row_sigkill(tmp: Path, marker: str) -> Outcome:
    return _bench_through_echo(tmp, marker, signal.SIGKILL)


def row_device_restarted(tmp: Path, marker: str) -> Outcome:
    # The device under test dies 1.5 s into a 5 s run and comes back 1 s later on the same port.
    port = free_udp_port()
    url = f"udp://127.0.0.1:{port}"
    echo = start_device(marker, "echo", "--in", url)
    out = tmp / "run.json"
    stream = tmp / "stream.jsonl"
    run = Run([*CLI, "bench", "--send", url, "--recv", url, "--rate", "200", "--duration", "5",
               "--report", str(out), "--json-stream", str(stream)], marker).start()
    wait_for_file(stream)
    time.sleep(1.5)
    echo.kill()
    echo.wait()
    time.sleep(1.0)
    echo = start_device(marker, "echo", "--in", url)
    try:
        code, so, se = run.finish()
    finally:
        stop(echo)
    return Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))


RESETTER = textwrap.dedent("""
    # A TCP echo that resets its client's connection after 1 s, then accepts again.
    import socket, struct, sys, time
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(4)
    print("ready", flush=True)
    first = True
    while True:
        c, _ = srv.accept()
        c.settimeout(0.05)
        t0 = time.monotonic()
        try:
            while True:
                if first and time.monotonic() - t0 > 1.0:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    first = False
                    break
                try:
                    data = c.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                c.sendall(data)
        except OSError:
            pass
        c.close()
""")


def row_tcp_reset(tmp: Path, marker: str) -> Outcome:
    port = free_tcp_port()
    env = dict(os.environ, RB_MATRIX=marker)
    peer = subprocess.Popen([sys.executable, "-c", RESETTER, str(port)], stdout=subprocess.PIPE,
                            text=True, env=env)
    assert peer.stdout is not None and peer.stdout.readline().strip() == "ready"
    out = tmp / "run.json"
    url = f"tcp://127.0.0.1:{port}"
    try:
        run = Run([*CLI, "bench", "--send", url, "--recv", url, "--rate", "200", "--duration", "3",
                   "--report", str(out), "-q"], marker).start()
        code, so, se = run.finish()
    finally:
        peer.kill()
        peer.wait()
    return Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))


PTY_OWNER = textwrap.dedent("""
    import sys, time
    from radarbench.rigs import open_url
    t = open_url(f"pty://{sys.argv[1]}?baud=115200&framing=hdlc&pace=0")
    print("ready", flush=True)
    time.sleep(1.0)
    t.close()
""")


def row_pty_closed(tmp: Path, marker: str) -> Outcome:
    link = tmp / "line"
    env = dict(os.environ, RB_MATRIX=marker)
    owner = subprocess.Popen([sys.executable, "-c", PTY_OWNER, str(link)], stdout=subprocess.PIPE,
                             text=True, env=env)
    assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
    out = tmp / "run.json"
    run = Run([*CLI, "bench", "--send", f"serial://{link}?baud=115200&framing=hdlc", "--rate", "100",
               "--duration", "2.5", "--report", str(out), "-q"], marker).start()
    code, so, se = run.finish()
    owner.wait(timeout=10)
    return Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))


def row_unreachable(tmp: Path, marker: str) -> Outcome:
    port = free_udp_port()  # nobody listens there: ICMP port unreachable for every datagram
    out = tmp / "run.json"
    url = f"udp://127.0.0.1:{port}"
    run = Run([*CLI, "bench", "--send", url, "--recv", url, "--rate", "500", "--duration", "2",
               "--report", str(out), "-q"], marker).start()
    code, so, se = run.finish()
    return Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))


def row_sink_unreachable(tmp: Path, marker: str) -> Outcome:
    # sink mode (--send alone) into a port nobody listens on: it said OK, every datagram
    # "accepted", until its socket was connected to hear ICMP port unreachable
    out = tmp / "run.json"
    run = Run([*CLI, "bench", "--send", f"udp://127.0.0.1:{free_udp_port()}", "--rate", "500",
               "--duration", "1.5", "--report", str(out), "-q"], marker).start()
    code, so, se = run.finish()
    return Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))


def row_line_stalled(tmp: Path, marker: str) -> Outcome:
    # a pty whose other end nobody reads: once its buffer is full every write blocks for good;
    # the run went on until a signal came (40 s for a 5 s run). StallWatch ends it after 10 s.
    out = tmp / "run.json"
    recv = f"udp://127.0.0.1:{free_udp_port()}"
    run = Run([*CLI, "bench", "--send", f"pty://{tmp}/line?baud=921600", "--recv", recv, "--rate", "2000",
               "--duration", "1", "--report", str(out), "-q"], marker).start()
    code, so, se = run.finish()
    outcome = Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))
    assert [f["kind"] for f in outcome.report["faults"]] == ["stalled"], outcome.report["faults"]
    return outcome


def row_line_too_slow(tmp: Path, marker: str) -> Outcome:
    # 20 msgs/s into a 1,200 baud line (an echo behind it): writes block and each send leaves
    # later than the last. The run went on for 20 s of a 2 s --duration and said OK on the 7
    # probes that left; it now stops sending on time and fails on the 33 that never left.
    link = tmp / "line"
    url = f"pty://{link}?baud=1200"
    out = tmp / "run.json"
    run = Run([*CLI, "bench", "--send", url, "--recv", url, "--rate", "20", "--duration", "2",
               "--report", str(out), "-q"], marker).start()
    wait_for_file(link)
    echo = start_device(marker, "echo", "--in", f"serial://{link}?baud=1200&framing=hdlc")
    t0 = time.monotonic()
    try:
        code, so, se = run.finish()
    finally:
        stop(echo)
    took = time.monotonic() - t0
    outcome = Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))
    assert took < 15, took
    assert outcome.report["match"]["not_sent"] > 0
    assert any(r.startswith("not sent: ") for r in outcome.report["verdict"]["reasons"])
    return outcome


def row_black_hole(tmp: Path, marker: str) -> Outcome:
    # A UDP port with a socket bound that never answers: every probe swallowed, no ICMP.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole:
        hole.bind(("127.0.0.1", 0))
        url = f"udp://127.0.0.1:{hole.getsockname()[1]}"
        out = tmp / "run.json"
        run = Run([*CLI, "bench", "--send", url, "--recv", url, "--rate", "200", "--duration", "1.5",
                   "--drain", "0.3", "--report", str(out), "-q"], marker).start()
        code, so, se = run.finish()
    return Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))


def row_multicast_no_route(tmp: Path, marker: str) -> Outcome:
    # A network namespace of its own with no route at all: every send to the group fails.
    if not shutil.which("unshare") or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        pytest.skip("needs unshare -n (root, a kernel with network namespaces)")
    # The device would send back on another port (the same group both ways is refused: the
    # bench would hear itself).
    port = free_udp_port()
    out = tmp / "run.json"
    run = Run(["unshare", "-n", *CLI, "bench", "--send", f"udp://239.255.77.1:{port}",
               "--recv", f"udp://127.0.0.1:{port + 1}", "--rate", "200", "--duration", "1.5",
               "--drain", "0.3", "--report", str(out), "-q"], marker).start()
    code, so, se = run.finish()
    return Outcome(code, so, se, json.loads(out.read_text()) if out.exists() else None,
                   wait_gone(marker))


def _report_to(tmp: Path, marker: str, report: Path) -> Outcome:
    port = free_udp_port()
    url = f"udp://127.0.0.1:{port}"
    run = Run([*CLI, "bench", "--send", url, "--recv", f"{url}?listen=1", "--rate", "100",
               "--duration", "1", "--report", str(report), "-q"], marker).start()
    code, so, se = run.finish()
    return Outcome(code, so, se, None, wait_gone(marker))


def row_report_read_only(tmp: Path, marker: str) -> Outcome:
    # Root writes through file permissions: a folder under a regular file cannot exist.
    blocker = tmp / "not-a-folder"
    blocker.write_text("x")
    return _report_to(tmp, marker, blocker / "run.json")


def row_report_full(tmp: Path, marker: str) -> Outcome:
    # A 32 KiB filesystem with 4 KiB left: the report (tens of KiB with its histograms) would
    # not fit, and the bench finds out before the run, not after it.
    mnt = tmp / "full"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        (mnt / "filler").write_bytes(b"\0" * (28 * 1024))
        return _report_to(tmp, marker, mnt / "run.json")
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def row_absurd_rate(tmp: Path, marker: str) -> Outcome:
    out = tmp / "run.json"
    url = f"udp://127.0.0.1:{free_udp_port()}"
    run = Run([*CLI, "bench", "--send", url, "--recv", url, "--rate", "1e9", "--duration", "600",
               "--report", str(out)], marker).start()
    code, so, se = run.finish(timeout_s=30)
    return Outcome(code, so, se, None, wait_gone(marker))


def row_two_devices_one_port(tmp: Path, marker: str) -> Outcome:
    url = f"udp://127.0.0.1:{free_udp_port()}"
    first = start_device(marker, "echo", "--in", url)
    try:
        run = Run([*CLI, "emulate", "echo", "--in", url], marker).start()
        code, so, se = run.finish(timeout_s=30)
    finally:
        stop(first)
    return Outcome(code, so, se, None, wait_gone(marker))


def row_broken_limit(tmp: Path, marker: str) -> Outcome:
    port = free_udp_port()
    url = f"udp://127.0.0.1:{port}"
    echo = start_device(marker, "echo", "--in", url)
    out = tmp / "run.json"
    md = tmp / "run.md"
    try:
        # 1 ns is a p99 no link meets.
        run = Run([*CLI, "bench", "--send", url, "--recv", url, "--rate", "200", "--duration", "1",
                   "--limit", "max_p99_ms=0.000001", "--report", str(out), "--markdown", str(md)],
                  marker).start()
        code, so, se = run.finish()
    finally:
        stop(echo)
    outcome = Outcome(code, so, se, json.loads(out.read_text()), wait_gone(marker))
    assert "FAIL" in md.read_text().splitlines()[0]
    return outcome


ROWS = [
    Row("sigterm", "SIGTERM to `radarbench bench` mid-run", "interrupted", 1, "written", row_sigterm),
    Row("sighup", "SIGHUP (terminal closed) mid-run", "interrupted", 1, "written", row_sighup),
    Row("sigint", "Ctrl-C (SIGINT) mid-run", "interrupted", 1, "written", row_sigint),
    Row("sigkill", "SIGKILL of the bench's parent process", None, -9, "none (SIGKILL)", row_sigkill),
    Row("device-restarted", "device under test killed, restarted 1 s later", "fault", 1, "written",
        row_device_restarted),
    Row("tcp-reset", "TCP peer resets the connection, accepts again", "fault", 1, "written", row_tcp_reset),
    Row("pty-closed", "serial line (pty) closed by its owner mid-run", "fault", 1, "written", row_pty_closed),
    Row("unreachable", "UDP port with nobody listening (ICMP unreachable)", "fault", 1, "written",
        row_unreachable),
    Row("sink-unreachable", "sink mode into a UDP port with nobody listening", "fault", 1, "written",
        row_sink_unreachable),
    Row("line-stalled", "serial line (pty) nobody reads: writes block for good", "fault", 1, "written",
        row_line_stalled),
    Row("line-too-slow", "serial line slower than the load (20 msgs/s into 1,200 baud)", "fail", 1, "written",
        row_line_too_slow),
    Row("black-hole", "sink that swallows every probe, answers nothing", "no_data", 1, "written",
        row_black_hole),
    Row("multicast-no-route", "multicast group with no route (empty netns)", "fault", 1, "written",
        row_multicast_no_route),
    Row("report-read-only", "report path that cannot be created", None, 2, "refused before the run",
        row_report_read_only),
    Row("report-full", "report path on a full filesystem", None, 2, "refused before the run",
        row_report_full),
    Row("absurd-rate", "--rate 1e9 for 600 s", None, 2, "refused before the run", row_absurd_rate),
    Row("two-devices-one-port", "second `emulate echo` on a port in use", None, 2, "n/a (device)",
        row_two_devices_one_port),
    Row("broken-limit", "--limit max_p99_ms no link meets", "fail", 1, "written", row_broken_limit),
]


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_fault_matrix(row: Row, tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    outcome = row.scenario(tmp_path, marker)
    assert not outcome.left, f"{row.name}: processes left behind: {outcome.left}"
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.exit == row.exit, (row.name, outcome.exit, outcome.stderr[-2000:])
    if row.status is None:
        if row.exit == 2:  # a user's mistake: one line, nothing run
            assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
        return
    report = outcome.report
    assert report is not None, f"{row.name}: no report written"
    assert report["status"] == row.status, (row.name, report["status"], report.get("verdict"))
    c = report["counts"]
    if report["config"]["mode"] == "loop":  # a sink run receives nothing to account for
        assert c["sent"] == c["received"] + c["lost"] + c["late"], c
    if row.status == "fault":
        assert report["faults"], "a fault verdict lists its faults"
    if row.status == "no_data":
        assert report["latency_us"]["corrected"]["p99"] is None


def test_unreachable_port_is_one_episode_per_outage(tmp_path: Path) -> None:
    """898 datagrams into a closed port over a run are one outage, not 898 faults."""
    outcome = row_unreachable(tmp_path, uuid.uuid4().hex)
    assert outcome.report is not None
    faults = [f for f in outcome.report["faults"] if f["kind"] == "unreachable"]
    assert len(faults) == 1, faults
    assert faults[0]["errors"] > 100 and faults[0]["duration_s"] > 1.0


def test_absurd_rate_is_refused_with_its_reason(tmp_path: Path) -> None:
    outcome = row_absurd_rate(tmp_path, uuid.uuid4().hex)
    assert outcome.exit == 2
    assert "rate" in outcome.stderr and len(outcome.stderr.strip().splitlines()) == 1


def test_sigkill_of_the_parent_leaves_no_child(tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    outcome = row_sigkill(tmp_path, marker)
    assert outcome.exit == -signal.SIGKILL
    assert outcome.left == []


def test_the_marker_scan_sees_a_marked_process() -> None:
    # The matrix's no-process-left check is only as good as its scan: it must see one that lives.
    marker = uuid.uuid4().hex
    env = dict(os.environ, RB_MATRIX=marker)
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], env=env)
    try:
        deadline = time.monotonic() + 5
        while p.pid not in marked_pids(marker):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        p.kill()
        p.wait()
    assert wait_gone(marker) == []


def test_a_reader_of_standard_output_that_goes_away_costs_neither_report_nor_verdict(tmp_path: Path) -> None:
    # `radarbench bench ... | true`: the first line found the pipe closed, the BrokenPipeError
    # ended the command with status 0 and no report: CI read a FAULT run (every probe lost
    # into a port nobody listened on) as a pass.
    out = tmp_path / "run.json"
    url = f"udp://127.0.0.1:{free_udp_port()}"
    proc = subprocess.Popen([*CLI, "bench", "--send", url, "--recv", url, "--rate", "100", "--count", "50",
                             "--report", str(out), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader goes before the first line
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 1, err
    report = json.loads(out.read_text())
    assert report["status"] == "fault" and report["counts"]["lost"] == 50
    assert "standard output's reader went away" in err and "Traceback" not in err


def test_readers_of_stderr_and_of_the_json_stream_that_go_away_cost_nothing_either(tmp_path: Path) -> None:
    # `2>&1 | head -1`, and a --json-stream FIFO whose reader read one line and left: each
    # ended the run with status 0 and no report (a FAIL run among them). A FIFO nobody reads
    # at the start held the run for ever; it is refused in one line.
    url = f"udp://127.0.0.1:{free_udp_port()}"
    base = [*CLI, "bench", "--send", url, "--recv", url, "--rate", "100", "--count", "50", "-q"]
    out = tmp_path / "a.json"
    proc = subprocess.Popen([*base, "--report", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    assert proc.stdout is not None
    proc.stdout.close()
    assert proc.wait(timeout=90) == 1
    assert json.loads(out.read_text())["status"] == "fault"

    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    refused = subprocess.run([*base, "--json-stream", str(fifo)], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"radarbench bench: --json-stream {fifo}: a FIFO nobody reads"

    out = tmp_path / "b.json"
    reader = subprocess.Popen(["head", "-c", "1", str(fifo)], stdout=subprocess.DEVNULL)
    time.sleep(0.2)
    run = subprocess.run([*base, "--rate", "25", "--json-stream", str(fifo), "--report", str(out)],
                         capture_output=True, text=True, timeout=90)
    reader.wait(timeout=10)
    assert run.returncode == 1, run.stderr
    assert json.loads(out.read_text())["status"] == "fault"
    assert "--json-stream" in run.stderr and "the run goes on" in run.stderr and "Traceback" not in run.stderr
