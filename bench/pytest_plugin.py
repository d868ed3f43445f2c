"""pytest plugin of radarbench (registered by entry point): a rig and a bench run for a test.

    def test_link_carries_plots(bench):
        run = bench(send="gw_in", recv="lan", rate=100, duration=3)
        assert run.ok, run.reasons         # the verdict, the rig file's limits checked
        assert run.counts.lost == 0
        assert run.latency.p99_s < 0.025   # fails (NoLatency) when nothing was received

    @pytest.mark.rb_real_rig          # skipped unless pytest --rb-rig FILE names a real rig
    def test_on_the_lab_line(bench): ...

Options: `--rb-rig FILE` names the rig file (default: the shipped emulated loopback rig,
rigs/examples/loopback.toml, so every test runs in CI on the emulated twin);
`--rb-report-dir DIR` keeps each run's JSON report there (named after the test).

Fixtures:
- `rb_rig` (session): the loaded Rig (radarbench.rigs.rigfile.Rig);
- `rb_rig_up` (session): the rig's emulated devices, started once and stopped at the end;
  a RigUp whose `.rig` resolves endpoint names (`rb_rig_up.rig.url("lan")`);
- `bench` (function): `bench(send=NAME|URL, recv=NAME|URL, rate=..., duration=..., **opts)`
  runs the bench on the running rig and returns its Report (`run.ok`, `run.status`,
  `run.reasons`, `run.counts.lost`, `run.latency.p99_s`), whose status is the same verdict
  `radarbench run` would give: the rig file's limits (max_p99_ms...) are checked unless
  `limits={...}` is given. Unset arguments come from the rig file's [bench] section; other
  options are BenchConfig fields (warmup_s=, records_per_block=, count=, match_keys=...).
  A latency figure of a run that received nothing raises NoLatency, an AssertionError, so
  `assert run.latency.p99_s < 0.025` fails on a link that swallowed every probe. A run
  whose verdict is BENCH OVERLOADED (the bench, or on an emulated rig the busy host, was the
  bottleneck) is run again, up to 3 times in all; then the test is skipped with the reason,
  since its figures say nothing about the rig.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REAL_RIG_MARK = "rb_real_rig"
_SKIP_REASON = ("needs a real rig: run pytest --rb-rig FILE (a rig file such as "
                "rigs/examples/lab.toml); without it only the emulated loopback rig runs")


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("radarbench")
    group.addoption("--rb-rig", action="store", default=None, metavar="FILE",
                    help="radarbench rig file (TOML) for tests that need a real rig "
                         "(default: the shipped emulated loopback rig)")
    group.addoption("--rb-report-dir", action="store", default=None, metavar="DIR",
                    help="keep the JSON report of each bench run here, named after its test")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers", f"{REAL_RIG_MARK}: needs a real rig named by --rb-rig FILE; skipped without it")
    path = config.getoption("--rb-rig", default=None)
    if path:
        # A rig file that does not validate stops the session at once, with its one line,
        # instead of failing every test that uses it.
        from radarbench.rigs.rigfile import RigError, load_rig

        try:
            load_rig(path)
        except RigError as exc:
            raise pytest.UsageError(f"--rb-rig: {exc}") from None


def pytest_runtest_setup(item: Any) -> None:
    if item.get_closest_marker(REAL_RIG_MARK) is not None and not item.config.getoption("--rb-rig"):
        pytest.skip(_SKIP_REASON)


@pytest.fixture(scope="session")
def rb_rig(pytestconfig: Any) -> Any:
    """The rig of this session: --rb-rig FILE, or the shipped emulated loopback rig."""
    from radarbench.rigs.rigfile import example_path, load_rig

    path = pytestconfig.getoption("--rb-rig") or example_path("loopback")
    return load_rig(path)


@pytest.fixture(scope="session")
def rb_rig_up(rb_rig: Any) -> Iterator[Any]:
    """The rig's emulated devices, running for the session (a RigUp; `.rig` is bound)."""
    from radarbench.rigs import lifeline
    from radarbench.rigs.rigup import RigUp, RigUpError

    # SIGTERM and SIGHUP (a CI job cancelled) end the session as Ctrl-C does, so this
    # fixture's teardown stops the devices and removes the run directory; a bench run they
    # interrupt ends the session (the `bench` fixture raises KeyboardInterrupt after it).
    with lifeline.interrupt_handlers():
        up = RigUp(rb_rig)
        try:
            up.start()
        except RigUpError as exc:
            pytest.fail(f"rig {rb_rig.path} did not start: {exc}", pytrace=False)
        try:
            yield up
        finally:
            up.stop()


# A run whose verdict is "bench overloaded" measured the bench, not the rig: the fixture runs
# it again, up to this many times in all, then skips the test saying why.
OVERLOADED_ATTEMPTS = 3


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]


@pytest.fixture
def bench(rb_rig_up: Any, request: Any) -> Callable[..., Any]:
    """A runner: `run = bench(send="gw_in", recv="lan", rate=500, duration=3)` -> Report,
    its status the verdict with the rig file's limits (`limits=` overrides them).

    Raises radarbench.bench.engine.ConfigError for settings that cannot run, RigError for an
    unknown endpoint name; fails the test if a device of the rig has stopped by itself.
    """
    from radarbench.bench.engine import run_bench
    from radarbench.bench.rigbench import config_for
    from radarbench.rigs import lifeline
    from radarbench.rigs.rigup import RigUpError

    runs = 0
    report_dir = request.config.getoption("--rb-report-dir")

    def run(send: str | None = None, recv: str | None = None, rate: float | None = None,
            duration: float | None = None, **options: Any) -> Any:
        nonlocal runs
        try:
            rb_rig_up.ensure_running()
        except RigUpError as exc:
            pytest.fail(str(exc), pytrace=False)
        given = {"send": send, "recv": recv, "rate": rate, "duration_s": duration}
        overrides = {k: v for k, v in given.items() if v is not None}
        overrides.update(options)
        cfg = config_for(rb_rig_up.rig, **overrides)
        for attempt in range(1, OVERLOADED_ATTEMPTS + 1):
            report = run_bench(cfg)
            runs += 1
            if report_dir:
                folder = Path(report_dir)
                folder.mkdir(parents=True, exist_ok=True)
                report.write(folder / f"{_safe(request.node.nodeid)}-{runs}.json")
            signums = lifeline.interrupts()
            if signums:  # the engine ended the run early and returned; the session ends too
                raise lifeline.Interrupted(signums[0])
            if report.status != "bench_overloaded":
                return report
        # The bench (or, on an emulated rig, the host it shares with the devices) was the
        # bottleneck every time: the figures say nothing about the rig, so the test neither
        # passes nor fails on them.
        pytest.skip(f"bench overloaded in {OVERLOADED_ATTEMPTS} runs, nothing measured about the "
                    f"rig: {report.reasons[0] if report.reasons else report.status}")

    return run

    return run
