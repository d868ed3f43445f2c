"""The measuring engine: run a bench (loop, source or sink) and return its report.

    from radarbench.bench.engine import BenchConfig, run_bench, bench
    report = run_bench(BenchConfig(send="udp://127.0.0.1:8600", recv="udp://127.0.0.1:8600",
                                   rate=500, duration_s=3))
    report = bench(send=URL, recv=URL, rate=500, duration=3)   # the same, pytest-fixture style
    assert report.counts.lost == 0 and report.latency.p99_s < 5e-3

Loop mode (send and recv): a sender process sends probe blocks on an open-loop schedule and
never waits for replies; a receiver process stamps and parses what comes back and streams it
to this (parent) process, which shows progress, decides when the drain is over, and matches
everything at the end (radarbench.bench.match). Both children read time.monotonic_ns(), which
is one system-wide clock on Linux. Transports that cannot be shared across a fork (loop://,
one TCP connection used both ways) run the two sides as threads instead.

Source mode (recv alone) and sink mode (send alone) live in radarbench.bench.source and
radarbench.bench.sink; `--find-max` repeats loop runs (radarbench.bench.findmax).

The report is always returned: after Ctrl-C with status "interrupted", after faults with
status "fault" and the faults listed.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import threading
import time
from array import array
from dataclasses import dataclass, field, fields
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_any
from typing import Any

from hdrh.histogram import HdrHistogram

from radarbench.bench.clock import wall_minus_mono_ns
from radarbench.bench.faults import Episode, FaultLog
from radarbench.bench.match import FAILED, Matcher, ReceiverLog, SenderLog
from radarbench.bench.probe import Corrupted, ProbeCodec, parse_match_keys
from radarbench.bench.progress import Mode, Progress
from radarbench.bench.report import Report, Status
from radarbench.bench.schedule import Bursts, ConstantRate, Ramp, Schedule
from radarbench.bench.verdict import check_limit_keys, settle
from radarbench.rigs.lifeline import die_with_parent
from radarbench.rigs.transports import Transport
from radarbench.rigs.transports import open as open_transport

NS_PER_S = 1_000_000_000
# Time given to the children to start before the first intended send: a fork is ~1 ms, but
# a loaded CI box can be slow to schedule a new process.
_START_MARGIN_NS = 150_000_000
# Receiver batches reach the parent this often (progress, early end of the drain).
_BATCH_NS = 100_000_000
# Sleep until this close to a send, then spin: time.sleep overshoots by ~60 us here.
_SPIN_NS = 120_000
# The spin yields the core on every turn. On 2 cores a bench (sender, receiver) and a device
# are three processes; at high rates the gaps between sends are shorter than _SPIN_NS, and a
# spin that keeps its core left the device one core to share with the receiver: through
# `emulate echo` the zero-loss ceiling was ~43k msgs/s, with the yield ~70-76k. At 1k msgs/s
# the round-trip p50 stayed at 40 us, corrected equal to uncorrected (the sends stay on time).
# After a send with time to spare before the next, the sender yields once more: the socket
# write woke the device on this core (a sync wake-up), and the sender's bookkeeping would
# otherwise run first; the 1k msgs/s round trip through `emulate echo` fell from ~40 to ~29 us
# (plain ping-pong in the same run: ~14 us).
_yield = os.sched_yield
# After Ctrl-C, wait at most this long for probes in flight.
_INTERRUPT_DRAIN_NS = 300_000_000

# Slots of the control array shared with the children.
_SENDS = 0        # sends made so far (sender writes)
_SENDER_DONE = 1  # monotonic ns when the sender finished (0: still sending)
_RX_STOP = 2      # monotonic ns at which the receiver stops (0: not yet decided)
_STOP = 3         # non-zero: the sender stops at once (Ctrl-C)
_CTL_SLOTS = 4


class ConfigError(ValueError):
    """A bench configuration that cannot run (one line, for the CLI's UserError)."""


@dataclass
class BenchConfig:
    """Everything one `radarbench bench` run needs.

    send/recv: transport URLs (both: loop mode; recv alone: source; send alone: sink).
    rate: probe messages per second (records, not datagrams: a block of K records is one send).
    duration_s / count: how long, or how many messages (count wins when both are given).
    warmup_s: messages meant to leave in the first warmup_s are left out of every figure.
    records_per_block: probes per datagram / data block.
    drain_s: how long the receiver waits after the last send; late_after_s: an arrival later
    than this after its send counts late (default: drain_s).
    burst: sends per burst (1: evenly spaced); ramp: (from, to) messages per second.
    match_keys: "161.TRN,070.MODE3A" to match rewritten messages by key fields.
    find_max: search for the highest rate without loss (and p99 under max_p99_ms if given):
    steps of find_max_step_s seconds (None: duration_s / count), x find_max_growth up from
    rate (or / it down to find_max_floor msgs/s), then bisection to find_max_resolution (a
    share: 0.05 is 5 %); see radarbench.bench.findmax.
    limits: limit key -> value (radarbench.bench.verdict.LIMIT_KEYS, as in rig files); a
    broken one makes the verdict "fail".
    progress: auto | tty | plain | quiet; json_stream: file path or "-" for per-second lines.
    """

    send: str | None = None
    recv: str | None = None
    rate: float = 100.0
    duration_s: float | None = 5.0
    count: int | None = None
    warmup_s: float = 0.0
    category: int = 48
    records_per_block: int = 1
    drain_s: float = 1.0
    late_after_s: float | None = None
    burst: int = 1
    ramp: tuple[float, float] | None = None
    match_keys: str | None = None
    find_max: bool = False
    max_p99_ms: float | None = None
    find_max_step_s: float | None = None
    find_max_resolution: float = 0.05
    find_max_growth: float = 2.0
    find_max_floor: float = 1.0
    progress: Mode = "quiet"
    json_stream: str | None = None
    run_id: int | None = None
    line_bytes_per_s: float | None = None
    extra_config: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, float] = field(default_factory=dict)

    def mode(self) -> str:
        """loop, source or sink. Raises ConfigError if neither URL is given."""
        if self.send and self.recv:
            return "loop"
        if self.recv:
            return "source"
        if self.send:
            return "sink"
        raise ConfigError("give --send URL, --recv URL, or both")

    def check(self) -> None:
        """Raise ConfigError (one line) for settings that cannot run."""
        self.mode()
        if not self.rate > 0:
            raise ConfigError(f"--rate must be positive, not {self.rate:g}")
        if self.count is not None and self.count < 1:
            raise ConfigError(f"--count must be >= 1, not {self.count}")
        if self.count is None and (self.duration_s is None or not self.duration_s > 0):
            raise ConfigError("give a positive --duration S or --count N")
        if self.warmup_s < 0 or self.drain_s < 0:
            raise ConfigError("--warmup and --drain must be >= 0")
        if self.count is None and self.duration_s is not None and self.warmup_s >= self.duration_s:
            raise ConfigError(f"--warmup {self.warmup_s:g} s leaves nothing of a {self.duration_s:g} s run")
        if self.category != 48:
            raise ConfigError(f"probes are CAT048 plots; --category {self.category} is not supported")
        if not 1 <= self.records_per_block <= 2000:
            raise ConfigError(f"--records-per-block must be 1..2000, not {self.records_per_block}")
        if self.burst < 1:
            raise ConfigError(f"--burst must be >= 1, not {self.burst}")
        if self.match_keys:
            try:
                parse_match_keys(self.match_keys)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        try:
            check_limit_keys(self.limits)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    @property
    def late_after_ns(self) -> int:
        return int((self.drain_s if self.late_after_s is None else self.late_after_s) * NS_PER_S)

    def schedule(self, rate: float | None = None) -> Schedule:
        """The send schedule (sends, not messages: rate / records_per_block per second)."""
        k = self.records_per_block
        rate = self.rate if rate is None else rate
        sends_per_s = rate / k
        if self.ramp is not None:
            if self.count is not None:
                raise ConfigError("--ramp runs for --duration, not --count")
            return Ramp(self.ramp[0] / k, self.ramp[1] / k, float(self.duration_s or 0))
        if self.count is not None:
            sends = -(-self.count // k)
        else:
            sends = max(1, round(float(self.duration_s or 0) * sends_per_s))
        if self.burst > 1:
            return Bursts(sends_per_s, self.burst, sends)
        return ConstantRate(sends_per_s, sends)

    def describe(self, mode: str, rate: float | None = None) -> dict[str, Any]:
        """The report's `config` section."""
        cfg: dict[str, Any] = {
            "mode": mode,
            "tx": self.send,
            "rx": self.recv,
            "rate": self.rate if rate is None else rate,
            "duration_s": self.duration_s,
            "count": self.count,
            "warmup_s": self.warmup_s,
            "drain_s": self.drain_s,
            "late_after_s": self.late_after_ns / NS_PER_S,
            "category": self.category,
            "records_per_block": self.records_per_block,
            "editions": {"48": "1.32"},
            "match_keys": self.match_keys,
        }
        if mode != "source":
            cfg["schedule"] = self.schedule(rate).describe()
        cfg.update(self.extra_config)
        return cfg


@dataclass
class BenchReport(Report):
    """A Report with the bench's own sections (find_max, source, sink, match) at top level."""

    sections: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, report: Report, **sections: Any) -> BenchReport:
        """Wrap a Report, adding sections."""
        base = {f.name: getattr(report, f.name) for f in fields(Report) if f.name != "sections"}
        extra = dict(getattr(report, "sections", {}))
        extra.update(sections)
        return cls(**base, sections=extra)

    def to_dict(self) -> dict[str, Any]:
        doc = super().to_dict()
        for key, value in self.sections.items():
            doc.setdefault(key, value)
        return doc


