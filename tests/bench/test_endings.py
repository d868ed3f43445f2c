"""Every ending of a run, in real processes: SIGTERM, SIGHUP and SIGINT end it with the report
written (status "interrupted", exit 1; `rig up`: exit 0); SIGKILL of the parent leaves no
child behind; no process or run directory is left after any ending.

Each command runs in a session of its own (start_new_session=True) with TMPDIR pointing into
the test's tmp_path, so that its processes are found by session id and parent links in /proc
and its run directories (radarbench-*) under that TMPDIR. Everything waits by polling with
generous deadlines (the machine is a loaded 2-core box); nothing sleeps a fixed time to be
correct. A zombie (state Z) counts as gone: it has exited, only its reaping is pending (here
pid 1 reaps orphans about a second late).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from procs import hangup_as_from_a_terminal
from radarbench.rigs import lifeline
from radarbench.rigs.rigfile import example_path

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")

CLI = [sys.executable, "-m", "radarbench.bench.cli"]
START_DEADLINE_S = 60.0    # a command (devices, first progress line) started, on a loaded box
END_DEADLINE_S = 30.0      # a command ended after its signal
GONE_DEADLINE_S = 5.0      # its processes gone after it ended ("2 s", with a margin for load)
ORPHAN_DEADLINE_S = 5.0    # children gone after SIGKILL of the parent (they take < 1 s)


# --------------------------------------------------------------------------- /proc helpers

Proc = tuple[int, int]  # (pid, start time in clock ticks): one process, even if the pid is reused


def _stat(pid: int) -> tuple[str, int, int, int, int] | None:
    """(state, ppid, pgrp, session, start ticks) of `pid`, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rindex(b")") + 2:].split()
    return fields[0].decode(), int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])


def _all() -> dict[int, tuple[str, int, int, int, int]]:
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                out[int(name)] = st
    return out


def alive(proc: Proc) -> bool:
    """True if the process runs (not a zombie, and the pid not reused)."""
    st = _stat(proc[0])
    return st is not None and st[0] != "Z" and st[4] == proc[1]


def family(sid: int) -> set[Proc]:
    """Live processes of session/process group `sid` and all their descendants (a rig's
    devices run in sessions of their own, but are children of the rig's process)."""
    procs = _all()
    found = {pid for pid, st in procs.items() if st[0] != "Z" and (st[3] == sid or st[2] == sid)}
    grew = True
    while grew:
        grew = False
        for pid, st in procs.items():
            if pid not in found and st[0] != "Z" and st[1] in found:
                found.add(pid)
                grew = True
    return {(pid, procs[pid][4]) for pid in found}


def wait_until(what: Callable[[], bool], deadline_s: float, poll_s: float = 0.05) -> float:
    """Poll `what` until true; the seconds it took. Fails the test after `deadline_s`."""
    t0 = time.monotonic()
    while not what():
        if time.monotonic() - t0 > deadline_s:
            pytest.fail(f"not within {deadline_s:g} s: {getattr(what, '__doc__', None) or what}")
        time.sleep(poll_s)
    return time.monotonic() - t0


def run_dirs(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("radarbench-*"))


# --------------------------------------------------------------------------- commands

