"""compare: rule parsing, pass/fail decisions and the regression messages."""
from __future__ import annotations

from typing import Any

import pytest

from radarbench.bench.compare import BaselineError, compare, parse_rules, parse_statuses


def doc(p99: float = 812.0, lost: int = 0, msgs_per_s: float = 1000.0,
        util: float | None = None, u_p99: float = 500.0) -> dict[str, Any]:
    return {
        "latency_us": {"corrected": {"p50": 100.0, "p99": p99, "max": 2000.0},
                       "uncorrected": {"p99": u_p99}},
        "jitter_us": 5.0,
        "counts": {"sent": 1000, "received": 1000 - lost, "lost": lost, "late": 0},
        "throughput": {"msgs_per_s": msgs_per_s, "bytes_per_s": 48_000.0,
                       "line_utilization": util},
    }


def test_regression_message_names_figure_and_amount() -> None:
    result = compare(doc(), doc(p99=1034.5), "p99=+10%")
    assert not result.ok
    assert result.messages == ["p99 regressed: 812.0 us -> 1034.5 us (+27.4%, limit +10%)"]
    check = result.checks[0]
    assert (check.base, check.new, check.limit, check.passed) == (812.0, 1034.5, "+10%", False)
    assert check.bound == pytest.approx(893.2)


def test_within_limit_passes() -> None:
    result = compare(doc(), doc(p99=893.0), "p99=+10%")
    assert result.ok and result.messages == []
    assert compare(doc(), doc(p99=700.0), "p99=+10%").ok  # better is fine


def test_limit_exactly_met_passes() -> None:
    assert compare(doc(p99=1000.0), doc(p99=1100.0), "p99=+10%").ok
    assert not compare(doc(p99=1000.0), doc(p99=1100.2), "p99=+10%").ok


def test_lost_must_stay_zero() -> None:
    assert compare(doc(), doc(), "lost=0").ok
    result = compare(doc(), doc(lost=3), "lost=0")
    assert result.messages == ["lost regressed: 0 -> 3 (+3, limit 0)"]
    # An absolute limit holds whatever the base was.
    assert not compare(doc(lost=5), doc(lost=3), "lost=0").ok
    assert compare(doc(lost=5), doc(lost=3), "lost=3").ok


def test_throughput_may_drop_by_at_most() -> None:
    assert compare(doc(), doc(msgs_per_s=960.0), "msgs_per_s=-5%").ok
    result = compare(doc(), doc(msgs_per_s=900.0), "msgs_per_s=-5%")
    assert result.messages == [
        "msgs_per_s regressed: 1000 msg/s -> 900 msg/s (-10.0%, limit -5%)"]
    assert compare(doc(), doc(msgs_per_s=5000.0), "msgs_per_s=-5%").ok  # faster is fine
    # Absolute on a lower-is-worse figure means "at least".
    assert compare(doc(), doc(msgs_per_s=950.0), "msgs_per_s=900").ok
    assert not compare(doc(), doc(msgs_per_s=850.0), "msgs_per_s=900").ok


def test_absolute_latency_deltas_with_units() -> None:
    assert compare(doc(), doc(p99=862.0), "p99=+50us").ok
    assert not compare(doc(), doc(p99=862.5), "p99=+50us").ok
    assert compare(doc(), doc(p99=1800.0), "p99=+1ms").ok
    assert not compare(doc(), doc(p99=1900.0), "p99=+1ms").ok
    assert compare(doc(), doc(p99=900.0), "p99=1ms").ok  # absolute ceiling
    assert not compare(doc(), doc(p99=1001.0), "p99=1ms").ok
    assert compare(doc(), doc(p99=812.0), "p99=+500ns").ok


def test_several_rules_report_each_figure() -> None:
    result = compare(doc(), doc(p99=1034.5, lost=2, msgs_per_s=990.0),
                     "p99=+10%, lost=0, msgs_per_s=-5%, uncorrected.p99=+10%, jitter=+1us")
    assert [c.figure for c in result.checks] == ["p99", "lost", "msgs_per_s",
                                                 "uncorrected.p99", "jitter"]
    assert [c.passed for c in result.checks] == [False, False, True, True, True]
    assert [c.figure for c in result.failures] == ["p99", "lost"]


def test_zero_base_with_percentage() -> None:
    result = compare(doc(lost=0), doc(lost=1), "lost=+10%")
    assert not result.ok
    assert "(+1, limit +10%)" in result.messages[0]


