"""Source mode (`--recv URL` alone): measure a sensor's feed.

A radar (or anything that sends ASTERIX) sends; the bench decodes everything and measures:
- message rate (datagrams / blocks and records per second);
- data age: arrival wall-clock time of day minus the time of day inside the record (I048/140
  for plots, I062/070 for tracks, I021/073...: TIME_ITEMS), across midnight, in integer
  nanoseconds; in the report as latency kind "data age" (the corrected and uncorrected
  histograms are the same figure here). A record stamped after it arrived by no more than
  the LSB of its time item (in the category spec of the record's edition: 1/128 s in these)
  has age 0: the sensor's clock and this host's agree to the LSB, and the sensor truncates
  or rounds to it. Stamped later still, the clocks disagree (or the feed replays another time
  of day): the record is counted (data_age_negative), has no data age, and the source
  section's `warnings` say how many, the worst, and that the clocks disagree;
- the receiver's clock: the kernel's clock source and whether the system clock is
  NTP-synchronised (receiver_clock(); the source section's `clock`);
- scan completeness: plots per scan between CAT034 north markers, and north markers on time
  against the antenna period (I034/041, else the median interval);
- decode errors (frames that break the specification);
- faults of the feed, each an episode (side "feed") in the report's faults: a feed gap (no
  datagram for longer than GAP_FACTOR expected intervals: the sector time when CAT034 gives
  the antenna period and the sector crossings, else the median inter-arrival time over the
  last WINDOW arrivals), missed north markers (an interval of about k periods misses k - 1;
  a run that ends more than half a period after a marker was due misses it too), missed
  sectors (a sector crossing whose I034/020 skips sector numbers).

Runs in the calling process: there is no sender to keep on schedule.

The live line (and --json-stream) shows the figures the report will: `received` is what the
report counts as received (records with a time of day that are not CAT034 service messages:
CAT048 plots from a radar), `records` every record decoded (CAT034 included), and the
decode errors; a last line at the end of the run carries the final figures.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import math
import shutil
import statistics
import subprocess
import time
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import Any

from radarbench.bench.clock import wall_minus_mono_ns
from radarbench.bench.engine import NS_PER_S, BenchConfig, BenchReport, _open, _utc_now
from radarbench.bench.faults import Episode, FaultLog
from radarbench.bench.progress import Progress
from radarbench.bench.report import Report, Status
from radarbench.bench.stats import RunStats
from radarbench.codecs.asterix import DecodeError, category_spec, decode
from radarbench.codecs.asterix.spec import Quantity
from radarbench.rigs import lifeline

SECONDS_PER_DAY = 86400
NS_PER_DAY = SECONDS_PER_DAY * NS_PER_S
CLOCKSOURCE_PATH = Path("/sys/devices/system/clocksource/clocksource0/current_clocksource")
STA_UNSYNC = 0x0040   # struct timex status: clock not synchronised (linux/timex.h)
# A north marker is on time if it arrives within this share of the period (or 50 ms) of
# one period after the previous one.
ON_TIME_SHARE = 0.05
ON_TIME_MIN_S = 0.05
# Time-of-day items per category: where the sensor says when the data was true.
TIME_ITEMS = {48: "140", 62: "070", 34: "030", 1: "141", 2: "030", 21: "073"}
# A silence longer than GAP_FACTOR expected intervals (and GAP_MIN_S) is a feed gap. The
# minimum keeps a busy host's scheduling out of it; arrival times are the kernel's stamps
# where the transport has them, so a receiver that is late to read does not make a gap.
GAP_FACTOR = 4.0
GAP_MIN_S = 0.2
# Inter-arrival times the expected interval is the median of.
WINDOW = 64
# Intervals before the median counts (without CAT034 timing).
MIN_INTERVALS = 4


def age_ns(wall_ns: int, tod_s: float) -> int:
    """Data age, ns: wall-clock time `wall_ns` (ns since the epoch, UTC) minus the time of day
    `tod_s` (s since UTC midnight), wrapped into [-12 h, +12 h) across midnight. Integer ns:
    a time of day in 1/128 s is a whole number of ns, so the age is exact (a float of
    seconds since the epoch keeps only ~0.2 us)."""
    d = (wall_ns % NS_PER_DAY - round(tod_s * NS_PER_S)) % NS_PER_DAY
    return d - NS_PER_DAY if d >= NS_PER_DAY // 2 else d


def counted_age_ns(age: int, lsb_ns: int) -> int | None:
    """The data age a record counts with: `age` if >= 0; 0 if negative by at most the time
    item's LSB `lsb_ns` (the clocks agree to the LSB); None beyond (no data age)."""
    if age >= 0:
        return age
    return 0 if -age <= lsb_ns else None


