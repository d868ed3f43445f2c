"""The fork window: a signal that ends a run must never land in a sender or receiver between
its fork and its own handlers (it raised Interrupted inside multiprocessing's start-up code in
the child; once, under load, `bench` then exited 1 with no report)."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal

import pytest

from radarbench.bench.engine import _ENDING_SIGNALS, _child_start, start_children


class _SelfSignalling:
    """A worker whose start() signals this process, as a Ctrl-C during the fork would."""

    def __init__(self, log: list[str], name: str, sig: int | None) -> None:
        self.log, self.name, self.sig = log, name, sig

    def start(self) -> None:
        if self.sig is not None:
            os.kill(os.getpid(), self.sig)
        self.log.append(self.name)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_start_waits_until_every_worker_started(sig: int) -> None:
    log: list[str] = []
    got: list[int] = []
    old = signal.signal(sig, lambda n, f: got.append(n))
    try:
        start_children([_SelfSignalling(log, "sender", sig), _SelfSignalling(log, "receiver", None)])
        # delivered once the mask is back: after both starts, not between them
        assert log == ["sender", "receiver"]
        assert got == [sig]
        assert not (signal.pthread_sigmask(signal.SIG_BLOCK, []) & _ENDING_SIGNALS)
    finally:
        signal.signal(sig, old)


def _child(q: mp.Queue) -> None:
    blocked_at_entry = sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, []) & _ENDING_SIGNALS)
    _child_start(False, os.getppid(), ())
    blocked_after = sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, []) & _ENDING_SIGNALS)
    q.put((blocked_at_entry, blocked_after, signal.getsignal(signal.SIGINT) == signal.SIG_IGN))


def test_a_forked_child_starts_with_them_blocked_and_unblocks_them_with_its_own_handlers() -> None:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q,), daemon=True)
    start_children([p])
    try:
        at_entry, after, ignores_sigint = q.get(timeout=30)
    finally:
        p.join(timeout=10)
    assert at_entry == sorted(int(s) for s in _ENDING_SIGNALS)
    assert after == [] and ignores_sigint
    assert p.exitcode == 0
