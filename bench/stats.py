"""Statistics of one bench run: latency histograms, jitter, counts, throughput, timeline.

Pure and I/O-free: the receiver feeds it timestamps (nanoseconds on the one monotonic clock
shared by sender and receiver) and it hands back summaries. Nothing here reads a clock.

Latency is kept twice (wrk2, HdrHistogram): *corrected* from the intended send time, so a
stalled sender cannot hide the delay its stall caused (coordinated omission), and
*uncorrected* from the actual send time, which is what the path alone did.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hdrh.histogram import HdrHistogram

Which = Literal["corrected", "uncorrected"]

# 1 ns resolution floor rather than 1 us: with 3 significant digits HDR keeps 0.1 % of a value,
# but values below the lowest trackable value share one bucket, and bench latencies of a few
# microseconds (a spinning UDP loop is ~22 us) would lose most of their digits at a 1 us floor.
LOWEST_NS = 1
HIGHEST_NS = 100 * 1_000_000_000  # 100 s: anything slower than that is a fault, not a latency
SIGNIFICANT_DIGITS = 3

# The per-second histograms only feed a p99 plot line: 2 digits (1 %) keep each one ~22 kB.
_SECOND_LOWEST_NS = 1_000
_SECOND_DIGITS = 2
# Seconds of the timeline whose p99 is still open; older ones are reduced to their p99 so that
# memory stays bounded on an hour-long run (records arrive in arrival order, so late ones are rare).
_OPEN_SECONDS = 3
# The timeline keeps at most this many rows: 30 minutes at one second a row, then coarser.
# ~100 bytes a row in memory and in the JSON.
MAX_TIMELINE_ROWS = 1800

NS_PER_S = 1_000_000_000
NS_PER_US = 1_000


def new_histogram() -> HdrHistogram:
    """An empty latency histogram in nanoseconds, 1 ns .. 100 s, 3 significant digits."""
    return HdrHistogram(LOWEST_NS, HIGHEST_NS, SIGNIFICANT_DIGITS)


def recorder(hist: HdrHistogram) -> Callable[[int], None]:
    """A fast `hist.record_value(v)` for ints already in the histogram's range (0 ..
    highest trackable): the same bucket arithmetic as hdrh's, inlined. The bench records
    four values a probe in its parent while the run goes, and hdrh's own call chain costs
    ~1.5 us a value there (checked against record_value by tests/bench/test_stats.py)."""
    mask = hist.sub_bucket_mask
    shift = hist.unit_magnitude + hist.sub_bucket_half_count_magnitude + 1
    unit = hist.unit_magnitude
    half_mag = hist.sub_bucket_half_count_magnitude
    half = hist.sub_bucket_half_count
    counts = hist.counts

    def record(value: int) -> None:
        bucket = (value | mask).bit_length() - shift
        counts[((bucket + 1) << half_mag) + (value >> (bucket + unit)) - half] += 1
        hist.total_count += 1
        if value < hist.min_value:
            hist.min_value = value
        if value > hist.max_value:
            hist.max_value = value

    return record


def _clamp_ns(value_ns: int) -> int:
    # HdrHistogram refuses values past its range (record_value returns False); a negative
    # latency (data age against a sensor clock slightly ahead of ours) is recorded as 0.
    return min(max(int(value_ns), 0), HIGHEST_NS)


class NoLatency(AssertionError):
    """A latency figure was asked of a run that measured none (nothing was received).

    An AssertionError, so that `assert run.latency.p99_s < 0.025` in a pytest test fails on a
    link that swallowed every probe instead of passing on a made-up 0.
    """

    def __init__(self, name: str = "") -> None:
        super().__init__("no latency measured: nothing was received"
                         + (f" (asked for {name})" if name else ""))


@dataclass(frozen=True)
class LatencySummary:
    """Percentiles of one latency histogram, in microseconds.

    `p99_us` is the value in microseconds, `p99_s` (and plain `p99`, for
    `assert run.latency.p99 < 5e-3`) the same value in seconds. An empty histogram (count 0)
    has every figure None (null in the report): `p99_us` is None, and `p99_s`, `p99` raise
    NoLatency, an AssertionError, so an assertion on them fails.
    """

    min_us: float | None = None
    p50_us: float | None = None
    p90_us: float | None = None
    p99_us: float | None = None
    p99_9_us: float | None = None
    p99_99_us: float | None = None
    max_us: float | None = None
    mean_us: float | None = None
    stdev_us: float | None = None
    count: int = 0

    # Report keys, in the order they are written: the figure without its unit.
    KEYS = ("min", "p50", "p90", "p99", "p99_9", "p99_99", "max", "mean", "stdev", "count")

    @classmethod
    def of(cls, hist: HdrHistogram) -> "LatencySummary":
        """Summarise a nanosecond histogram (an empty one: every figure None, count 0)."""
        count = hist.get_total_count()
        if count == 0:
            return cls()

        def pct_us(p: float) -> float:
            return hist.get_value_at_percentile(p) / NS_PER_US

        return cls(
            min_us=hist.get_min_value() / NS_PER_US,
            p50_us=pct_us(50.0),
            p90_us=pct_us(90.0),
            p99_us=pct_us(99.0),
            p99_9_us=pct_us(99.9),
            p99_99_us=pct_us(99.99),
            max_us=hist.get_max_value() / NS_PER_US,
            mean_us=hist.get_mean_value() / NS_PER_US,
            stdev_us=hist.get_stddev() / NS_PER_US,
            count=count,
        )

    @property
    def measured(self) -> bool:
        """True when at least one latency was recorded."""
        return self.count > 0

    def to_dict(self) -> dict[str, float | int | None]:
        """The report form: {"min": us, "p50": us, ..., "count": n}; figures null when empty."""
        out: dict[str, float | int | None] = {}
        for key in self.KEYS:
            if key == "count":
                out[key] = self.count
            else:
                value = getattr(self, f"{key}_us")
                out[key] = None if value is None else round(value, 3)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LatencySummary":
        """Inverse of `to_dict`. Raises KeyError naming a missing key, ValueError a bad value.

        A summary of count 0 has no figures, whatever it says: reports of schema /1 wrote
        zeros there, which must not read as a latency of 0 us.
        """
        count = int(data["count"])
        kwargs: dict[str, Any] = {"count": count}
        for key in cls.KEYS:
            if key != "count":
                value = data[key]
                kwargs[f"{key}_us"] = None if value is None or count == 0 else float(value)
        return cls(**kwargs)

    def __getattr__(self, name: str) -> float:
        # `p99_s`, `max_s`... and bare `p99` (seconds, as DESIGN.md's pytest example writes it).
        base = name[:-2] if name.endswith("_s") else name
        if base in self.KEYS and base != "count":
            value_us = object.__getattribute__(self, f"{base}_us")
            if value_us is None:
                raise NoLatency(name)
            return value_us / 1e6
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")


class Jitter:
    """RFC 3550 interarrival jitter (section 6.4.1, code in A.8), in nanoseconds.

    Fed in arrival order with each message's transit time (receive - send). For consecutive
    messages i, j: D = transit_j - transit_i, and J += (|D| - J) / 16. Kept as a float rather
    than A.8's scaled integer because nothing here is on a wire.
    """

    def __init__(self) -> None:
        self._last_transit_ns: int | None = None
        self.jitter_ns: float = 0.0

    def add(self, transit_ns: int) -> None:
        """Fold in the transit time of the next message to arrive."""
        if self._last_transit_ns is not None:
            d = abs(transit_ns - self._last_transit_ns)
            self.jitter_ns += (d - self.jitter_ns) / 16.0
        self._last_transit_ns = transit_ns

    @property
    def jitter_us(self) -> float:
        return self.jitter_ns / NS_PER_US


class LatencyStats:
    """Two HDR histograms of latency (corrected and uncorrected) and the jitter of the path."""

    def __init__(self) -> None:
        self.corrected = new_histogram()
        self.uncorrected = new_histogram()
        self._rec_corrected = recorder(self.corrected)
        self._rec_uncorrected = recorder(self.uncorrected)
        self._jitter = Jitter()
        # Values clamped into the histogram's range: a non-zero count says the clocks or the
        # range are wrong, which a report reader must be able to see.
        self.clamped = 0

    def record(self, intended_ns: int, actual_send_ns: int, rx_ns: int) -> None:
        """Record one received message; call in arrival order (jitter depends on it).

        intended_ns: when the schedule meant it to leave; actual_send_ns: when it left;
        rx_ns: when it was received. All on the same monotonic clock.
        """
        corrected_ns = rx_ns - intended_ns
        uncorrected_ns = rx_ns - actual_send_ns
        if 0 <= corrected_ns <= HIGHEST_NS:
            self._rec_corrected(corrected_ns)
        else:
            self.clamped += 1
            self._rec_corrected(_clamp_ns(corrected_ns))
        if 0 <= uncorrected_ns <= HIGHEST_NS:
            self._rec_uncorrected(uncorrected_ns)
        else:
            self.clamped += 1
            self._rec_uncorrected(_clamp_ns(uncorrected_ns))
        # Jitter is a property of the path, so it is taken over the actual send times: a
        # sender's scheduling wobble is the corrected latency's business, not the link's.
        self._jitter.add(uncorrected_ns)

    def summary(self, which: Which = "corrected") -> LatencySummary:
        """Percentile summary of the corrected or uncorrected histogram."""
        return LatencySummary.of(self.histogram(which))

    def histogram(self, which: Which) -> HdrHistogram:
        """The histogram itself. Raises ValueError for any `which` but the two kinds."""
        if which == "corrected":
            return self.corrected
        if which == "uncorrected":
            return self.uncorrected
        raise ValueError(f"latency histogram must be 'corrected' or 'uncorrected', not {which!r}")

    @property
    def jitter_us(self) -> float:
        """RFC 3550 interarrival jitter of the path, in microseconds."""
        return self._jitter.jitter_us

    def encoded(self) -> dict[str, str]:
        """Both histograms in HdrHistogram's compressed base64 form, for the report."""
        return {
            "corrected": self.corrected.encode().decode("ascii"),
            "uncorrected": self.uncorrected.encode().decode("ascii"),
        }


