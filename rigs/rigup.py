"""Start a rig's emulated devices, each as its own `radarbench emulate` process, and stop them.

    with RigUp(load_rig("rigs/examples/loopback.toml")) as up:
        url = up.rig.url("gw_in")        # {run_dir} now stands for up.run_dir
        ...
    up.summaries                         # {"gw": {"device": "gateway", "sent": ...}, ...}

Devices start downstream first (Rig.start_order), each waited for until it prints `ready`;
they stop upstream first (SIGINT, then SIGKILL after a timeout), so that what is in flight
still has somewhere to go, and each one's JSON summary is collected.

Each device runs in a session of its own: a Ctrl-C at the terminal reaches this process
alone, which then stops the devices in order (a bench still draining must not lose its path
under it). No emulated device outlives its rig (radarbench.rigs.lifeline): the device process
itself (started directly, no shell between) is told its rig's pid through the environment and
exits within about a second of the rig's death, SIGKILL included (PR_SET_PDEATHSIG, set before
exec when the rig is started from the main thread, and a watcher thread in the device).

The run directory ({run_dir}: pty links, logs) is made per start, marked with its owner
(this process), and removed by stop() whatever ended the run. If the rig is killed (SIGKILL),
its devices remove it as they exit; if they were killed too, the next start of any rig on
the machine removes it (lifeline.sweep_stale_run_dirs).
"""
from __future__ import annotations

import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from radarbench.rigs import lifeline
from radarbench.rigs.rigfile import Rig

# How the device processes are run: the same interpreter and installation as this one. The
# devices are run by their own command line, beside them in rigs (rigs never needs bench).
_EMULATE = [sys.executable, "-m", "radarbench.rigs.devices"]
STOP_TIMEOUT_S = 5.0
# How often stop() looks for a second signal (lifeline.hurried) while it waits for a device.
_STOP_POLL_S = 0.1


class RigUpError(RuntimeError):
    """A device did not start (it exited, or was not ready in time), or died while running."""


@dataclass
class RunningDevice:
    """One started device: its process, its command line, and (once stopped) its summary."""

    name: str
    kind: str
    argv: list[str]
    proc: subprocess.Popen[bytes]
    stderr: IO[bytes]
    summary: dict[str, Any] | None = None
    stdout_tail: bytes = b""
    stopped: bool = False

    @property
    def command(self) -> str:
        """The command as a user would type it."""
        return "radarbench " + " ".join(shlex.quote(a) for a in self.argv)

    def stderr_text(self) -> str:
        """What the device wrote on stderr so far (stripped)."""
        try:
            self.stderr.flush()
            self.stderr.seek(0)
            return self.stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def reason(self) -> str:
        """Its last stderr line, or its exit status: why it is not running."""
        lines = [ln for ln in self.stderr_text().splitlines() if ln.strip()]
        if lines:
            return lines[-1].strip()
        code = self.proc.returncode
        return f"exited with status {code}" if code is not None else "still running"