@lru_cache(maxsize=None)
def time_lsb_ns(category: int, edition: str) -> int:
    """The LSB of the category's time-of-day item (TIME_ITEMS) in `edition`, in ns, from the
    category spec; 0 when the edition has no such item or it is not a scaled quantity."""
    key = TIME_ITEMS.get(category)
    try:
        item = category_spec(category, edition).items.get(key or "")
    except KeyError:
        return 0
    variation = getattr(item, "variation", None)
    return round(variation.lsb * NS_PER_S) if isinstance(variation, Quantity) else 0


class _Timex(ctypes.Structure):
    # struct timex of linux/timex.h (and glibc's sys/timex.h), up to `tai` and its padding.
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
                ("time_sec", ctypes.c_long), ("time_usec", ctypes.c_long), ("tick", ctypes.c_long),
                ("ppsfreq", ctypes.c_long), ("jitter", ctypes.c_long), ("shift", ctypes.c_int),
                ("stabil", ctypes.c_long), ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long),
                ("errcnt", ctypes.c_long), ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int),
                ("_pad", ctypes.c_int * 11)]


def _ntp_by_adjtimex() -> bool | None:
    """Not STA_UNSYNC in the kernel's clock status (adjtimex with modes 0: reads, changes
    nothing, needs no privilege); None where there is no adjtimex."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        tx = _Timex()
        if libc.adjtimex(ctypes.byref(tx)) < 0:
            return None
    except (OSError, AttributeError):
        return None
    return not tx.status & STA_UNSYNC


def _ntp_by_timedatectl() -> bool | None:
    exe = shutil.which("timedatectl")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "show", "-p", "NTPSynchronized", "--value"], capture_output=True,
                             text=True, timeout=2.0)
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip()
    return {"yes": True, "no": False}.get(value) if out.returncode == 0 else None


def receiver_clock() -> dict[str, Any]:
    """This host's clock, for the report: {"clocksource": the kernel's current clock source
    ("tsc", "kvm-clock"... or "unknown"), "ntp_synchronised": True, False or "unknown",
    "ntp_from": "adjtimex", "timedatectl" or None (what said so)}."""
    try:
        source = CLOCKSOURCE_PATH.read_text(encoding="ascii").strip() or "unknown"
    except (OSError, UnicodeDecodeError):
        source = "unknown"
    synced: bool | str = "unknown"
    said_by = None
    for name, ask in (("adjtimex", _ntp_by_adjtimex), ("timedatectl", _ntp_by_timedatectl)):
        got = ask()
        if got is not None:
            synced, said_by = got, name
            break
    return {"clocksource": source, "ntp_synchronised": synced, "ntp_from": said_by}


def clock_warning(count: int, worst_ns: int, lsb_ns: int, clock: dict[str, Any]) -> str:
    """The report's words for `count` records whose time of day is later than their arrival by
    more than the LSB of their time item (`worst_ns`: the most negative age; `lsb_ns`: the LSB
    of that record's time item, 0 if unknown)."""
    ntp = clock.get("ntp_synchronised")
    state = "NTP-synchronised" if ntp is True else "not NTP-synchronised" if ntp is False else "NTP state unknown"
    lsb = f"{lsb_ns / 1e6:g} ms" if lsb_ns else "LSB unknown"
    they = ("records carry a time of day later than their", "they have") if count != 1 \
        else ("record carries a time of day later than its", "it has")
    return (f"{count:,} {they[0]} arrival by more than its LSB ({lsb}; worst "
            f"{-worst_ns / 1e6:,.3f} ms): the sensor's clock and this host's ({clock.get('clocksource', 'unknown')}, "
            f"{state}) disagree, or the feed replays another time of day; {they[1]} no data age")


def _summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"min": round(min(values), 6), "mean": round(statistics.fmean(values), 6),
            "max": round(max(values), 6)}