# --------------------------------------------------------------------------- children


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides how the run ends, and
    # the children must live on to hand over what they logged.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _sender_main(tx: Transport, codec: ProbeCodec | None, payload: bytes | None,
                 schedule: Schedule, start_ns: int, ctl: Any, conn: Connection,
                 in_process: bool) -> None:
    """Send on schedule; ship (actual_ns array, fault episodes, write timing) to the parent."""
    if not in_process:
        die_with_parent()  # exits within a second of the bench's death (SIGKILL included)
        _ignore_sigint()
    faults = FaultLog("send")
    actual = array("q")
    k = codec.k if codec is not None else 1
    blocked_ns = 0
    slowest_ns = 0
    slow_writes = 0
    sent_bytes = 0
    mono = time.monotonic_ns
    offset = schedule.offset_ns
    send = tx.send
    try:
        for i in range(schedule.count):
            if ctl[_STOP]:
                break
            # The block is ready before the wait, so that the send leaves on time.
            data = bytes(codec.fill(i * k)) if codec is not None else payload
            assert data is not None
            due = start_ns + offset(i)
            now = mono()
            if due - now > _SPIN_NS:
                time.sleep((due - now - _SPIN_NS) / NS_PER_S)
                now = mono()
            while now < due:
                _yield()
                now = mono()
            t0 = mono()
            try:
                send(data)
            except OSError as exc:  # TransportError is an OSError too
                t1 = mono()
                actual.append(FAILED)
                faults.error(exc, t1)
            else:
                t1 = mono()
                if start_ns + offset(i + 1) - t1 > _SPIN_NS:
                    _yield()  # the next send is not close: let what we just woke run first
                actual.append(t0)
                sent_bytes += len(data)
                if faults.failing:
                    faults.ok(t1)
            took = t1 - t0
            blocked_ns += took
            slowest_ns = max(slowest_ns, took)
            if took > 1_000_000:
                slow_writes += 1
            ctl[_SENDS] = i + 1
    finally:
        ctl[_SENDER_DONE] = mono()
        conn.send((actual.tobytes(), faults.episodes,
                   {"blocked_ns": blocked_ns, "slowest_ns": slowest_ns, "slow_writes": slow_writes,
                    "bytes": sent_bytes, "wire_bytes": getattr(tx, "wire_bytes_sent", None)}))
        conn.close()


