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