class Command:
    """A radarbench command in its own session; stdout/stderr to files; always reaped."""

    def __init__(self, argv: list[str], tmp: Path, name: str = "cmd", hangup: bool = True) -> None:
        self.tmp = tmp / "tmpdir"
        self.tmp.mkdir(exist_ok=True)
        self.out = tmp / f"{name}.out"
        self.err = tmp / f"{name}.err"
        env = dict(os.environ, TMPDIR=str(self.tmp), PYTHONUNBUFFERED="1")
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         env=env, cwd=tmp, start_new_session=True,
                                         preexec_fn=hangup_as_from_a_terminal if hangup else None)
        self.sid = self.proc.pid
        self.seen: set[Proc] = set()

    def text(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")

    def wait_for(self, needle: str, deadline_s: float = START_DEADLINE_S) -> None:
        """Wait until `needle` is in its output (fails if it exits first)."""
        def there() -> bool:
            if self.proc.poll() is not None:
                pytest.fail(f"exited {self.proc.returncode} before {needle!r}:\n{self.text()}")
            return needle in self.text()
        there.__doc__ = f"{needle!r} in the output"
        wait_until(there, deadline_s)

    def track(self) -> set[Proc]:
        """Remember its processes now (the signal is about to come)."""
        self.seen |= family(self.sid)
        return self.seen

    def signal(self, sig: int) -> float:
        """Send `sig` to the command's process; the monotonic time it was sent."""
        self.track()
        t = time.monotonic()
        self.proc.send_signal(sig)
        return t

    def wait(self, deadline_s: float = END_DEADLINE_S) -> int:
        try:
            return self.proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {deadline_s:g} s after its signal:\n{self.text()}")

    def left(self) -> set[Proc]:
        """Processes of it still alive: those tracked, and any of its session now."""
        return {p for p in self.seen | family(self.sid) if alive(p)}

    def wait_all_gone(self, deadline_s: float) -> float:
        def gone() -> bool:
            return not self.left()
        gone.__doc__ = "every process of the command gone"
        return wait_until(gone, deadline_s)

    def kill_all(self) -> None:
        for pid, _ in self.left():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def commands(tmp_path: Path) -> Iterator[Callable[..., Command]]:
    """Start commands; whatever happens in the test, every one of their processes is killed
    and reaped at the end."""
    started: list[Command] = []

    def start(argv: list[str], name: str = "cmd", hangup: bool = True) -> Command:
        cmd = Command(argv, tmp_path, name, hangup)
        started.append(cmd)
        return cmd

    yield start
    for cmd in started:
        cmd.kill_all()


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def echo(commands: Callable[..., Command]) -> str:
    """A UDP echo device (started by hand, as a user would); its URL."""
    port = free_udp_port()
    url = f"udp://127.0.0.1:{port}?listen=1"
    dev = commands(CLI + ["emulate", "echo", "--in", url], name="echo")
    dev.wait_for("ready")
    return f"udp://127.0.0.1:{port}"


def first_progress(stream: Path) -> Callable[[], bool]:
    def going() -> bool:
        try:
            lines = stream.read_text().splitlines()
        except OSError:
            return False
        return any(json.loads(ln).get("t_s", 0) >= 2 for ln in lines if ln.startswith("{"))
    going.__doc__ = f"a progress line at t >= 2 s in {stream}"
    return going


def assert_ended_cleanly(cmd: Command, sig: int, report: Path | None, expect_exit: int,
                         status: str | None = "interrupted") -> dict | None:
    """The common checks after `sig`: exit status, no traceback, the report and its status,
    no process left within GONE_DEADLINE_S, no run directory left."""
    code = cmd.wait()
    text = cmd.text()
    assert code == expect_exit, f"exit {code} after {signal.Signals(sig).name}, want {expect_exit}:\n{text}"
    assert "Traceback" not in text, text
    cmd.wait_all_gone(GONE_DEADLINE_S)
    assert run_dirs(cmd.tmp) == [], f"run directories left: {run_dirs(cmd.tmp)}"
    if report is None:
        return None
    doc = json.loads(report.read_text())
    if status is not None:
        assert doc["status"] == status, doc["status"]
    return doc


SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]
IDS = ["SIGTERM", "SIGHUP", "SIGINT"]


# --------------------------------------------------------------------------- bench

@pytest.mark.parametrize("sig", SIGNALS, ids=IDS)
def test_a_signal_ends_a_loop_bench_with_its_report(sig: int, echo: str, commands: Callable[..., Command],
                                                    tmp_path: Path) -> None:
    report, stream = tmp_path / "r.json", tmp_path / "s.jsonl"
    cmd = commands(CLI + ["bench", "--send", echo, "--recv", echo, "--rate", "200", "--duration", "30",
                          "-q", "--report", str(report), "--json-stream", str(stream)])
    wait_until(first_progress(stream), START_DEADLINE_S)
    assert len(cmd.track()) == 3  # the bench, its sender and its receiver
    cmd.signal(sig)
    doc = assert_ended_cleanly(cmd, sig, report, expect_exit=1)
    c = doc["counts"]
    assert c["sent"] > 0 and c["sent"] == c["received"] + c["lost"] + c["late"]


