"""Processes and ports of the tests that run real commands: free loopback ports, and the
processes a test started, found by a marker in their environment (every descendant inherits
it, whatever session or process group it moved to)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time


def hangup_as_from_a_terminal() -> None:
    """preexec_fn for a command a test sends SIGHUP to: SIGHUP at its default disposition.

    A process started with SIGHUP ignored (under `nohup`, as a long test run often is) keeps
    it ignored, as the nohup convention asks and radarbench honours; a test of what SIGHUP
    does must therefore not hand its own inherited disposition to the command it tests.
    """
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_tcp_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def marked_pids(marker: str, var: str = "RB_MATRIX") -> list[int]:
    """Live (not zombie) processes whose environment has `var`=`marker`."""
    needle = f"{var}={marker}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read()
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in env.split(b"\0") and state != b"Z":
            pids.append(int(entry))
    return pids


def wait_gone(marker: str, within_s: float = 5.0, var: str = "RB_MATRIX") -> list[int]:
    """Poll until no process carries the marker; the pids still alive after `within_s`."""
    deadline = time.monotonic() + within_s
    while True:
        left = marked_pids(marker, var)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


class Device:
    """`radarbench emulate ARGV...` in its own process, waited on until it says ready;
    reaped by stop(). Raises RuntimeError (with its stderr) if it does not start."""

    def __init__(self, *argv: str) -> None:
        # On the test run's lifeline, as a rig's devices are on the rig's: a test run killed
        # (a CI timeout's SIGTERM, SIGKILL) leaves no device behind (one was seen orphaned).
        from radarbench.rigs import lifeline
        env = dict(os.environ, **lifeline.child_env())
        self.proc = subprocess.Popen([sys.executable, "-m", "radarbench.bench.cli", "emulate", *argv],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "ready" not in line:
            self.stop()
            raise RuntimeError(f"device did not start: {line!r} {self.stderr}")

    stderr = ""

    def stop(self) -> None:
        """SIGTERM (the device's clean stop), SIGKILL after 10 s; always reaped."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, self.stderr = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, self.stderr = self.proc.communicate()
