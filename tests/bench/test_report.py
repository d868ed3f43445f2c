"""The run report: building from stats, JSON round trip, schema errors, renderings.

`synthetic_report` builds a realistic run with no network (a sender stall and a link-down
fault); the compare and CLI tests import it from here.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from radarbench.bench.render_html import render_html
from radarbench.bench.render_md import render_markdown
from radarbench.bench.report import SCHEMA, Fault, Report, load_dict
from radarbench.bench.stats import NoLatency, RunStats
from radarbench.codecs import __version__

MS = 1_000_000
US = 1_000


def synthetic_report(*, seconds: int = 5, rate_per_s: int = 200, path_latency_us: float = 100.0,
                     loss: float = 0.0, stall_at_s: float | None = 2.0, stall_ms: float = 300.0,
                     link_down_at_s: float | None = 3.0, seed: int = 1,
                     line_bytes_per_s: float | None = None) -> Report:
    """A loop run at `rate_per_s` with lognormal path latency around `path_latency_us`,
    random loss, a sender stall and a 200 ms link-down during which everything is lost."""
    rng = random.Random(seed)
    start_ns = 10**12  # monotonic clocks do not start at 0
    stats = RunStats(start_ns=start_ns)
    period_ns = 1_000_000_000 // rate_per_s
    stall_end_ns = None
    faults = []
    if link_down_at_s is not None:
        faults.append(Fault(t_s=link_down_at_s, kind="link-down", detail="impairer: drop all",
                            duration_s=0.2))
    for i in range(seconds * rate_per_s):
        intended = start_ns + i * period_ns
        t_s = i * period_ns / 1e9
        if stall_at_s is not None and stall_end_ns is None and t_s >= stall_at_s:
            stall_end_ns = intended + int(stall_ms * MS)
        actual = max(intended, stall_end_ns or 0) + rng.randint(0, 5 * US)
        stats.on_sent(intended)
        down = link_down_at_s is not None and link_down_at_s <= t_s < link_down_at_s + 0.2
        if down or rng.random() < loss:
            stats.on_lost(intended)
            continue
        latency_ns = int(rng.lognormvariate(0, 0.3) * path_latency_us * US)
        stats.on_received(intended, actual, actual + latency_ns, 48)
    return Report.from_stats(
        stats, duration_s=float(seconds), started_at="2024-05-01T12:00:00Z",
        config={"mode": "loop", "tx": "udp://127.0.0.1:8600", "rx": "udp://127.0.0.1:8601",
                "rate": rate_per_s, "editions": {"048": "1.32"}},
        faults=faults, line_bytes_per_s=line_bytes_per_s,
    )


@pytest.fixture(scope="module")
def report() -> Report:
    return synthetic_report()


def test_document_has_the_promised_keys(report: Report) -> None:
    doc = report.to_dict()
    assert doc["schema"] == SCHEMA == "radarbench.report/2"
    assert doc["tool"]["version"] == __version__
    assert doc["started_at"] == "2024-05-01T12:00:00Z"
    assert doc["duration_s"] == 5.0
    # the link-down is a fault episode: the verdict says so, with the why
    assert doc["status"] == "fault"
    assert doc["verdict"] == {"status": "fault", "reasons": [
        "fault: link-down at 3.000 s for 0.200 s: impairer: drop all"]}
    assert doc["interrupted"] is False
    assert doc["limits"] == [] and doc["health"] == {}
    assert doc["config"]["rate"] == 200
    assert set(doc["host"]) >= {"hostname", "platform", "python", "cpu_count"}
    assert set(doc["counts"]) >= {"sent", "received", "lost", "late", "duplicated",
                                  "reordered", "corrupted"}
    assert set(doc["throughput"]) == {"offered_msgs_per_s", "msgs_per_s", "bytes_per_s",
                                      "line_utilization"}
    lat = doc["latency_us"]
    assert lat["kind"] == "one-way loop"
    for which in ("corrected", "uncorrected"):
        assert list(lat[which]) == ["min", "p50", "p90", "p99", "p99_9", "p99_99", "max",
                                    "mean", "stdev", "count"]
    assert isinstance(doc["jitter_us"], float)
    assert len(doc["timeline"]) == 5
    assert set(doc["timeline"][0]) == {"t_s", "sent", "received", "lost", "bytes", "p99_us"}
    assert doc["faults"] == [{"t_s": 3.0, "kind": "link-down", "detail": "impairer: drop all",
                              "duration_s": 0.2, "errors": 1, "side": ""}]
    assert set(doc["histograms"]) == {"corrected", "uncorrected"}
    json.dumps(doc, allow_nan=False)  # plain JSON, no NaN


def test_figures_are_right(report: Report) -> None:
    c = report.counts
    assert c.sent == 1000
    assert c.lost == 40  # 200 ms of link-down at 200 msg/s
    assert c.received == 960
    assert report.throughput.offered_msgs_per_s == 200.0
    assert report.throughput.msgs_per_s == 192.0
    assert report.throughput.bytes_per_s == 192.0 * 48
    assert report.throughput.line_utilization is None
    # The 300 ms stall shows in the corrected tail only.
    assert report.corrected.max_us > 250_000
    assert report.uncorrected.max_us < 1_000
    assert report.timeline[3].lost == 40


def test_attribute_access_for_the_pytest_plugin(report: Report) -> None:
    assert report.counts.lost == 40
    assert report.latency is report.corrected
    assert report.latency.p99_s == pytest.approx(report.corrected.p99_us / 1e6)
    assert report.throughput.msgs_per_s == 192.0


def test_round_trip(tmp_path: Path, report: Report) -> None:
    path = tmp_path / "run.json"
    report.write(path)
    loaded = Report.load(path)
    assert loaded.to_dict() == report.to_dict()
    assert loaded.latency.p99_s == report.latency.p99_s
    assert loaded.histogram("corrected").get_total_count() == 960
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary left behind


def test_write_replaces_atomically(tmp_path: Path, report: Report) -> None:
    path = tmp_path / "run.json"
    path.write_text("old")
    report.write(path)
    assert json.loads(path.read_text())["schema"] == SCHEMA


def test_serial_line_utilization() -> None:
    r = synthetic_report(seconds=2, line_bytes_per_s=960.0 * 12, link_down_at_s=None)
    assert r.throughput.line_utilization == pytest.approx(r.throughput.bytes_per_s / 11520)


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("schema"), r"bad\.json: schema: missing"),
    (lambda d: d.update(schema="radarbench.report/3"),
     r"bad\.json: schema: is 'radarbench.report/3', this version reads 'radarbench.report/1' "
     r"and 'radarbench.report/2'"),
    (lambda d: d["counts"].pop("lost"), r"bad\.json: counts\.lost: missing"),
    (lambda d: d["counts"].update(lost="3"), r"bad\.json: counts\.lost: expected an integer"),
    (lambda d: d["counts"].update(lost=True), r"counts\.lost: expected an integer"),
    (lambda d: d["latency_us"]["corrected"].pop("p99"),
     r"bad\.json: latency_us\.corrected\.p99: missing"),
    (lambda d: d["throughput"].pop("line_utilization"), r"throughput\.line_utilization: missing"),
    (lambda d: d.update(status="fine"),
     r"status: must be one of ok, fail, fault, no_data, bench_overloaded, interrupted"),
    (lambda d: d.update(started_at="yesterday"), r"started_at: not an ISO 8601 time"),
    (lambda d: d["timeline"][1].pop("sent"), r"timeline\[1\]\.sent: missing"),
    (lambda d: d["faults"][0].pop("kind"), r"faults\[0\]\.kind: missing"),
    (lambda d: d["tool"].pop("version"), r"tool\.version: missing"),
    # the keys of /2
    (lambda d: d.pop("verdict"), r"bad\.json: verdict: missing"),
    (lambda d: d["verdict"].update(status="ok"), r"verdict\.status: is 'ok', but status is 'fault'"),
    (lambda d: d["verdict"].update(reasons=[3]), r"verdict\.reasons\[0\]: expected a string"),
    (lambda d: d.update(interrupted="no"), r"bad\.json: interrupted: expected true or false"),
    (lambda d: d.pop("limits"), r"bad\.json: limits: missing"),
    (lambda d: d.update(limits=[{"key": "max_p98_ms", "limit": 1, "value": 2, "passed": True}]),
     r"limits\[0\]\.key: unknown limit 'max_p98_ms' \(known: max_p50_ms, max_p99_ms"),
    (lambda d: d.update(limits=[{"key": "max_lost", "limit": "0", "value": 2, "passed": True}]),
     r"limits\[0\]\.limit: expected a number"),
    (lambda d: d.update(limits=[{"key": "max_lost", "limit": 0, "passed": True}]),
     r"limits\[0\]\.value: missing"),
    (lambda d: d.update(health={"rx_queue_drops": 1.5}), r"health\.rx_queue_drops: expected an integer"),
    (lambda d: d.update(health={"host_cpu_pressure": 3}), r"health\.host_cpu_pressure: must be a share"),
    (lambda d: d.update(health={"sender_lag_us": {"p99": "x"}}), r"health\.sender_lag_us\.p99: expected a number"),
    (lambda d: d["faults"][0].pop("side"), r"faults\[0\]\.side: missing"),
    (lambda d: d["faults"][0].update(errors=-1), r"faults\[0\]\.errors: must be >= 0"),
    (lambda d: d["latency_us"]["corrected"].update(p99=None), r"latency_us\.corrected\.p99: null, but count is 960"),
    (lambda d: d.update(find_max={"steps": [{"rate_msgs_per_s": 100}]}), r"find_max\.steps\[0\]\.ok: missing"),
    (lambda d: d.update(source={"north_markers": 1.5}), r"source\.north_markers: expected an integer"),
])
def test_schema_errors_name_file_and_key(tmp_path: Path, report: Report, mutate: Any,
                                         message: str) -> None:
    doc = report.to_dict()
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(ValueError, match=message):
        Report.load(path)
    with pytest.raises(ValueError, match=message):
        load_dict(path)


def test_not_json_and_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{nope")
    with pytest.raises(ValueError, match=r"bad\.json: not JSON"):
        Report.load(path)
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"bad\.json: not a radarbench report"):
        Report.load(path)


def test_optional_parts_may_be_absent(tmp_path: Path, report: Report) -> None:
    doc = report.to_dict()
    del doc["histograms"]
    del doc["counts"]["decode_errors"]
    loaded = Report.load(_write(tmp_path, doc))
    assert loaded.histogram("corrected") is None
    assert loaded.counts.decode_errors == 0
    render_html(loaded)  # falls back to the summary percentiles for the spectrum


def test_bad_status_rejected() -> None:
    with pytest.raises(ValueError, match="status"):
        Report.from_stats(RunStats(start_ns=0), duration_s=1.0, status="great")  # type: ignore[arg-type]


def test_empty_run_reports_null_latency_never_zero(tmp_path: Path) -> None:
    r = Report.from_stats(RunStats(start_ns=0), duration_s=0.0, status="interrupted")
    doc = r.to_dict()
    assert doc["status"] == "interrupted" and doc["interrupted"] is True
    assert doc["latency_us"]["corrected"] == {"min": None, "p50": None, "p90": None, "p99": None,
                                              "p99_9": None, "p99_99": None, "max": None,
                                              "mean": None, "stdev": None, "count": 0}
    assert doc["timeline"] == []
    assert "null" in json.dumps(doc, allow_nan=False)
    # null in JSON, None in Python, after a round trip through a file too
    r.write(tmp_path / "empty.json")
    loaded = Report.load(tmp_path / "empty.json")
    assert loaded.latency.p99_us is None and loaded.uncorrected.max_us is None
    assert loaded.to_dict() == doc
    with pytest.raises(NoLatency, match="no latency measured: nothing was received"):
        loaded.latency.p99_s
    assert "None." in render_markdown(r)
    assert "No latency measured (nothing was received)" in render_markdown(r)
    assert "No data" in render_html(r)


def test_an_assert_on_no_latency_fails_as_an_assertion() -> None:
    r = Report.from_stats(RunStats(start_ns=0), duration_s=1.0)
    # What a pytest test writes: it must fail, not pass on a made-up 0.
    with pytest.raises(AssertionError, match="no latency measured"):
        assert r.latency.p99_s < 0.025
    with pytest.raises(NoLatency):
        assert r.latency.p99 < 5e-3


def test_a_v1_report_loads_with_its_zeros_read_as_no_latency(tmp_path: Path) -> None:
    # What this bench wrote before: schema /1, no verdict keys, 0.0 for a run with no data,
    # and the rig file's limits in a `thresholds` section.
    doc = Report.from_stats(RunStats(start_ns=0), duration_s=1.0).to_dict()
    doc["schema"] = "radarbench.report/1"
    doc["status"] = "ok"
    for key in ("verdict", "interrupted", "limits", "health"):
        del doc[key]
    for which in ("corrected", "uncorrected"):
        doc["latency_us"][which] = {k: 0.0 for k in doc["latency_us"][which]} | {"count": 0}
    doc["thresholds"] = {"limits": {"max_p99_ms": 25}, "broken": [], "passed": True}
    loaded = Report.load(_write(tmp_path, doc))
    assert loaded.schema == "radarbench.report/1" and loaded.status == "ok"
    assert loaded.latency.p99_us is None
    assert loaded.limits == {"max_p99_ms": 25.0}
    assert [c.passed for c in loaded.limit_checks] == [False]  # no latency: not a pass
    assert "thresholds" not in loaded.sections
    assert loaded.to_dict()["schema"] == SCHEMA


def test_markdown_summary(report: Report) -> None:
    md = render_markdown(report)
    assert md.startswith("## radarbench run: FAULT\n\n"
                         "- fault: link-down at 3.000 s for 0.200 s: impairer: drop all\n")
    assert "**960 of 1,000 received**, 40 lost" in md
    assert re.search(r"\| corrected \| [\d,.]+ \| [\d,.]+ \|", md)
    assert re.search(r"\| uncorrected \|", md)
    assert "| 3.000 | link-down |  | 0.200 | 1 | impairer: drop all |" in md
    # Every table row has as many cells as its header.
    for block in md.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            assert len({line.count("|") for line in rows}) == 1, block


# The HTML page and its charts: tests/bench/test_render_html.py.
