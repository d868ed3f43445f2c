"""The `bench` fixture's report carries the verdict, with the rig file's limits checked, as
`radarbench run` would give it; on a link that delivers nothing, asserts on it fail."""
from __future__ import annotations

import socket

import pytest

from radarbench.bench.stats import NoLatency


def test_the_fixture_report_carries_the_rig_file_limits_and_the_verdict(bench) -> None:
    run = bench(send="gw_in", recv="lan", rate=50, duration=1, warmup_s=0, drain_s=0.5)
    assert run.limits == {"max_lost": 0.0, "max_corrupted": 0.0, "max_late": 0.0, "max_p99_ms": 25.0}
    assert [c.key for c in run.limit_checks] == ["max_lost", "max_corrupted", "max_late", "max_p99_ms"]
    doc = run.to_dict()
    assert doc["status"] == doc["verdict"]["status"] == run.status
    assert run.ok == (run.status == "ok")
    assert run.reasons  # says why, whatever it is
    # limits given to the fixture replace the rig file's
    strict = bench(send="gw_in", recv="lan", rate=50, duration=1, warmup_s=0, drain_s=0.5,
                   limits={"min_received": 10**6})
    assert strict.status in ("fail", "fault", "bench_overloaded", "interrupted")
    assert strict.limits == {"min_received": 1e6}


def test_on_a_link_that_delivers_nothing_the_asserts_fail(bench) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))  # nobody sends here
        quiet_url = f"udp://127.0.0.1:{s.getsockname()[1]}?listen=1"
    run = bench(send="gw_in", recv=quiet_url, rate=50, duration=1, warmup_s=0, drain_s=0.3)
    assert run.status == "no_data" and not run.ok
    assert run.reasons[0].startswith("no data: ") and run.reasons[0].endswith(" sent, none received")
    with pytest.raises(NoLatency):
        assert run.latency.p99_s < 0.025
    # the rig file's latency limit is broken, not passed, for want of a latency
    assert [c.passed for c in run.limit_checks if c.key == "max_p99_ms"] == [False]
