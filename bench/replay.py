"""Replay plans: when each payload of a recording is to leave, counted from the start of the
replay, as a stream of ``Departure`` (no I/O but reading the file; the sender keeps the clock).

Timing, one of:
- recorded (default): the recording's inter-arrival times divided by ``speed``;
- back to back (``speed`` 0 or inf): every offset is 0, each payload leaves as soon as the one
  before it has (``duration_s`` cannot cut such a plan: the sender's clock must);
- ``rate``: a constant rate in datagrams a second, the recorded times ignored; a recording
  without times (bare data blocks, ORADIS) needs it, or back to back.

Looping (``loop=True`` forever, ``loop=N`` for N laps): lap k+1's first payload follows lap k's
last by the recording's median inter-arrival time (divided by speed), or 1/rate, so the seam
looks like the rest. The median is exact up to 4096 gaps and taken from a uniform sample of
4096 (seeded, so the same file gives the same plan) past that: memory stays constant.

Time going backwards between two payloads: in a time-of-day stamp (FINAL, IOSS), a step back
of more than 12 h is a midnight wrap and counts as +86400 s (``midnight_wraps``); any other
step back (a capture glued from two, a recorder's clock stepped) counts as a 0 gap
(``backwards``). Counters are the first lap's: the recording's, not the replay's.

Recorded gaps are rounded to the step of the format's stamps (10 ms FINAL and IOSS, 1 ms RFF,
1 us or 1 ns pcap, 1 ns pcapng), which makes offsets exact although ``Recorded.time_s`` is a
float (a capture's epoch seconds hold ~0.2 us).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from radarbench.rigs.recordings import (
    FORMAT_NAMES, TIME_OF_DAY, Filter, Recording, RecordingError, detect_format, parse_filter,
)

MEDIAN_SAMPLE = 4096        # inter-arrival times kept for the lap gap's median
WRAP_S = 43200              # a step back in a time of day longer than this is midnight
DAY_NS = 86400 * 10**9


@dataclass(frozen=True, slots=True)
class Departure:
    """One payload to send: ``offset_ns`` after the start of the replay (intended, not actual).

    index: the ``Recorded.index`` it came from (frame, packet or block number in the file);
    lap: 0 on the first pass, 1.. when looped.
    """

    offset_ns: int
    payload: bytes
    index: int
    lap: int


class _Median:
    """Median of a stream of ints in bounded memory: exact up to ``size`` values, then the
    median of a uniform reservoir sample of ``size`` (Vitter's algorithm R, seeded)."""

    def __init__(self, size: int = MEDIAN_SAMPLE) -> None:
        self.size, self.seen, self.sample = size, 0, []  # type: ignore[var-annotated]
        self._rng = random.Random(0)

    def add(self, value: int) -> None:
        self.seen += 1
        if len(self.sample) < self.size:
            self.sample.append(value)
        else:
            j = self._rng.randrange(self.seen)
            if j < self.size:
                self.sample[j] = value

    def median(self) -> int | None:
        if not self.sample:
            return None
        s = sorted(self.sample)
        mid = len(s) // 2
        return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) // 2