def _receiver_main(rx: Transport, codec: ProbeCodec, ctl: Any, conn: Connection,
                   in_process: bool) -> None:
    """Receive until told to stop; stream ReceiverLog batches, then (None, fault episodes,
    octets its line took in or None)."""
    if not in_process:
        die_with_parent()  # exits within a second of the bench's death (SIGKILL included)
        _ignore_sigint()
    faults = FaultLog("recv")
    mono = time.monotonic_ns
    # Kernel stamps are CLOCK_REALTIME; the run's clock is CLOCK_MONOTONIC. The offset is
    # read once: both tick at the same rate unless NTP steps the wall clock mid-run, which the
    # sanity bound below catches.
    wall_minus_mono = wall_minus_mono_ns()
    log = ReceiverLog()
    next_flush = mono() + _BATCH_NS
    parse = codec.parse
    try:
        while True:
            now = mono()
            stop_at = ctl[_RX_STOP]
            if stop_at and now >= stop_at:
                break
            if now >= next_flush:
                conn.send(log)
                log = ReceiverLog()
                next_flush = now + _BATCH_NS
            msg = faults.recv(rx, 0.02, backoff_s=0.005)
            if msg is None:
                continue
            rx_ns = msg.rx_ns
            if msg.rx_kernel_ns is not None:
                kernel_ns = msg.rx_kernel_ns - wall_minus_mono
                if abs(kernel_ns - rx_ns) < 100_000_000:
                    rx_ns = kernel_ns
            data = msg.data
            try:
                parsed = parse(data)
            except Corrupted as exc:
                log.corrupted_rx_ns.append(rx_ns)
                if exc.undecodable:
                    log.undecodable += 1
                continue
            n = len(parsed.seqs) + len(parsed.keys)
            log.foreign += parsed.foreign
            if not n:
                continue
            share = len(data) // n
            for seq in parsed.seqs:
                log.seq.append(seq)
                log.rx_ns.append(rx_ns)
                log.nbytes.append(share)
            for key in parsed.keys:
                log.key.append(key)
                log.key_rx_ns.append(rx_ns)
                log.key_nbytes.append(share)
    finally:
        conn.send(log)
        conn.send((None, faults.episodes, getattr(rx, "wire_bytes_received", None)))
        conn.close()


