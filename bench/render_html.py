"""A run report as one self-contained HTML page with plots.

The plots are inline SVG drawn here from the report's numbers, not a plotting library's
JavaScript: the page must open on a lab PC or from a CI artefact with no network (so no CDN),
and embedding e.g. Plotly inline would add megabytes to a page whose data is a few kilobytes.

Plots: latency distribution (log-spaced bins), percentile spectrum (x = 1/(1-p) on a log
axis, as HdrHistogram plots it), and per second: message rate, p99 latency, losses; faults
are marked on the time axes. Distribution and spectrum need the report's encoded histograms;
without them the spectrum falls back to the summary percentiles.
"""
from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import Callable, Sequence

from radarbench.bench.report import Report
from radarbench.bench.verdict import label
from radarbench.bench.stats import LatencySummary, distribution, spectrum

COLORS = {"corrected": "#d62728", "uncorrected": "#1f77b4", "sent": "#7f7f7f",
          "received": "#2ca02c", "lost": "#d62728", "fault": "#ff7f0e"}

# Plot area geometry, in SVG user units (the SVG scales to the page width).
_W, _H = 760, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 20, 30, 45


@dataclass
class Series:
    """One line or set of bars: (x, y) points in data units."""

    name: str
    color: str
    points: Sequence[tuple[float, float]]
    bars: bool = False
    bar_width: Callable[[float], tuple[float, float]] | None = None  # x -> (x0, x1)


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _nice_step(span: float, target_ticks: int = 5) -> float:
    raw = span / max(target_ticks, 1)
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


class _Axis:
    """Maps data values to pixels, linear or log10, and gives tick positions and labels."""

    def __init__(self, lo: float, hi: float, px0: float, px1: float, log: bool = False,
                 labels: Callable[[float], str] = _fmt) -> None:
        self.log = log
        self.labels = labels
        if log:
            lo = max(lo, 1e-12)
            hi = max(hi, lo * 10)
            lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
        else:
            if hi <= lo:
                hi = lo + 1
            step = _nice_step(hi - lo)
            lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
        self.lo, self.hi, self.px0, self.px1 = lo, hi, px0, px1

    def _t(self, v: float) -> float:
        return math.log10(max(v, 1e-12)) if self.log else v

    def __call__(self, v: float) -> float:
        t0, t1 = self._t(self.lo), self._t(self.hi)
        return self.px0 + (self._t(v) - t0) / (t1 - t0) * (self.px1 - self.px0)

    def ticks(self) -> list[float]:
        if self.log:
            k0, k1 = round(math.log10(self.lo)), round(math.log10(self.hi))
            return [10.0 ** k for k in range(k0, k1 + 1)]
        step = _nice_step(self.hi - self.lo)
        n = int(round((self.hi - self.lo) / step))
        return [self.lo + i * step for i in range(n + 1)]