def test_a_bench_started_under_nohup_runs_through_sighup(echo: str, tmp_path: Path) -> None:
    """nohup's ignored SIGHUP stays ignored: the run goes on to its end and its verdict."""
    report = tmp_path / "r.json"

    def ignore_hangup() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    proc = subprocess.Popen(CLI + ["bench", "--send", echo, "--recv", echo, "--rate", "100", "--duration", "3",
                                   "-q", "--report", str(report)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            start_new_session=True, preexec_fn=ignore_hangup)
    try:
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGHUP)
        out, err = proc.communicate(timeout=END_DEADLINE_S + 3)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    doc = json.loads(report.read_text())
    assert doc["status"] != "interrupted", (doc["status"], out, err)
    assert doc["counts"]["sent"] >= 250, doc["counts"]  # 3 s at 100 msgs/s: it ran to its end


def test_a_signal_ends_a_source_bench(commands: Callable[..., Command], tmp_path: Path) -> None:
    report, stream = tmp_path / "r.json", tmp_path / "s.jsonl"
    port = free_udp_port()
    cmd = commands(CLI + ["bench", "--recv", f"udp://127.0.0.1:{port}?listen=1", "--duration", "30",
                          "-q", "--report", str(report), "--json-stream", str(stream)])
    wait_until(first_progress(stream), START_DEADLINE_S)
    cmd.signal(signal.SIGHUP)
    assert_ended_cleanly(cmd, signal.SIGHUP, report, expect_exit=1)


def test_a_signal_ends_a_sink_bench(echo: str, commands: Callable[..., Command], tmp_path: Path) -> None:
    report, stream = tmp_path / "r.json", tmp_path / "s.jsonl"
    cmd = commands(CLI + ["bench", "--send", echo, "--rate", "200", "--duration", "30",
                          "-q", "--report", str(report), "--json-stream", str(stream)])
    wait_until(first_progress(stream), START_DEADLINE_S)
    cmd.signal(signal.SIGTERM)
    doc = assert_ended_cleanly(cmd, signal.SIGTERM, report, expect_exit=1)
    assert doc["counts"]["sent"] > 0


def test_a_signal_ends_find_max_with_its_steps(echo: str, commands: Callable[..., Command],
                                               tmp_path: Path) -> None:
    report, stream = tmp_path / "r.json", tmp_path / "s.jsonl"
    cmd = commands(CLI + ["bench", "--send", echo, "--recv", echo, "--find-max", "--rate", "100",
                          "--duration", "30", "-q", "--report", str(report), "--json-stream", str(stream)])
    wait_until(first_progress(stream), START_DEADLINE_S)
    cmd.signal(signal.SIGTERM)
    doc = assert_ended_cleanly(cmd, signal.SIGTERM, report, expect_exit=1)
    assert doc["find_max"]["steps"], doc["find_max"]


def test_a_second_signal_while_draining_still_writes_the_report(echo: str, commands: Callable[..., Command],
                                                                tmp_path: Path) -> None:
    # `timeout` sends SIGTERM twice at once; an impatient user presses Ctrl-C again a second later.
    report, stream = tmp_path / "r.json", tmp_path / "s.jsonl"
    cmd = commands(CLI + ["bench", "--send", echo, "--recv", echo, "--rate", "200", "--duration", "30",
                          "-q", "--report", str(report), "--json-stream", str(stream)])
    wait_until(first_progress(stream), START_DEADLINE_S)
    cmd.signal(signal.SIGTERM)
    cmd.signal(signal.SIGTERM)
    for _ in range(20):  # and keep at it while it ends
        if cmd.proc.poll() is not None:
            break
        cmd.signal(signal.SIGINT)
        time.sleep(0.1)
    code = cmd.wait()
    assert "Traceback" not in cmd.text(), cmd.text()
    assert code in (1, 130, 143), cmd.text()
    if code == 1:  # ended by the first signal, report written
        assert json.loads(report.read_text())["status"] == "interrupted"
    cmd.wait_all_gone(GONE_DEADLINE_S)