# --------------------------------------------------------------------------- parent


def _open(url: str, role: str) -> Transport:
    # role is the option ("--send", "--recv"): a --recv URL is opened to receive (binds).
    try:
        return open_transport(url, role="recv" if role == "--recv" else "send")
    except ValueError as exc:  # UrlError: the user's mistake
        raise ConfigError(str(exc)) from None
    except OSError as exc:  # its message starts with the URL
        raise ConfigError(f"cannot open {role} {exc}") from None


def _prepare(tx: Transport, rx: Transport) -> None:
    # Faults must be heard: a unicast UDP sender connected to its peer gets ICMP port
    # unreachable back as an error the run records. And the bench must not be the bottleneck
    # it measures: a burst released by a device after a stall arrives faster than a Python
    # receiver parses, and the default receive buffer (~280 small datagrams) would drop what
    # the path delivered.
    hear = getattr(tx, "hear_unreachable", None)
    if hear is not None:
        hear()
    widen = getattr(rx, "widen_rcvbuf", None)
    if widen is not None:
        widen(_RCVBUF_BYTES)


_RCVBUF_BYTES = 8 << 20


def _share_by_threads(send_url: str, recv_url: str) -> bool:
    # loop:// lives in one process; one TCP connection used both ways keeps its reconnect
    # state in the transport object, which a fork would split in two.
    scheme = send_url.partition("://")[0]
    return scheme == "loop" or (send_url == recv_url and scheme != "udp")