def svg_chart(title: str, series: Sequence[Series], *, x_label: str, y_label: str,
              x_log: bool = False, y_log: bool = False,
              x_labels: Callable[[float], str] = _fmt, x_range: tuple[float, float] | None = None,
              y_min: float | None = 0.0, markers: Sequence[tuple[float, str]] = ()) -> str:
    """One chart as an <svg> element. markers: (x, label) vertical lines (faults)."""
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    for s in series:
        if s.bars and s.bar_width:
            for x, _ in s.points:
                xs.extend(s.bar_width(x))
    parts = [f'<svg class="chart" viewBox="0 0 {_W} {_H}" xmlns="http://www.w3.org/2000/svg" '
             f'role="img" aria-label="{_esc(title)}">',
             f'<text class="title" x="{_LEFT}" y="18">{_esc(title)}</text>']
    if not xs:
        parts.append(f'<text x="{_W / 2}" y="{_H / 2}" text-anchor="middle">no data</text></svg>')
        return "".join(parts)
    x_lo, x_hi = x_range if x_range else (min(xs), max(xs))
    if y_log:
        positive = [v for v in ys if v > 0] or [1.0]
        # Half the smallest value, so a bar of the smallest count still has a height.
        y_lo, y_hi = min(positive) / 2, max(positive)
    else:
        y_lo = y_min if y_min is not None else min(ys, default=0.0)
        y_hi = max(ys, default=1.0)
    xa = _Axis(x_lo, x_hi, _LEFT, _W - _RIGHT, x_log, x_labels)
    ya = _Axis(y_lo, y_hi * (1.0 if y_log else 1.05), _H - _BOTTOM, _TOP, y_log)
    # Grid and ticks
    x_ticks = xa.ticks()
    for i, tx in enumerate(x_ticks):
        px = xa(tx)
        anchor = "end" if i == len(x_ticks) - 1 else "middle"  # keep the last label inside
        parts.append(f'<line class="grid" x1="{px:.1f}" y1="{_TOP}" x2="{px:.1f}" '
                     f'y2="{_H - _BOTTOM}"/>')
        parts.append(f'<text class="tick" x="{px:.1f}" y="{_H - _BOTTOM + 15}" '
                     f'text-anchor="{anchor}">{_esc(xa.labels(tx))}</text>')
    for ty in ya.ticks():
        py = ya(ty)
        parts.append(f'<line class="grid" x1="{_LEFT}" y1="{py:.1f}" x2="{_W - _RIGHT}" '
                     f'y2="{py:.1f}"/>')
        parts.append(f'<text class="tick" x="{_LEFT - 6}" y="{py + 4:.1f}" '
                     f'text-anchor="end">{_esc(_fmt(ty))}</text>')
    parts.append(f'<rect class="frame" x="{_LEFT}" y="{_TOP}" width="{_W - _LEFT - _RIGHT}" '
                 f'height="{_H - _TOP - _BOTTOM}"/>')
    parts.append(f'<text class="label" x="{(_LEFT + _W - _RIGHT) / 2}" y="{_H - 8}" '
                 f'text-anchor="middle">{_esc(x_label)}</text>')
    parts.append(f'<text class="label" transform="translate(14 {(_TOP + _H - _BOTTOM) / 2}) '
                 f'rotate(-90)" text-anchor="middle">{_esc(y_label)}</text>')
    base_py = ya(ya.lo)
    for s in series:
        if s.bars:
            for x, y in s.points:
                if y <= 0 and y_log:
                    continue
                x0, x1 = s.bar_width(x) if s.bar_width else (x - 0.4, x + 0.4)
                px0, px1, py = xa(x0), xa(x1), ya(y)
                parts.append(f'<rect class="bar" fill="{s.color}" x="{px0:.1f}" y="{py:.1f}" '
                             f'width="{max(px1 - px0, 0.5):.1f}" '
                             f'height="{max(base_py - py, 0):.1f}"><title>{_esc(s.name)}: '
                             f'{_esc(_fmt(y))}</title></rect>')
        else:
            pts = [(xa(x), ya(y)) for x, y in s.points if not (y_log and y <= 0)]
            if pts:
                d = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
                parts.append(f'<polyline class="line" stroke="{s.color}" points="{d}">'
                             f'<title>{_esc(s.name)}</title></polyline>')
    for x, label in markers:
        px = xa(x)
        parts.append(f'<line class="marker" x1="{px:.1f}" y1="{_TOP}" x2="{px:.1f}" '
                     f'y2="{_H - _BOTTOM}"><title>{_esc(label)}</title></line>')
    # Legend
    lx = _W - _RIGHT - 10
    for i, s in enumerate(reversed(list(series))):
        y = 18
        text_w = 7 * len(s.name) + 22
        lx -= text_w
        parts.append(f'<rect x="{lx}" y="{y - 9}" width="12" height="10" fill="{s.color}"/>'
                     f'<text class="legend" x="{lx + 16}" y="{y}">{_esc(s.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _pct_label(x: float) -> str:
    # x = 1/(1-p): 10 -> 90%, 100 -> 99%, 1000 -> 99.9%...
    p = 100.0 * (1.0 - 1.0 / x)
    return f"{p:.10g}%"


def _summary_spectrum(s: LatencySummary) -> list[tuple[float, float]]:
    return [(50.0, s.p50_us), (90.0, s.p90_us), (99.0, s.p99_us), (99.9, s.p99_9_us),
            (99.99, s.p99_99_us)] if s.count else []


def latency_charts(report: Report) -> list[str]:
    """Distribution and percentile spectrum, corrected and uncorrected."""
    dist_series, spec_series = [], []
    hists = {w: report.histogram(w) for w in ("corrected", "uncorrected")}  # type: ignore[arg-type]
    present = [h for h in hists.values() if h is not None and h.get_total_count()]
    # One bin range for both, so that their bars line up and can be compared.
    lo_us = min((h.get_min_value() for h in present), default=0) / 1000
    hi_us = max((h.get_max_value() for h in present), default=0) / 1000
    for which in ("corrected", "uncorrected"):
        hist = hists[which]
        summary = report.corrected if which == "corrected" else report.uncorrected
        if hist is not None:
            bins = distribution(hist, bins=50, lo_us=lo_us, hi_us=hi_us)
            if bins:
                edges = {(lo * hi) ** 0.5: (lo, hi) for lo, hi, _ in bins}
                dist_series.append(Series(
                    which, COLORS[which], [((lo * hi) ** 0.5, n) for lo, hi, n in bins],
                    bars=True, bar_width=lambda x, e=edges: e[x]))
            points = spectrum(hist)
        else:
            points = _summary_spectrum(summary)
        spec_series.append(Series(which, COLORS[which],
                                  [(1.0 / (1.0 - p / 100.0), v) for p, v in points]))
    charts = []
    if dist_series:
        charts.append(svg_chart("Latency distribution", dist_series, x_label="latency (us)",
                                y_label="messages (log)", x_log=True, y_log=True))
    charts.append(svg_chart("Percentile spectrum", spec_series,
                            x_label="percentile (log scale of 1/(1-p))", y_label="latency (us, log)",
                            x_log=True, y_log=True, x_labels=_pct_label))
    return charts


def timeline_charts(report: Report) -> list[str]:
    """Rate, p99 latency and losses per second, with faults marked."""
    rows = report.timeline
    markers = [(f.t_s, f"{f.kind} at {f.t_s:.3f} s: {f.detail}") for f in report.faults]
    x_range = (0.0, float(len(rows))) if rows else None
    mid = [r.t_s + 0.5 for r in rows]  # plot each second at its middle
    rate = svg_chart("Messages per second", [
        Series("sent", COLORS["sent"], list(zip(mid, [r.sent for r in rows]))),
        Series("received", COLORS["received"], list(zip(mid, [r.received for r in rows]))),
    ], x_label="time (s)", y_label="msg/s", x_range=x_range, markers=markers)
    p99 = svg_chart("p99 latency per second (corrected)", [
        Series("p99", COLORS["corrected"],
               [(m, r.p99_us) for m, r in zip(mid, rows) if r.p99_us is not None]),
    ], x_label="time (s)", y_label="latency (us)", x_range=x_range, markers=markers)
    lost = svg_chart("Lost per second", [
        Series("lost", COLORS["lost"], [(m, r.lost) for m, r in zip(mid, rows)], bars=True),
    ], x_label="time (s)", y_label="messages", x_range=x_range, markers=markers)
    return [rate, p99, lost]


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:900px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.status-ok{color:#2ca02c}.status-interrupted{color:#ff7f0e}.status-fault{color:#d62728}
svg.chart{width:100%;height:auto;display:block;margin:1em 0}
svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#999}
svg .tick,svg .legend{font-size:11px;fill:#444}svg .label{font-size:12px;fill:#222}
svg .title{font-size:14px;font-weight:600}svg .line{fill:none;stroke-width:1.8}
svg .bar{opacity:.6}svg .marker{stroke:#ff7f0e;stroke-dasharray:4 3;stroke-width:1.5}
pre{background:#f6f6f6;padding:.6em;overflow:auto}
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], numeric_from: int = 0) -> str:
    head = "".join(f'<th class="{"n" if i >= numeric_from else ""}">{_esc(h)}</th>'
                   for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(
        f'<td class="{"n" if i >= numeric_from else ""}">{_esc(v)}</td>' for i, v in enumerate(row)
    ) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report, title: str | None = None) -> str:
    """The whole page as one string. Raises ValueError if the report's histograms are not
    valid HDR encodings."""
    c, t = report.counts, report.throughput
    heading = title or "radarbench run"
    util = "n/a" if t.line_utilization is None else f"{100 * t.line_utilization:.1f} %"
    lat_rows = []
    for name, s in (("corrected", report.corrected), ("uncorrected", report.uncorrected)):
        lat_rows.append([name] + ["n/a" if v is None else f"{v:,.1f}" for v in (
            s.min_us, s.p50_us, s.p90_us, s.p99_us, s.p99_9_us, s.p99_99_us, s.max_us,
            s.mean_us, s.stdev_us)] + [f"{s.count:,}"])
    faults = (_table(["t (s)", "kind", "duration (s)", "detail"],
                     [[f"{f.t_s:.3f}", f.kind,
                       "" if f.duration_s is None else f"{f.duration_s:.3f}", f.detail]
                      for f in report.faults], numeric_from=99)
              if report.faults else "<p>None.</p>")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc(heading)} {_esc(report.started_at)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f'<h1>{_esc(heading)}: <span class="status-{_esc(report.status)}">'
        f"{_esc(label(report.status))}</span></h1>",
        f"<p>{_esc(report.started_at)}, {report.duration_s:.1f} s on "
        f"{_esc(report.host.get('hostname', '?'))}, radarbench {_esc(report.tool_version)}. "
        f"Latency: {_esc(report.latency_kind)}; jitter (RFC 3550) {report.jitter_us:,.1f} us.</p>",
        "<h2>Counts</h2>",
        _table(["sent", "received", "lost", "late", "duplicated", "reordered", "corrupted",
                "decode errors"],
               [[f"{v:,}" for v in (c.sent, c.received, c.lost, c.late, c.duplicated,
                                   c.reordered, c.corrupted, c.decode_errors)]]),
        "<h2>Throughput</h2>",
        _table(["offered msg/s", "received msg/s", "bytes/s", "line utilization"],
               [[f"{t.offered_msgs_per_s:,.1f}", f"{t.msgs_per_s:,.1f}",
                 f"{t.bytes_per_s:,.1f}", util]]),
        "<h2>Latency (us)</h2>",
        _table(["", "min", "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "stdev",
                "count"], lat_rows, numeric_from=1),
        *latency_charts(report),
        "<h2>Over time</h2>",
        *timeline_charts(report),
        "<h2>Faults</h2>",
        faults,
        "<h2>Settings and host</h2>",
        f"<pre>{_esc(json.dumps({'config': report.config, 'host': report.host}, indent=2, default=str))}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
