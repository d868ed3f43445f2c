"""The HTML report and its matplotlib charts: one self-contained page, axes that fit the data,
every section of the report, no-data and old reports, the key-chart PNG.

Axis ranges and styles are checked on the matplotlib Figures (`charts.*_figure`), not by
scraping the SVG.
"""
from __future__ import annotations

import copy
import json
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from radarbench.bench import charts
from radarbench.bench.render_html import render_html, status_text
from radarbench.bench.report import Report
from radarbench.bench.stats import RunStats
from test_cmd_report import radarbench  # tests/bench is on sys.path under pytest
from test_report import synthetic_report

MS = 1_000_000
US = 1_000


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", page, flags=re.S)


def _uniform_report(lo_us: float, hi_us: float, n: int = 2000, seed: int = 3) -> dict[str, Any]:
    """A loop run whose latencies are spread evenly over lo_us..hi_us (both kinds)."""
    rng = random.Random(seed)
    start = 10**12
    stats = RunStats(start_ns=start)
    for i in range(n):
        intended = start + i * 2 * MS
        stats.on_sent(intended)
        latency = int(rng.uniform(lo_us, hi_us) * US)
        stats.on_received(intended, intended, intended + latency, 48)
    report = Report.from_stats(stats, duration_s=n * 0.002, started_at="2024-05-01T12:00:00Z",
                               config={"mode": "loop", "rate": 500})
    return json.loads(json.dumps(report.to_dict()))


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    """A /1 report as written: sender stall, a 200 ms link-down fault."""
    return json.loads(json.dumps(synthetic_report().to_dict()))


@pytest.fixture(scope="module")
def page(doc: dict[str, Any]) -> str:
    return render_html(doc)


def _no_data_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """What report/2 writes for a black-hole link: nothing received, null percentiles."""
    d = copy.deepcopy(doc)
    d["schema"] = "radarbench.report/2"
    d["status"] = "no_data"
    d["verdict"] = {"status": "no_data", "reasons": ["nothing received: 1,000 sent, 0 back"]}
    d["counts"].update(received=0, lost=d["counts"]["sent"], late=0)
    for which in ("corrected", "uncorrected"):
        d["latency_us"][which] = {k: None for k in ("min", "p50", "p90", "p99", "p99_9",
                                                   "p99_99", "max", "mean", "stdev")}
        d["latency_us"][which]["count"] = 0
    d.pop("histograms", None)
    for row in d["timeline"]:
        row.update(received=0, lost=row["sent"], p99_us=None)
    return d


# --------------------------------------------------------------------------- the page


def test_page_is_one_file_with_nothing_fetched(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    svgs = _svgs(page)
    assert len(svgs) == 3  # distribution, spectrum, timeline
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed
        # Scales to its container: a viewBox, no fixed size (no horizontal scrollbar).
        assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
        assert root.get("class") == "chart"
    assert "svg.chart{display:block;width:100%;max-width:100%;height:auto}" in page
    # Several SVGs share one document: their ids must not collide.
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids))
    # Every internal reference points at an id of the page.
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', page):
        assert ref in ids
    assert len(page) < 400_000


def test_page_says_all_of_a_plain_run(page: str) -> None:
    for heading in ("Counts", "Throughput", "Latency (us, one-way loop)", "Over time",
                    "Limits", "Faults", "Settings and host"):
        assert f"<h2>{heading}</h2>" in page
    # A link-down episode makes the verdict FAULT, with its reason under the headline.
    assert '<span class="status bad">FAULT</span>' in page
    assert "<td>3.000</td><td>link-down</td>" in page.replace(' class="n"', "")
    assert "None set." in page  # no limits


def test_report_object_and_document_render_alike(doc: dict[str, Any]) -> None:
    assert render_html(Report.from_dict(doc)) == render_html(doc)