class ReplayPlan:
    """The departures of a recording's replay: an iterator of ``Departure`` (used once), with
    what a report says about it (``describe()``).

    Counters (the first lap's): ``read`` (payloads read), ``filtered`` (passed over by the
    filter), ``unread`` (frames not read, by what they were: a pcapfile ``Unread``),
    ``backwards`` (steps back in recorded time taken as 0 gaps), ``midnight_wraps``; over the
    whole plan: ``departures`` (handed out), ``laps`` (laps begun); ``lap_gap_ns`` (the gap
    between laps, once known); ``errors`` (RecordingError of frames skipped, if a list was given).
    """

    def __init__(self, path: str | Path, *, fmt: str = "auto", filter: Filter | str | None = None,
                 speed: float = 1.0, rate: float | None = None, loop: bool | int = False,
                 duration_s: float | None = None, errors: list[RecordingError] | None = None) -> None:
        self.path = str(path)
        self.format = detect_format(path) if fmt == "auto" else fmt
        self.filter = parse_filter(filter) if isinstance(filter, str) else filter
        if speed != speed or speed < 0:
            raise ValueError(f"speed {speed}: expected a number >= 0 (0 or inf: back to back)")
        if rate is not None:
            if not (rate > 0 and math.isfinite(rate)):
                raise ValueError(f"rate {rate}: expected datagrams a second, above 0")
            if speed != 1.0:
                raise ValueError("give a speed (recorded timing scaled) or a rate (constant), not both")
        if isinstance(loop, bool):
            self.laps_wanted: int | None = None if loop else 1
        elif isinstance(loop, int) and loop >= 1:
            self.laps_wanted = loop
        else:
            raise ValueError(f"loop {loop!r}: expected True (forever), False, or a number of laps >= 1")
        if duration_s is not None and not duration_s > 0:
            raise ValueError(f"duration {duration_s} s: expected a time above 0")
        self.speed, self.rate, self.duration_s = speed, rate, duration_s
        self.back_to_back = rate is None and (speed == 0 or math.isinf(speed))
        self.errors = errors
        # The first lap's reader: opening it checks the format and the filter now.
        self._first = Recording(self.path, self.format, self.filter, errors)
        self.time_kind = self._first.time
        if rate is None and not self.back_to_back and self.time_kind is None:
            raise ValueError(f"{self.path}: no recorded times in this recording "
                             f"({FORMAT_NAMES[self.format]}) to replay at; give a rate (--rate DATAGRAMS_PER_S), or speed 0 to send back to back")
        self.read = self.filtered = 0
        self.unread = self._first.unread
        self.backwards = self.midnight_wraps = 0
        self.departures = 0
        self.laps = 0
        self.lap_gap_ns: int | None = None
        self._it = self._plan()

    def __iter__(self) -> ReplayPlan:
        return self

    def __next__(self) -> Departure:
        d = next(self._it)
        self.departures += 1
        return d

    def close(self) -> None:
        """Close the recording now (it closes itself at the end of the plan)."""
        self._it.close()

    @property
    def timing(self) -> str:
        """"recorded", "rate" or "back to back"."""
        return "rate" if self.rate is not None else "back to back" if self.back_to_back else "recorded"

    def _plan(self) -> Iterator[Departure]:
        cut_ns = None if self.duration_s is None else round(self.duration_s * 1e9)
        period_ns = None if self.rate is None else 1e9 / self.rate
        median = _Median()
        res = self._first.resolution_ns or 1
        base_ns = 0      # offset of this lap's first payload
        last_ns = 0      # offset of the payload handed out last
        k = 0            # payloads handed out, all laps (rate timing)
        lap = 0
        while self.laps_wanted is None or lap < self.laps_wanted:
            rec = self._first if lap == 0 else Recording(self.path, self.format, self.filter, self.errors)
            self.laps += 1
            prev_t: float | None = None
            elapsed_ns = 0  # recorded time since the lap's first payload, gaps adjusted
            n = 0
            try:
                for r in rec:
                    if lap == 0:
                        self.read = rec.read
                    if period_ns is not None:
                        offset = round(k * period_ns)
                    elif self.back_to_back:
                        offset = 0
                    else:
                        if prev_t is not None:
                            # to the step of the format's stamps: exact offsets from float seconds
                            gap_ns = round((r.time_s - prev_t) * 1e9 / res) * res  # type: ignore[operator]
                            if gap_ns < 0:
                                if self.time_kind == TIME_OF_DAY and gap_ns < -WRAP_S * 10**9:
                                    gap_ns += DAY_NS
                                    self.midnight_wraps += lap == 0
                                else:
                                    gap_ns = 0
                                    self.backwards += lap == 0
                            if lap == 0:
                                median.add(gap_ns)
                            elapsed_ns += gap_ns
                        prev_t = r.time_s
                        offset = base_ns + (elapsed_ns if self.speed == 1.0 else round(elapsed_ns / self.speed))
                    if cut_ns is not None and offset >= cut_ns:
                        return
                    n += 1
                    k += 1
                    last_ns = offset
                    yield Departure(offset, r.payload, r.index, lap)
            finally:
                if lap == 0:
                    self.read, self.filtered = rec.read, rec.filtered
                rec.close()
            if n == 0:
                if lap == 0:
                    raise RecordingError(self.path, None, self._nothing_read(rec))
                return  # the file changed under the replay
            if self.lap_gap_ns is None and self.timing == "recorded":
                m = median.median()
                if m is None:
                    if self.laps_wanted == 1:
                        return
                    raise ValueError(f"{self.path}: one datagram to replay, so no inter-arrival time to "
                                     "space laps by; give a rate (--rate DATAGRAMS_PER_S)")
                self.lap_gap_ns = m if self.speed == 1.0 else round(m / self.speed)
            elif self.lap_gap_ns is None:
                self.lap_gap_ns = 0 if self.back_to_back else round(period_ns)  # type: ignore[arg-type]
            lap += 1
            base_ns = last_ns + self.lap_gap_ns

    def _nothing_read(self, rec: Recording) -> str:
        parts = ["nothing to replay"]
        if rec.filtered:
            parts.append(f"the filter {rec.filter} passed over all {rec.filtered} payloads")
        if rec.unread:
            parts.append(rec.unread.summary())
        return "; ".join(parts)

    def describe(self) -> dict[str, Any]:
        """What a report's configuration section says about the replay: file, format, filter,
        timing (speed, rate, laps, duration), and the first lap's counts so far."""
        return {
            "file": self.path,
            "format": self.format,
            "recorded_time": self.time_kind,
            "filter": None if self.filter is None else str(self.filter),
            "timing": self.timing,
            # JSON has no infinity: back to back is said in words (timing) and speed is null
            "speed": None if self.rate is not None or self.back_to_back else self.speed,
            "rate_per_s": self.rate,
            "laps": self.laps_wanted,            # None: forever
            "duration_s": self.duration_s,
            "payloads_read": self.read,
            "filtered_out": self.filtered,
            "frames_unread": dict(self.unread),
            "unread": self.unread.summary(),
            "skipped": [str(e) for e in self.errors] if self.errors else [],
            "backwards": self.backwards,
            "midnight_wraps": self.midnight_wraps,
            "lap_gap_ns": self.lap_gap_ns,
            "laps_begun": self.laps,
            "departures": self.departures,
        }


def replay_plan(path: str | Path, *, fmt: str = "auto", filter: Filter | str | None = None,
                speed: float = 1.0, rate: float | None = None, loop: bool | int = False,
                duration_s: float | None = None, errors: list[RecordingError] | None = None) -> ReplayPlan:
    """The departures of a replay of the recording at ``path`` (see the module's docstring):
    an iterator of ``Departure`` that reads the file as it goes, with counters and ``describe()``.

    fmt, filter, errors: as ``radarbench.rigs.recordings.read_recording``. speed: recorded
    timing divided by it (0 or inf: back to back). rate: datagrams a second instead (not with a
    speed). loop: True forever, N laps, False one. duration_s: no departure at or after it.

    Raises ValueError for arguments that do not fit (a recording without times and no rate,
    speed and rate together, a bad filter...), RecordingError for a file that is not a
    recording, breaks, or holds nothing to replay (raised when iterated).
    """
    return ReplayPlan(path, fmt=fmt, filter=filter, speed=speed, rate=rate, loop=loop,
                      duration_s=duration_s, errors=errors)
