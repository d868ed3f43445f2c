"""The one verdict: each status decided from crafted reports, their precedence, the limits, and
the reasons people read. No network: reports are built from RunStats as the engine builds them.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from radarbench.bench.engine import BenchConfig, ConfigError
from radarbench.bench.report import Fault, Report
from radarbench.bench.stats import NoLatency, RunStats
from radarbench.bench.verdict import (
    LABELS,
    LIMIT_KEYS,
    PRECEDENCE,
    STATUSES,
    Verdict,
    check_limits,
    decide,
    exit_status,
    label,
    settle,
)
from radarbench.rigs.rigfile import THRESHOLD_KEYS

pytest_plugins = ["pytester"]

MS = 1_000_000
START_NS = 10**12


def crafted(sent: int = 1000, received: int | None = None, late: int = 0,
            latency_ms: float = 2.0, mode: str = "loop", faults: list[Fault] | None = None,
            health: dict[str, Any] | None = None, limits: dict[str, float] | None = None,
            interrupted: bool = False, sections: dict[str, Any] | None = None) -> Report:
    """A run of `sent` probes of which `received` came back `latency_ms` after their send,
    `late` later than the deadline, the rest lost; decided as the engine's would be."""
    received = sent if received is None else received
    stats = RunStats(start_ns=START_NS)
    for i in range(sent):
        intended = START_NS + i * MS
        stats.on_sent(intended)
        if i < received:
            stats.on_received(intended, intended, intended + int(latency_ms * MS), 34)
        elif i < received + late:
            stats.on_late(intended, intended, intended + 5000 * MS, 34)
        else:
            stats.on_lost(intended)
    report = Report.from_stats(stats, duration_s=max(sent, 1) / 1000,
                               config={"mode": mode, "tx": "udp://127.0.0.1:9", "rx": "udp://127.0.0.1:9"},
                               faults=faults, interrupted=interrupted, health=health)
    report.sections.update(sections or {})
    return settle(report, limits or {})


RESET = Fault(t_s=1.5, kind="connection reset", detail="peer reset", duration_s=0.25, errors=3,
              side="recv")
OVERLOADED = {"overloaded": True, "reasons": ["sender 40 ms behind its schedule (p99)"],
              "sender_lag_us": {"p50": 10.0, "p99": 40_000.0, "max": 80_000.0}, "late_sends": 120,
              "rx_queue_drops": 0, "receiver_lag_us": None, "host_cpu_pressure": 0.6}


def test_statuses_labels_and_exit_statuses() -> None:
    assert set(STATUSES) == set(PRECEDENCE) == set(LABELS)
    assert [label(s) for s in PRECEDENCE] == ["INTERRUPTED", "FAULT", "BENCH OVERLOADED", "NO DATA",
                                              "FAIL", "OK"]
    assert [exit_status(s) for s in STATUSES] == [0, 1, 1, 1, 1, 1]


def test_limit_keys_are_the_rig_files() -> None:
    assert LIMIT_KEYS == tuple(THRESHOLD_KEYS)


def test_a_clean_run_is_ok_and_says_what_held() -> None:
    r = crafted(limits={"max_lost": 0, "max_p99_ms": 25})
    assert (r.status, r.ok) == ("ok", True)
    assert r.verdict == Verdict("ok", ("all 2 limits held",))
    assert crafted().reasons == ("no limits set",)


def test_a_black_hole_is_no_data_not_ok() -> None:
    r = crafted(sent=1000, received=0)
    assert r.verdict == Verdict("no_data", ("no data: 1,000 probes sent, none received",))
    assert not r.ok
    assert r.latency.p99_us is None
    with pytest.raises(NoLatency):
        r.latency.p99_s


def test_late_arrivals_are_data() -> None:
    # Everything arrived, past the deadline: late is a finding about the link, not "no data".
    r = crafted(sent=10, received=0, late=10)
    assert r.status == "ok" and r.latency.count == 10


def test_no_data_by_mode() -> None:
    nothing_sent = crafted(sent=0)
    assert nothing_sent.verdict.reasons == ("no data: no probes were sent",)
    source = crafted(sent=0, mode="source", sections={"source": {"records": 0}})
    assert source.status == "no_data"
    assert source.reasons[0] == "no data: nothing received on udp://127.0.0.1:9 in 0.0 s"
    # source records without a time of day (north markers alone) are data all the same
    markers_only = crafted(sent=0, mode="source", sections={"source": {"records": 4}})
    assert markers_only.status == "ok"
    sink = crafted(sent=0, mode="sink", sections={"sink": {"sends": 50}})
    assert sink.reasons == ("no data: the device accepted none of 50 sends",)
    accepted = crafted(sent=50, received=0, mode="sink", sections={"sink": {"sends": 50}})
    assert accepted.status == "ok"  # a sink run receives nothing, by design