def test_text_from_the_report_is_escaped(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    d["faults"][0]["detail"] = "<script>alert(1)</script>"
    d["config"]["tx"] = "<b>x</b>"
    d["verdict"] = {"status": "fault", "reasons": ["<img src=x>"]}
    page = render_html(d)
    assert "<script" not in page and "<img" not in page and "<b>x" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x&gt;" in page


# --------------------------------------------------------------------------- the charts


def test_histogram_axis_fits_the_data_not_decades_beyond() -> None:
    # The issue: data at 5-15k us drawn on a 1k-100k axis.
    d = _uniform_report(5_000, 15_000)
    fig = charts.latency_distribution_figure(d)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    data_lo = min(d["latency_us"][w]["min"] for w in ("corrected", "uncorrected"))
    data_hi = max(d["latency_us"][w]["max"] for w in ("corrected", "uncorrected"))
    assert 4_900 < data_lo < 5_100 and 14_900 < data_hi < 15_100
    assert lo <= data_lo and hi >= data_hi  # covers the data
    assert lo > data_lo / 1.25 and hi < data_hi * 1.25  # a small margin, not decades
    assert ax.get_xscale() == "log"
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert len(ticks) >= 4  # labelled across the range, both ends of the data
    assert min(ticks) < 8_000 and max(ticks) > 12_000


@pytest.mark.parametrize("lo_us, hi_us", [(20, 400_000), (900, 1_100), (3, 9)])
def test_histogram_axis_fits_narrow_and_wide_data(lo_us: float, hi_us: float) -> None:
    d = _uniform_report(lo_us, hi_us, n=500)
    ax = charts.latency_distribution_figure(d).axes[0]
    lo, hi = ax.get_xlim()
    data_lo = d["latency_us"]["uncorrected"]["min"]
    data_hi = d["latency_us"]["corrected"]["max"]
    assert lo <= data_lo and hi >= data_hi
    # Margin: at most 3 % of the span in log terms, at least a little either side.
    span = hi_us / lo_us
    assert hi / lo < (data_hi / data_lo) * span ** 0.1 * 1.3
    assert len([t for t in ax.get_xticks() if lo <= t <= hi]) >= 3


def test_corrected_and_uncorrected_differ_and_are_named(doc: dict[str, Any]) -> None:
    ax = charts.latency_distribution_figure(doc).axes[0]
    legend = ax.get_legend()
    assert legend is not None
    names = [t.get_text() for t in legend.get_texts()]
    assert names == ["uncorrected (from actual send time)", "corrected (from intended send time)"]
    colors = {charts.COLORS["corrected"], charts.COLORS["uncorrected"]}
    assert len(colors) == 2
    # Well apart in colour, not two shades of one.
    (r1, g1, b1), (r2, g2, b2) = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in colors)
    assert abs(r1 - r2) + abs(g1 - g2) + abs(b1 - b2) > 250
    # The stall puts corrected latency far above uncorrected: a log count axis shows the tail.
    assert ax.get_yscale() == "log"


def test_identical_kinds_are_one_series() -> None:
    d = _uniform_report(100, 200)
    d["histograms"]["uncorrected"] = d["histograms"]["corrected"]
    d["latency_us"]["kind"] = "data age"
    ax = charts.latency_distribution_figure(d).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "data age (corrected = uncorrected)"]


def test_spectrum_is_on_a_one_over_one_minus_p_axis(doc: dict[str, Any]) -> None:
    ax = charts.percentile_spectrum_figure(doc).axes[0]
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert {"50%", "90%", "99%", "99.9%"} <= set(labels)
    assert len(ax.get_lines()) == 2


