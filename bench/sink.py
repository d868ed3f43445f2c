"""Sink mode (`--send URL` alone): what rate a device accepts, and how long writes block.

The sender of loop mode sends probes on schedule; nothing comes back. A device that cannot
keep up shows it by back-pressure (a serial line or a full TCP window blocks the write) or
by refusing (errors, recorded as faults). The report's counts say how many probes left; its
throughput is the rate the device accepted (`msgs_per_s`) against the rate offered; the
`sink` section has the time the sender spent blocked in writes.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import random
import threading
import time
from typing import Any

from hdrh.histogram import HdrHistogram

from radarbench.bench.engine import (
    _CTL_SLOTS,
    _SENDER_DONE,
    _SENDS,
    _START_MARGIN_NS,
    _STOP,
    NS_PER_S,
    BenchConfig,
    StallWatch,
    hear_unreachable,
    sender_writes,
    BenchReport,
    _attach_health,
    _faults_of,
    _open,
    _quiet_gap_ns,
    _sender_main,
    _utc_now,
    blocked_write_ns,
)
from radarbench.bench.health import (
    assess,
    cpu_pressure_us,
    SenderLag,
    late_send_ns,
    pressure_share,
)
from radarbench.bench.match import FAILED, SendBatch
from radarbench.bench.probe import ProbeCodec
from radarbench.bench.progress import Progress
from radarbench.bench.report import Report, Status
from radarbench.bench.schedule import Schedule
from radarbench.bench.stats import HIGHEST_NS, RunStats, Throughput
from radarbench.rigs import lifeline


class _Tally:
    """What the sender reports, folded as it comes: counts, clock spans and sender lag."""

    def __init__(self, schedule: Schedule, start_ns: int, k: int, late_bound_ns: int) -> None:
        self.schedule = schedule
        self.start_ns = start_ns
        self.k = k
        self.late_bound_ns = late_bound_ns
        self.stats = RunStats(start_ns=start_ns)
        self.sends = 0
        self.ok_sends = 0
        self.lag = SenderLag(late_bound_ns)

    @property
    def late_sends(self) -> int:
        return self.lag.late_sends

    def add(self, batch: SendBatch) -> None:
        offset = self.schedule.offset_ns
        own = batch.own_ns
        for n, (i, t) in enumerate(enumerate(batch.actual_ns, batch.first)):
            self.sends = i + 1
            if t == FAILED:
                continue
            self.ok_sends += 1
            intended = self.start_ns + offset(i)
            self.lag.add(intended, t, own[n] if n < len(own) else None)
            for _ in range(self.k):
                self.stats.on_sent(intended, t)


def run_sink(cfg: BenchConfig, progress: Progress) -> BenchReport:
    """Send on schedule to cfg.send; returns the report (status interrupted after Ctrl-C)."""
    assert cfg.send
    run_id = cfg.run_id if cfg.run_id is not None else random.getrandbits(32)
    codec = ProbeCodec(run_id, cfg.records_per_block, time_of_day_s=time.time() % 86400.0,
                       category=cfg.category)
    schedule = cfg.schedule()
    k = cfg.records_per_block
    sends_per_s = cfg.peak_sends_per_s()
    tx = _open(cfg.send, "--send")
    hear_unreachable(tx)  # as in loop mode: a refused datagram is not one accepted
    threads = cfg.send.startswith("loop://")
    ctx = mp.get_context("fork")
    ctl = ctx.Array("q", _CTL_SLOTS, lock=False)
    parent, child = ctx.Pipe(duplex=False)
    start_ns = time.monotonic_ns() + _START_MARGIN_NS
    started_at = _utc_now()
    pressure_before = cpu_pressure_us()
    tally = _Tally(schedule, start_ns, k, late_send_ns(sends_per_s))
    args = (tx, codec, None, schedule, start_ns, ctl, child, threads, os.getpid(), (parent,),
            _quiet_gap_ns(sends_per_s), True, blocked_write_ns(cfg.send))
    worker: Any = (threading.Thread(target=_sender_main, args=args, daemon=True) if threads
                   else ctx.Process(target=_sender_main, args=args, daemon=True))
    worker.start()
    if not threads:
        child.close()
    status: Status = "ok"
    result: tuple | None = None
    next_tick = start_ns + NS_PER_S
    last_sends, last_tick = 0, start_ns
    # With --duration the run ends on time even if writes block (a slow serial line): what
    # the device accepted in that time is the figure; with --count every message is sent.
    end_ns = start_ns + schedule.span_ns if cfg.count is None else None

    def pump(wait_s: float) -> None:
        nonlocal result
        if not parent.poll(wait_s):
            return
        while result is None:
            try:
                item = parent.recv()
            except EOFError:
                result = ("sender", [], {})
                return
            if isinstance(item, SendBatch):
                tally.add(item)
            else:
                result = item
            if not parent.poll():
                return

    stall = StallWatch(start_ns, sends_per_s, blocked_write_ns(cfg.send) is not None)
    stalled = None
    try:
        while result is None:
            if end_ns is not None and time.monotonic_ns() >= end_ns:
                ctl[_STOP] = 1
            pump(0.05)
            now = time.monotonic_ns()
            stalled = stall.check(tally.sends, now)
            if stalled is not None:  # a write blocked for good: the sender is killed below
                progress.note(f"stalled: {stalled.detail}")
                ctl[_STOP] = 1
                break
            if now >= next_tick:
                sends = ctl[_SENDS]
                rate = (sends - last_sends) * k / ((now - last_tick) / NS_PER_S)
                progress.update({"t_s": round((now - start_ns) / NS_PER_S), "rate_msgs_per_s": round(rate, 1),
                                 "sent": tally.stats.counts.sent})
                last_sends, last_tick = sends, now
                next_tick += NS_PER_S
    except KeyboardInterrupt:
        status = "interrupted"
        ctl[_STOP] = 1
        end_wait = time.monotonic_ns() + 3 * NS_PER_S
        try:
            while result is None and time.monotonic_ns() < end_wait:
                pump(0.05)
        except KeyboardInterrupt:
            pass
    lifeline.hold()  # the measurement is over (engine.run_bench)
    worker.join(timeout=2.0)
    if not threads and worker.is_alive():
        worker.kill()
    tx.close()
    parent.close()
    wall_ns = time.monotonic_ns() - start_ns

    _, episodes, writes = result or ("sender", [], sender_writes(ctl))
    stats = tally.stats
    ok_sends = tally.ok_sends
    done_ns = ctl[_SENDER_DONE] or time.monotonic_ns()
    span_s = max((done_ns - start_ns) / NS_PER_S, 1e-9) if tally.sends else 0.0
    faults = _faults_of(list(episodes) + ([stalled] if stalled is not None else []), start_ns)
    if status == "ok" and faults:
        status = "fault"
    line = getattr(tx, "bytes_per_s", None) or cfg.line_bytes_per_s
    report = Report.from_stats(stats, duration_s=span_s, started_at=started_at,
                               config=cfg.describe("sink"), latency_kind="none",
                               line_bytes_per_s=line, faults=faults, status=status)
    sent_bytes = writes.get("bytes", 0)
    # Accepted: what the device took, per second of the real send span (first to last send
    # that left); offered: the schedule's rate. Utilization: the line's own octets (framing
    # and escapes included, where the transport counts them) over that span.
    tp, raw_util = stats.throughput(line, writes.get("wire_bytes") or sent_bytes or None, line_side="tx")
    # over the schedule's window at least (stats.Span.rate_over): one block of K probes left
    # in one instant is K over its interval, not 0 (nor K over nothing)
    # (--duration: the schedule's whole span, whatever left in it; a stall: until it ended the run)
    window_s = (schedule.span_ns if cfg.count is None else schedule.offset_ns(tally.sends)) / NS_PER_S
    if stalled is not None:  # the run lasted until the stall ended it, not the schedule's span
        window_s = (stalled.last_ns - start_ns) / NS_PER_S
    accepted = stats.departures.rate_over(window_s if tally.sends else None)
    rate_span_s = window_s if tally.sends and window_s else stats.departures.seconds  # the rates' span
    report.throughput = Throughput(offered_msgs_per_s=cfg.rate, msgs_per_s=accepted,
                                   bytes_per_s=accepted * sent_bytes / max(ok_sends * k, 1),
                                   line_utilization=tp.line_utilization,
                                   span_s=round(rate_span_s, 6))
    # Every scheduled message is accounted for: it left (counts.sent) or it did not
    # (not_sent: the run's time was up while writes blocked on a slow line, it was
    # interrupted, or the send failed: failed_sends are among them). NEWCOMER #7: 200
    # scheduled on a 9600 baud line, 66 left, and 134 appeared nowhere.
    scheduled = schedule.count * k
    section = {
        "offered_msgs_per_s": cfg.rate,
        "accepted_msgs_per_s": round(accepted, 3),
        "scheduled": scheduled,
        "not_sent": max(scheduled - stats.counts.sent, 0),
        "sends": tally.sends,
        "failed_sends": tally.sends - ok_sends,
        "blocked_in_write_s": round(writes.get("blocked_ns", 0) / NS_PER_S, 6),
        "blocked_share": round(writes.get("blocked_ns", 0) / NS_PER_S / span_s, 6) if span_s else 0.0,
        "slowest_write_us": round(writes.get("slowest_ns", 0) / 1000, 3),
        "writes_over_1ms": writes.get("slow_writes", 0),
        "bytes": sent_bytes,
    }
    if raw_util is not None:
        section["line_utilization_clamped_from"] = round(raw_util, 4)
    out = BenchReport.of(report, sink=section)
    # A sink's sender blocked by the device is the measurement, not an overloaded bench: its
    # lag is split (health.SenderLag), and only the bench's own share is judged.
    health = assess(sender=tally.lag if ok_sends else None, sends_per_s=sends_per_s,
                    late_after_ns=cfg.late_after_ns, rx_queue_drops=None, receiver_lag=None,
                    receiver_stamped=None,
                    host_cpu_pressure=pressure_share(pressure_before, cpu_pressure_us(), wall_ns))
    _attach_health(out, health)
    return out