def decode_histogram(encoded: str) -> HdrHistogram:
    """A histogram from its base64 form. Raises ValueError if it is not one."""
    try:
        return HdrHistogram.decode(encoded.encode("ascii") if isinstance(encoded, str) else encoded)
    except Exception as exc:  # hdrh raises assorted zlib/struct/base64 errors
        raise ValueError(f"not an encoded HDR histogram: {exc}") from exc


def spectrum(hist: HdrHistogram, ticks_per_half_distance: int = 5) -> list[tuple[float, float]]:
    """Percentile spectrum: (percentile, value_us) at 1 - 1/2^k ticks, as HdrHistogram plots it.

    The 100th percentile is left out (it would sit at infinity on the 1/(1-p) axis); the max is
    in the summary.
    """
    points: list[tuple[float, float]] = []
    if hist.get_total_count() == 0:
        return points
    for item in hist.get_percentile_iterator(ticks_per_half_distance):
        pct = item.percentile_level_iterated_to
        if pct >= 100.0:
            break
        points.append((pct, item.value_iterated_to / NS_PER_US))
    return points


def distribution(hist: HdrHistogram, bins: int = 40, lo_us: float | None = None,
                 hi_us: float | None = None) -> list[tuple[float, float, int]]:
    """Latency distribution as (low_us, high_us, count) bins, log-spaced from lo_us to hi_us
    (default: the histogram's min and max; give both histograms one range to overlay them).

    Log spacing because latencies span decades: a tail at 100x the median would squeeze the
    body of a linear histogram into one bar. Values outside the range go in the end bins.
    """
    if hist.get_total_count() == 0:
        return []
    lo_ns = max(hist.get_min_value() if lo_us is None else int(lo_us * NS_PER_US), 1)
    hi_ns = max(hist.get_max_value() if hi_us is None else int(hi_us * NS_PER_US), lo_ns + 1)
    log_lo, log_hi = math.log10(lo_ns), math.log10(hi_ns * 1.000001)
    width = (log_hi - log_lo) / bins
    counts = [0] * bins
    for item in hist.get_recorded_iterator():
        value_ns = max(item.value_iterated_to, 1)
        index = int((math.log10(value_ns) - log_lo) / width) if width > 0 else 0
        counts[min(max(index, 0), bins - 1)] += item.count_added_in_this_iter_step
    return [
        (10 ** (log_lo + i * width) / NS_PER_US, 10 ** (log_lo + (i + 1) * width) / NS_PER_US, c)
        for i, c in enumerate(counts)
    ]