class _Live:
    """The parent's view of a loop run while it goes: counts for progress and early drain."""

    def __init__(self, matcher: Matcher, sends_limit: int, k: int, start_ns: int) -> None:
        self.matcher = matcher
        self.k = k
        self.start_ns = start_ns
        self.seen = bytearray(sends_limit * k)
        self.distinct = 0
        self.corrupted = 0
        self.received_total = 0
        self.lat_ns: list[int] = []  # this second's
        # "p99 so far" for the live line: a histogram of every latency seen (ns, 3 digits)
        self.lat_hist = HdrHistogram(1, 100 * NS_PER_S, 3)
        self.lost_cursor = 0
        self.lost = 0
        self.last_received_total = 0

    def add(self, batch: ReceiverLog) -> None:
        seen = self.seen
        n = len(seen)
        intended = self.matcher.intended_ns
        for seq, rx_ns in zip(batch.seq, batch.rx_ns):
            if 0 <= seq < n and not seen[seq]:
                seen[seq] = 1
                self.distinct += 1
                lat = rx_ns - intended(seq)
                self.lat_ns.append(lat)
                if lat > 0:
                    self.lat_hist.record_value(min(lat, 100 * NS_PER_S))
        for rx_ns in batch.key_rx_ns:
            self.distinct += 1  # approximate live figure; matching resolves keys exactly
        self.received_total += len(batch.seq) + len(batch.key)
        self.corrupted += len(batch.corrupted_rx_ns)

    def advance_lost(self, now_ns: int, sends: int) -> None:
        # Probes meant to leave more than late_after ago and still unseen: lost so far.
        limit = sends * self.k
        horizon = now_ns - self.matcher.late_after_ns
        intended = self.matcher.intended_ns
        while self.lost_cursor < limit and intended(self.lost_cursor) < horizon:
            if not self.seen[self.lost_cursor]:
                self.lost += 1
            self.lost_cursor += 1

    def line(self, now_ns: int, sends: int, dt_s: float) -> dict[str, Any]:
        self.advance_lost(now_ns, sends)
        lat = sorted(self.lat_ns)
        self.lat_ns = []
        p99_1s = lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1e6 if lat else None
        p99 = self.lat_hist.get_value_at_percentile(99) / 1e6 if self.lat_hist.get_total_count() else None
        rate = (self.received_total - self.last_received_total) / dt_s if dt_s > 0 else 0.0
        self.last_received_total = self.received_total
        return {"t_s": round((now_ns - self.start_ns) / NS_PER_S), "rate_msgs_per_s": round(rate, 1),
                "sent": sends * self.k, "received": self.distinct, "lost": self.lost,
                "corrupted": self.corrupted, "p99_ms": None if p99 is None else round(p99, 3),
                "p99_last_s_ms": None if p99_1s is None else round(p99_1s, 3)}


def _faults_of(episodes: list[Episode], start_ns: int) -> list:
    return [ep.to_fault(start_ns) for ep in sorted(episodes, key=lambda e: e.first_ns)]


