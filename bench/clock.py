"""The bench's one clock: CLOCK_MONOTONIC; kernel receive stamps come on CLOCK_REALTIME."""
from __future__ import annotations

import time


def wall_minus_mono_ns() -> int:
    """CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns: add it to a monotonic time for the wall
    clock, subtract it from a kernel stamp for the monotonic one. The smallest of a few
    readings: the one least delayed between its two clock reads."""
    return min(time.time_ns() - time.monotonic_ns() for _ in range(5))
