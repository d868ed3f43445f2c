"""The README's example test, run for real: on the emulated loopback rig by default, on a lab
rig with `pytest --rb-rig lab.toml` (both name the link's ends gw_in and lan)."""
from __future__ import annotations

import pytest


def test_gateway_carries_every_probe_on_time(bench) -> None:
    # 100 CAT048 probes a second for 3 s into the serial line, out of the LAN (the rig
    # file's [bench] section gives the rest: warm-up, drain)
    run = bench(send="gw_in", recv="lan", rate=100, duration=3)
    assert run.counts.received == run.counts.sent > 0
    assert run.counts.lost == 0 and run.counts.corrupted == 0
    assert run.latency.p99_s < 0.025   # one-way, from the intended send time


@pytest.mark.rb_real_rig
def test_the_real_line_keeps_up_an_hour_of_radar(bench) -> None:
    # only with --rb-rig: a long soak is for the lab, not for every CI run
    run = bench(rate=150, duration=3600, warmup_s=10)
    assert run.counts.lost == 0