def run_loop(cfg: BenchConfig, progress: Progress, rate: float | None = None) -> BenchReport:
    """One loop-mode run at `rate` (default cfg.rate). Returns its report, whatever happens."""
    assert cfg.send and cfg.recv
    rate = cfg.rate if rate is None else rate
    run_id = cfg.run_id if cfg.run_id is not None else random.getrandbits(32)
    keys = parse_match_keys(cfg.match_keys) if cfg.match_keys else None
    wall_tod_s = (time.time() % 86400.0)
    codec = ProbeCodec(run_id, cfg.records_per_block, time_of_day_s=wall_tod_s, match_keys=keys)
    schedule = cfg.schedule(rate)
    k = cfg.records_per_block

    tx = _open(cfg.send, "--send")
    try:
        rx = tx if cfg.recv == cfg.send else _open(cfg.recv, "--recv")
    except BaseException:
        tx.close()
        raise
    _prepare(tx, rx)
    threads = _share_by_threads(cfg.send, cfg.recv)
    ctx = mp.get_context("fork")
    ctl = ctx.Array("q", _CTL_SLOTS, lock=False)
    s_parent, s_child = ctx.Pipe(duplex=False)
    r_parent, r_child = ctx.Pipe(duplex=False)
    start_ns = time.monotonic_ns() + _START_MARGIN_NS
    started_at = _utc_now()
    matcher = Matcher(schedule, start_ns, k, int(cfg.warmup_s * NS_PER_S), cfg.late_after_ns,
                      key_modulus=codec.key_modulus if keys else 0)
    sender_args = (tx, codec, None, schedule, start_ns, ctl, s_child, threads)
    receiver_args = (rx, codec, ctl, r_child, threads)
    if threads:
        workers: list[Any] = [threading.Thread(target=_sender_main, args=sender_args, daemon=True),
                              threading.Thread(target=_receiver_main, args=receiver_args, daemon=True)]
    else:
        workers = [ctx.Process(target=_sender_main, args=sender_args, daemon=True),
                   ctx.Process(target=_receiver_main, args=receiver_args, daemon=True)]
    for w in workers:
        w.start()
    if not threads:
        # The children hold their own copies; the parent only listens on the pipes.
        s_child.close()
        r_child.close()

    live = _Live(matcher, schedule.count, k, start_ns)
    got = ReceiverLog()
    sender_result: tuple | None = None
    rx_episodes: list[Episode] | None = None
    rx_wire: list[int | None] = [None]  # octets the receiving line took in, if it is a line
    status: Status = "ok"
    next_tick = start_ns + NS_PER_S
    last_tick = start_ns

    def pump(wait_s: float) -> None:
        nonlocal sender_result, rx_episodes
        ready = wait_any([c for c, done in ((s_parent, sender_result is not None),
                                                      (r_parent, rx_episodes is not None)) if not done],
                                   timeout=wait_s)
        for c in ready:
            try:
                item = c.recv()
            except EOFError:
                # A child died without its last word: treat what it sent as all there is.
                if c is s_parent and sender_result is None:
                    sender_result = (b"", [], {})
                elif c is r_parent and rx_episodes is None:
                    rx_episodes = []
                continue
            if c is s_parent:
                sender_result = item
            elif isinstance(item, ReceiverLog):
                got.extend(item)
                live.add(item)
            else:
                rx_episodes = item[1]
                rx_wire[0] = item[2]

    def tick(now: int) -> None:
        nonlocal next_tick, last_tick
        if now >= next_tick:
            progress.update(live.line(now, ctl[_SENDS], (now - last_tick) / NS_PER_S))
            last_tick = now
            next_tick += NS_PER_S * max(1, (now - next_tick) // NS_PER_S + 1)

    def decide_drain(now: int) -> None:
        if sender_result is not None and not ctl[_RX_STOP]:
            ctl[_RX_STOP] = max(ctl[_SENDER_DONE], 1) + int(cfg.drain_s * NS_PER_S)
        if sender_result is not None and ctl[_RX_STOP] and live.distinct >= len(live.seen[: ctl[_SENDS] * k]) \
                and ctl[_SENDS] > 0 and not keys:
            # Everything arrived: no need to sit out the drain timeout.
            ctl[_RX_STOP] = min(ctl[_RX_STOP], now)

    interrupted = False
    try:
        while rx_episodes is None:
            pump(0.05)
            now = time.monotonic_ns()
            decide_drain(now)
            tick(now)
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        status = "interrupted"
        ctl[_STOP] = 1
        progress.note("interrupted: stopping the sender, draining for "
                      f"{_INTERRUPT_DRAIN_NS / 1e9:g} s")
        deadline = time.monotonic_ns() + _INTERRUPT_DRAIN_NS
        try:
            while rx_episodes is None:
                now = time.monotonic_ns()
                if not ctl[_RX_STOP] or ctl[_RX_STOP] > deadline:
                    ctl[_RX_STOP] = deadline
                pump(0.05)
                if now > deadline + 2 * NS_PER_S:
                    break  # a child that does not answer must not hold the report hostage
        except KeyboardInterrupt:
            pass
    ctl[_STOP] = 1
    ctl[_RX_STOP] = ctl[_RX_STOP] or time.monotonic_ns()
    # Collect the sender's log even if it finished while we were draining.
    end_wait = time.monotonic_ns() + 3 * NS_PER_S
    while (sender_result is None or rx_episodes is None) and time.monotonic_ns() < end_wait:
        try:
            pump(0.05)
        except KeyboardInterrupt:
            break
    for w in workers:
        w.join(timeout=1.0)
        if not threads and w.is_alive():
            w.kill()
    tx.close()
    if rx is not tx:
        rx.close()

    actual_bytes, tx_episodes, write_stats = sender_result or (b"", [], {})
    sent = SenderLog()
    sent.actual_ns.frombytes(actual_bytes)
    result = matcher.match(sent, got)
    episodes = list(tx_episodes) + list(rx_episodes or [])
    faults = _faults_of(episodes, start_ns)
    if status == "ok" and faults:
        status = "fault"
    report = Report.from_stats(result.stats, duration_s=result.duration_s, started_at=started_at,
                               config=cfg.describe("loop", rate), latency_kind="one-way loop",
                               line_bytes_per_s=cfg.line_bytes_per_s or _line_rate(tx, rx),
                               line_bytes=_line_bytes(tx, rx, write_stats.get("wire_bytes"), rx_wire[0],
                                                      result.stats.counts.sent, sent.sends * k),
                               faults=faults, status=status)
    failed_sends = sum(1 for a in sent.actual_ns if a == FAILED)
    return BenchReport.of(report, match={
        "run_id": f"{run_id:08x}",
        "by": "keys" if keys else "tag",
        "stray": result.stray,
        "foreign": got.foreign,
        "failed_sends": failed_sends * k,
        "sends": sent.sends,
        "sender_blocked_s": round(write_stats.get("blocked_ns", 0) / 1e9, 6),
        "processes": "threads" if threads else "processes",
    })


def _line_rate(tx: Transport, rx: Transport) -> float | None:
    return getattr(rx, "bytes_per_s", None) or getattr(tx, "bytes_per_s", None)


def _line_bytes(tx: Transport, rx: Transport, tx_wire: int | None, rx_wire: int | None,
                measured: int, total: int) -> int | None:
    # The octets of the same line whose rate _line_rate picked (the receiving side first),
    # counted over the whole run; the figures cover only the measured messages (warm-up left
    # out), so take their share: probes differ only in their sequence octets, whose escapes
    # change a frame's length by an octet or two at most.
    wire = rx_wire if getattr(rx, "bytes_per_s", None) else tx_wire if getattr(tx, "bytes_per_s", None) else None
    if wire is None or total <= 0:
        return None
    return round(wire * min(measured, total) / total)


def _utc_now() -> str:
    from radarbench.bench.report import utc_now_iso

    return utc_now_iso()


def run_bench(cfg: BenchConfig) -> BenchReport:
    """Run the bench `cfg` describes and return its report (never raises on a fault in the
    path or on Ctrl-C: those are in the report's faults and status). The report's status is
    its verdict (radarbench.bench.verdict.settle, with cfg.limits), decided last.

    Raises ConfigError (a ValueError, one line) for settings or URLs that cannot run.
    """
    cfg.check()
    return settle(_run_mode(cfg), cfg.limits)


def _run_mode(cfg: BenchConfig) -> BenchReport:
    mode = cfg.mode()
    with Progress(cfg.progress, cfg.json_stream) as progress:
        if mode == "loop":
            if cfg.find_max:
                from radarbench.bench.findmax import find_max

                return find_max(cfg, progress)
            return run_loop(cfg, progress)
        if mode == "source":
            from radarbench.bench.source import run_source

            return run_source(cfg, progress)
        from radarbench.bench.sink import run_sink

        return run_sink(cfg, progress)


def bench(send: str | None = None, recv: str | None = None, rate: float = 500.0,
          duration: float | None = 3.0, **options: Any) -> BenchReport:
    """run_bench with keyword arguments, for tests and the pytest fixture:
    `bench(send=URL, recv=URL, rate=500, duration=3)`. Other options are BenchConfig's
    fields (count=, warmup_s=, records_per_block=, ...). Raises ConfigError."""
    return run_bench(BenchConfig(send=send, recv=recv, rate=rate, duration_s=duration, **options))


__all__ = ["BenchConfig", "BenchReport", "ConfigError", "bench", "run_bench", "run_loop"]
