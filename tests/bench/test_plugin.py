"""The pytest plugin's fixtures and marker, seen from a test session of their own."""
from __future__ import annotations

pytest_plugins = ["pytester"]

EXAMPLE = """
import pytest

def test_rig_is_the_loopback_twin(rb_rig):
    assert rb_rig.name == "loopback" and {"gw_in", "lan"} <= set(rb_rig.endpoints)

@pytest.mark.rb_real_rig
def test_needs_the_lab(bench):
    raise AssertionError("must not run without --rb-rig")
"""


def test_real_rig_tests_skip_with_a_reason_without_rb_rig(pytester) -> None:
    pytester.makepyfile(EXAMPLE)
    result = pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*needs a real rig: run pytest --rb-rig FILE*"])


def test_a_bad_rig_file_stops_the_session(pytester) -> None:
    pytester.makepyfile(EXAMPLE)
    rig = pytester.makefile(".toml", bad='[devices.gw]\nkind = "gatewy"\n')
    result = pytester.runpytest_subprocess(f"--rb-rig={rig}", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--rb-rig: *bad.toml: devices.gw.kind: unknown device kind 'gatewy'*"])


OVERLOADED_CONFTEST = """
import pytest
from radarbench.bench import engine
from radarbench.bench.report import Report
from radarbench.bench.stats import RunStats
from radarbench.bench.verdict import settle

CALLS = []

@pytest.fixture(autouse=True)
def overloaded_bench(monkeypatch):
    # Every run: the bench fell behind its schedule (what health reports on a starved host).
    def run_bench(cfg):
        CALLS.append(cfg.rate)
        r = Report.from_stats(RunStats(start_ns=0), duration_s=1.0, config={"mode": "loop"},
                              health={"overloaded": True, "reasons": ["sender 40 ms behind"]})
        return settle(r)
    monkeypatch.setattr(engine, "run_bench", run_bench)
    yield
"""

OVERLOADED_TEST = """
import conftest

def test_link(bench):
    run = bench(send="a", recv="a", rate=100, duration=1)
    raise AssertionError("an overloaded run must not reach the test's asserts")

def test_calls():
    assert conftest.CALLS == [100, 100, 100]
"""


def test_an_overloaded_bench_is_run_again_then_skipped_saying_why(pytester) -> None:
    # The figures of an overloaded bench say nothing about the rig: neither pass nor fail.
    rig = pytester.makefile(".toml", rig='[endpoints]\na = "udp://127.0.0.1:9"\n')
    pytester.makeconftest(OVERLOADED_CONFTEST)
    pytester.makepyfile(OVERLOADED_TEST)
    result = pytester.runpytest_subprocess(f"--rb-rig={rig}", "-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*bench overloaded in 3 runs, nothing measured about the rig: "
                                 "bench overloaded: sender 40 ms behind*"])