class ScanTracker:
    """Plots per scan between north markers, and how regular the markers are."""

    def __init__(self) -> None:
        self.markers = 0
        self.plots_since_marker: int | None = None  # None until the first marker
        self.plots_per_scan: list[int] = []
        self.intervals_s: list[float] = []
        self.period_s: float | None = None
        self.last_marker_ns: int | None = None
        self.marker_ns: list[int] = []  # arrival of each marker (one a scan: a day is ~22k)
        self.end_ns: int | None = None

    def on_plot(self) -> None:
        if self.plots_since_marker is not None:
            self.plots_since_marker += 1

    def on_north_marker(self, rx_ns: int, period_s: float | None) -> None:
        self.markers += 1
        if period_s:
            self.period_s = period_s
        if self.plots_since_marker is not None:
            self.plots_per_scan.append(self.plots_since_marker)
        self.plots_since_marker = 0
        if self.last_marker_ns is not None:
            self.intervals_s.append((rx_ns - self.last_marker_ns) / NS_PER_S)
        self.last_marker_ns = rx_ns
        self.marker_ns.append(rx_ns)

    def antenna_period_s(self) -> float | None:
        """I034/041 when the markers carry it, else the median marker interval, else None."""
        return self.period_s or (statistics.median(self.intervals_s) if self.intervals_s else None)

    def missed_markers(self, end_ns: int) -> list[Episode]:
        """Missed north markers as episodes: one per run of misses between two markers, and
        one for the markers due after the last one before `end_ns` (the end of the run)."""
        period = self.antenna_period_s()
        if not period or not self.marker_ns:
            return []
        period_ns = period * NS_PER_S
        out: list[Episode] = []

        def add(prev_ns: int, until_ns: int, n: int, trailing: bool) -> None:
            due_ns = prev_ns + round(period_ns)
            what = "none after it until the end of the run" if trailing else "the next came late"
            out.append(Episode("feed", "missed north marker",
                               f"{n} north marker{'s' if n != 1 else ''} missed (antenna period {period:g} s; {what})",
                               due_ns, until_ns, until_ns, errors=n))

        for prev, nxt in zip(self.marker_ns, self.marker_ns[1:]):
            n = round((nxt - prev) / period_ns) - 1
            if n > 0:
                add(prev, nxt, n, False)
        # A marker is missed at the end when the run went on half a period past its due time.
        n = math.floor((end_ns - self.marker_ns[-1]) / period_ns - 0.5)
        if n > 0:
            add(self.marker_ns[-1], end_ns, n, True)
        return out

    def section(self, end_ns: int | None = None) -> dict[str, Any]:
        period = self.antenna_period_s()
        on_time = late = 0
        if period:
            tol = max(ON_TIME_SHARE * period, ON_TIME_MIN_S)
            for interval in self.intervals_s:
                if abs(interval - period) <= tol:
                    on_time += 1
                else:
                    late += 1
        missed = sum(ep.errors for ep in self.missed_markers(end_ns)) if end_ns is not None else 0
        return {
            "north_markers": self.markers,
            "scans": len(self.plots_per_scan),
            "plots_per_scan": _summary([float(n) for n in self.plots_per_scan]),
            "plots_per_scan_list": self.plots_per_scan[-1000:],
            "antenna_period_s": period,
            "north_marker_interval_s": _summary(self.intervals_s),
            "north_markers_on_time": on_time,
            "north_markers_off_time": late,
            "north_markers_missed": missed,
        }