@dataclass
class Counts:
    """What became of the messages: `sent == received + modified + lost + late` when
    accounting is exact. `modified` counts records matched by content (bench/content.py) that
    arrived decodable but with values changed; probe runs find damage as `corrupted` instead."""

    sent: int = 0
    received: int = 0
    lost: int = 0
    late: int = 0
    duplicated: int = 0
    reordered: int = 0
    corrupted: int = 0
    decode_errors: int = 0
    modified: int = 0

    KEYS = ("sent", "received", "lost", "late", "duplicated", "reordered", "corrupted",
            "decode_errors", "modified")
    OPTIONAL = ("decode_errors", "modified")  # absent from reports of older versions

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Counts":
        """Inverse of `to_dict`; the OPTIONAL keys may be absent. Raises KeyError, ValueError."""
        return cls(**{k: int(data[k]) for k in cls.KEYS if k in data or k not in cls.OPTIONAL})


def serial_line_bytes_per_s(baud: int, data_bits: int = 8, parity: str = "N",
                            stop_bits: float = 1) -> float:
    """Payload bytes per second of an asynchronous serial line: a byte costs start + data +
    parity + stop bits. Raises ValueError for a parity other than N, E, O, M, S."""
    if parity.upper() not in ("N", "E", "O", "M", "S"):
        raise ValueError(f"parity must be one of N E O M S, not {parity!r}")
    bits_per_byte = 1 + data_bits + (0 if parity.upper() == "N" else 1) + stop_bits
    return baud / bits_per_byte


