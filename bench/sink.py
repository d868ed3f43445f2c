"""Sink mode (`--send URL` alone): what rate a device accepts, and how long writes block.

The sender of loop mode sends probes on schedule; nothing comes back. A device that cannot
keep up shows it by back-pressure (a serial line or a full TCP window blocks the write) or
by refusing (errors, recorded as faults). The report's counts say how many probes left; its
throughput is the rate the device accepted (`msgs_per_s`) against the rate offered; the
`sink` section has the time the sender spent blocked in writes.
"""
from __future__ import annotations

import multiprocessing as mp
import random
import threading
import time
from array import array
from typing import Any

from radarbench.bench.engine import (
    _CTL_SLOTS,
    _SENDER_DONE,
    _SENDS,
    _START_MARGIN_NS,
    _STOP,
    NS_PER_S,
    BenchConfig,
    BenchReport,
    _faults_of,
    _open,
    _sender_main,
    _utc_now,
)
from radarbench.bench.match import FAILED
from radarbench.bench.probe import ProbeCodec
from radarbench.bench.progress import Progress
from radarbench.bench.report import Report, Status
from radarbench.bench.stats import RunStats, Throughput


def run_sink(cfg: BenchConfig, progress: Progress) -> BenchReport:
    """Send on schedule to cfg.send; returns the report (status interrupted after Ctrl-C)."""
    assert cfg.send
    run_id = cfg.run_id if cfg.run_id is not None else random.getrandbits(32)
    codec = ProbeCodec(run_id, cfg.records_per_block, time_of_day_s=time.time() % 86400.0)
    schedule = cfg.schedule()
    k = cfg.records_per_block
    tx = _open(cfg.send, "--send")
    threads = cfg.send.startswith("loop://")
    ctx = mp.get_context("fork")
    ctl = ctx.Array("q", _CTL_SLOTS, lock=False)
    parent, child = ctx.Pipe(duplex=False)
    start_ns = time.monotonic_ns() + _START_MARGIN_NS
    started_at = _utc_now()
    args = (tx, codec, None, schedule, start_ns, ctl, child, threads)
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
    try:
        while result is None:
            if end_ns is not None and time.monotonic_ns() >= end_ns:
                ctl[_STOP] = 1
            if parent.poll(0.05):
                try:
                    result = parent.recv()
                except EOFError:
                    result = (b"", [], {})
            now = time.monotonic_ns()
            if now >= next_tick:
                sends = ctl[_SENDS]
                rate = (sends - last_sends) * k / ((now - last_tick) / NS_PER_S)
                progress.update({"t_s": round((now - start_ns) / NS_PER_S), "rate_msgs_per_s": round(rate, 1),
                                 "sent": sends * k})
                last_sends, last_tick = sends, now
                next_tick += NS_PER_S
    except KeyboardInterrupt:
        status = "interrupted"
        ctl[_STOP] = 1
        try:
            if parent.poll(3.0):
                result = parent.recv()
        except (EOFError, KeyboardInterrupt):
            pass
    worker.join(timeout=2.0)
    if not threads and worker.is_alive():
        worker.kill()
    tx.close()

    actual_bytes, episodes, writes = result or (b"", [], {})
    actual = array("q")
    actual.frombytes(actual_bytes)
    stats = RunStats(start_ns=start_ns)
    ok_sends = 0
    for i, t in enumerate(actual):
        if t != FAILED:
            ok_sends += 1
            for _ in range(k):
                stats.on_sent(start_ns + schedule.offset_ns(i))
    done_ns = ctl[_SENDER_DONE] or time.monotonic_ns()
    span_s = max((done_ns - start_ns) / NS_PER_S, 1e-9) if actual else 0.0
    faults = _faults_of(list(episodes), start_ns)
    if status == "ok" and faults:
        status = "fault"
    line = getattr(tx, "bytes_per_s", None) or cfg.line_bytes_per_s
    report = Report.from_stats(stats, duration_s=span_s, started_at=started_at,
                               config=cfg.describe("sink"), latency_kind="none",
                               line_bytes_per_s=line, faults=faults, status=status)
    sent_bytes = writes.get("bytes", 0)
    # Accepted: what the device took, per second of the run (the schedule's offer beside it).
    report.throughput = Throughput(
        offered_msgs_per_s=cfg.rate,
        msgs_per_s=ok_sends * k / span_s if span_s else 0.0,
        bytes_per_s=sent_bytes / span_s if span_s else 0.0,
        # the line's own octets (framing and escapes included) where the transport counts them
        line_utilization=((writes.get("wire_bytes") or sent_bytes) / span_s / line) if (line and span_s) else None,
    )
    return BenchReport.of(report, sink={
        "offered_msgs_per_s": cfg.rate,
        "accepted_msgs_per_s": round(ok_sends * k / span_s, 3) if span_s else 0.0,
        "sends": len(actual),
        "failed_sends": len(actual) - ok_sends,
        "blocked_in_write_s": round(writes.get("blocked_ns", 0) / NS_PER_S, 6),
        "blocked_share": round(writes.get("blocked_ns", 0) / NS_PER_S / span_s, 6) if span_s else 0.0,
        "slowest_write_us": round(writes.get("slowest_ns", 0) / 1000, 3),
        "writes_over_1ms": writes.get("slow_writes", 0),
        "bytes": sent_bytes,
    })