class SectorTracker:
    """CAT034 sector crossings (I034/000 = 2): the sector width from the smallest step of
    I034/020 seen, and the sectors a crossing skips."""

    def __init__(self) -> None:
        self.crossings = 0
        self.width_deg: float | None = None
        self.last_az_deg: float | None = None
        self.last_ns: int | None = None
        self.missed = 0
        self.episodes: list[Episode] = []

    @property
    def sectors(self) -> int | None:
        """Sectors a revolution, once two crossings have shown the width."""
        return round(360.0 / self.width_deg) if self.width_deg else None

    def on_crossing(self, rx_ns: int, az_deg: float) -> None:
        self.crossings += 1
        if self.last_az_deg is not None and self.last_ns is not None:
            step = (az_deg - self.last_az_deg) % 360.0
            # The LSB of I034/020 is 360/256 deg: steps of a sector differ by an LSB or so.
            if step > 0.5 and (self.width_deg is None or step < self.width_deg - 1.0):
                self.width_deg = step
            if self.width_deg and step >= 1.5 * self.width_deg:
                n = round(step / self.width_deg) - 1
                self._add(self.last_ns, rx_ns, n, f"sector crossing at {az_deg:g} deg after {self.last_az_deg:g} deg")
        self.last_az_deg = az_deg
        self.last_ns = rx_ns

    def finish(self, end_ns: int, period_s: float | None) -> None:
        """Sectors due after the last crossing before `end_ns` (the feed stopped)."""
        sectors = self.sectors
        if self.last_ns is None or not sectors or not period_s:
            return
        sector_ns = period_s / sectors * NS_PER_S
        n = math.floor((end_ns - self.last_ns) / sector_ns - 0.5)
        if n > 0:
            self._add(self.last_ns, end_ns, n, "none after it until the end of the run")

    def _add(self, prev_ns: int, until_ns: int, n: int, what: str) -> None:
        self.missed += n
        self.episodes.append(Episode("feed", "missed sector", f"{n} sector{'s' if n != 1 else ''} missed ({what})",
                                     prev_ns, until_ns, until_ns, errors=n))


class FeedWatch:
    """Feed gaps: silences longer than GAP_FACTOR expected intervals (and GAP_MIN_S).

    The expected interval is `sector_s` when set (CAT034 gives the antenna period and the
    sector count), else the median inter-arrival time of the last WINDOW arrivals.
    """

    def __init__(self) -> None:
        self.intervals_ns: deque[int] = deque(maxlen=WINDOW)
        self.last_ns: int | None = None
        self.sector_s: float | None = None
        self.episodes: list[Episode] = []

    def expected_s(self) -> float | None:
        if self.sector_s:
            return self.sector_s
        if len(self.intervals_ns) < MIN_INTERVALS:
            return None
        return statistics.median(self.intervals_ns) / NS_PER_S

    def threshold_s(self) -> float | None:
        expected = self.expected_s()
        return None if expected is None else max(GAP_FACTOR * expected, GAP_MIN_S)

    def on_arrival(self, rx_ns: int) -> None:
        if self.last_ns is not None:
            gap_ns = rx_ns - self.last_ns
            if gap_ns < 0:
                return  # stamps out of order by a hair: not an interval
            self._check(self.last_ns, rx_ns, to_end=False)
            self.intervals_ns.append(gap_ns)
        self.last_ns = rx_ns

    def finish(self, end_ns: int) -> None:
        """The silence from the last arrival to the end of the run, if it is a gap."""
        if self.last_ns is not None:
            self._check(self.last_ns, end_ns, to_end=True)

    def _check(self, from_ns: int, to_ns: int, to_end: bool) -> None:
        threshold = self.threshold_s()
        expected = self.expected_s()
        gap_s = (to_ns - from_ns) / NS_PER_S
        if threshold is None or expected is None or gap_s <= threshold:
            return
        missing = max(1, round(gap_s / expected) - 1)
        until = "until the end of the run" if to_end else "then data again"
        self.episodes.append(Episode("feed", "feed gap",
                                     f"no data for {gap_s:.3f} s (expected every {expected * 1e3:,.1f} ms; {until})",
                                     from_ns, to_ns, to_ns, errors=missing))


