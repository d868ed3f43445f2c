"""The report's charts, drawn with matplotlib: SVG for the HTML page, PNG for the Markdown.

Why matplotlib, static, with SVG inlined in the page: the HTML report must be one file that
opens on a lab PC or from a CI artefact with no network. An interactive library (Plotly,
Bokeh) would either fetch its JavaScript from a CDN (no network there) or inline it, adding
megabytes (plotly.min.js alone is ~3.5 MB) to a page whose data is a few kilobytes; static
SVG from matplotlib is tens of kilobytes a chart, scales with the page, prints, and needs no
script at all. matplotlib is imported lazily, only when a chart is drawn, so that
`import radarbench...` (the CLI, the pytest plugin) stays fast; its Agg backend is chosen
explicitly because there is no display here, and figures are built as `Figure` objects
(no pyplot, so no global state and nothing to close).

Every `*_figure(doc)` takes the report as its JSON document (`report_doc`), returns the
matplotlib Figure, or None when the report holds nothing to draw (the page then says so
rather than drawing empty axes). Latencies are in microseconds, times in seconds from the
run's start, rates in messages per second.
"""
from __future__ import annotations

import functools
import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence, TypeVar

from radarbench.bench.outfile import write_file
from radarbench.bench.stats import decode_histogram

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe-Ito colours: told apart by colour-blind readers and in greyscale print.
COLORS = {
    "corrected": "#D55E00",    # vermillion
    "uncorrected": "#0072B2",  # blue
    "sent": "#000000",
    "received": "#009E73",     # green
    "lost": "#D55E00",
    "fault": "#E69F00",        # orange
    "pass": "#009E73",
    "fail": "#D55E00",
    "max": "#0072B2",
}
LABELS = {"corrected": "corrected (from intended send time)",
          "uncorrected": "uncorrected (from actual send time)"}

WIDTH_IN = 8.0   # figure width; the SVG is scaled to the page width anyway
_RC = {
    "svg.fonttype": "none",        # text stays text: small, selectable, searchable
    "svg.hashsalt": "radarbench",  # stable ids (svg() renames them in order, too)
    "font.size": 9.5,
    "font.family": "sans-serif",
    "axes.grid": True,
    "axes.axisbelow": True,        # grid lines behind bars, not across them
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}


def _mpl() -> Any:
    """Import matplotlib with the Agg backend (no display); returns the Figure class."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    return Figure


def _styled(func: F) -> F:
    """Run a figure builder under the report's matplotlib style (rcParams are read when
    artists are made, so the style must hold while the figure is built, not only saved)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        _mpl()
        with matplotlib.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _new_figure(height_in: float, **kwargs: Any) -> "Figure":
    Figure = _mpl()
    return Figure(figsize=(WIDTH_IN, height_in), layout="constrained", **kwargs)


# --------------------------------------------------------------------------- the document


def report_doc(report: Any) -> dict[str, Any]:
    """The report as its JSON document: a Mapping is taken as is, a Report (or BenchReport)
    through `to_dict()`, with its `sections` (find_max, source...) at top level as the
    written file has them (a nested "sections" object is lifted too). Raises TypeError for
    anything else."""
    if isinstance(report, Mapping):
        return _lift_sections(dict(report))
    to_dict = getattr(report, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"expected a Report or its JSON document, not {type(report).__name__}")
    doc = dict(to_dict())
    sections = getattr(report, "sections", None)
    if isinstance(sections, Mapping):
        for key, value in sections.items():
            doc.setdefault(key, value)
    return _lift_sections(doc)


def _lift_sections(doc: dict[str, Any]) -> dict[str, Any]:
    # Sections are top-level keys of the written report; a document that nests them under
    # "sections" is read the same way.
    nested = doc.get("sections")
    if isinstance(nested, Mapping):
        doc = {k: v for k, v in doc.items() if k != "sections"}
        for key, value in nested.items():
            doc.setdefault(key, value)
    return doc


