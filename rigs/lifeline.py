"""Children that never outlive their parent.

    from radarbench.rigs.lifeline import die_with_parent
    die_with_parent()   # first thing in a forked child or a device process

On Linux the kernel sends the child SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG),
SIGKILL of the parent included. A parent that died between the fork and the prctl call
would never trigger it, so the parent's pid is checked right after: an orphan exits at once.
Elsewhere it does nothing (callers keep their own pipe-closed checks).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies. Exits at once (status 1)
    if the parent is already gone. parent_pid: the pid expected as parent (default: the
    current parent). Returns False where the kernel offers no such request (not Linux)."""
    expected = os.getppid() if parent_pid is None else parent_pid
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except OSError:
        return False
    if os.getppid() != expected:
        os._exit(1)  # orphaned before the request took effect: nobody will read what we do
    return True


__all__ = ["die_with_parent"]