def test_spectrum_falls_back_to_summary_percentiles(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    del d["histograms"]
    assert charts.latency_distribution_figure(d) is None
    ax = charts.percentile_spectrum_figure(d).axes[0]
    line = ax.get_lines()[-1]
    assert list(line.get_ydata()) == pytest.approx(
        [d["latency_us"]["corrected"][k] for k in ("p50", "p90", "p99", "p99_9", "p99_99")])
    page = render_html(d)
    assert "no latency histograms" in page and len(_svgs(page)) == 2


def test_timeline_sent_is_seen_beside_received_and_faults_marked(doc: dict[str, Any]) -> None:
    from matplotlib.colors import to_rgb

    fig = charts.timeline_figure(doc)
    rate, p99, lost = fig.axes
    lines = {line.get_label(): line for line in rate.get_lines()}
    sent, received = lines["sent"], lines["received"]
    assert sent.get_zorder() > received.get_zorder()  # drawn on top
    assert sent.get_linestyle() != received.get_linestyle()
    assert sent.get_color() != received.get_color()
    assert sent.get_linewidth() < received.get_linewidth()  # received shows around it
    # The link-down fault (3.0 s, 200 ms) is a band on each panel, named once in the legend.
    for ax in fig.axes:
        bands = [p for p in ax.patches if p.get_facecolor()[:3] == to_rgb(charts.COLORS["fault"])]
        assert len(bands) == 1, ax.get_title(loc="left")
        x0, x1 = sorted(v for v, _ in bands[0].get_path().transformed(
            bands[0].get_patch_transform()).vertices[[0, 2]].tolist())
        assert (x0, x1) == (pytest.approx(3.0), pytest.approx(3.2))
    assert "fault" in [t.get_text() for t in rate.get_legend().get_texts()]
    assert sum(p.get_height() for p in lost.patches if abs(p.get_width() - 0.8) < 1e-9) == 40
    assert "p99" in p99.get_title(loc="left")


def test_fault_spans_merge_an_outage_of_many_episodes() -> None:
    faults = [{"t_s": 1.0 + i * 0.01, "kind": "unreachable", "duration_s": 0.005}
              for i in range(100)] + [{"t_s": 5.0, "kind": "reset"}]
    assert charts.fault_spans(faults, join_s=0.05) == [(1.0, pytest.approx(1.995)), (5.0, 5.0)]


def test_log_ticks() -> None:
    assert charts.log_ticks(4_900, 15_500) == [6000, 8000, 10000, 12000, 14000]
    assert charts.log_ticks(20, 300_000) == [100, 1000, 10_000, 100_000]
    assert charts.log_ticks(7, 3800) == [10, 20, 50, 100, 200, 500, 1000, 2000]
    assert len(charts.log_ticks(9_000, 9_100)) >= 4


# --------------------------------------------------------------------------- sections


def test_no_data_report_says_so_and_draws_no_empty_axes(doc: dict[str, Any]) -> None:
    d = _no_data_doc(doc)
    assert charts.latency_distribution_figure(d) is None
    assert charts.percentile_spectrum_figure(d) is None
    fig = charts.timeline_figure(d)
    assert len(fig.axes) == 2  # rate and losses; no empty p99 panel
    page = render_html(d)
    assert '<span class="status warn">NO DATA</span>' in page
    assert "nothing received: 1,000 sent, 0 back" in page
    assert "No data: nothing was received" in page
    latency = page[page.index("<h2>Latency"):page.index("<h2>Over time")]
    assert latency.count('<td class="n">n/a</td>') == 18  # 9 figures x 2 kinds
    assert len(_svgs(page)) == 1  # the timeline, which has data (sent, lost)


def test_empty_report_renders_with_no_chart_at_all() -> None:
    r = Report.from_stats(RunStats(start_ns=0), duration_s=0.0, status="interrupted")
    page = render_html(r)
    assert _svgs(page) == []
    assert "No data: nothing was received" in page
    assert "No data: the report has no per-second timeline" in page
    assert '<span class="status warn">INTERRUPTED</span>' in page


def test_verdict_limits_health_and_devices(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    d["schema"] = "radarbench.report/2"
    d["verdict"] = {"status": "bench_overloaded",
                    "reasons": ["sender 120 ms behind its schedule (p99)"]}
    d["limits"] = [{"key": "max_p99_ms", "limit": 25.0, "value": 301.2, "passed": False},
                   {"key": "max_lost", "limit": 100, "value": 40, "passed": True}]
    d["health"] = {"overloaded": True, "reasons": ["late sends: 812"],
                   "sender_lag_us": {"p50": 12.0, "p99": 120_000.0, "max": 300_000.0},
                   "late_sends": 812, "rx_queue_drops": None, "receiver_lag_us": None,
                   "host_cpu_pressure": 0.42}
    d["faults"][0].update(errors=7, side="recv")
    d["config"]["rig"] = {"devices": {"radar": {"device": "radar", "sent": 500, "received": 0,
                                                "dropped": 0, "north_markers": 6}},
                          "died": ["gateway"]}
    page = render_html(d).replace(' class="n"', "")
    assert '<span class="status warn">BENCH OVERLOADED</span>' in page
    assert "<li>sender 120 ms behind its schedule (p99)</li>" in page
    assert '<td>max_p99_ms</td><td>25</td><td>301.2</td><td><span class="bad">FAIL</span></td>' in page
    assert '<td>max_lost</td><td>100</td><td>40</td><td><span class="ok">pass</span></td>' in page
    assert "<h2>Bench health</h2>" in page and "The bench was overloaded" in page
    assert "<td>12.0 / 120,000.0 / 300,000.0 us</td>" in page
    assert "<td>42.0 %</td>" in page
    assert "<td>3.000</td><td>link-down</td><td>recv</td><td>0.200</td><td>7</td>" in page
    assert "<td>radar</td><td>radar</td><td>500</td><td>0</td><td>0</td><td>north_markers 6</td>" in page
    assert "Stopped by themselves during the run: gateway." in page


@pytest.mark.parametrize("status, text, klass", [
    ("ok", "OK", "ok"), ("fail", "FAIL", "bad"), ("fault", "FAULT", "bad"),
    ("no_data", "NO DATA", "warn"), ("bench_overloaded", "BENCH OVERLOADED", "warn"),
    ("interrupted", "INTERRUPTED", "warn")])
def test_every_status_in_its_colour(doc: dict[str, Any], status: str, text: str,
                                    klass: str) -> None:
    assert status_text(status) == text
    d = dict(doc, verdict={"status": status, "reasons": []})
    assert f'<span class="status {klass}">{text}</span>' in render_html(d).split("\n", 9)[-1][:2000]


def test_find_max_steps_render(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    steps = []
    for i, (rate, ok, phase) in enumerate([(100, True, "grow"), (150, True, "grow"),
                                           (225, False, "grow"), (187.5, True, "bisect"),
                                           (206.25, False, "bisect")]):
        steps.append({"rate_msgs_per_s": rate, "ok": ok, "why": "ok" if ok else "3 lost",
                      "status": "ok" if ok else "fail", "sent": int(rate), "received":
                      int(rate) - (0 if ok else 3), "lost": 0 if ok else 3, "late": 0,
                      "p99_us": None if i == 4 else 120.0 + i, "phase": phase})
    d["find_max"] = {"max_msgs_per_s": 187.5, "bracket": [187.5, 206.25], "resolution": 0.1,
                     "step_s": 2.0, "criteria": {"lost": 0, "max_p99_ms": None},
                     "estimated_s": 14.0, "steps": steps}
    fig = charts.find_max_figure(d)
    ax = fig.axes[0]
    colors = [tuple(c.get_facecolor()[0][:3]) for c in ax.collections]
    assert len(ax.collections) == 2 and colors[0] != colors[1]  # passed, failed
    assert ax.get_ylim()[0] < 100 and ax.get_ylim()[1] > 225
    page = render_html(d).replace(' class="n"', "")
    assert "<h2>find-max</h2>" in page
    assert "Highest sustained rate: <strong>188 msgs/s</strong>" in page
    assert "bracket 188 (passes) .. 206 (fails) msgs/s" in page
    assert "resolution 10 %" in page and "2 s a step" in page and "estimated 14 s" in page
    assert page.count("<td>bisect</td>") == 2
    assert ('<td>5</td><td>bisect</td><td>206</td><td><span class="bad">fail</span>: 3 lost'
            '</td><td>206</td><td>203</td><td>3</td><td>0</td><td>n/a</td>') in page
    assert len(_svgs(page)) == 4


def test_find_max_with_no_passing_rate(doc: dict[str, Any]) -> None:
    d = dict(doc, find_max={"max_msgs_per_s": None, "bracket": [None, 100.0], "steps": [
        {"rate_msgs_per_s": 100.0, "ok": False, "why": "5 lost", "phase": "down"}]})
    page = render_html(d)
    assert "no rate passed" in page and "n/a (passes) .. 100 (fails)" in page


def test_source_section_renders(doc: dict[str, Any]) -> None:
    d = copy.deepcopy(doc)
    d["config"]["mode"] = "source"
    d["latency_us"]["kind"] = "data age"
    d["source"] = {"north_markers": 4, "scans": 3, "plots_per_scan": {"min": 19.0, "mean": 20.0,
                                                                      "max": 21.0},
                   "plots_per_scan_list": [19, 20, 21], "antenna_period_s": 4.0,
                   "north_marker_interval_s": {"min": 3.99, "mean": 4.0, "max": 4.01},
                   "north_markers_on_time": 3, "north_markers_off_time": 0,
                   "north_markers_missed": 1, "feed_gaps": 2, "by_category": {"34": 7, "48": 60},
                   "frames_per_s": 5.0}
    page = render_html(d).replace(' class="n"', "")
    assert "<h2>Source: scans</h2>" in page
    for row in ("<td>plots per scan (min / mean / max)</td><td>19.0 / 20.0 / 21.0</td>",
                "<td>antenna period (s)</td><td>4.000</td>",
                "<td>north markers missed</td><td>1</td>", "<td>feed gaps</td><td>2</td>",
                "<td>records by category</td><td>CAT034: 7, CAT048: 60</td>",
                "<td>frames per s</td><td>5</td>"):
        assert row in page, row
    assert re.search(r"<td>data age p50 / p99 / max \(ms\)</td><td>[\d.]+ / [\d.]+ / [\d.]+</td>",
                     page)
    ax = charts.scans_figure(d).axes[0]
    assert [p.get_height() for p in ax.patches] == [19, 20, 21]
    assert "Data age: from the time of day" in page


def test_sections_of_a_bench_report_object_render(doc: dict[str, Any]) -> None:
    from radarbench.bench.engine import BenchReport

    section = {"max_msgs_per_s": 100.0, "steps": [{"rate_msgs_per_s": 100.0, "ok": True}]}
    page = render_html(BenchReport.of(Report.from_dict(doc), find_max=section))
    assert "<h2>find-max</h2>" in page
    nested = render_html(dict(doc, sections={"find_max": section}))
    assert "<h2>find-max</h2>" in nested and "<h2>Sections</h2>" not in nested


def test_unknown_sections_are_shown_not_dropped(doc: dict[str, Any]) -> None:
    page = render_html(dict(doc, match={"run_id": "abc123", "stray": 2}))
    assert "<h2>Match</h2>" in page and "&quot;run_id&quot;: &quot;abc123&quot;" in page


def test_old_run_thresholds_section_renders(doc: dict[str, Any]) -> None:
    d = dict(doc, thresholds={"limits": {"max_p99_ms": 25.0, "max_lost": 0},
                              "broken": ["max_lost: 40 > 0"], "passed": False})
    page = render_html(d)
    assert '<td>max_lost</td><td class="n">0</td><td><span class="bad">FAIL</span>: ' \
           "max_lost: 40 &gt; 0</td>" in page
    assert '<td>max_p99_ms</td><td class="n">25</td><td><span class="ok">pass</span></td>' in page


# --------------------------------------------------------------------------- PNG, CLI, import


def test_key_chart_png(tmp_path: Path, doc: dict[str, Any]) -> None:
    path = charts.key_chart_png(doc, tmp_path / "key.png")
    assert path == tmp_path / "key.png"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    # Nothing received: the timeline instead.
    assert charts.key_figure(_no_data_doc(doc)).axes[0].get_title(loc="left") == \
        "Messages per second"
    assert charts.key_chart_png(_no_data_doc(doc), tmp_path / "t.png") is not None
    # Nothing at all: nothing written.
    empty = Report.from_stats(RunStats(start_ns=0), duration_s=0.0)
    assert charts.key_chart_png(empty, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


def test_report_command_writes_png_and_html(tmp_path: Path, doc: dict[str, Any]) -> None:
    d = dict(doc, find_max={"max_msgs_per_s": 100.0, "steps": [
        {"rate_msgs_per_s": 100.0, "ok": True, "why": "ok"}]})
    run = tmp_path / "run.json"
    run.write_text(json.dumps(d))
    png, page = tmp_path / "key.png", tmp_path / "run.html"
    proc = radarbench("report", str(run), "--png", str(png), "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<h2>find-max</h2>" in page.read_text()  # sections of the document kept
    md = tmp_path / "run.md"
    proc = radarbench("report", str(run), "--png", str(png), "--markdown", str(md))
    assert proc.returncode == 0, proc.stderr
    assert md.read_text().endswith("\n![key chart](key.png)\n")
    proc = radarbench("report", str(run), "--png", str(tmp_path / "no" / "key.png"))
    assert proc.returncode == 2 and "key.png: cannot write" in proc.stderr


def test_matplotlib_is_imported_only_to_draw() -> None:
    code = ("import sys; import radarbench.bench.cli, radarbench.bench.cmd_report, "
            "radarbench.bench.render_html, radarbench.bench.charts, radarbench.bench.pytest_plugin;"
            " print('matplotlib' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr
