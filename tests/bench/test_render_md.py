"""The Markdown summary renders every section a run has, from the report alone, and the same
text from the report in memory as from its JSON file."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from radarbench.bench.render_md import render_markdown
from radarbench.bench.report import Fault, Report
from radarbench.bench.stats import RunStats
from radarbench.bench.verdict import settle

from test_report import synthetic_report  # tests/bench is on sys.path under pytest

FIND_MAX = {
    "max_msgs_per_s": 8650.0, "bracket": [8650.0, 9100.0], "resolution": 0.05, "step_s": 3.0,
    "criteria": {"lost": 0, "late": 0, "max_p99_ms": 5, "min_send_share": 0.95},
    "estimated_s": 45.0,
    "steps": [
        {"rate_msgs_per_s": 100.0, "ok": True, "why": "ok", "status": "ok", "sent": 300,
         "received": 300, "lost": 0, "late": 0, "p99_us": 41.5, "phase": "grow"},
        {"rate_msgs_per_s": 9100.0, "ok": False, "why": "12 lost, 0 late", "status": "ok",
         "sent": 27300, "received": 27288, "lost": 12, "late": 0, "p99_us": 812.25, "phase": "grow"},
        {"rate_msgs_per_s": 8650.0, "ok": True, "why": "ok", "status": "ok", "sent": 25950,
         "received": 25950, "lost": 0, "late": 0, "p99_us": None, "phase": "bisect"},
    ],
}
SOURCE = {"frames": 120, "records": 840, "plots": 700, "by_category": {"48": 700, "34": 140},
          "frames_per_s": 24.0, "records_per_s": 168.0, "data_age_negative": 0, "decode_errors": 0,
          "north_markers": 5, "scans": 4,
          "plots_per_scan": {"min": 17.0, "mean": 18.5, "max": 20.0}, "plots_per_scan_list": [17, 18, 19, 20],
          "antenna_period_s": 1.0, "north_marker_interval_s": {"min": 0.99, "mean": 1.0, "max": 1.01},
          "north_markers_on_time": 4, "north_markers_off_time": 0, "north_markers_missed": 1,
          "feed_gaps": 2}
HEALTH = {"overloaded": True, "reasons": ["sender 40 ms behind its schedule (p99)"],
          "sender_lag_us": {"p50": 12.0, "p99": 40000.0, "max": 81000.5}, "late_sends": 120,
          "rx_queue_drops": 7, "receiver_lag_us": None, "host_cpu_pressure": 0.625}
DEVICES = {"file": "rigs/examples/loopback.toml", "name": "loopback",
           "devices": {"gw": {"device": "gateway", "sent": 360, "received": 360, "dropped": 0},
                       "radar": {"device": "radar", "sent": 63, "received": 0, "dropped": 0,
                                 "plots": 75, "north_markers": 4}},
           "died": ["radar"]}


def full_report() -> Report:
    r = synthetic_report()
    r.faults.append(Fault(t_s=4.0, kind="device exited", detail="radar stopped by itself", side="rig"))
    r.health = dict(HEALTH)
    r.sections.update(find_max=json.loads(json.dumps(FIND_MAX)), source=dict(SOURCE))
    r.config["rig"] = json.loads(json.dumps(DEVICES))
    return settle(r, {"max_lost": 0, "max_p99_ms": 25, "min_msgs_per_s": 100})


def test_every_section_is_rendered() -> None:
    md = render_markdown(full_report())
    head = md.split("\n\n")
    assert head[0] == "## radarbench run: FAULT"
    assert head[1].splitlines() == [
        "- fault: link-down at 3.000 s for 0.200 s: impairer: drop all",
        "- fault: device exited (rig side) at 4.000 s: radar stopped by itself",
        "- bench overloaded: sender 40 ms behind its schedule (p99)",
        "- max_lost: 40 is over the limit 0",
        "- max_p99_ms: 250 ms is over the limit 25 ms",  # the 300 ms sender stall, corrected
    ]
    assert ("| max_lost | messages lost | 0 | 40 | **FAIL**: max_lost: 40 is over the limit 0 |"
            in md)
    assert re.search(r"\| max_p99_ms \| corrected p99 latency, ms \| 25 \| 250\.\d+ \| \*\*FAIL\*\*", md)
    assert "| min_msgs_per_s | received messages per second | 100 | 192 | pass |" in md
    assert "| 4.000 | device exited | rig |  | 1 | radar stopped by itself |" in md
    # health
    assert "| overloaded | **yes** |" in md
    assert "| sender lag behind schedule, p50 / p99 / max (us) | 12.0 / 40,000.0 / 81,000.5 |" in md
    assert "| late sends | 120 |" in md and "| receive queue drops (SO_RXQ_OVFL) | 7 |" in md
    assert "| receiver lag behind the kernel, p50 / p99 / max (us) | n/a |" in md
    assert "host CPU pressure (share of the run some task waited for a CPU) | 62.5 % |" in md
    # find-max: the bracket, the criteria and every step
    assert ("Highest sustainable rate: **8,650 msgs/s** (passes at 8,650; fails at 9,100; "
            "resolution 5 %; 3 s a step; estimated 45 s).") in md
    assert "A step passes with: lost 0, late 0, max_p99_ms 5, min_send_share 0.95." in md
    assert "| 1 | grow | 100 | pass | OK | 300 | 300 | 0 | 0 | 41.5 | ok |" in md
    assert "| 2 | grow | 9,100 | **fail** | OK | 27,300 | 27,288 | 12 | 0 | 812.2 | 12 lost, 0 late |" in md
    assert "| 3 | bisect | 8,650 | pass | OK | 25,950 | 25,950 | 0 | 0 | n/a | ok |" in md
    # source feed
    for row in ("| north markers | 5 |", "| scans (between north markers) | 4 |",
                "| plots per scan, min / mean / max | 17 / 18.5 / 20 |", "| antenna period (s) | 1 |",
                "| north markers on time / off time / missed | 4 / 0 / 1 |", "| feed gaps | 2 |",
                "| records by category | CAT34 140, CAT48 700 |"):
        assert row in md
    # devices, and the one that stopped
    assert "| gw | gateway | 360 | 360 | 0 |  |" in md
    assert "| radar | radar | 63 | 0 | 0 | plots 75, north_markers 4 |" in md
    assert "Stopped by themselves during the run: radar." in md
    # every table row has as many cells as its header
    for block in md.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            assert len({line.count("|") for line in rows}) == 1, block


def test_the_file_renders_as_the_run_did(tmp_path: Path) -> None:
    report = full_report()
    report.write(tmp_path / "run.json")
    from radarbench.bench.cmd_bench import shown

    assert render_markdown(Report.load(tmp_path / "run.json")) == render_markdown(shown(report))


def test_a_data_age_source_run_shows_its_age_in_ms() -> None:
    stats = RunStats(start_ns=0)
    for i in range(10):
        stats.on_sent(i)
        stats.on_received(i * 10**6, i * 10**6, i * 10**6 + 120 * 10**6, 50)
    r = Report.from_stats(stats, duration_s=1.0, config={"mode": "source"}, latency_kind="data age")
    r.sections["source"] = dict(SOURCE)
    md = render_markdown(r)
    row = re.search(r"\| data age, p50 / p99 / max \(ms\) \| ([\d.]+) / ([\d.]+) / ([\d.]+) \|", md)
    assert row, md
    # 120 ms, to the histogram's 3 significant digits
    assert [float(x) for x in row.groups()] == [pytest.approx(120, rel=1e-3)] * 3


def test_an_older_find_max_section_still_renders() -> None:
    old: dict[str, Any] = {"max_msgs_per_s": None, "first_failing_msgs_per_s": 100.0,
                           "criteria": {"lost": 0, "late": 0, "max_p99_ms": None},
                           "steps": [{"rate_msgs_per_s": 100.0, "ok": False, "why": "5 lost, 0 late",
                                      "sent": 300, "lost": 5, "late": 0, "p99_us": 10.0,
                                      "uncorrected_p99_us": 9.0}]}
    r = synthetic_report(link_down_at_s=None)
    r.sections["find_max"] = old
    md = render_markdown(r)
    assert "Highest sustainable rate: **none found** (no step passed) (fails at 100)." in md
    assert "| 1 |  | 100 | **fail** |  | 300 | n/a | 5 | 0 | 10.0 | 5 lost, 0 late |" in md


def test_health_warnings_and_the_benchs_own_lag_are_shown() -> None:
    from test_report import synthetic_report

    from radarbench.bench.render_html import render_html

    r = synthetic_report()
    r.health = {"overloaded": False, "reasons": [], "late_sends": 3, "rx_queue_drops": 0,
                "warnings": ["sender lag p99 12 ms: corrected latency includes it"],
                "sender_lag_us": {"p50": 1.0, "p99": 6_000_000.0, "max": 6_500_000.0},
                "sender_own_lag_us": {"p50": 1.0, "p99": 450.0, "max": 900.0},
                "receiver_lag_us": None, "host_cpu_pressure": 0.4}
    md = render_markdown(r)
    assert "| of which the bench's own (not back-pressure), p50 / p99 / max (us) | 1.0 / 450.0 / 900.0 |" in md
    assert "Warnings (the figures still hold):\n\n- sender lag p99 12 ms: corrected latency includes it" in md
    page = render_html(r.to_dict())
    assert "<li>sender lag p99 12 ms: corrected latency includes it</li>" in page