@dataclass
class RigUp:
    """The running devices of one rig.

    rig: the rig (after start(), bound to run_dir); on_event: called with one line of text
    for each device started or stopped (None: silent); run_dir: where {run_dir} points
    (default: a new temporary directory, removed at stop).
    """

    rig: Rig
    on_event: Callable[[str], None] | None = None
    run_dir: str | None = None
    devices: list[RunningDevice] = field(default_factory=list)
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    _own_run_dir: bool = False

    def _say(self, text: str) -> None:
        if self.on_event is not None:
            try:
                self.on_event(text)
            except OSError:
                pass  # the terminal is gone (SIGHUP): stopping the devices matters more

    def start(self) -> Rig:
        """Start every device, downstream first, each waited for until `ready`.

        Returns the rig bound to the run directory. Raises RigUpError (after stopping what
        had started) if a device exits or is not ready within its ready_timeout.
        """
        if self.run_dir is None:
            # Run directories a killed rig left behind (its devices killed with it) go first.
            lifeline.sweep_stale_run_dirs()
            self.run_dir = lifeline.make_run_dir(self.rig.name)
            self._own_run_dir = True
        self.rig = self.rig.with_run_dir(self.run_dir)
        try:
            for name in self.rig.start_order():
                self._start_one(name)
        except BaseException:
            self.stop()
            raise
        return self.rig

    def _start_one(self, name: str) -> None:
        spec = self.rig.devices[name]
        argv = self.rig.device_argv(name)
        assert self.run_dir is not None
        # Kept open while the device runs (a file, not a pipe: nobody has to drain it), closed at stop.
        stderr = tempfile.TemporaryFile(prefix=f"{name}-", suffix=".stderr")  # noqa: SIM115
        # PR_SET_PDEATHSIG fires when the *thread* that forked the device exits: from the main
        # thread that is this process's end; from another thread it would stop the device
        # while the rig lives, so there the device's watcher thread alone does the job.
        main = threading.current_thread() is threading.main_thread()
        env = dict(os.environ, **lifeline.child_env(self.run_dir if self._own_run_dir else None,
                                                    pdeathsig=main))
        proc = subprocess.Popen(
            _EMULATE + argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
            # preexec_fn runs one prctl() call, looked up before the fork: nothing that could
            # need a lock another thread holds. It covers the device from exec until it arms
            # its own lifeline (lifeline.from_environment).
            start_new_session=True, preexec_fn=lifeline.pdeathsig_setter() if main else None,  # noqa: PLW1509
            cwd=os.getcwd(), env=env,
        )
        dev = RunningDevice(name, spec.kind, argv, proc, stderr)
        self.devices.append(dev)
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + spec.ready_timeout_s
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RigUpError(f"{name} ({spec.kind}): not ready after {spec.ready_timeout_s:g} s: "
                                 f"{dev.command}")
            ready, _, _ = select.select([fd], [], [], min(left, 0.2))
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                proc.wait(timeout=STOP_TIMEOUT_S)
                raise RigUpError(f"{name} ({spec.kind}) did not start: {dev.reason()}")
            buf += chunk
        line, _, rest = buf.partition(b"\n")
        dev.stdout_tail = rest
        if line.strip() != b"ready":
            raise RigUpError(f"{name} ({spec.kind}): expected 'ready', got {line[:80]!r}")
        self._say(f"{name}: ready ({spec.kind}, pid {proc.pid}): {dev.command}")

    def dead(self) -> list[RunningDevice]:
        """Devices that have exited while they should be running."""
        return [d for d in self.devices if not d.stopped and d.proc.poll() is not None]

    def ensure_running(self) -> None:
        """Raise RigUpError naming a device that exited by itself (with its reason)."""
        for d in self.dead():
            raise RigUpError(f"{d.name} ({d.kind}) stopped by itself: {d.reason()}")

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> dict[str, dict[str, Any]]:
        """Stop every device, upstream first; return {name: summary} (safe to call twice).

        A device that does not stop within `timeout_s` of SIGINT is killed; its summary is
        then {"device": kind, "error": ...}. Signals that arrive meanwhile do not cut the stop
        short (lifeline.holding); a second one (lifeline.hurried) kills the devices still
        running instead of waiting for them. The run directory is removed in every case.
        """
        with lifeline.holding():
            try:
                for dev in reversed(self.devices):
                    if not dev.stopped:
                        self._stop_one(dev, timeout_s)
            finally:
                if self._own_run_dir and self.run_dir is not None:
                    shutil.rmtree(self.run_dir, ignore_errors=True)
                    self._own_run_dir = False
        return dict(self.summaries)

    def _stop_one(self, dev: RunningDevice, timeout_s: float) -> None:
        dev.stopped = True
        proc = dev.proc
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGINT)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout_s
        out = b""
        while True:
            try:
                out, _ = proc.communicate(timeout=_STOP_POLL_S)
                break
            except subprocess.TimeoutExpired:
                if lifeline.hurried() or time.monotonic() >= deadline:
                    proc.kill()
                    out, _ = proc.communicate()
                    break
        dev.summary = _last_json(dev.stdout_tail + (out or b""))
        if dev.summary is None:
            dev.summary = {"device": dev.kind, "error": dev.reason()}
        self.summaries[dev.name] = dev.summary
        self._say(f"{dev.name}: stopped: {json.dumps(dev.summary, separators=(',', ':'))}")
        try:
            dev.stderr.close()
        except OSError:
            pass

    def __enter__(self) -> RigUp:  # noqa: PYI034 (typing.Self is 3.11+; this runs on 3.10)
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _last_json(data: bytes) -> dict[str, Any] | None:
    for line in reversed(data.decode("utf-8", "replace").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


__all__ = ["RigUp", "RigUpError", "RunningDevice"]
