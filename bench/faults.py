"""Faults during a run: I/O errors folded into episodes with a start time and a length.

A peer that goes away makes every send fail until it comes back: that is one fault lasting
so long, not ten thousand. An episode opens at the first error of a kind and closes at the
next successful operation (or at the end of the run).
"""
from __future__ import annotations

import errno
import time
from dataclasses import dataclass, field
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


# An episode stays open through successes until no error of its kind came for this long (or
# 3 send intervals, if longer): a connected UDP socket reports ICMP port unreachable on the
# send *after* the one that caused it, so an outage alternates success and failure, and
# closing on the first success made a 5 s outage 898 episodes.
QUIET_GAP_NS = 100_000_000


@dataclass
class Episode:
    """One fault episode, in monotonic ns: first and last error, and when it ended (the first
    success after its last error, or the last error if none came). kind is the first error's;
    `then` the other kinds that came during it, in order (a TCP peer gone, then refused
    reconnects: one outage)."""

    side: str
    kind: str
    detail: str
    first_ns: int
    last_ns: int
    end_ns: int | None = None
    errors: int = 1
    then: list[str] = field(default_factory=list)

    def to_fault(self, start_ns: int) -> Fault:
        """The report's form, `t_s` after `start_ns`."""
        end = self.end_ns if self.end_ns is not None else self.last_ns
        also = f"; then {', '.join(self.then)}" if self.then else ""
        return Fault(t_s=round((self.first_ns - start_ns) / 1e9, 6), kind=self.kind,
                     detail=f"{self.side}: {self.detail}{also} ({self.errors} error{'s' if self.errors != 1 else ''})",
                     duration_s=round(max(end - self.first_ns, 0) / 1e9, 6),
                     errors=self.errors, side=self.side)

    def absorb(self, kind: str, now_ns: int, errors: int = 1) -> None:
        """Count `errors` more errors of `kind` at now_ns in this episode."""
        self.errors += errors
        self.last_ns = max(self.last_ns, now_ns)
        if kind != self.kind and kind not in self.then:
            self.then.append(kind)


class FaultLog:
    """Collects episodes for one side ("send" or "recv").

    One outage is one episode: errors (and transport events) of any kind belong to the open
    episode until a success proves it over: a success that comes when no error came for
    quiet_gap_ns. Successes sooner than that do not end it (ICMP unreachable alternates them
    with errors), and neither does a mere pause between errors: on a busy host the bench itself
    may stall for longer than the gap (a 2 s closed port split in two after a 150 ms stall of
    the receiver), and a stall proves nothing about the link.
    """

    def __init__(self, side: str, quiet_gap_ns: int = QUIET_GAP_NS) -> None:
        self.side = side
        self.quiet_gap_ns = quiet_gap_ns
        self.episodes: list[Episode] = []
        self._open: Episode | None = None
        self._recovered: int | None = None  # first success after the open episode's last error

    def error(self, exc: BaseException, now_ns: int) -> None:
        """An operation failed at now_ns."""
        self.event(fault_kind(exc), f"{type(exc).__name__}: {exc}".strip(), now_ns)

    def event(self, kind: str, detail: str, now_ns: int) -> None:
        """A fault of `kind` at now_ns (an error, or an event a transport reported, such as a
        TCP connection reset and reconnected)."""
        ep = self._open
        if ep is not None:  # not proved over by a success (ok): the same outage
            ep.absorb(kind, now_ns)
            self._recovered = None
            return
        self._open = Episode(self.side, kind, detail, now_ns, now_ns)
        self.episodes.append(self._open)

    def ok(self, now_ns: int) -> None:
        """An operation succeeded at now_ns: an open episode whose last error is older than
        the quiet gap ends."""
        ep = self._open
        if ep is None:
            return
        if self._recovered is None:
            self._recovered = now_ns
        if now_ns - ep.last_ns > self.quiet_gap_ns:
            self._end()

    def _end(self) -> None:
        ep = self._open
        assert ep is not None
        recovered = self._recovered
        ep.end_ns = recovered if recovered is not None and recovered >= ep.last_ns else ep.last_ns
        self._open = None
        self._recovered = None

    def close(self) -> list[Episode]:
        """End the open episode (the run is over); returns all episodes."""
        if self._open is not None:
            self._end()
        return self.episodes

    @property
    def failing(self) -> bool:
        return self._open is not None

    def recv(self, rx: "Transport", timeout_s: float, backoff_s: float) -> "Message | None":
        """One receive on ``rx`` whose failure is an episode, not an exception.

        A failed receive is recorded and followed by ``backoff_s`` of sleep (a dead port fails
        at once: do not spin on it); a message counts as a success at its arrival time.
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


def merge_sides(episodes: list[Episode], quiet_gap_ns: int = QUIET_GAP_NS) -> list[Episode]:
    """Episodes of both sides in time order, those of the two sides that overlap (or lie
    within the quiet gap of each other) merged into one: a connected UDP socket shared by
    sender and receiver hands the one ICMP error to whichever side calls next, so one outage
    shows on both. The merged episode keeps the first one's side, kind and detail and sums the
    errors."""
    out: list[Episode] = []
    for ep in sorted(episodes, key=lambda e: e.first_ns):
        ep_end = ep.end_ns if ep.end_ns is not None else ep.last_ns
        merged = False
        for prev in reversed(out[-4:]):
            prev_end = prev.end_ns if prev.end_ns is not None else prev.last_ns
            if prev.side != ep.side and ep.first_ns - prev_end <= quiet_gap_ns:
                prev.absorb(ep.kind, ep.last_ns, ep.errors)
                for kind in ep.then:
                    prev.absorb(kind, ep.last_ns, 0)
                prev.end_ns = max(prev_end, ep_end)
                merged = True
                break
        if not merged:
            out.append(Episode(ep.side, ep.kind, ep.detail, ep.first_ns, ep.last_ns, ep.end_ns,
                               ep.errors, list(ep.then)))
    return out