def test_sigkill_of_the_bench_ends_its_children(echo: str, commands: Callable[..., Command],
                                                tmp_path: Path) -> None:
    stream = tmp_path / "s.jsonl"
    cmd = commands(CLI + ["bench", "--send", echo, "--recv", echo, "--rate", "200", "--duration", "30",
                          "-q", "--json-stream", str(stream)])
    wait_until(first_progress(stream), START_DEADLINE_S)
    assert len(cmd.track()) == 3
    cmd.signal(signal.SIGKILL)
    cmd.wait()
    took = cmd.wait_all_gone(ORPHAN_DEADLINE_S)
    assert took < ORPHAN_DEADLINE_S


# --------------------------------------------------------------------------- rigs: run, demo, rig up

LOOPBACK = str(example_path("loopback"))


def _device_count() -> int:
    from radarbench.rigs.rigfile import load_rig

    return len(load_rig(LOOPBACK).devices)


@pytest.mark.parametrize(("command", "sig"), [("demo", signal.SIGTERM), ("run", signal.SIGHUP),
                                              ("run", signal.SIGINT)],
                         ids=["demo-SIGTERM", "run-SIGHUP", "run-SIGINT"])
def test_a_signal_ends_a_rig_run_with_its_report_and_devices_stopped(
        command: str, sig: int, commands: Callable[..., Command], tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    argv = CLI + (["demo"] if command == "demo" else ["run", LOOPBACK])
    cmd = commands(argv + ["--duration", "30", "--report", str(report)])
    cmd.wait_for("t=2s")  # live progress: the devices are up and the bench is measuring
    tracked = cmd.track()
    assert len(tracked) == 3 + _device_count(), tracked
    assert len(run_dirs(cmd.tmp)) == 1
    cmd.signal(sig)
    doc = assert_ended_cleanly(cmd, sig, report, expect_exit=1)
    devices = doc["config"]["rig"]["devices"]
    assert set(devices) == {"radar", "radar_gw", "gw"}
    assert all("error" not in s for s in devices.values()), devices  # each stopped, summary given


def test_a_signal_while_the_devices_start_stops_them_and_exits_128_plus_n(
        commands: Callable[..., Command], tmp_path: Path) -> None:
    # Nothing was measured yet: no report; the devices already up are stopped.
    report = tmp_path / "r.json"
    cmd = commands(CLI + ["run", LOOPBACK, "--duration", "30", "--report", str(report)])
    cmd.wait_for(": ready (")  # the first device is up, the others are starting
    cmd.signal(signal.SIGTERM)
    assert_ended_cleanly(cmd, signal.SIGTERM, None, expect_exit=128 + signal.SIGTERM)
    assert "interrupted by SIGTERM" in cmd.err.read_text()
    assert not report.exists()


@pytest.mark.parametrize("sig", SIGNALS, ids=IDS)
def test_a_signal_stops_rig_up(sig: int, commands: Callable[..., Command]) -> None:
    cmd = commands(CLI + ["rig", "up", LOOPBACK])
    cmd.wait_for("Ctrl-C to stop")
    assert len(cmd.track()) == 1 + _device_count()
    assert len(run_dirs(cmd.tmp)) == 1
    cmd.signal(sig)
    assert_ended_cleanly(cmd, sig, None, expect_exit=0)
    out = cmd.out.read_text()
    assert "stopping" in out and out.count(": stopped: {") == _device_count(), out


@pytest.mark.parametrize("command", ["demo", "rig-up"])
def test_sigkill_of_a_rig_ends_its_devices_and_they_remove_the_run_dir(
        command: str, commands: Callable[..., Command]) -> None:
    if command == "demo":
        cmd = commands(CLI + ["demo", "--duration", "30"])
        cmd.wait_for("t=2s")
    else:
        cmd = commands(CLI + ["rig", "up", LOOPBACK])
        cmd.wait_for("Ctrl-C to stop")
    assert len(cmd.track()) >= 1 + _device_count()
    assert len(run_dirs(cmd.tmp)) == 1
    cmd.signal(signal.SIGKILL)
    cmd.wait()
    cmd.wait_all_gone(ORPHAN_DEADLINE_S)

    def removed() -> bool:
        return run_dirs(cmd.tmp) == []
    removed.__doc__ = "the run directory removed by the devices of the killed rig"
    wait_until(removed, ORPHAN_DEADLINE_S)


def test_the_next_rig_removes_the_run_dir_of_a_rig_killed_with_its_devices(
        commands: Callable[..., Command]) -> None:
    # SIGKILL of everything at once: nobody is left to clean; the next start of a rig does.
    first = commands(CLI + ["rig", "up", LOOPBACK], name="first")
    first.wait_for("Ctrl-C to stop")
    stale = run_dirs(first.tmp)
    assert len(stale) == 1
    # at once: all stopped first, so none runs a handler between the kills (a device told of
    # its rig's death before its own SIGKILL cleans the directory itself, as it should: since
    # an unreaped rig counts as dead, it did in 1 of 4 runs under load)
    procs = first.track()
    for pid, _ in procs:
        os.kill(pid, signal.SIGSTOP)
    for pid, _ in procs:
        os.kill(pid, signal.SIGKILL)
    first.wait()
    first.wait_all_gone(ORPHAN_DEADLINE_S)
    assert stale[0].exists()  # what SIGKILL of all of them leaves
    second = commands(CLI + ["rig", "up", LOOPBACK], name="second")
    second.wait_for("Ctrl-C to stop")
    assert not stale[0].exists()
    assert len(run_dirs(second.tmp)) == 1  # its own
    second.signal(signal.SIGTERM)
    assert_ended_cleanly(second, signal.SIGTERM, None, expect_exit=0)


# --------------------------------------------------------------------------- the pytest plugin

PLUGIN_TEST = """
import os
from pathlib import Path

def test_long_run(bench):
    Path(os.environ["RB_MARK"]).write_text("started")
    bench(duration=30)
"""


def test_sigterm_to_a_pytest_session_leaves_no_device(commands: Callable[..., Command], tmp_path: Path) -> None:
    (tmp_path / "test_long.py").write_text(PLUGIN_TEST)
    mark = tmp_path / "started"
    os.environ["RB_MARK"] = str(mark)
    try:
        cmd = commands([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                        str(tmp_path / "test_long.py")], name="pytest")
    finally:
        del os.environ["RB_MARK"]

    def started() -> bool:
        if cmd.proc.poll() is not None:
            pytest.fail(f"pytest exited {cmd.proc.returncode}:\n{cmd.text()}")
        return mark.exists()
    wait_until(started, START_DEADLINE_S)
    wait_until(lambda: len(family(cmd.sid)) >= 3 + _device_count(), START_DEADLINE_S)  # devices + bench
    cmd.track()
    cmd.signal(signal.SIGTERM)
    code = cmd.wait()
    text = cmd.text()
    assert code == 2, text  # pytest: interrupted
    assert "KeyboardInterrupt" in text or "Interrupted" in text, text
    cmd.wait_all_gone(GONE_DEADLINE_S)
    assert run_dirs(cmd.tmp) == []


# --------------------------------------------------------------------------- the lifeline itself

def _python(code: str, tmp_path: Path, commands: Callable[..., Command], name: str) -> Command:
    return commands([sys.executable, "-c", code], name=name)


ORPHAN = """
import os, sys, time
from radarbench.rigs import lifeline
middle = os.getpid()
r, w = os.pipe()
if os.fork() == 0:
    os.close(w)
    os.read(r, 1)                       # returns when the middle process has exited
    time.sleep(0.2)
    lifeline.die_with_parent(parent=middle, pdeathsig={pdeathsig})
    print("NOT EXITED", flush=True)
    time.sleep(60)
    sys.exit(0)
os.close(r)
print("middle", middle, flush=True)
os._exit(0)
"""


def test_a_child_orphaned_before_its_lifeline_exits_at_once(commands: Callable[..., Command],
                                                            tmp_path: Path) -> None:
    cmd = _python(ORPHAN.format(pdeathsig=True), tmp_path, commands, "orphan")
    cmd.wait()
    cmd.wait_all_gone(ORPHAN_DEADLINE_S)
    assert "NOT EXITED" not in cmd.text()


WATCHED = """
import os, signal, sys, time
from radarbench.rigs import lifeline
if os.fork() == 0:
    lifeline.die_with_parent(pdeathsig={pdeathsig}, parent=os.getppid())
    print("armed", flush=True)
    while True:
        time.sleep(1)
print("middle", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("pdeathsig", [True, False], ids=["prctl", "watcher-thread"])
def test_a_child_exits_within_a_second_of_its_parents_sigkill(pdeathsig: bool, commands: Callable[..., Command],
                                                              tmp_path: Path) -> None:
    cmd = _python(WATCHED.format(pdeathsig=pdeathsig), tmp_path, commands, "watched")
    cmd.wait_for("armed")
    assert len(cmd.track()) == 2
    cmd.signal(signal.SIGKILL)
    cmd.wait()
    took = cmd.wait_all_gone(ORPHAN_DEADLINE_S)
    # The claim is "within a second"; on a loaded machine allow scheduling delay beyond it.
    assert took < 3.0, took


def test_group_signals_do_not_end_a_child_while_its_parent_lives(commands: Callable[..., Command],
                                                                 tmp_path: Path) -> None:
    # systemd and `timeout` signal the whole group: the parent decides how its children end.
    cmd = _python(WATCHED.format(pdeathsig=True), tmp_path, commands, "group")
    cmd.wait_for("armed")
    procs = cmd.track()
    child = max(procs)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        os.kill(child[0], sig)
    time.sleep(0.5)  # a child that obeyed would be gone by now (it exits within ms)
    assert alive(child)


def test_a_device_started_by_hand_outlives_its_shell(commands: Callable[..., Command], tmp_path: Path) -> None:
    # No rig started it (no RADARBENCH_PARENT_PID): it must not die with the shell.
    port = free_udp_port()
    cmd = commands(["sh", "-c", f"{' '.join(CLI)} emulate echo --in 'udp://127.0.0.1:{port}?listen=1' & "
                                "sleep 0.2; exit 0"], name="by-hand")
    cmd.wait()

    def device_ready() -> bool:
        return "ready" in cmd.text()
    wait_until(device_ready, START_DEADLINE_S)
    devices = family(cmd.sid)
    assert len(devices) == 1
    time.sleep(1.5)  # longer than a lifeline takes to act
    assert all(alive(p) for p in devices)
    for pid, _ in devices:
        os.kill(pid, signal.SIGTERM)
    cmd.wait_all_gone(GONE_DEADLINE_S)


def test_stale_run_dirs_of_dead_owners_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / "radarbench-loopback-stale"
    stale.mkdir()
    (stale / lifeline.OWNER_FILE).write_text(f"{dead_pid} 1\n")
    (stale / "gw-line").symlink_to("/dev/null")
    mine = Path(lifeline.make_run_dir("mine", base=str(tmp_path)))  # this process: alive
    foreign = tmp_path / "radarbench-someone-else"  # no owner file: not ours to remove
    foreign.mkdir()
    removed = lifeline.sweep_stale_run_dirs(str(tmp_path))
    assert removed == [str(stale)]
    assert not stale.exists() and mine.exists() and foreign.exists()



def test_a_killed_owner_not_yet_reaped_is_dead(tmp_path: Path) -> None:
    # A rig killed by SIGKILL stays a zombie until its parent reaps it; its devices, told at
    # once, took the zombie for alive, left the run directory and exited (a busy host: still
    # there 5 s later). The run directory of an ended owner goes, reaped or not.
    owner = subprocess.Popen([sys.executable, "-c",
                              "import sys; from radarbench.rigs import lifeline; "
                              "print(lifeline.make_run_dir('zombie', base=sys.argv[1]), flush=True); "
                              "import time; time.sleep(60)", str(tmp_path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        run_dir = owner.stdout.readline().strip()
        assert lifeline.remove_if_owner_dead(run_dir) is False   # alive: kept
        os.kill(owner.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{owner.pid}/stat").read_bytes().split(b") ")[1][:1] != b"Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert lifeline.remove_if_owner_dead(run_dir) is True    # a zombie: ended
        assert not Path(run_dir).exists()
    finally:
        owner.kill()
        owner.wait()