def test_a_broken_limit_fails_with_a_readable_reason() -> None:
    r = crafted(latency_ms=132.0, limits={"max_p99_ms": 25, "max_lost": 0})
    assert r.status == "fail"
    assert r.reasons == ("max_p99_ms: 132 ms is over the limit 25 ms",)
    low = crafted(sent=100, received=90, limits={"min_received": 95, "max_lost_ratio": 0.05})
    assert low.reasons == ("min_received: 90 is under the limit 95",
                           "max_lost_ratio: 0.1 is over the limit 0.05")


def test_a_latency_limit_with_no_latency_is_broken_not_passed() -> None:
    checks = check_limits(crafted(sent=100, received=0), {"max_p99_ms": 25, "max_lost": 1000})
    assert [(c.key, c.value, c.passed) for c in checks] == [("max_p99_ms", None, False),
                                                             ("max_lost", 100, True)]
    assert checks[0].message() == ("max_p99_ms: no latency measured (nothing received); "
                                   "the limit is 25 ms")
    assert check_limits(crafted(sent=0), {"max_lost_ratio": 0.1})[0].passed is False


def test_limit_bounds_are_inclusive() -> None:
    r = crafted(sent=100, received=97)
    assert [c.passed for c in check_limits(r, {"max_lost": 3, "min_received": 97})] == [True, True]
    assert [c.passed for c in check_limits(r, {"max_lost": 2, "min_received": 98})] == [False, False]


def test_unknown_limit_keys_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown limit 'max_p98_ms'; known limits: max_p50_ms, max_p99_ms"):
        settle(crafted(), {"max_p98_ms": 1})
    cfg = BenchConfig(send="udp://127.0.0.1:9", recv="udp://127.0.0.1:9", limits={"p99": 5})
    with pytest.raises(ConfigError, match=r"unknown limit 'p99'; known limits: .*min_msgs_per_s"):
        cfg.check()


def test_fault_bench_overloaded_and_interrupted() -> None:
    fault = crafted(faults=[RESET])
    assert fault.verdict == Verdict("fault", (
        "fault: connection reset (recv side) at 1.500 s for 0.250 s, 3 errors: peer reset",))
    overloaded = crafted(health=OVERLOADED)
    assert overloaded.verdict == Verdict("bench_overloaded", (
        "bench overloaded: sender 40 ms behind its schedule (p99)",))
    assert crafted(health=dict(OVERLOADED, overloaded=False)).status == "ok"
    stopped = crafted(interrupted=True)
    assert stopped.verdict.status == "interrupted" and stopped.interrupted


def test_many_fault_episodes_are_counted_not_all_listed() -> None:
    faults = [Fault(t_s=float(i), kind="unreachable", side="send") for i in range(9)]
    reasons = crafted(faults=faults).reasons
    assert len(reasons) == 6 and reasons[-1] == "fault: 4 more episodes"


def test_precedence_and_every_reason_kept_in_its_order() -> None:
    everything = dict(sent=100, received=0, faults=[RESET], health=OVERLOADED,
                      limits={"max_lost": 0}, interrupted=True)
    r = crafted(**everything)
    assert r.status == "interrupted"
    assert [reason.split(":")[0] for reason in r.reasons] == [
        "interrupted", "fault", "bench overloaded", "no data", "max_lost"]
    # Take the winner away, one after the other: the next in PRECEDENCE wins.
    order = []
    for drop in ("interrupted", "faults", "health", "received", "limits"):
        everything.pop(drop)
        if drop == "received":
            everything["received"] = 100
            everything["limits"] = {"max_p99_ms": 1}
        order.append(crafted(**everything).status)
    assert order == ["fault", "bench_overloaded", "no_data", "fail", "ok"]


def test_decide_is_pure_and_settle_writes_the_verdict_in() -> None:
    r = crafted(sent=10, received=10)
    r.counts.received = 0
    r.counts.lost = 10
    assert decide(r).status == "no_data" and r.status == "ok"  # decide changes nothing
    settle(r, {"max_lost": 0})
    assert r.status == "no_data" and r.limits == {"max_lost": 0.0}
    doc = r.to_dict()
    assert doc["status"] == doc["verdict"]["status"] == "no_data"
    assert doc["limits"] == [{"key": "max_lost", "limit": 0.0, "value": 10, "passed": False}]


def test_a_status_set_by_hand_is_written_consistently() -> None:
    r = crafted()
    r.status = "interrupted"  # as a find-max search stopped mid-way does
    doc = r.to_dict()
    assert doc["verdict"] == {"status": "interrupted", "reasons": []}
    Report.from_dict(doc)  # loads: status and verdict agree


