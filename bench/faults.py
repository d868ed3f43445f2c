"""Faults during a run: I/O errors folded into episodes with a start time and a length.

A peer that goes away makes every send fail until it comes back: that is one fault lasting
so long, not ten thousand. An episode opens at the first error of a kind and closes at the
next successful operation (or at the end of the run).
"""
from __future__ import annotations

import errno
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from radarbench.bench.report import Fault

if TYPE_CHECKING:
    from radarbench.rigs.transports.base import Message, Transport


def fault_kind(exc: BaseException) -> str:
    """A short name for what an I/O error means on a bench link."""
    if isinstance(exc, ConnectionRefusedError):
        return "unreachable"          # ICMP port unreachable (UDP) or nothing listening (TCP)
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, (BrokenPipeError, ConnectionAbortedError)):
        return "peer gone"
    if isinstance(exc, OSError) and exc.errno in (errno.EIO, errno.ENXIO, errno.ENODEV, errno.EBADF,
                                                   errno.ENOENT):
        return "device vanished"      # a USB serial adapter pulled out, a pty closed
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "unreachable"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "io error"


@dataclass
class Episode:
    """One fault episode, in monotonic ns."""

    side: str
    kind: str
    detail: str
    first_ns: int
    last_ns: int
    end_ns: int | None = None
    errors: int = 1

    def to_fault(self, start_ns: int) -> Fault:
        """The report's form, `t_s` after `start_ns`."""
        end = self.end_ns if self.end_ns is not None else self.last_ns
        return Fault(t_s=round((self.first_ns - start_ns) / 1e9, 6), kind=self.kind,
                     detail=f"{self.side}: {self.detail} ({self.errors} error{'s' if self.errors != 1 else ''})",
                     duration_s=round(max(end - self.first_ns, 0) / 1e9, 6))


class FaultLog:
    """Collects episodes for one side ("send" or "recv")."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.episodes: list[Episode] = []
        self._open: Episode | None = None

    def error(self, exc: BaseException, now_ns: int) -> None:
        """An operation failed at now_ns."""
        kind = fault_kind(exc)
        ep = self._open
        if ep is not None and ep.kind == kind:
            ep.errors += 1
            ep.last_ns = now_ns
            return
        if ep is not None:
            ep.end_ns = now_ns
        detail = f"{type(exc).__name__}: {exc}".strip()
        self._open = Episode(self.side, kind, detail, now_ns, now_ns)
        self.episodes.append(self._open)

    def ok(self, now_ns: int) -> None:
        """An operation succeeded at now_ns: an open episode ends."""
        if self._open is not None:
            self._open.end_ns = now_ns
            self._open = None

    @property
    def failing(self) -> bool:
        return self._open is not None

    def recv(self, rx: "Transport", timeout_s: float, backoff_s: float) -> "Message | None":
        """One receive on ``rx`` whose failure is an episode, not an exception.

        A failed receive is recorded and followed by ``backoff_s`` of sleep (a dead port fails
        at once: do not spin on it); a message ends an open episode at its arrival time.
        """
        try:
            msg = rx.recv(timeout_s)
        except OSError as exc:
            self.error(exc, time.monotonic_ns())
            time.sleep(backoff_s)
            return None
        if msg is not None and self._open is not None:
            self.ok(msg.rx_ns)
        return msg
