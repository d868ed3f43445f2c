"""Source mode (`--recv URL` alone): measure a sensor's feed.

A radar (or anything that sends ASTERIX) sends; the bench decodes everything and measures:
- message rate (datagrams / blocks and records per second);
- data age: arrival wall-clock time of day minus the time of day inside the record (I048/140
  for plots, I062/070 for tracks), in the report as latency kind "data age" (the corrected and
  uncorrected histograms are the same figure here);
- scan completeness: plots per scan between CAT034 north markers, and north markers on time
  against the antenna period (I034/041, else the median interval);
- decode errors (frames that break the specification).

Runs in the calling process: there is no sender to keep on schedule.
"""
from __future__ import annotations

import statistics
import time
from typing import Any

from radarbench.bench.clock import wall_minus_mono_ns
from radarbench.bench.engine import NS_PER_S, BenchConfig, BenchReport, _open, _utc_now
from radarbench.bench.faults import FaultLog
from radarbench.bench.progress import Progress
from radarbench.bench.report import Report, Status
from radarbench.bench.stats import RunStats
from radarbench.codecs.asterix import DecodeError, decode

SECONDS_PER_DAY = 86400
# A north marker is on time if it arrives within this share of the period (or 50 ms) of
# one period after the previous one.
ON_TIME_SHARE = 0.05
ON_TIME_MIN_S = 0.05
# Time-of-day items per category: where the sensor says when the data was true.
TIME_ITEMS = {48: "140", 62: "070", 34: "030", 1: "141", 2: "030", 21: "073"}


def _age_s(wall_tod_s: float, tod_s: float) -> float:
    # Both are seconds since UTC midnight: the difference wraps at midnight.
    d = (wall_tod_s - tod_s) % SECONDS_PER_DAY
    return d - SECONDS_PER_DAY if d >= SECONDS_PER_DAY / 2 else d


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

    def section(self) -> dict[str, Any]:
        period = self.period_s or (statistics.median(self.intervals_s) if self.intervals_s else None)
        on_time = late = missed = 0
        if period:
            tol = max(ON_TIME_SHARE * period, ON_TIME_MIN_S)
            for interval in self.intervals_s:
                if abs(interval - period) <= tol:
                    on_time += 1
                else:
                    late += 1
                    missed += max(0, round(interval / period) - 1)
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
    faults = FaultLog("recv")
    frames = records = plots = negative_ages = 0
    by_category: dict[str, int] = {}
    first_rx_ns: int | None = None
    last_rx_ns = start_ns
    status: Status = "ok"
    next_tick = start_ns + NS_PER_S
    tick_records = 0
    try:
        while True:
            now = time.monotonic_ns()
            if end_ns is not None and now >= end_ns:
                break
            if cfg.count is not None and records >= cfg.count:
                break
            if now >= next_tick:
                ages = stats.latency.corrected  # every data age so far
                p99 = ages.get_value_at_percentile(99) / 1e6 if ages.get_total_count() else None
                progress.update({"t_s": round((now - start_ns) / NS_PER_S), "rate_msgs_per_s": tick_records,
                                 "received": records, "decode_errors": stats.counts.decode_errors,
                                 "p99_ms": None if p99 is None else round(p99, 3)})
                tick_records = 0
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
            frames += 1
            try:
                decoded = decode(msg.data)
            except DecodeError:
                stats.on_decode_error()
                continue
            wall_tod_s = (wall_ns / NS_PER_S) % SECONDS_PER_DAY
            share = len(msg.data) // max(1, len(decoded))
            for rec in decoded:
                records += 1
                tick_records += 1
                key = str(rec.category)
                by_category[key] = by_category.get(key, 0) + 1
                items = rec.items
                if rec.category == 34:
                    if items.get("000") == 1:
                        period = items.get("041")
                        scans.on_north_marker(rx_ns, float(period) if period else None)
                    continue
                if rec.category == 48:
                    plots += 1
                    scans.on_plot()
                tod = items.get(TIME_ITEMS.get(rec.category, ""))
                if not isinstance(tod, (int, float)):
                    continue
                age_ns = int(_age_s(wall_tod_s, float(tod)) * NS_PER_S)
                if age_ns < 0:
                    negative_ages += 1
                stats.on_sent(rx_ns)
                stats.on_received(rx_ns - age_ns, rx_ns - age_ns, rx_ns, share)
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        rx.close()
    faults_out = [ep.to_fault(start_ns) for ep in faults.episodes]
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
        "decode_errors": stats.counts.decode_errors,
        **scans.section(),
    })
