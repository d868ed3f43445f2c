"""Streaming matching (bench.match.StreamMatcher), the clock's figures (RunStats.throughput),
the bounded timeline, fault episodes and the health verdict: pure, no I/O, fed by hand."""
from __future__ import annotations

import random
from array import array
from collections.abc import Callable

import pytest
from hdrh.histogram import HdrHistogram
from radarbench.bench.faults import Episode, FaultLog, merge_sides
from radarbench.bench.health import SenderLag, assess
from radarbench.bench.match import (
    CLOSE_MARGIN_NS,
    FAILED,
    HISTORY_NS,
    ReceiverLog,
    SendBatch,
    StreamMatcher,
    ring_sends,
)
from radarbench.bench.schedule import ConstantRate
from radarbench.bench.stats import HIGHEST_NS, RunStats, Timeline, new_histogram, recorder

MS = 1_000_000
S = 1_000_000_000
LATE = 100 * MS


def matcher(count: int, rate: float = 1000.0, k: int = 1, warmup_ns: int = 0, ring: int | None = None,
            key_modulus: int = 0) -> StreamMatcher:
    sched = ConstantRate(rate / k, -(-count // k))
    return StreamMatcher(sched, 0, k, warmup_ns, LATE, ring=ring or ring_sends(rate / k, LATE, k),
                         key_modulus=key_modulus)


def sends(m: StreamMatcher, first: int, n: int, lag_ns: int = 10_000, failed: tuple[int, ...] = ()) -> None:
    m.on_sends(SendBatch(first, array("q", [FAILED if i in failed else m.schedule.offset_ns(i) + lag_ns
                                            for i in range(first, first + n)])))


def arrivals(m: StreamMatcher, items: list[tuple[int, int]], upto_ns: int, nbytes: int = 34) -> None:
    m.on_arrivals(ReceiverLog(seq=array("q", [s for s, _ in items]), rx_ns=array("q", [t for _, t in items]),
                              nbytes=array("q", [nbytes] * len(items)), upto_ns=upto_ns))


def exact(m: StreamMatcher) -> None:
    c = m.stats.counts
    assert c.sent == c.received + c.lost + c.late, c


def test_every_probe_ends_as_exactly_one_of_received_late_lost() -> None:
    # 100 probes at 1 ms: 10 dropped, 5 duplicated, probe 20 arrives after 21 (reordered),
    # 30 arrives 150 ms after it left (late, within its window), 40 arrives after its window
    # closed (taken back from lost: late), 50's send failed.
    m = matcher(100)
    sends(m, 0, 100, failed=(50,))
    got: list[tuple[int, int]] = []
    for i in range(100):
        t = i * MS + 20_000 + 1_000
        if i % 10 == 9 or i in (30, 40, 50):
            continue
        got.append((i, t))
        if i % 20 == 3:
            got.append((i, t + 1))
    i20 = got.index((20, 20 * MS + 21_000))
    i21 = got.index((21, 21 * MS + 21_000))
    got[i20], got[i21] = (20, 21 * MS + 21_000), (21, 20 * MS + 21_000)  # 21 overtakes 20
    got.append((30, 30 * MS + 150 * MS))
    arrivals(m, got, upto_ns=400 * MS)  # closes sends that left before 400 ms - late_after - margin
    assert m.stats.counts.lost > 0  # 9, 19, ... already declared
    lost_before = m.stats.counts.lost
    arrivals(m, [(40, 2 * S), (3, 2 * S + 1)], upto_ns=2 * S + 10)  # 40 late after close; 3 a duplicate
    assert m.stats.counts.lost == lost_before - 1
    m.finish()
    c = m.stats.counts
    exact(m)
    assert (c.sent, c.late, c.duplicated) == (100, 2, 6)
    assert c.lost == 10 + 1  # every 10th, and the failed send
    assert c.received == 100 - 11 - 2
    assert c.reordered == 3  # 20 behind 21; 30 and 40 behind everything
    assert m.failed_sends == 1 and m.stray == 0


def test_arrivals_before_their_send_is_reported_wait_for_it() -> None:
    # The receiver's batch can reach the parent before the sender's: nothing is lost for it.
    m = matcher(10)
    arrivals(m, [(i, i * MS + 50_000) for i in range(10)], upto_ns=20 * MS)
    assert m.stats.counts.received == 0
    sends(m, 0, 10)
    m.finish()
    assert (m.stats.counts.received, m.stats.counts.lost) == (10, 0)


def test_arrivals_are_matched_in_arrival_order_when_sends_report_late() -> None:
    # 200 probes at 1 ms, delivered with every 10th one held back behind the next (seq 9
    # after 10, 19 after 20, ...): RFC 4737 counts exactly 19 reordered (199's successor
    # never comes: it is last). The sender reports in batches of 25 that come after the
    # arrivals they cover, some arrivals land while their send is unknown: matching them
    # later than those behind them counted some reordered probes as in order.
    m = matcher(200)
    order = []
    for i in range(200):
        if i % 10 == 9 and i + 1 < 200:
            continue
        order.append(i)
        if i % 10 == 0 and i > 0:
            order.append(i - 1)
    assert sorted(order) == list(range(200))
    rx = [(seq, 20 * MS + n * MS) for n, seq in enumerate(order)]
    # The receiver's batches of 20 arrivals alternate with the sender's batches of 25 sends,
    # the sender always behind (its sends 0..24 come after arrivals 0..39, ...).
    known = 0
    for b in range(0, 200, 20):
        arrivals(m, rx[b:b + 20], upto_ns=rx[min(b + 19, 199)][1])
        while known < min(b + 5, 200):
            sends(m, known, 25)
            known += 25
    while known < 200:
        sends(m, known, 25)
        known += 25
    m.finish()
    c = m.stats.counts
    assert (c.reordered, c.received, c.lost, c.late, m.stray) == (19, 200, 0, 0, 0)


def test_an_arrival_for_a_send_far_in_the_future_does_not_hold_the_rest() -> None:
    m = matcher(1000)
    sends(m, 0, 10)
    arrivals(m, [(5, 6 * MS), (900, 7 * MS), (6, 8 * MS)], upto_ns=8 * MS)
    # 900 was meant to leave 0.9 s after the start: it cannot be a reply at 7 ms (stray),
    # and 6 behind it is matched at once.
    assert (m.stats.counts.received, m.stray) == (2, 1)


def test_memory_is_a_fixed_ring_whatever_the_length() -> None:
    # 200,000 probes through a ring of 4096 sends: the ring never grows, the counts add up,
    # and an arrival older than the ring is counted too_old rather than guessed at.
    m = matcher(200_000, rate=10_000, ring=4096)
    size = (len(m._actual), len(m._seen))
    step = 1000
    for first in range(0, 200_000, step):
        sends(m, first, step)
        got = [(i, m.schedule.offset_ns(i) + 60_000) for i in range(first, first + step) if i % 1000]
        arrivals(m, got, upto_ns=m.schedule.offset_ns(first + step))
    arrivals(m, [(5, 30 * S)], upto_ns=30 * S)
    m.finish()
    exact(m)
    assert (len(m._actual), len(m._seen)) == size
    assert m.stats.counts.lost == 200 and m.too_old == 1
    assert len(m.stats.timeline.rows()) <= 21


def test_warmup_probes_are_left_out() -> None:
    m = matcher(100, warmup_ns=20 * MS)
    sends(m, 0, 100)
    arrivals(m, [(i, i * MS + 30_000) for i in range(100)], upto_ns=S)
    m.finish()
    assert (m.stats.counts.sent, m.stats.counts.received) == (80, 80)


def test_key_matching_resolves_seq_modulo() -> None:
    m = matcher(10_000, rate=10_000, key_modulus=4096)
    sends(m, 0, 10_000)
    log = ReceiverLog(upto_ns=2 * S)
    for i in range(10_000):
        if i != 5000:
            log.key.append(i % 4096)
            log.key_rx_ns.append(m.schedule.offset_ns(i) + 30_000)
            log.key_nbytes.append(34)
    m.on_arrivals(log)
    m.finish()
    c = m.stats.counts
    assert (c.received, c.lost, c.duplicated) == (9_999, 1, 0)


def test_sender_lag_and_late_sends() -> None:
    m = matcher(100)
    m.lag.late_bound_ns = MS
    sends(m, 0, 90, lag_ns=20_000)
    sends(m, 90, 10, lag_ns=3 * MS)
    assert m.late_sends == 10
    assert m.sender_lag.get_max_value() == pytest.approx(3 * MS, rel=1e-3)


def test_fast_recorder_matches_hdrh() -> None:
    rng = random.Random(7)
    for hist_args in ((1, HIGHEST_NS, 3), (1_000, HIGHEST_NS, 2)):
        a, b = HdrHistogram(*hist_args), HdrHistogram(*hist_args)
        rec = recorder(b)
        for _ in range(5000):
            v = int(10 ** rng.uniform(0, 11)) if rng.random() < 0.95 else rng.randint(0, 2000)
            v = min(v, HIGHEST_NS)
            a.record_value(v)
            rec(v)
        assert a.get_total_count() == b.get_total_count()
        assert (a.get_min_value(), a.get_max_value()) == (b.get_min_value(), b.get_max_value())
        assert list(a.counts) == list(b.counts)
    assert new_histogram().get_total_count() == 0


def test_throughput_comes_from_the_clock() -> None:
    # 100 messages meant for one second arrive over 4 s (a slow line), the first 1 s after
    # it left: 100 received over the 4.96 s from the first send to the last arrival.
    run = RunStats(start_ns=0)
    for i in range(100):
        run.on_sent(i * 10 * MS, i * 10 * MS)
        run.on_received(i * 10 * MS, i * 10 * MS, S + i * 40 * MS, 50)
    tp, raw = run.throughput()
    assert tp.msgs_per_s == pytest.approx(100 / 4.96)
    assert tp.bytes_per_s == pytest.approx(5000 / 4.96)
    assert tp.span_s == pytest.approx(4.96)
    assert tp.offered_msgs_per_s == pytest.approx(100.0)
    assert raw is None and tp.line_utilization is None
    # 100 frames of 40 octets over a 1000 octets/s line: 3.96 s plus one frame (0.04 s) -> 100 %.
    tp, raw = run.throughput(1000.0, 4000)
    assert tp.line_utilization == pytest.approx(1.0) and raw is None
    # A transport that over-counts: clamped to 100 %, the raw figure returned to be shown.
    tp, raw = run.throughput(1000.0, 8000)
    assert tp.line_utilization == 1.0 and raw == pytest.approx(8000 / (3.96 + 0.08) / 1000)


def test_throughput_of_a_device_that_stops_answering_is_over_the_whole_run() -> None:
    # 1000 msgs/s for 5 s; the device answers the first 0.4 s only (400 received, 2 ms
    # each). Received over first-to-last arrival said ~1000 msgs/s; the run's span says 80.
    run = RunStats(start_ns=0)
    for i in range(5000):
        run.on_sent(i * MS, i * MS + 20_000)
        if i < 400:
            run.on_received(i * MS, i * MS + 20_000, i * MS + 2 * MS, 50)
    tp, _ = run.throughput()
    assert tp.span_s == pytest.approx(4.999, abs=1e-3)
    assert tp.msgs_per_s == pytest.approx(400 / 4.999, rel=1e-3)
    assert tp.offered_msgs_per_s == pytest.approx(1000.0, rel=1e-3)


def test_one_instant_is_no_rate() -> None:
    run = RunStats(start_ns=0)
    for i in range(4):  # one datagram of 4 probes
        run.on_received(0, 0, 5 * MS, 10)
    tp, _ = run.throughput()
    assert tp.msgs_per_s == 0.0 and run.counts.received == 4


def test_timeline_stays_bounded_and_keeps_its_totals() -> None:
    tl = Timeline(start_ns=0, max_rows=100)
    sent = 0
    for second in range(1000):
        for j in range(3):
            tl.on_sent(second * S + j)
            sent += 1
        tl.on_received(second * S + 5, (second % 7 + 1) * MS, 10)
        if second % 100 == 0:
            tl.on_lost(second * S)
    rows = tl.rows()
    assert len(rows) <= 100
    assert sum(r.sent for r in rows) == sent and sum(r.lost for r in rows) == 10
    assert sum(r.received for r in rows) == 1000
    assert {r.width_s for r in rows} == {16} and rows[1].t_s == 16
    assert rows[0].to_dict()["width_s"] == 16
    assert max(r.p99_us or 0 for r in rows) == pytest.approx(7000, rel=0.02)


def test_an_outage_is_one_episode_through_interleaved_successes() -> None:
    # ICMP unreachable on a connected UDP socket: every other send fails for 5 s.
    log = FaultLog("send", quiet_gap_ns=100 * MS)
    for i in range(5000):
        t = i * MS
        if i % 2:
            log.error(ConnectionRefusedError(111, "Connection refused"), t)
        else:
            log.ok(t)
    for i in range(5000, 5500):
        log.ok(i * MS)
    # a second outage later is a second episode
    log.error(ConnectionRefusedError(111, "Connection refused"), 10 * S)
    eps = log.close()
    assert len(eps) == 2
    first = eps[0].to_fault(0)
    assert first.errors == 2500 and first.side == "send" and first.kind == "unreachable"
    assert first.duration_s == pytest.approx(5.0, abs=0.01)


def test_one_outage_seen_by_both_sides_is_one_fault() -> None:
    a = Episode("send", "unreachable", "x", 0, 900 * MS, 1000 * MS, errors=400)
    b = Episode("recv", "unreachable", "y", 5 * MS, 950 * MS, 960 * MS, errors=300)
    c = Episode("recv", "unreachable", "y", 5 * S, 6 * S, 6 * S, errors=3)
    merged = merge_sides([b, a, c])
    assert [(e.errors, e.side) for e in merged] == [(700, "send"), (3, "recv")]
    assert merged[0].end_ns == 1000 * MS


def lagged(rate: float, seconds: float, own_ns: Callable[[int], int],
           blocked_ns: Callable[[int], int] = lambda i: 0, late_bound_ns: int = MS) -> SenderLag:
    """A SenderLag fed as the sender would: send i meant for i / rate, leaving after the
    previous one's write (blocked_ns(i - 1) long) plus own_ns(i) of the bench's own delay."""
    lag = SenderLag(late_bound_ns)
    gap = int(S / rate)
    free = 0
    for i in range(int(rate * seconds)):
        intended = i * gap
        own = own_ns(i)
        actual = max(intended, free) + own
        lag.add(intended, actual, own)
        free = actual + blocked_ns(i)
    return lag


def health(sender: SenderLag | None, rate: float = 1000.0, **kw: object) -> dict:
    args: dict = {"sends_per_s": rate, "late_after_ns": S, "rx_queue_drops": 0, "receiver_lag": None,
                  "host_cpu_pressure": 0.7}
    args.update(kw)
    return assess(sender=sender, **args)


def hist_of(value_ns: int, n: int = 1000) -> HdrHistogram:
    h = HdrHistogram(1, HIGHEST_NS, 3)
    for _ in range(n):
        h.record_value(value_ns)
    return h


def test_health_a_quiet_bench_is_healthy_with_no_warnings() -> None:
    ok = health(lagged(1000, 5, lambda i: 50_000), receiver_lag=hist_of(200_000))
    assert (ok["overloaded"], ok["reasons"], ok["warnings"]) == (False, [], [])
    assert ok["sender_own_lag_us"]["p99"] == pytest.approx(50, rel=0.01)
    assert ok["sender_behind_ms"] == pytest.approx(0.05, rel=0.01)


def test_health_a_busy_host_that_keeps_up_is_a_warning_not_an_overload() -> None:
    # What two busy loops do on 2 cores: the sender loses its core for 2-25 ms before 1 %
    # of its sends, and catches up after each stall (a send costs it 20 us, 1 ms apart).
    # The figures hold (corrected latency includes the lag).
    rng = random.Random(1)
    busy = lagged(1000, 5, lambda i: rng.randint(2, 25) * MS if rng.random() < 0.01 else 20_000)
    h = health(busy, receiver_lag=hist_of(4 * MS))
    assert h["overloaded"] is False and h["reasons"] == []
    assert any("sender lag p99" in w for w in h["warnings"])
    assert any("late by the bench" in w for w in h["warnings"])
    assert h["warnings"][-1] == "host CPU pressure 70% of the run"
    # At 200 msgs/s (5 ms apart) the same delays are no warning of lag growing.
    assert health(lagged(200, 5, lambda i: 3 * MS), rate=200)["overloaded"] is False


def test_health_receive_queue_drops_are_an_overload() -> None:
    h = health(lagged(1000, 1, lambda i: 10_000), rx_queue_drops=2)
    assert h["overloaded"] is True and "2 datagrams dropped" in h["reasons"][0]
    assert h["reasons"][-1] == "host CPU pressure 70% of the run"


def test_health_a_bench_that_falls_behind_cumulatively_is_overloaded() -> None:
    # Each send costs the bench 20 us at 60,000/s (16.7 us apart): it never catches up, and
    # after 4-5 s its sends leave 0.8-1 s late, though no one send is late by itself.
    h = health(lagged(60_000, 5, lambda i: 20_000), rate=60_000)
    assert h["overloaded"] is True
    assert any("could not offer the load" in r for r in h["reasons"]), h
    assert h["sender_behind_ms"] > 700  # the least of its last second (at 4 s of 5)
    # A send costing 1 % more than its interval from 1 s on: 30-40 ms behind in the last
    # second of a 5 s run, under max(50 ms, 5 % of the run): a warning.
    slow_end = health(lagged(1000, 5, lambda i: 1_010_000 if i >= 1000 else 10_000))
    assert slow_end["overloaded"] is False
    assert any("behind schedule" in w for w in slow_end["warnings"])


def test_health_own_lag_p99_past_its_bound_is_an_overload() -> None:
    # The sender stalls 80 ms twice a second and catches up after each stall: ~8 % of the
    # sends carry 40-80 ms of the bench's own lag in their latency (the end is on time).
    h = health(lagged(1000, 5, lambda i: 80 * MS if i % 500 == 0 else 10_000))
    assert h["sender_behind_ms"] < 1
    assert h["overloaded"] is True
    assert any(r.startswith("sender lag p99 7") for r in h["reasons"]), h


def test_health_back_pressure_is_not_the_bench() -> None:
    # A 9600 baud line overrun at 50 msgs/s: each write blocks 62.5 ms (the line's time for a
    # frame), so the sends fall 8 s behind in 10 s; the bench's own share is 50 us a send.
    line = lagged(50, 10, lambda i: 50_000, blocked_ns=lambda i: 62_500_000)
    assert line.total.get_max_value() > 6 * S
    h = health(line, rate=50)
    assert h["overloaded"] is False and h["reasons"] == [], h
    assert h["sender_lag_us"]["max"] > 6e6 and h["sender_own_lag_us"]["p99"] < 100


def test_health_receiver_lag_with_kernel_stamps_is_judged_against_late_after() -> None:
    # Stamped: the arrival time is the kernel's; a late read only risks the late/lost call.
    assert health(None, receiver_lag=hist_of(30 * MS), late_after_ns=S)["overloaded"] is False
    warned = health(None, receiver_lag=hist_of(30 * MS), late_after_ns=S)["warnings"]
    assert any("receiver lag p99 30." in w for w in warned)
    h = health(None, receiver_lag=hist_of(300 * MS), late_after_ns=S)
    assert h["overloaded"] is True and "arrivals risk being judged late" in h["reasons"][0]


def test_health_receiver_lag_without_kernel_stamps_inflates_latency() -> None:
    # No stamps (a pty): the read time is the arrival, so its lag is in every latency.
    kw = {"receiver_stamped": False, "latency_p50_ns": 20 * MS}
    assert health(None, receiver_lag=hist_of(2 * MS), **kw)["overloaded"] is False
    assert health(None, receiver_lag=hist_of(2 * MS), **kw)["warnings"]
    h = health(None, receiver_lag=hist_of(8 * MS), **kw)
    assert h["overloaded"] is True and "no kernel stamps" in h["reasons"][0]
    assert h["receiver_lag_stamped"] is False
    # On a line whose latency is 200 ms, 8 ms of reading late is 4 %: a warning.
    slow_line = health(None, receiver_lag=hist_of(8 * MS), receiver_stamped=False, latency_p50_ns=200 * MS)
    assert slow_line["overloaded"] is False and slow_line["warnings"]


def test_ring_covers_the_open_window_and_history() -> None:
    ring = ring_sends(10_000, LATE, 1)
    assert ring >= 10_000 * (LATE + CLOSE_MARGIN_NS + HISTORY_NS) / S
    assert ring & (ring - 1) == 0


def test_a_pause_between_errors_is_not_the_end_of_an_outage() -> None:
    # The bench itself stalled for 150 ms (a busy host) between two refusals of a closed port:
    # nothing proved the link came back, so it is one outage. Only a success after a quiet gap
    # ends an episode; errors after that are a new one.
    refused = ConnectionRefusedError(111, "Connection refused")
    log = FaultLog("recv", quiet_gap_ns=100 * MS)
    log.error(refused, 0)
    log.error(refused, 10 * MS)
    log.error(refused, 160 * MS)          # after a 150 ms stall: the same outage
    log.ok(200 * MS)                      # too soon after the last error to prove anything
    log.error(refused, 210 * MS)
    log.ok(400 * MS)                      # 190 ms without an error: over, at its first success
    log.error(refused, 900 * MS)          # a second outage
    episodes = log.close()
    assert [(e.first_ns, e.errors) for e in episodes] == [(0, 4), (900 * MS, 1)]
    assert episodes[0].end_ns == 400 * MS