def latency_count(doc: Mapping[str, Any], which: str = "corrected") -> int:
    """How many latencies the report's summary holds (0 when absent)."""
    summary = (doc.get("latency_us") or {}).get(which) or {}
    try:
        return int(summary.get("count") or 0)
    except (TypeError, ValueError):
        return 0


def _histograms(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The report's non-empty latency histograms by kind, as `recorded` arrays (values ns,
    counts); {} when the report has none. Raises ValueError if a stored one is not a valid
    HDR encoding."""
    out = {}
    for which, encoded in (doc.get("histograms") or {}).items():
        if which in ("corrected", "uncorrected") and isinstance(encoded, str):
            values, counts = _recorded_of(encoded)
            if len(values):
                out[which] = (values, counts)
    return out


@functools.lru_cache(maxsize=8)
def _recorded_of(encoded: str) -> tuple[Any, Any]:
    # Cached: the distribution and the spectrum of one page read the same histograms.
    return recorded(decode_histogram(encoded))


def recorded(hist: Any) -> tuple[Any, Any]:
    """A histogram's recorded values and their counts as two numpy arrays (values in ns, the
    highest value of each bucket, ascending). Read from the counts array directly: the
    hdrh iterators walk each bucket in Python, ten times slower on a busy histogram."""
    import numpy as np

    counts = np.ctypeslib.as_array(hist.counts)[:hist.counts_len]
    index = np.nonzero(counts)[0]
    values = np.array([hist.get_highest_equivalent_value(hist.get_value_from_index(int(i)))
                       for i in index], dtype=np.float64)
    return values, counts[index].astype(np.float64)


def _min_positive_ns(values: Any) -> float:
    """The smallest recorded value above 0 (ns), 1 when every value is 0."""
    positive = values[values > 0]
    return float(positive[0]) if len(positive) else 1.0


def log_bins(values_ns: Any, counts: Any, lo_us: float, hi_us: float, bins: int
             ) -> tuple[list[float], list[int]]:
    """Counts in `bins` log-spaced bins from lo_us to hi_us: (bins + 1 edges in us, counts).
    Values outside the range go in the end bins (zeros in the first)."""
    import numpy as np

    edges = np.logspace(math.log10(lo_us), math.log10(hi_us), bins + 1)
    clipped = np.clip(values_ns / 1000.0, edges[0], edges[-1])
    per_bin, _ = np.histogram(clipped, bins=edges, weights=counts)
    return edges.tolist(), [int(round(c)) for c in per_bin]


def spectrum_points(values_ns: Any, counts: Any, ticks_per_half_distance: int = 10
                    ) -> list[tuple[float, float]]:
    """Percentile spectrum as HdrHistogram plots it: (percentile, value in us) at
    p = 1 - 1/2^(k / ticks_per_half_distance), k = 0, 1, ... while p stays below the share of
    the last message (100 % sits at infinity on a 1/(1-p) axis; the max is in the table)."""
    import numpy as np

    cum = np.cumsum(counts)
    total = float(cum[-1]) if len(cum) else 0.0
    points: list[tuple[float, float]] = []
    k = 0
    while total:
        share = 1.0 - 0.5 ** (k / ticks_per_half_distance)
        if share * total > total - 1 and k:
            break
        rank = max(math.ceil(share * total), 1)
        i = int(np.searchsorted(cum, rank))
        points.append((100.0 * share, float(values_ns[min(i, len(values_ns) - 1)]) / 1000.0))
        k += 1
    return points


def _labels(doc: Mapping[str, Any]) -> dict[str, str]:
    """Legend labels by latency kind. When corrected and uncorrected are the same (source
    mode's data age, a sender that never lagged), one series is drawn, named for both."""
    hists = doc.get("histograms") or {}
    lat = doc.get("latency_us") or {}
    same = (hists.get("corrected") is not None
            and hists.get("corrected") == hists.get("uncorrected")) or (
        not hists and lat.get("corrected") is not None
        and lat.get("corrected") == lat.get("uncorrected"))
    if same:
        kind = str(lat.get("kind") or "latency")
        return {"corrected": f"{kind} (corrected = uncorrected)"}
    return dict(LABELS)


def _fmt_us(value: float, _pos: object = None) -> str:
    """Axis label for a latency in us, or any count: 950, 1.5k, 12k, 3M."""
    if value == 0:
        return "0"
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def _nice_step(span: float, target: int) -> float:
    """A 1-2-5 step that cuts `span` into about `target` parts."""
    raw = span / max(target, 1)
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * step:
            return m * step
    return 10 * step


def log_ticks(lo: float, hi: float, max_ticks: int = 10) -> list[float]:
    """Tick positions for a log axis from lo to hi (both > 0). Over a decade or more: powers
    of ten when there are four or more of them (or three, when 1-2-5 steps would give more
    than `max_ticks`), 1-2-5 steps otherwise. Under a decade, round values on an even step
    (5k..15k gets 6k, 8k, 10k, 12k, 14k: on so short a log axis they read as evenly spaced,
    and both ends of the data get a label)."""
    if lo <= 0 or hi <= lo:
        return [lo] if lo > 0 else []
    if math.log10(hi / lo) >= 1.0:
        k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        powers, fine = ([m * 10.0 ** k for k in range(k0, k1 + 1) for m in mults
                         if lo <= m * 10.0 ** k <= hi] for mults in ((1,), (1, 2, 5)))
        if len(powers) >= 4 or (len(powers) >= 3 and len(fine) > max_ticks):
            return powers
        return fine if len(fine) <= max_ticks else powers
    step = _nice_step(hi - lo, 4)
    while True:
        first = math.ceil(lo / step) * step
        ticks = [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]
        if len(ticks) >= 4:
            return ticks
        mantissa = round(step / 10 ** math.floor(math.log10(step)))
        step = step / 2.5 if mantissa == 5 else step / 2  # 1-2-5 downwards: 5 -> 2 -> 1 -> 0.5


def _log_axis(ax: "Axes", axis: str, lo: float, hi: float) -> None:
    """Log scale from lo to hi with readable ticks labelled in us (5k, 10k...); fewer on a
    y axis, which is shorter."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    # Limits first: switching a single point's (collapsed) autoscale to log would warn.
    (ax.set_xlim if axis == "x" else ax.set_ylim)(lo, hi)
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    (ax.set_xlim if axis == "x" else ax.set_ylim)(lo, hi)
    target.set_major_locator(FixedLocator(log_ticks(lo, hi, 10 if axis == "x" else 6)))
    target.set_major_formatter(FuncFormatter(_fmt_us))
    target.set_minor_locator(NullLocator())


def _title_and_legend(fig: "Figure", ax: "Axes", title: str) -> None:
    """The title at the top left of the axes and the legend at the top right, on the same
    line above the data (a legend inside the axes hides bars and lines)."""
    ax.set_title(title, loc="left", fontweight="bold", pad=4)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                  ncols=min(len(labels), 4), borderaxespad=0.1, fontsize=8,
                  handlelength=1.8, columnspacing=1.2)


def fault_spans(faults: Sequence[Mapping[str, Any]], join_s: float) -> list[tuple[float, float]]:
    """Fault episodes as (start_s, end_s) spans to mark on a time axis, sorted, with spans
    closer than `join_s` merged (a hundred one-datagram episodes of one outage read as one
    band, not a hatching; the faults table lists each). Episodes without a length are
    instants (start == end). Entries without a numeric t_s are skipped."""
    spans = []
    for f in faults:
        t = f.get("t_s")
        if isinstance(t, bool) or not isinstance(t, (int, float)):
            continue
        length = f.get("duration_s")
        length = float(length) if isinstance(length, (int, float)) and length > 0 else 0.0
        spans.append((float(t), float(t) + length))
    spans.sort()
    merged: list[tuple[float, float]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= join_s:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _fault_marks(axes: Iterable["Axes"], faults: Sequence[Mapping[str, Any]],
                 run_s: float) -> None:
    """Faults on time axes: a shaded band for an episode with a length, a dashed line for an
    instant; one legend entry on the first axes."""
    spans = fault_spans(faults, join_s=max(run_s / 100.0, 0.05))
    for n, ax in enumerate(axes):
        for i, (start, end) in enumerate(spans):
            label = "fault" if n == 0 and i == 0 else None
            if end - start > run_s / 300.0:
                ax.axvspan(start, end, color=COLORS["fault"], alpha=0.3, lw=0, label=label,
                           zorder=0)
            else:
                ax.axvline(start, color=COLORS["fault"], ls="--", lw=1.2, label=label, zorder=0)


# --------------------------------------------------------------------------- the charts


@_styled
def latency_distribution_figure(doc: Mapping[str, Any], bins: int | None = None) -> "Figure | None":
    """Latency distribution, corrected against uncorrected, on log-spaced bins over the data's
    own range (both histograms share one set of bins so their shapes compare). The x axis is
    the data's min..max with a small margin, never decades beyond it. None when the report
    carries no (non-empty) histogram. Raises ValueError for a bad stored histogram."""
    hists = _histograms(doc)
    if not hists:
        return None
    labels = _labels(doc)
    data = {w: h for w, h in hists.items() if w in labels}
    if not data:
        return None
    # A latency of 0 (a data age clamped from below) has no place on a log axis: the range
    # starts at the smallest positive value, and zeros are counted in the first bin.
    lo_us = min(_min_positive_ns(v) for v, _ in data.values()) / 1000
    hi_us = max(float(v[-1]) for v, _ in data.values()) / 1000
    hi_us = max(hi_us, lo_us * 1.02)
    decades = math.log10(hi_us / lo_us)
    if bins is None:
        bins = int(min(max(decades * 30, 30), 90))
    series = {w: log_bins(v, c, lo_us, hi_us, bins) for w, (v, c) in data.items()}
    all_counts = [c for _, counts in series.values() for c in counts]
    peak = max(all_counts)
    smallest = min((c for c in all_counts if c > 0), default=1)
    log_y = peak / smallest > 30  # a tail of a few among thousands stays visible
    fig = _new_figure(3.0)
    ax = fig.add_subplot()
    # Uncorrected filled underneath, corrected as a bold outline on top: both stay visible
    # where they coincide (the usual case when the sender kept its schedule).
    for which, style in (("uncorrected", {"fill": True, "alpha": 0.45, "lw": 0}),
                         ("corrected", {"fill": len(series) == 1, "lw": 1.8,
                                        "alpha": 0.6 if len(series) == 1 else 1.0})):
        if which not in series:
            continue
        edges, counts = series[which]
        ax.stairs(counts, edges, color=COLORS[which], label=labels[which],
                  baseline=0.5 if log_y else 0, zorder=3 if which == "corrected" else 2,
                  **style)
    margin = 10 ** (max(decades, 0.1) * 0.03)  # 3 % of the span (in log), on each side
    _log_axis(ax, "x", lo_us / margin, hi_us * margin)
    if log_y:
        # Plain labels (1, 10, 100, 1k), not 10^n: easier read, and no mathtext to lay out.
        _log_axis(ax, "y", 0.7, peak * 2.0)  # bars stand on 0.5, below the axis
        ax.set_ylabel("messages per bin (log)")
    else:
        ax.set_ylim(0, peak * 1.1)
        ax.set_ylabel("messages per bin")
    ax.set_xlabel("latency (us, log scale)")
    _title_and_legend(fig, ax, "Latency distribution")
    return fig


def _spectrum_points(doc: Mapping[str, Any], which: str, hists: Mapping[str, Any]
                     ) -> list[tuple[float, float]]:
    """(x = 1/(1-p), latency us) points: from the histogram, or from the summary's
    percentiles when the report carries no histogram (null percentiles left out)."""
    if which in hists:
        return [(1.0 / (1.0 - p / 100.0), v) for p, v in spectrum_points(*hists[which])]
    summary = (doc.get("latency_us") or {}).get(which) or {}
    if not latency_count(doc, which):
        return []
    points = []
    for key, p in (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9),
                   ("p99_99", 99.99)):
        value = summary.get(key)
        if isinstance(value, (int, float)):
            points.append((1.0 / (1.0 - p / 100.0), float(value)))
    return points


def _pct_label(x: float, _pos: object = None) -> str:
    return f"{100.0 * (1.0 - 1.0 / x):.10g}%"


@_styled
def percentile_spectrum_figure(doc: Mapping[str, Any]) -> "Figure | None":
    """Percentile spectrum as HdrHistogram plots it: latency against percentile, x = 1/(1-p)
    on a log axis labelled 50%, 90%, 99%, 99.9%... None when nothing was measured."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    hists = _histograms(doc)
    labels = _labels(doc)
    series = {w: _spectrum_points(doc, w, hists) for w in labels}
    if not any(series.values()):
        return None
    fig = _new_figure(3.0)
    ax = fig.add_subplot()
    # Uncorrected wide and light underneath, corrected thin on top: where the two agree
    # (a sender that kept its schedule) both stay visible.
    for which, style in (("uncorrected", {"lw": 4.0, "alpha": 0.5, "solid_capstyle": "butt"}),
                         ("corrected", {"lw": 1.5})):
        pts = series.get(which)
        if pts:
            ax.plot([x for x, _ in pts], [y for _, y in pts], color=COLORS[which],
                    marker=None if hists else "o", ms=4, label=labels[which], **style)
    xs = [x for pts in series.values() for x, _ in pts]
    ys = [y for pts in series.values() for _, y in pts if y > 0]
    x_hi = max(xs)
    ax.set_xscale("log")
    ax.set_xlim(1.0 if hists else min(xs) / 1.3, x_hi * 1.3)
    decades = [10.0 ** k for k in range(0, int(math.ceil(math.log10(x_hi * 1.3))) + 1)]
    ticks = sorted(set([t for t in decades if t <= x_hi * 1.3] + [2.0]))
    ax.xaxis.set_major_locator(FixedLocator([t for t in ticks if t >= ax.get_xlim()[0]]))
    ax.xaxis.set_major_formatter(FuncFormatter(_pct_label))
    ax.xaxis.set_minor_locator(NullLocator())
    if ys and max(ys) / min(ys) > 20:
        _log_axis(ax, "y", min(ys) / 1.15, max(ys) * 1.15)
        ax.set_ylabel("latency (us, log scale)")
    else:
        from matplotlib.ticker import FuncFormatter as _F

        ax.set_ylim(0, (max(ys) if ys else 1.0) * 1.1)
        ax.yaxis.set_major_formatter(_F(_fmt_us))
        ax.set_ylabel("latency (us)")
    ax.set_xlabel("percentile")
    _title_and_legend(fig, ax, "Percentile spectrum")
    return fig


@_styled
def timeline_figure(doc: Mapping[str, Any]) -> "Figure | None":
    """Per second of the run: messages sent and received, the corrected p99 (a panel left out
    when nothing arrived) and losses; faults shaded on every panel. None when the report has
    no timeline."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    rows = [r for r in doc.get("timeline") or [] if isinstance(r, Mapping)]
    if not rows:
        return None
    faults = [f for f in doc.get("faults") or [] if isinstance(f, Mapping)]
    mid = [float(r.get("t_s", i)) + 0.5 for i, r in enumerate(rows)]  # each second at its middle
    p99 = [(m, float(r["p99_us"])) for m, r in zip(mid, rows)
           if isinstance(r.get("p99_us"), (int, float))]
    panels = 3 if p99 else 2
    fig = _new_figure(1.9 * panels + 0.4)
    axes = fig.subplots(panels, 1, sharex=True,
                        gridspec_kw={"height_ratios": [1.3, 1.0, 0.8][:panels]})
    rate_ax, lost_ax = axes[0], axes[-1]
    # Received underneath, wide and light; sent on top, thin and dashed with markers: the two
    # coincide on a clean run and each must still be seen.
    rate_ax.plot(mid, [r.get("received", 0) for r in rows], color=COLORS["received"], lw=4,
                 alpha=0.55, marker="o", ms=6, label="received", zorder=2,
                 solid_capstyle="butt")
    rate_ax.plot(mid, [r.get("sent", 0) for r in rows], color=COLORS["sent"], lw=1.1, ls="--",
                 marker="o", ms=2.5, label="sent", zorder=3)
    rate_ax.set_ylabel("msgs/s")
    rate_ax.set_ylim(bottom=0)
    rate_ax.yaxis.set_major_formatter(FuncFormatter(_fmt_us))  # 50k, not 50000
    if p99:
        ax = axes[1]
        ax.plot([m for m, _ in p99], [v for _, v in p99], color=COLORS["corrected"], lw=1.5,
                marker="o", ms=3, label="p99 (corrected)")
        values = [v for _, v in p99 if v > 0]
        if values and max(values) / min(values) > 20:
            _log_axis(ax, "y", min(values) / 1.2, max(values) * 1.2)
            ax.set_ylabel("p99 (us, log)")
        else:
            ax.set_ylim(0, max(values, default=1.0) * 1.15)
            ax.yaxis.set_major_formatter(FuncFormatter(_fmt_us))
            ax.set_ylabel("p99 (us)")
        ax.set_title("p99 latency per second (corrected)", loc="left", fontweight="bold", pad=4)
    lost = [r.get("lost", 0) for r in rows]
    lost_ax.bar(mid, lost, width=0.8, color=COLORS["lost"], label="lost")
    lost_ax.set_ylim(0, max(max(lost) * 1.15, 1))
    lost_ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    lost_ax.set_ylabel("lost")
    lost_ax.set_title("Lost per second" + ("" if any(lost) else ": none"), loc="left",
                      fontweight="bold", pad=4)
    lost_ax.set_xlabel("time since start (s)")
    run_s = max(float(r.get("t_s", 0)) for r in rows) + 1
    lost_ax.set_xlim(0, run_s)
    lost_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _fault_marks(axes, faults, run_s)
    _title_and_legend(fig, rate_ax, "Messages per second")
    return fig


@_styled
def find_max_figure(doc: Mapping[str, Any]) -> "Figure | None":
    """The find-max search: each step's rate (log axis) in the order tried, passing steps
    green, failing red, the bracket shaded and the maximum found as a line. None when the
    report has no find-max steps."""
    section = doc.get("find_max")
    steps = [s for s in (section or {}).get("steps") or [] if isinstance(s, Mapping)
             and isinstance(s.get("rate_msgs_per_s"), (int, float))]
    if not steps:
        return None
    fig = _new_figure(2.8)
    ax = fig.add_subplot()
    n = list(range(1, len(steps) + 1))
    rates = [float(s["rate_msgs_per_s"]) for s in steps]
    ax.plot(n, rates, color="#999999", lw=1, zorder=1)
    for ok, color, marker, label in ((True, COLORS["pass"], "o", "passed"),
                                     (False, COLORS["fail"], "X", "failed")):
        pts = [(i, r) for i, r, s in zip(n, rates, steps) if bool(s.get("ok")) is ok]
        if pts:
            ax.scatter([i for i, _ in pts], [r for _, r in pts], color=color, marker=marker,
                       s=40, label=label, zorder=3)
    bracket = section.get("bracket")
    if bracket is None and "first_failing_msgs_per_s" in section:  # before the contract's shape
        bracket = [section.get("max_msgs_per_s"), section["first_failing_msgs_per_s"]]
    if (isinstance(bracket, list) and len(bracket) == 2
            and all(isinstance(b, (int, float)) for b in bracket)):
        ax.axhspan(float(bracket[0]), float(bracket[1]), color=COLORS["max"], alpha=0.12,
                   lw=0, label="bracket")
    best = section.get("max_msgs_per_s")
    if isinstance(best, (int, float)):
        ax.axhline(float(best), color=COLORS["max"], ls=":", lw=1.5,
                   label=f"max {best:,.0f} msgs/s")
    lo, hi = min(rates), max(rates)
    _log_axis(ax, "y", lo / 1.25, hi * 1.25)
    ax.set_xticks(n if len(n) <= 25 else n[::math.ceil(len(n) / 25)])
    ax.grid(axis="x", visible=False)
    ax.set_xlabel("step")
    ax.set_ylabel("rate (msgs/s, log)")
    _title_and_legend(fig, ax, "find-max: rate of each step")
    return fig


@_styled
def scans_figure(doc: Mapping[str, Any]) -> "Figure | None":
    """Source mode: plots counted in each antenna scan (between north markers), with the
    mean. None without a source section or with no complete scan."""
    section = doc.get("source")
    counts = [c for c in (section or {}).get("plots_per_scan_list") or []
              if isinstance(c, (int, float))]
    if not counts:
        return None
    fig = _new_figure(2.4)
    ax = fig.add_subplot()
    n = list(range(1, len(counts) + 1))
    ax.bar(n, counts, width=0.8 if len(n) < 200 else 1.0, color=COLORS["received"])
    mean = sum(counts) / len(counts)
    ax.axhline(mean, color=COLORS["sent"], ls="--", lw=1, label=f"mean {mean:,.1f}")
    ax.set_ylim(0, max(counts) * 1.2 or 1)
    ax.set_xlabel("scan")
    ax.set_ylabel("plots")
    ax.grid(axis="x", visible=False)
    _title_and_legend(fig, ax, "Plots per scan")
    return fig


# --------------------------------------------------------------------------- output


def _save(fig: "Figure", fmt: str, **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    # No bbox_inches="tight": constrained layout already keeps every label inside the
    # figure, and a second layout pass would double the time of a save.
    fig.savefig(buf, format=fmt, **kwargs)
    return buf.getvalue()


@_styled
def svg(fig: "Figure", name: str, title: str | None = None) -> str:
    """The figure as an <svg> element to inline in a page: no XML prolog or metadata, ids
    prefixed with `name` (several SVGs share one document), fixed width/height replaced by
    width 100% so it scales to its container (the viewBox keeps its proportions), with a
    <title> for screen readers."""
    text = _save(fig, "svg", metadata={"Date": None, "Creator": None,
                                       "Format": None, "Type": None}).decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # Ids renamed `name`-1, -2... in order of appearance: unique among the SVGs of a page,
    # and the same from run to run (matplotlib derives some from object addresses).
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", name) + "-"
    ids: dict[str, str] = {}
    for old in re.findall(r'\bid="([^"]+)"', text):
        ids.setdefault(old, f"{prefix}{len(ids) + 1}")
    text = re.sub(r'(\bid="|#)([A-Za-z_][\w.:-]*)',
                  lambda m: m.group(1) + ids[m.group(2)] if m.group(2) in ids else m.group(0),
                  text)
    head_end = text.index(">")
    head = text[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    label = title or name
    head += f' class="chart" role="img" aria-label="{_attr(label)}"'
    text = head + text[head_end:]
    return text.replace(">", f"><title>{_text(label)}</title>", 1).strip()


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def key_figure(doc: Mapping[str, Any]) -> "Figure | None":
    """The one chart that says most: the latency distribution, else the timeline."""
    return latency_distribution_figure(doc) or timeline_figure(doc)


@_styled
def key_chart_png(report: Any, path: str | Path, dpi: int = 110) -> Path | None:
    """Write the key chart (latency distribution; the timeline when nothing was measured)
    as a PNG for the Markdown summary. Returns the path, or None (nothing written) when the
    report has neither. Raises OSError if the file cannot be written, ValueError for a bad
    stored histogram."""
    fig = key_figure(report_doc(report))
    if fig is None:
        return None
    data = _save(fig, "png", dpi=dpi)
    return write_file(path, data)


__all__ = [
    "COLORS", "find_max_figure", "key_chart_png", "key_figure", "latency_count",
    "latency_distribution_figure", "log_ticks", "percentile_spectrum_figure", "report_doc",
    "scans_figure", "svg", "timeline_figure",
]