@pytest.mark.parametrize("rules, message", [
    ("p99", r"rule 'p99': expected FIGURE=LIMIT"),
    ("p98=+10%", r"rule 'p98=\+10%': unknown figure 'p98'"),
    ("p99=10%", r"rule 'p99=10%': a percentage needs a sign"),
    ("p99=+ten%", r"rule 'p99=\+ten%': limit '\+ten%' is not like"),
    ("lost=+5ms", r"rule 'lost=\+5ms': lost takes no time unit"),
    ("p99=+10%,=3", r"rule '=3': expected FIGURE=LIMIT"),
    ("", r"no rules given"),
])
def test_bad_rules_name_the_rule(rules: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rules(rules)
    with pytest.raises(ValueError, match=message):
        compare(doc(), doc(), rules)


def test_missing_figure_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="base report has no value for line_utilization"):
        compare(doc(), doc(util=0.5), "line_utilization=-5%")
    with pytest.raises(ValueError, match="new report has no latency_us.corrected.p90"):
        compare(doc() | {"latency_us": {"corrected": {"p90": 1.0}}}, doc(), "p90=+5%")


def test_on_real_reports() -> None:
    from test_report import synthetic_report  # tests/bench is on sys.path under pytest

    base = synthetic_report(stall_at_s=None, link_down_at_s=None).to_dict()
    same = synthetic_report(stall_at_s=None, link_down_at_s=None, seed=2).to_dict()
    slower = synthetic_report(stall_at_s=None, link_down_at_s=None,
                              path_latency_us=150.0).to_dict()
    assert compare(base, same, "p99=+10%,lost=0,msgs_per_s=-5%").ok
    result = compare(base, slower, "p99=+10%,lost=0")
    assert [c.figure for c in result.failures] == ["p99"]
    assert result.checks[0].change_pct == pytest.approx(50, abs=5)


def _no_data_doc(mode: str = "loop") -> dict[str, Any]:
    """A run that received nothing, as /2 writes it: null latency, status no_data."""
    nulls = {k: None for k in ("min", "p50", "p90", "p99", "p99_9", "p99_99", "max", "mean", "stdev")}
    return {
        "status": "no_data",
        "verdict": {"status": "no_data", "reasons": ["no data: 1,000 probes sent, none received"]},
        "config": {"mode": mode},
        "latency_us": {"corrected": nulls | {"count": 0}, "uncorrected": nulls | {"count": 0}},
        "jitter_us": 0.0,
        "counts": {"sent": 1000, "received": 0, "lost": 1000, "late": 0},
        "throughput": {"msgs_per_s": 0.0, "bytes_per_s": 0.0, "line_utilization": None},
    }


def test_a_run_with_no_data_is_never_an_improvement() -> None:
    base = doc(p99=70_000.0) | {"config": {"mode": "loop"}}
    result = compare(base, _no_data_doc(), "p99=+10%,jitter=+1us,uncorrected.p99=+10%")
    assert not result.ok
    assert [c.passed for c in result.checks] == [False, False, False]
    assert result.checks[0].new is None and result.checks[0].change_text() == "n/a"
    assert result.messages[0] == "new run is NO DATA: no data: 1,000 probes sent, none received"
    assert result.messages[1] == ("p99 fails: 70000.0 us -> no data (new: 1,000 probes sent, none "
                                  "received), not an improvement (limit +10%)")


def test_a_v1_report_with_zeros_and_count_0_is_no_data_too() -> None:
    # /1 wrote 0.0 for every percentile of a run that received nothing: "p99 70 ms -> 0 us"
    # was called an improvement. The count says there was no latency at all.
    new = doc(p99=0.0) | {"status": "ok"}
    new["latency_us"]["corrected"]["count"] = 0
    result = compare(doc(p99=70_000.0), new, "p99=+10%")
    assert not result.ok
    assert result.messages == ["p99 fails: 70000.0 us -> no data (new: no latency measured, nothing "
                               "received), not an improvement (limit +10%)"]


def test_no_data_fails_counts_rules_on_their_own_figures() -> None:
    result = compare(doc(), _no_data_doc(), "lost=0,msgs_per_s=-5%,received=-1%")
    assert [c.passed for c in result.checks] == [False, False, False]
    assert result.checks[0].message == "lost regressed: 0 -> 1000 (+1000, limit 0)"
    # a figure null in NEW because it had no data fails, where it would be an error otherwise
    with_util = doc(util=0.5)
    assert not compare(with_util, _no_data_doc(), "line_utilization=-5%").ok