def test_status_interrupted_given_to_from_stats_stays_and_others_are_decided() -> None:
    stats = RunStats(start_ns=START_NS)
    assert Report.from_stats(stats, duration_s=1.0, status="interrupted").status == "interrupted"
    # "fault" without a fault is not a fault: the figures decide (here: nothing at all)
    assert Report.from_stats(stats, duration_s=1.0, status="fault").status == "no_data"


PYTEST_EXAMPLE = """
from radarbench.bench.report import Report
from radarbench.bench.stats import RunStats

def test_black_hole_latency():
    run = Report.from_stats(RunStats(start_ns=0), duration_s=1.0)
    assert run.latency.p99_s < 0.025

def test_black_hole_ok():
    run = Report.from_stats(RunStats(start_ns=0), duration_s=1.0)
    assert run.ok, run.reasons
"""


def test_asserts_on_a_run_with_no_data_fail_in_pytest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PYTEST_EXAMPLE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*NoLatency: no latency measured: nothing was received*",
                                 "*no data: no probes were sent*"])


@pytest.mark.parametrize("value, limit, text", [
    (132.055, 25, "132 ms is over the limit 25 ms"),
    (25.04, 25, "25.04 ms is over the limit 25 ms"),
    (25.0004, 25, "25.0004 ms is over the limit 25 ms"),
    (0.01234, 0.001, "0.0123 ms is over the limit 0.001 ms"),
    (1234.5, 1000, "1,234 ms is over the limit 1,000 ms"),  # whole units, never made-up zeros
])
def test_limit_messages_round_but_never_to_the_limit(value: float, limit: float, text: str) -> None:
    from radarbench.bench.verdict import LimitCheck

    assert LimitCheck("max_p99_ms", limit, value, False).message() == f"max_p99_ms: {text}"


def test_a_latency_limit_on_a_sink_run_says_why_it_cannot_hold() -> None:
    r = crafted(sent=50, received=0, mode="sink", sections={"sink": {"sends": 50}},
                limits={"max_p99_ms": 25})
    assert r.verdict == Verdict("fail", (
        "max_p99_ms: no latency in sink mode (nothing comes back to time); the limit is 25 ms",))


@pytest.mark.parametrize("pressure, devices, status", [
    (0.45, ["gw", "radar"], "bench_overloaded"),  # the demo beside two busy loops
    (0.05, ["gw", "radar"], "fail"),              # a quiet host: the link broke the limit
    (0.45, [], "fail"),                           # a real rig: no device shares the host
    (None, ["gw"], "fail"),                       # no PSI on this kernel: nothing to excuse
])
def test_a_busy_host_never_fails_the_emulated_device(pressure: float | None, devices: list[str],
                                                     status: str) -> None:
    health = {"overloaded": False, "reasons": [], "host_cpu_pressure": pressure}
    report = crafted(latency_ms=132.0, health=health)
    report.config["rig"] = {"name": "loopback", "emulated_devices": devices}
    verdict = settle(report, {"max_p99_ms": 25}).verdict
    assert verdict.status == status
    assert "max_p99_ms: 132 ms is over the limit 25 ms" in verdict.reasons
    if status == "bench_overloaded":
        assert "host was busy (tasks waited for a CPU 45% of the run)" in verdict.reasons[0]
        assert "gw, radar" in verdict.reasons[0]


@pytest.mark.parametrize("own_p99_us, limits, status", [
    (8_390.0, {"max_p99_ms": 3}, "bench_overloaded"),  # the newcomer's run: 8.39 of 8.4 ms the bench's
    (1_000.0, {"max_p99_ms": 3}, "fail"),              # 7.4 ms left once the bench's lag is taken out
    (8_390.0, {"max_p99_ms": 3, "max_lost": 0}, "fail"),  # a limit the path broke: no excuse for it
    (None, {"max_p99_ms": 3}, "fail"),                 # no sender lag measured: nothing to excuse
])
def test_a_latency_limit_broken_by_the_bench_own_lag_is_not_the_link(
        own_p99_us: float | None, limits: dict[str, float], status: str) -> None:
    own = None if own_p99_us is None else {"p50": 5.0, "p99": own_p99_us, "max": own_p99_us}
    health = {"overloaded": False, "reasons": [], "sender_own_lag_us": own}
    report = crafted(sent=100, received=99, latency_ms=8.4, health=health)
    verdict = settle(report, limits).verdict
    assert verdict.status == status
    assert "max_p99_ms: 8.4 ms is over the limit 3 ms" in verdict.reasons
    if status == "bench_overloaded":
        assert verdict.reasons[0] == ("bench overloaded: max_p99_ms was broken by the bench's own sender lag "
                                      "(p99 8.39 ms of the 8.4 ms measured; less it, within the limit 3 ms): "
                                      "it says nothing about the link")