def run_source(cfg: BenchConfig, progress: Progress) -> BenchReport:
    """Receive from cfg.recv for cfg.duration_s (or cfg.count records); returns the report."""
    assert cfg.recv
    rx = _open(cfg.recv, "--recv")
    started_at = _utc_now()
    start_ns = time.monotonic_ns()
    wall_minus_mono = wall_minus_mono_ns()
    end_ns = start_ns + int((cfg.duration_s or 0) * NS_PER_S) if cfg.count is None else None
    measure_from_ns = start_ns + int(cfg.warmup_s * NS_PER_S)
    stats = RunStats(start_ns=measure_from_ns)
    scans = ScanTracker()
    sectors = SectorTracker()
    feed = FeedWatch()
    faults = FaultLog("recv")
    frames = records = plots = negative_ages = within_lsb = 0
    worst_age_ns: int | None = None   # the most negative age beyond the LSB
    worst_lsb_ns = 0
    clock = receiver_clock()
    by_category: dict[str, int] = {}
    first_rx_ns: int | None = None
    last_rx_ns = start_ns
    status: Status = "ok"
    next_tick = start_ns + NS_PER_S
    tick_received = 0

    def live_line(now_ns: int, per_s: float) -> dict[str, Any]:
        ages = stats.latency.corrected  # every data age so far
        p99 = ages.get_value_at_percentile(99) / 1e6 if ages.get_total_count() else None
        return {"t_s": round((now_ns - start_ns) / NS_PER_S), "rate_msgs_per_s": per_s,
                "received": stats.counts.received, "records": records,
                "decode_errors": stats.counts.decode_errors,
                "p99_ms": None if p99 is None else round(p99, 3)}

    try:
        while True:
            now = time.monotonic_ns()
            if end_ns is not None and now >= end_ns:
                break
            if cfg.count is not None and records >= cfg.count:
                break
            if now >= next_tick:
                progress.update(live_line(now, tick_received))
                tick_received = 0
                next_tick += NS_PER_S
            wait_s = 0.1 if end_ns is None else max(0.0, min(0.1, (end_ns - now) / NS_PER_S))
            msg = faults.recv(rx, wait_s, backoff_s=0.01)
            if msg is None:
                continue
            rx_ns = msg.rx_ns
            wall_ns = msg.rx_kernel_ns if msg.rx_kernel_ns is not None else rx_ns + wall_minus_mono
            if rx_ns < measure_from_ns:
                continue
            first_rx_ns = first_rx_ns if first_rx_ns is not None else rx_ns
            last_rx_ns = rx_ns
            # When the datagram arrived: the kernel's stamp (on the monotonic clock) if it has
            # one and it is sane, so that a receiver slow to read does not see a gap.
            arrival_ns = rx_ns
            if msg.rx_kernel_ns is not None and abs(msg.rx_kernel_ns - wall_minus_mono - rx_ns) < NS_PER_S:
                arrival_ns = msg.rx_kernel_ns - wall_minus_mono
            feed.on_arrival(arrival_ns)
            frames += 1
            try:
                decoded = decode(msg.data, editions=cfg.editions or None)
            except DecodeError:
                stats.on_decode_error()
                continue
            share = len(msg.data) // max(1, len(decoded))
            for rec in decoded:
                records += 1
                key = str(rec.category)
                by_category[key] = by_category.get(key, 0) + 1
                items = rec.items
                if rec.category == 34:
                    kind = items.get("000")
                    if kind == 1:
                        period = items.get("041")
                        scans.on_north_marker(arrival_ns, float(period) if period else None)
                    elif kind == 2 and isinstance(items.get("020"), (int, float)):
                        sectors.on_crossing(arrival_ns, float(items["020"]))
                    if feed.sector_s is None and scans.period_s and sectors.sectors:
                        feed.sector_s = scans.period_s / sectors.sectors
                    continue
                if rec.category == 48:
                    plots += 1
                    scans.on_plot()
                tod = items.get(TIME_ITEMS.get(rec.category, ""))
                if not isinstance(tod, (int, float)):
                    continue
                age = age_ns(wall_ns, float(tod))
                stats.on_sent(rx_ns)
                measured: int | None = age
                if age < 0:
                    lsb_ns = time_lsb_ns(rec.category, rec.edition)
                    measured = counted_age_ns(age, lsb_ns)
                    if measured is None:
                        # Stamped after it arrived by more than the LSB: the clocks disagree
                        # (or the feed replays another time of day), so its data age is
                        # unknown, not 0: counted, left out of the data age figures (the
                        # report says how many, and the worst).
                        negative_ages += 1
                        if worst_age_ns is None or age < worst_age_ns:
                            worst_age_ns, worst_lsb_ns = age, lsb_ns
                    else:
                        within_lsb += 1
                if measured is None:
                    stats.on_received_unmeasured(rx_ns, share)
                else:
                    stats.on_received(rx_ns - measured, rx_ns - measured, rx_ns, share)
                tick_received += 1
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        lifeline.hold()  # the measurement is over (engine.run_bench)
        rx.close()
    stop_ns = time.monotonic_ns()
    # The last line: the final figures, the same as the report's (the rate over the part of
    # a second since the last tick).
    since_s = (stop_ns - (next_tick - NS_PER_S)) / NS_PER_S
    progress.update(live_line(stop_ns, round(tick_received / since_s) if since_s > 0 else 0))
    if end_ns is not None:
        stop_ns = min(stop_ns, max(end_ns, last_rx_ns))
    feed.finish(stop_ns)
    sectors.finish(stop_ns, scans.antenna_period_s())
    episodes = faults.episodes + feed.episodes + scans.missed_markers(stop_ns) + sectors.episodes
    faults_out = [ep.to_fault(start_ns) for ep in sorted(episodes, key=lambda e: e.first_ns)]
    if status == "ok" and faults_out:
        status = "fault"
    span_ns = (last_rx_ns - first_rx_ns) if first_rx_ns is not None else 0
    duration_s = max(span_ns, 0) / NS_PER_S
    if cfg.count is None and cfg.duration_s:
        duration_s = max(duration_s, cfg.duration_s - cfg.warmup_s) if status == "ok" else duration_s
    report = Report.from_stats(stats, duration_s=duration_s, started_at=started_at,
                               config=cfg.describe("source"), latency_kind="data age",
                               line_bytes_per_s=getattr(rx, "bytes_per_s", None), faults=faults_out,
                               status=status)
    return BenchReport.of(report, source={
        "frames": frames,
        "records": records,
        "plots": plots,
        "by_category": by_category,
        "frames_per_s": round(frames / duration_s, 3) if duration_s else 0.0,
        "records_per_s": round(records / duration_s, 3) if duration_s else 0.0,
        "data_age_negative": negative_ages,
        "data_age_negative_within_lsb": within_lsb,
        "data_age_negative_worst_s": None if worst_age_ns is None else worst_age_ns / NS_PER_S,
        "clock": clock,
        "warnings": [clock_warning(negative_ages, worst_age_ns, worst_lsb_ns, clock)]
        if worst_age_ns is not None else [],
        "decode_errors": stats.counts.decode_errors,
        **scans.section(stop_ns),
        "sector_crossings": sectors.crossings,
        "sectors": sectors.sectors,
        "sectors_missed": sectors.missed,
        "feed_gaps": len(feed.episodes),
        "feed_gap_s": round(sum((ep.last_ns - ep.first_ns) for ep in feed.episodes) / NS_PER_S, 6),
        "expected_interval_s": None if feed.expected_s() is None else round(feed.expected_s() or 0.0, 6),
    })