def test_a_base_with_no_data_is_a_mistake_not_a_baseline() -> None:
    with pytest.raises(BaselineError, match="^base run is NO DATA: not a baseline"):
        compare(_no_data_doc(), doc(), "p99=+10%")
    # allowed as a base, it still has no latency to compare with
    with pytest.raises(ValueError, match="base report has no latency for p99 .nothing received"):
        compare(_no_data_doc(), doc(), "p99=+10%", allow_status={"no_data"})


def _with_status(d: dict[str, Any], status: str, reason: str) -> dict[str, Any]:
    return d | {"status": status, "verdict": {"status": status, "reasons": [reason]}}


@pytest.mark.parametrize(("status", "shown"), [
    ("interrupted", "INTERRUPTED"), ("fault", "FAULT"), ("bench_overloaded", "BENCH OVERLOADED"),
    ("fail", "FAIL")])
def test_a_new_run_that_is_not_ok_fails_whatever_its_figures(status: str, shown: str) -> None:
    # NEWCOMER #2: an INTERRUPTED run (p99 -73.9 %) and a FAULT run with 66 % lost passed.
    reason = f"{status}: first reason"
    new = _with_status(doc(p99=212.0, msgs_per_s=1000.0), status, reason)
    result = compare(doc(), new, "p99=+10%,msgs_per_s=-5%")
    assert not result.ok
    assert result.messages[0] == f"new run is {shown}: {reason}"
    assert all(c.passed for c in result.checks)  # the figures alone would pass
    # the -73.9 % is shown, never as an improvement
    assert result.checks[0].change_text() == f"-73.9% (new run is {shown}: not an improvement)"
    from radarbench.bench.render_md import render_compare_markdown

    md = render_compare_markdown(result)
    assert md.startswith(f"**FAIL: new run is {shown}: {reason}**")
    assert "not an improvement" in md
    # --allow-status lets it through, with a warning, still no improvement
    allowed = compare(doc(), new, "p99=+10%", allow_status={status})
    assert allowed.ok and allowed.warnings == [f"new run is {shown}: {reason} (allowed by "
                                               "--allow-status)"]
    assert "not an improvement" in allowed.checks[0].change_text()


def test_a_base_that_is_not_ok_is_refused_unless_allowed() -> None:
    base = _with_status(doc(), "bench_overloaded", "bench overloaded: sender lag p99 8 s")
    with pytest.raises(BaselineError, match="^base run is BENCH OVERLOADED: not a baseline"):
        compare(base, doc(p99=700.0), "p99=+10%")
    allowed = compare(base, doc(p99=700.0), "p99=+10%", allow_status={"bench_overloaded"})
    assert allowed.ok
    assert allowed.checks[0].change_text() == ("-13.8% (base run is BENCH OVERLOADED: "
                                               "not an improvement)")
    # a regression is still a regression
    assert not compare(base, doc(p99=1000.0), "p99=+10%", allow_status={"bench_overloaded"}).ok


def test_parse_statuses() -> None:
    assert parse_statuses("fault, no-data,BENCH OVERLOADED") == {"fault", "no_data",
                                                                 "bench_overloaded"}
    with pytest.raises(ValueError, match="unknown status 'broken'"):
        parse_statuses("broken")


def test_reports_of_different_modes_are_refused_or_marked() -> None:
    loop = doc() | {"config": {"mode": "loop"}}
    source = doc() | {"config": {"mode": "source"}}
    refused = compare(loop, source, "p99=+10%")
    assert not refused.ok and refused.checks == []
    assert refused.messages == ["base is loop mode, new is source mode: their figures do not "
                                "compare (--allow-mode-mismatch compares them anyway)"]
    allowed = compare(loop, source, "p99=+10%", allow_mode_mismatch=True)
    assert allowed.ok and len(allowed.checks) == 1
    assert allowed.warnings == ["base is loop mode, new is source mode: compared anyway "
                                "(--allow-mode-mismatch); the figures measure different things"]
    from radarbench.bench.render_md import render_compare_markdown

    assert render_compare_markdown(allowed).startswith("**WARNING: base is loop mode, new is source mode")