def test_no_data_says_when_records_came_that_matched_no_probe() -> None:
    # --match-keys 040,060.MODE3A through a CAT048 -> CAT062 gateway: every record arrived,
    # none carried I062/040, and the verdict said only "none received".
    report = crafted(sent=400, received=0, sections={"match": {"by": "keys", "stray": 400, "foreign": 0}})
    report.config["match_keys"] = "040,060.MODE3A"
    verdict = settle(report, {}).verdict
    assert verdict.status == "no_data"
    assert verdict.reasons[0] == ("no data: 400 probes sent, none received; 400 records arrived that matched "
                                  "no probe by --match-keys 040,060.MODE3A (stray 400)")
    quiet = crafted(sent=400, received=0, sections={"match": {"by": "tag", "stray": 0, "foreign": 0}})
    assert settle(quiet, {}).verdict.reasons[0] == "no data: 400 probes sent, none received"


def test_a_loop_whose_schedule_did_not_all_leave_is_not_ok() -> None:
    # 7 of 40 probes left in a 2 s run at 20 msgs/s through a 1,200 baud line (writes blocked),
    # all 7 arrived: it said OK. Without blocked writes the shortfall is the bench's own lag,
    # which health judges, not the path.
    report = crafted(sent=7, sections={"match": {"not_sent": 33, "writes_blocked": True}})
    verdict = settle(report, {}).verdict
    assert verdict.status == "fail"
    assert verdict.reasons[0].startswith("not sent: 33 scheduled probes never left in the run's time (writes blocked")
    assert settle(crafted(sent=7, sections={"match": {"not_sent": 33, "writes_blocked": False}}), {}).verdict.status == "ok"
    # a signal ended the sending: interrupted, and nothing said of blocked writes
    stopped = settle(crafted(sent=7, interrupted=True, sections={"match": {"not_sent": 33, "writes_blocked": False}}), {})
    assert stopped.verdict.status == "interrupted"
    assert not any(r.startswith("not sent") for r in stopped.verdict.reasons)


@pytest.mark.parametrize("stamped, pressure, status", [
    (True, 0.02, "fail"),
    (False, 0.02, "bench_overloaded"),   # the receiver's lag may be in the latency
    (None, 0.02, "bench_overloaded"),
    (True, 0.6, "bench_overloaded"),     # a busy host slows a device on it too
])
def test_an_overloaded_bench_does_not_excuse_a_path_that_broke_the_limit_alone(
        stamped: bool | None, pressure: float, status: str) -> None:
    # 100 ms through an impairer's delay, limit 20 ms, the bench's sender stopped for 1 s
    # (SIGSTOP): it said BENCH OVERLOADED, but the latency from each probe's actual send,
    # stamped by the kernel on arrival, broke the limit with none of the bench's lag in it.
    health = dict(OVERLOADED, receiver_lag_stamped=stamped, host_cpu_pressure=pressure)
    report = crafted(sent=100, latency_ms=100.0, health=health)
    verdict = settle(report, {"max_p99_ms": 20}).verdict
    assert verdict.status == status
    assert "max_p99_ms: 100 ms is over the limit 20 ms" in verdict.reasons
    assert any(r.startswith("bench overloaded: ") for r in verdict.reasons)
    if status == "fail":
        assert verdict.reasons[0] == "max_p99_ms: 100 ms is over the limit 20 ms"


def test_a_catch_up_burst_of_an_overloaded_bench_is_not_the_path_breaking_the_limit() -> None:
    # The sender stopped 0.4 s, then caught up: the burst queued on the path, uncorrected p99
    # 3.3 ms against a 2 ms limit, but the median 0.05 ms. It said FAIL: the bench's doing.
    health = dict(OVERLOADED, receiver_lag_stamped=True, host_cpu_pressure=0.05)
    report = crafted(sent=1000, latency_ms=0.05, health=health)
    report.uncorrected = replace(report.uncorrected, p99_us=3300.0)
    report.corrected = replace(report.corrected, p99_us=368_000.0)
    assert settle(report, {"max_p99_ms": 2}).verdict.status == "bench_overloaded"


def test_a_loop_whose_blocked_writes_held_the_load_below_the_rate_asked_is_not_ok() -> None:
    # 2.15 msgs/s through a 1,200 baud line that carries 2.02: every probe left within the
    # grace and arrived, offered 2.016: it said OK.
    report = crafted(sent=20, sections={"match": {"not_sent": 0, "writes_blocked": True}})
    report.config.update(rate=2.15, schedule={"kind": "constant", "sends_per_s": 2.15})
    report.throughput = replace(report.throughput, offered_msgs_per_s=2.016)
    verdict = settle(report, {}).verdict
    assert verdict.status == "fail"
    assert verdict.reasons[0] == ("under load: writes blocked and held the load offered to 2.02 msgs/s of the "
                                  "2.15 asked (the path takes less than the load)")
    report.throughput = replace(report.throughput, offered_msgs_per_s=2.14)
    assert settle(report, {}).verdict.status == "ok"