@dataclass(frozen=True)
class Throughput:
    """Rates over the run. `line_utilization` is a share (0..1) of the line's byte rate, None
    when the path is not a rate-limited line."""

    offered_msgs_per_s: float = 0.0
    msgs_per_s: float = 0.0
    bytes_per_s: float = 0.0
    line_utilization: float | None = None
    # The measured span the rates are taken over, in seconds (None where not known: reports
    # written before it was given). Not one of KEYS: it is not a figure to compare.
    span_s: float | None = None

    KEYS = ("offered_msgs_per_s", "msgs_per_s", "bytes_per_s", "line_utilization")

    @classmethod
    def compute(cls, counts: Counts, bytes_received: int, duration_s: float,
                line_bytes_per_s: float | None = None, line_bytes: int | None = None) -> "Throughput":
        """Rates from totals. Raises ValueError on a negative duration or line rate <= 0.

        line_bytes: octets that crossed the serial line, framing included; utilization is
        taken from them when given (from the payload bytes otherwise).
        """
        if duration_s < 0:
            raise ValueError(f"duration_s must be >= 0, not {duration_s}")
        if line_bytes_per_s is not None and line_bytes_per_s <= 0:
            raise ValueError(f"line_bytes_per_s must be > 0, not {line_bytes_per_s}")
        if duration_s == 0:
            return cls(line_utilization=0.0 if line_bytes_per_s else None)
        bytes_per_s = bytes_received / duration_s
        return cls(
            offered_msgs_per_s=counts.sent / duration_s,
            msgs_per_s=counts.received / duration_s,
            bytes_per_s=bytes_per_s,
            line_utilization=None if line_bytes_per_s is None else
            (bytes_per_s if line_bytes is None else line_bytes / duration_s) / line_bytes_per_s,
        )

    def to_dict(self) -> dict[str, float | None]:
        # span_s only where known (a report's keys stay what they were without it).
        return {k: (None if v is None else round(v, 6)) for k, v in asdict(self).items()
                if k != "span_s" or v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Throughput":
        """Inverse of `to_dict`. Raises KeyError naming a missing key, ValueError a bad value."""
        util = data["line_utilization"]
        span = data.get("span_s")
        return cls(
            offered_msgs_per_s=float(data["offered_msgs_per_s"]),
            msgs_per_s=float(data["msgs_per_s"]),
            bytes_per_s=float(data["bytes_per_s"]),
            line_utilization=None if util is None else float(util),
            span_s=None if span is None else float(span),
        )


@dataclass(slots=True)
class TimelineRow:
    """A slice of the run, [t_s, t_s + width_s) after its start (width_s is 1 unless the run
    was longer than the timeline keeps at one second a row: see Timeline).

    sent and lost are counted in the slice the message was *meant* to leave (so a loss lines up
    with the load that suffered it); received, bytes and the p99 in the slice it arrived. The
    counts are totals over the slice (divide by width_s for a rate).
    """

    t_s: int
    sent: int = 0
    received: int = 0
    lost: int = 0
    bytes: int = 0
    p99_us: float | None = None
    width_s: int = 1

    # The keys every row has; width_s is written only when it is not 1 (reports of runs that
    # fit the timeline look as they always did).
    KEYS = ("t_s", "sent", "received", "lost", "bytes", "p99_us")

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        if self.width_s == 1:
            del doc["width_s"]
        return doc

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TimelineRow":
        p99 = data["p99_us"]
        return cls(t_s=int(data["t_s"]), sent=int(data["sent"]), received=int(data["received"]),
                   lost=int(data["lost"]), bytes=int(data["bytes"]),
                   p99_us=None if p99 is None else float(p99), width_s=int(data.get("width_s", 1)))


class Timeline:
    """Slices of a run that started at `start_ns`: one second each, at most `max_rows` of them.

    Memory and report size stay bounded whatever the duration: when the run outgrows
    `max_rows` slices, neighbouring slices are merged in pairs and the width doubles (1 s,
    2 s, 4 s...), so a 24 h run keeps ~1,350-2,700 rows of 64 s. Counts of merged slices add
    up; a merged slice's p99 is the larger of the two (an upper bound: the percentile of a
    union is not kept once a slice is closed).
    """

    def __init__(self, start_ns: int, max_rows: int = MAX_TIMELINE_ROWS) -> None:
        if max_rows < 2:
            raise ValueError(f"max_rows must be >= 2, not {max_rows}")
        self.start_ns = start_ns
        self.max_rows = max_rows
        self.width_s = 1
        self._rows: dict[int, TimelineRow] = {}  # by slice index (t_s // width_s)
        self._open: dict[int, HdrHistogram] = {}
        self._recs: dict[int, Callable[[int], None]] = {}
        # Closed slices' histograms, reset and reused: one new ~10 kB histogram a second,
        # freed 3 s later, fragmented the allocator enough to creep the RSS of a long run.
        self._spare: list[HdrHistogram] = []
        self._newest_rx = 0

    def _slice(self, t_ns: int) -> int:
        # Events before the start (a sender's clock read just ahead of the run's) go in slice 0.
        second = max(0, (t_ns - self.start_ns) // NS_PER_S)
        index = second // self.width_s
        while index >= self.max_rows:
            self._coarsen()
            index = second // self.width_s
        return index

    def _coarsen(self) -> None:
        # Merge slices 2i and 2i+1 into i, width doubles.
        self.width_s *= 2
        rows: dict[int, TimelineRow] = {}
        for index in sorted(self._rows):
            row = self._rows[index]
            new = index // 2
            into = rows.get(new)
            if into is None:
                row.t_s = new * self.width_s
                row.width_s = self.width_s
                rows[new] = row
                continue
            into.sent += row.sent
            into.received += row.received
            into.lost += row.lost
            into.bytes += row.bytes
            if row.p99_us is not None:
                into.p99_us = row.p99_us if into.p99_us is None else max(into.p99_us, row.p99_us)
        self._rows = rows
        opened: dict[int, HdrHistogram] = {}
        for index, hist in self._open.items():
            if index // 2 in opened:
                opened[index // 2].add(hist)
            else:
                opened[index // 2] = hist
        self._open = opened
        self._recs = {i: recorder(h) for i, h in opened.items()}
        self._newest_rx //= 2

    def _row(self, index: int) -> TimelineRow:
        row = self._rows.get(index)
        if row is None:
            row = self._rows[index] = TimelineRow(t_s=index * self.width_s, width_s=self.width_s)
        return row

    def on_sent(self, intended_ns: int) -> None:
        """A message was sent (counted in its intended slice)."""
        self._row(self._slice(intended_ns)).sent += 1

    def on_lost(self, intended_ns: int, n: int = 1) -> None:
        """A message was declared lost (counted in its intended slice); n = -1 takes one back
        (a message declared lost that turned up late)."""
        self._row(self._slice(intended_ns)).lost += n

    def on_received(self, rx_ns: int, latency_ns: int | None, nbytes: int) -> None:
        """A message of `nbytes` arrived at rx_ns with (corrected) latency latency_ns (None: no
        latency known for it; counted, not in the slice's percentiles)."""
        index = self._slice(rx_ns)
        row = self._row(index)
        row.received += 1
        row.bytes += nbytes
        if latency_ns is None:
            return
        rec = self._recs.get(index)
        if rec is None:
            if row.p99_us is not None:
                return  # that slice was already closed: too late to move its p99 (see _OPEN_SECONDS)
            hist = self._spare.pop() if self._spare else \
                HdrHistogram(_SECOND_LOWEST_NS, HIGHEST_NS, _SECOND_DIGITS)
            self._open[index] = hist
            rec = self._recs[index] = recorder(hist)
        rec(_clamp_ns(latency_ns))
        if index > self._newest_rx:
            self._newest_rx = index
            self._close(before=index - max(1, _OPEN_SECONDS // self.width_s))

    def _close(self, before: int) -> None:
        for index in [i for i in self._open if i <= before]:
            hist = self._open.pop(index)
            del self._recs[index]
            self._rows[index].p99_us = hist.get_value_at_percentile(99.0) / NS_PER_US
            if len(self._spare) < _OPEN_SECONDS + 2:
                hist.reset()
                self._spare.append(hist)

    def newest_p99_us(self) -> float | None:
        """p99 (us) of the newest slice that has arrivals and is still open, None if none:
        the live "p99 of the last second"."""
        if not self._open:
            return None
        hist = self._open[max(self._open)]
        return hist.get_value_at_percentile(99.0) / NS_PER_US if hist.get_total_count() else None

    def rows(self) -> list[TimelineRow]:
        """All slices from 0 to the last one with an event, gaps filled with empty rows."""
        self._close(before=max(self._open, default=-1))
        if not self._rows:
            return []
        last = max(self._rows)
        w = self.width_s
        return [self._rows.get(i) or TimelineRow(t_s=i * w, width_s=w) for i in range(last + 1)]


class Span:
    """When a stream of events began and ended on the clock, and how many there were.

    Rates are taken over the span from the first to the last event: (n - first) / (last -
    first), where `first` is how many events share the very first instant (a datagram of K
    probes arrives at once). That is exact for evenly spaced events, and says what the clock
    saw when they come in bursts (never a schedule's intention).
    """

    __slots__ = ("first_ns", "last_ns", "n", "at_first", "size", "size_at_first")

    def __init__(self) -> None:
        self.first_ns: int | None = None
        self.last_ns: int | None = None
        self.n = 0
        self.at_first = 0
        self.size = 0
        self.size_at_first = 0

    def add(self, t_ns: int, size: int = 0) -> None:
        """One event at t_ns carrying `size` (bytes)."""
        self.n += 1
        self.size += size
        if self.first_ns is None or t_ns < self.first_ns:
            # An event before the first one so far (kernel stamps may disagree slightly with
            # the order they were read in): it becomes the first instant.
            self.first_ns = t_ns
            self.at_first = 1
            self.size_at_first = size
        elif t_ns == self.first_ns:
            self.at_first += 1
            self.size_at_first += size
        if self.last_ns is None or t_ns > self.last_ns:
            self.last_ns = t_ns

    @property
    def seconds(self) -> float:
        """From the first to the last event, in seconds (0 with fewer than two instants)."""
        if self.first_ns is None or self.last_ns is None:
            return 0.0
        return (self.last_ns - self.first_ns) / NS_PER_S

    def rate(self) -> float:
        """Events per second over the span (0.0 when all happened in one instant)."""
        s = self.seconds
        return (self.n - self.at_first) / s if s > 0 else 0.0

    def rate_over(self, window_s: float | None) -> float:
        """Events per second over a schedule's window of ``window_s`` seconds (None: `rate`):
        n over the window, or `rate` where that is lower (the events lagged behind the
        schedule). n events evenly spaced over a window of n intervals give `rate` either
        way; events in one instant, which have no rate of their own, give n over the window."""
        if window_s is None or window_s <= 0:
            return self.rate()
        over_window = self.n / window_s
        return over_window if self.seconds <= 0 else min(self.rate(), over_window)

    def size_rate(self) -> float:
        """Size (bytes) per second over the span."""
        s = self.seconds
        return (self.size - self.size_at_first) / s if s > 0 else 0.0


@dataclass
class RunStats:
    """Everything the receiver feeds during a run; `Report.from_stats` turns it into a report.

    Call `on_sent` for each message the sender put on the path, then for each one exactly one
    of `on_received`, `on_late`, `on_lost` (a message declared lost that turns up later:
    `on_late_after_lost`); `on_duplicate`, `on_reordered`, `on_corrupted`, `on_decode_error`
    as the matcher finds them. Received calls must come in arrival order.

    `arrivals` spans the received messages (their arrival times and bytes), `departures` the
    sends that left (their actual send times): throughput comes from these clocks.
    """

    start_ns: int
    counts: Counts = field(default_factory=Counts)
    latency: LatencyStats = field(default_factory=LatencyStats)
    timeline: Timeline = field(init=False)
    bytes_received: int = 0
    arrivals: Span = field(default_factory=Span)
    departures: Span = field(default_factory=Span)

    def __post_init__(self) -> None:
        self.timeline = Timeline(self.start_ns)

    def on_sent(self, intended_ns: int, actual_ns: int | None = None) -> None:
        """A message meant to leave at intended_ns; actual_ns is when it left (None: the send
        failed or is not known, and the message does not count as having left)."""
        self.counts.sent += 1
        self.timeline.on_sent(intended_ns)
        if actual_ns is not None:
            self.departures.add(actual_ns)

    def on_received(self, intended_ns: int, actual_send_ns: int, rx_ns: int, nbytes: int) -> None:
        self._arrived(rx_ns, nbytes, rx_ns - intended_ns)
        self.latency.record(intended_ns, actual_send_ns, rx_ns)

    def on_received_unmeasured(self, rx_ns: int, nbytes: int) -> None:
        """A message arrived whose latency cannot be known (a record stamped after its own
        arrival): counted as received, left out of every latency figure."""
        self._arrived(rx_ns, nbytes, None)

    def _arrived(self, rx_ns: int, nbytes: int, latency_ns: int | None) -> None:
        self.counts.received += 1
        self.bytes_received += nbytes
        self.arrivals.add(rx_ns, nbytes)
        self.timeline.on_received(rx_ns, latency_ns, nbytes)

    def on_late(self, intended_ns: int, actual_send_ns: int, rx_ns: int, nbytes: int) -> None:
        """A message that arrived past the run's deadline: counted late, not received, but its
        latency is still recorded, because leaving the slowest messages out of the
        percentiles would make the tail look better than it was."""
        self.counts.late += 1
        self.latency.record(intended_ns, actual_send_ns, rx_ns)

    def on_late_after_lost(self, intended_ns: int, actual_send_ns: int, rx_ns: int, nbytes: int) -> None:
        """A message already declared lost arrived after all: it is late, not lost."""
        self.counts.lost -= 1
        self.timeline.on_lost(intended_ns, -1)
        self.on_late(intended_ns, actual_send_ns, rx_ns, nbytes)

    def on_modified(self, intended_ns: int, actual_send_ns: int, rx_ns: int, nbytes: int) -> None:
        """A record that arrived decodable with values changed: counted modified, not
        received; its latency is recorded (the path delivered it, damaged)."""
        self.counts.modified += 1
        self.latency.record(intended_ns, actual_send_ns, rx_ns)

    def on_lost(self, intended_ns: int) -> None:
        self.counts.lost += 1
        self.timeline.on_lost(intended_ns)

    def on_duplicate(self) -> None:
        self.counts.duplicated += 1

    def on_reordered(self) -> None:
        self.counts.reordered += 1

    def on_corrupted(self) -> None:
        self.counts.corrupted += 1

    def on_decode_error(self) -> None:
        self.counts.decode_errors += 1

    def throughput(self, line_bytes_per_s: float | None = None, line_bytes: int | None = None,
                   frame_octets: float | None = None,
                   line_side: Literal["rx", "tx"] = "rx",
                   window_s: float | None = None) -> tuple["Throughput", float | None]:
        """Throughput from the clock, and the raw line utilization when it had to be clamped.

        msgs_per_s, bytes_per_s: received messages (and their bytes) over the measured span:
        from the first send of the measured window to the end of the run's sending or the
        last arrival, whichever came later (`span_s`). Arrivals that stop early do not shrink
        it: 396 probes received of 5 s of sending is 79 msgs/s, not 396 over the 0.4 s in
        which they came (first to last arrival, as before, lied by 13x). Without a known send
        (no departures), the arrivals' own span;
        offered_msgs_per_s: messages that left over the span of their actual sends;
        line_utilization: `line_bytes` (octets the line carried, framing included; the
        payload bytes when None) over the time the line took, first to last octet (the span
        of the arrivals, or of the sends for line_side "tx", plus one frame's own time on the
        line, `frame_octets` long), as a share of `line_bytes_per_s`. A share above 1 (plus 2 % for clock granularity) means
        the transport counted octets the line cannot have carried: it is clamped to 1 and the
        raw figure returned beside it. Raises ValueError on a line rate <= 0.

        window_s: the schedule's measured window (end of the warm-up to the end of the last
        send's interval), where the run has one. The received rate is then taken over the
        window, or over the arrivals' own span (extended by one of their intervals) where
        that is longer; no rate is taken over less than the window: a run whose
        measured sends all leave in one instant (one block of K probes, or a warm-up that
        leaves one send) has no span of its own, and one probe received 48 us after it left
        was reported as 20,798 msgs/s of a 100 msgs/s run. The offered rate is then the
        sends over the window (or over their own span, if they took longer).
        """
        if line_bytes_per_s is not None and line_bytes_per_s <= 0:
            raise ValueError(f"line_bytes_per_s must be > 0, not {line_bytes_per_s}")
        arr = self.arrivals
        util: float | None = None
        raw: float | None = None
        if line_bytes_per_s is not None:
            octets = self.bytes_received if line_bytes is None else line_bytes
            span = arr if line_side == "rx" else self.departures
            if frame_octets is None:
                # One frame per instant of the span at most: K probes of a block share one.
                frame_octets = octets * span.at_first / span.n if span.n else 0.0
            took_s = span.seconds + frame_octets / line_bytes_per_s
            util = octets / took_s / line_bytes_per_s if took_s > 0 and span.n else 0.0
            if util > 1.02:
                raw = util
            util = min(util, 1.0)
        dep = self.departures
        if dep.first_ns is not None and dep.last_ns is not None:
            if window_s is not None:
                # the window, or the arrivals' own span where that is longer (a path slower
                # than the load): not first send to last arrival, which counted the path's
                # delay as time it took (10 probes at 100/s through a 100 ms delay: 52 msgs/s)
                own = arr.seconds * arr.n / (arr.n - arr.at_first) if arr.n > arr.at_first else 0.0
                span_s = max(own, window_s)
            else:
                end_ns = max(dep.last_ns, arr.last_ns if arr.last_ns is not None else dep.last_ns)
                span_s = (end_ns - dep.first_ns) / NS_PER_S
            msgs = self.counts.received / span_s if span_s > 0 else 0.0
            octets = self.bytes_received / span_s if span_s > 0 else 0.0
        else:
            span_s, msgs, octets = arr.seconds, arr.rate(), arr.size_rate()
        tp = Throughput(offered_msgs_per_s=dep.rate_over(window_s), msgs_per_s=msgs, bytes_per_s=octets,
                        line_utilization=util, span_s=round(span_s, 6))
        return tp, raw
