"""Statistics: HDR percentiles on known distributions, coordinated omission, RFC 3550 jitter,
throughput and the per-second timeline."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radarbench.bench.stats import (
    Counts,
    Jitter,
    LatencyStats,
    LatencySummary,
    RunStats,
    Throughput,
    Timeline,
    decode_histogram,
    distribution,
    serial_line_bytes_per_s,
    spectrum,
)

US = 1_000
MS = 1_000_000
S = 1_000_000_000


def uniform_1_to_10000_us() -> LatencyStats:
    stats = LatencyStats()
    for i in range(1, 10_001):
        t = i * MS
        stats.record(t, t, t + i * US)
    return stats


def test_percentiles_of_uniform_distribution_within_hdr_precision() -> None:
    s = uniform_1_to_10000_us().summary("corrected")
    # 3 significant digits: each value is within 0.1 % of the true one.
    assert s.count == 10_000
    assert s.min_us == pytest.approx(1.0, rel=1e-3)
    assert s.p50_us == pytest.approx(5000, rel=1e-3)
    assert s.p90_us == pytest.approx(9000, rel=1e-3)
    assert s.p99_us == pytest.approx(9900, rel=1e-3)
    assert s.p99_9_us == pytest.approx(9990, rel=1e-3)
    assert s.max_us == pytest.approx(10_000, rel=1e-3)
    assert s.mean_us == pytest.approx(5000.5, rel=1e-3)
    assert s.stdev_us == pytest.approx(2886.75, rel=1e-3)


def test_seconds_accessors_match_microseconds() -> None:
    s = uniform_1_to_10000_us().summary()
    assert s.p99_s == pytest.approx(s.p99_us / 1e6)
    assert s.p99 == s.p99_s  # DESIGN.md writes `run.latency.p99 < 5e-3`, in seconds
    assert s.p99_9_s == pytest.approx(s.p99_9_us / 1e6)
    assert s.max_s == pytest.approx(s.max_us / 1e6)
    with pytest.raises(AttributeError):
        s.count_s  # noqa: B018 - a count has no seconds
    with pytest.raises(AttributeError):
        s.p42_s  # noqa: B018


def test_exponential_distribution_p99() -> None:
    rng = random.Random(7)
    stats = LatencyStats()
    mean_us = 200.0
    values = sorted(int(rng.expovariate(1 / mean_us) * US) + 1 for _ in range(50_000))
    for v in values:
        stats.record(0, 0, v)
    s = stats.summary()
    exact_p99 = values[int(0.99 * len(values)) - 1]
    assert s.p99_us * US == pytest.approx(exact_p99, rel=2e-3)
    assert s.mean_us == pytest.approx(sum(values) / len(values) / US, rel=2e-3)


def test_small_latencies_keep_their_digits() -> None:
    # A 1 us floor would lump 2..30 us together; a spinning UDP loop is ~22 us.
    stats = LatencyStats()
    for v_ns in (2_200, 22_000, 22_100):
        stats.record(0, 0, v_ns)
    s = stats.summary()
    assert s.min_us == pytest.approx(2.2, rel=1e-3)
    assert s.max_us == pytest.approx(22.1, rel=1e-3)


def test_stall_shows_in_corrected_but_not_uncorrected() -> None:
    # 1000 msg/s, path latency 100 us; the sender stalls 500 ms at message 500 and then sends
    # the backlog as fast as it can. Only the corrected histogram sees the stall.
    stats = LatencyStats()
    period_ns = 1 * MS
    stall_end_ns = 500 * period_ns + 500 * MS
    for i in range(2_000):
        intended = i * period_ns
        actual = max(intended, stall_end_ns) if i >= 500 else intended
        stats.record(intended, actual, actual + 100 * US)
    corrected, uncorrected = stats.summary("corrected"), stats.summary("uncorrected")
    assert uncorrected.max_us == pytest.approx(100, rel=1e-3)
    assert uncorrected.p99_us == pytest.approx(100, rel=1e-3)
    assert corrected.max_us == pytest.approx(500_000 + 100, rel=1e-3)
    # 500 of 2000 messages waited: a quarter of the corrected distribution is the stall.
    assert corrected.p90_us > 100_000
    assert corrected.p50_us == pytest.approx(100, rel=1e-3)


def test_jitter_by_hand() -> None:
    # Transit times 10, 12, 9, 9, 15 (ms): |D| = 2, 3, 0, 6.
    transits_ms = [10, 12, 9, 9, 15]
    expected = 0.0
    for d in (2, 3, 0, 6):
        expected += (d - expected) / 16
    # = 0.125, 0.3046875, 0.28564453125, 0.642791748046875 ms
    assert expected == pytest.approx(0.642791748046875)
    j = Jitter()
    for t in transits_ms:
        j.add(t * MS)
    assert j.jitter_ns == pytest.approx(expected * MS)

    stats = LatencyStats()
    for i, t in enumerate(transits_ms):
        send = i * 20 * MS
        stats.record(send - 3 * MS, send, send + t * MS)  # intended time must not matter
    assert stats.jitter_us == pytest.approx(expected * 1000)


def test_jitter_of_constant_transit_is_zero() -> None:
    j = Jitter()
    for _ in range(100):
        j.add(5 * MS)
    assert j.jitter_ns == 0.0


def test_out_of_range_values_are_clamped_and_counted() -> None:
    stats = LatencyStats()
    stats.record(10 * US, 10 * US, 0)          # negative (data age with a clock ahead)
    stats.record(0, 0, 200 * S)                # past the 100 s range
    assert stats.clamped == 4                  # two values, both histograms each
    assert stats.summary().count == 2
    assert stats.summary().max_us == pytest.approx(100e6, rel=1e-3)


def test_histograms_survive_encoding() -> None:
    stats = uniform_1_to_10000_us()
    encoded = stats.encoded()
    hist = decode_histogram(encoded["corrected"])
    assert LatencySummary.of(hist) == stats.summary("corrected")
    with pytest.raises(ValueError, match="HDR"):
        decode_histogram("bm90IGEgaGlzdG9ncmFt")


def test_spectrum_ticks_and_values() -> None:
    stats = uniform_1_to_10000_us()
    points = spectrum(stats.corrected, ticks_per_half_distance=1)
    pcts = [p for p, _ in points]
    assert pcts[:4] == [0.0, 50.0, 75.0, 87.5]  # 1 - 1/2^k
    assert all(a < b for a, b in zip(pcts, pcts[1:]))
    assert all(p < 100.0 for p in pcts)
    value_at_75 = dict(points)[75.0]
    assert value_at_75 == pytest.approx(7500, rel=1e-3)


def test_distribution_bins_count_everything() -> None:
    stats = uniform_1_to_10000_us()
    bins = distribution(stats.corrected, bins=20)
    assert len(bins) == 20
    assert sum(n for _, _, n in bins) == 10_000
    assert bins[0][0] == pytest.approx(1.0, rel=1e-3)
    # Log-spaced: every bin is the same ratio wide.
    ratios = [hi / lo for lo, hi, _ in bins]
    assert max(ratios) == pytest.approx(min(ratios))
    assert distribution(LatencyStats().corrected) == []


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=200))
@settings(max_examples=20, deadline=None)
def test_summary_is_ordered_for_any_sample(values: list[int]) -> None:
    stats = LatencyStats()
    for v in values:
        stats.record(0, 0, v)
    s = stats.summary()
    chain = [s.min_us, s.p50_us, s.p90_us, s.p99_us, s.p99_9_us, s.p99_99_us, s.max_us]
    assert all(a <= b for a, b in zip(chain, chain[1:]))
    assert s.count == len(values)
    assert s.max_us * US == pytest.approx(max(values), rel=1e-3)


def test_throughput_and_serial_line() -> None:
    counts = Counts(sent=1000, received=990, lost=10)
    line = serial_line_bytes_per_s(9600)  # 8N1: 10 bits a byte
    assert line == 960.0
    assert serial_line_bytes_per_s(9600, parity="E", stop_bits=2) == pytest.approx(9600 / 12)
    t = Throughput.compute(counts, bytes_received=48_000, duration_s=100.0, line_bytes_per_s=line)
    assert t.offered_msgs_per_s == 10.0
    assert t.msgs_per_s == 9.9
    assert t.bytes_per_s == 480.0
    assert t.line_utilization == 0.5
    assert Throughput.compute(counts, 48_000, 100.0).line_utilization is None
    with pytest.raises(ValueError, match="parity"):
        serial_line_bytes_per_s(9600, parity="X")
    with pytest.raises(ValueError, match="duration_s"):
        Throughput.compute(counts, 0, -1.0)


def test_no_rate_is_taken_over_less_than_the_schedule_window() -> None:
    # One block of 50 probes leaves at t=0 and arrives 100 us later, in a schedule of one
    # send every 5 s (10 msgs/s at 50 a block): the clock's own span (100 us) gave 500,000
    # msgs/s; over the window it is 10, and the offered rate too (it was 0.0).
    stats = RunStats(start_ns=0)
    for _ in range(50):
        stats.on_sent(0, 0)
    for _ in range(50):
        stats.on_received(0, 0, 100 * US, 31)
    tp, _ = stats.throughput()
    assert tp.msgs_per_s > 100_000  # the clock alone: what the window corrects
    tp, _ = stats.throughput(window_s=5.0)
    assert (tp.msgs_per_s, tp.offered_msgs_per_s, tp.span_s) == (10.0, 10.0, 5.0)
    assert tp.bytes_per_s == 50 * 31 / 5.0
    # a window shorter than what the clock saw: the arrivals' own rate, 101 sends 10 ms apart
    # arriving as they left, 100 msgs/s (first send to last arrival said 101)
    stats = RunStats(start_ns=0)
    for i in range(101):
        stats.on_sent(i * 10 * MS, i * 10 * MS)
        stats.on_received(i * 10 * MS, i * 10 * MS, i * 10 * MS + 50 * US, 31)
    windowed, _ = stats.throughput(window_s=0.5)
    assert windowed.msgs_per_s == pytest.approx(100.0) and windowed.offered_msgs_per_s == pytest.approx(100.0)
    # a constant delay is not time the path took: 10 probes at 100/s, each 100 ms late, are
    # 100 msgs/s over their 0.1 s window (first send to last arrival gave 52)
    stats = RunStats(start_ns=0)
    for i in range(10):
        stats.on_sent(i * 10 * MS, i * 10 * MS)
        stats.on_received(i * 10 * MS, i * 10 * MS, i * 10 * MS + 100 * MS, 31)
    assert stats.throughput()[0].msgs_per_s == pytest.approx(10 / 0.19)
    assert stats.throughput(window_s=0.1)[0].msgs_per_s == pytest.approx(100.0)
    # arrivals bunched at the end of a 5 s window (a device that held them): over the window
    stats = RunStats(start_ns=0)
    for i in range(396):
        stats.on_sent(i * 12 * MS, i * 12 * MS)
        stats.on_received(i * 12 * MS, i * 12 * MS, 4_600 * MS + i * MS, 31)
    assert stats.throughput(window_s=5.0)[0].msgs_per_s == pytest.approx(396 / 5.0)


def test_timeline_buckets_by_second() -> None:
    tl = Timeline(start_ns=5 * S)
    # second 0: 3 sent, 2 received with latencies 1 ms and 3 ms; second 2: one lost.
    for k in range(3):
        tl.on_sent(5 * S + k * 100 * MS)
    tl.on_received(5 * S + 200 * MS, 1 * MS, 40)
    tl.on_received(5 * S + 900 * MS, 3 * MS, 60)
    tl.on_lost(7 * S + 1)
    rows = tl.rows()
    assert [r.t_s for r in rows] == [0, 1, 2]
    assert (rows[0].sent, rows[0].received, rows[0].bytes, rows[0].lost) == (3, 2, 100, 0)
    assert rows[0].p99_us == pytest.approx(3000, rel=1e-2)
    assert rows[1].received == 0 and rows[1].p99_us is None  # gap filled, nothing arrived
    assert rows[2].lost == 1


def test_timeline_closes_old_seconds_to_bound_memory() -> None:
    tl = Timeline(start_ns=0)
    for second in range(10):
        tl.on_received(second * S, (second + 1) * MS, 10)
    assert len(tl._open) <= 4  # only the last few seconds stay open
    rows = tl.rows()
    assert [round(r.p99_us or 0) for r in rows] == [pytest.approx((s + 1) * 1000, rel=1e-2)
                                                     for s in range(10)]


def test_run_stats_accounting() -> None:
    run = RunStats(start_ns=0)
    for i in range(10):
        run.on_sent(i * MS)
    for i in range(7):
        run.on_received(i * MS, i * MS, i * MS + 50 * US, 48)
    run.on_late(7 * MS, 7 * MS, 7 * MS + 2 * S, 48)
    run.on_lost(8 * MS)
    run.on_lost(9 * MS)
    run.on_duplicate()
    run.on_reordered()
    run.on_corrupted()
    c = run.counts
    assert c.sent == c.received + c.lost + c.late
    assert (c.received, c.lost, c.late, c.duplicated, c.reordered, c.corrupted) == (7, 2, 1, 1, 1, 1)
    assert run.bytes_received == 7 * 48
    # The late message is in the latency tail (hiding it would flatter the percentiles).
    assert run.latency.summary().count == 8
    assert run.latency.summary().max_us == pytest.approx(2e6, rel=1e-3)
