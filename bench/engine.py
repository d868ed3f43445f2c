"""The measuring engine: run a bench (loop, source or sink) and return its report.

    from radarbench.bench.engine import BenchConfig, run_bench, bench
    report = run_bench(BenchConfig(send="udp://127.0.0.1:8600", recv="udp://127.0.0.1:8600",
                                   rate=500, duration_s=3))
    report = bench(send=URL, recv=URL, rate=500, duration=3)   # the same, pytest-fixture style
    assert report.counts.lost == 0 and report.latency.p99_s < 5e-3

Loop mode (send and recv): a sender process sends probe blocks on an open-loop schedule and
never waits for replies; a receiver process stamps and parses what comes back and streams it
to this (parent) process; the sender streams its actual send times the same way. The parent
matches as the records come, in bounded memory (radarbench.bench.match.StreamMatcher), shows
progress from the matcher's own counts, and decides when the drain is over. Both children read time.monotonic_ns(), which
is one system-wide clock on Linux. Transports that cannot be shared across a fork (loop://,
one TCP connection used both ways) run the two sides as threads instead.

Source mode (recv alone) and sink mode (send alone) live in radarbench.bench.source and
radarbench.bench.sink; `--find-max` repeats loop runs (radarbench.bench.findmax).

The report is always returned: after Ctrl-C with status "interrupted", after faults with
status "fault" and the faults listed.
"""
from __future__ import annotations

import multiprocessing as mp
import errno
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field, fields
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_any
from typing import Any

from hdrh.histogram import HdrHistogram

from radarbench.bench.clock import wall_minus_mono_ns
from radarbench.bench.faults import QUIET_GAP_NS, Episode, FaultLog, merge_sides
from radarbench.bench.health import (
    assess,
    cpu_pressure_us,
    late_send_ns,
    pressure_share,
)
from radarbench.bench.match import (
    CLOSE_MARGIN_NS,
    FAILED,
    ReceiverLog,
    SendBatch,
    StreamMatcher,
    ring_sends,
)
from radarbench.bench.probe import (
    KEY_BITS, PROBE_EDITIONS, SEQ_LIMIT, Corrupted, ProbeCodec, check_probe_category, parse_match_keys,
)
from radarbench.bench.progress import Mode, Progress
from radarbench.bench.report import Report, Status
from radarbench.bench.schedule import Bursts, ConstantRate, Ramp, Schedule
from radarbench.bench.stats import HIGHEST_NS
from radarbench.bench.verdict import check_limit_keys, settle
from radarbench.rigs.editionopts import checked
from radarbench.rigs import lifeline
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
# On a transport that can push back (a paced serial line, a pty, a TCP stream), a write
# longer than this blocked: back-pressure, the line's or the device's lag; a shorter one is
# the bench's own CPU work. A write preempted for longer on a busy host counts as blocked:
# lenient to the bench, whose cumulative lag still holds it to account. A datagram send
# (udp, loop) never counts as blocked: the receiver does not push back on it, and on
# loopback it is the bench's own host that is slow (at 60,000 msgs/s a third of its sends
# took > 200 us under CPU pressure, which hid a bench past its ceiling).
_BLOCKED_WRITE_NS = 200_000


def blocked_write_ns(send_url: str) -> int | None:
    """The write time past which a send on `send_url` blocked (None: never counts)."""
    return None if send_url.partition("://")[0] in ("udp", "loop") else _BLOCKED_WRITE_NS
# A read that returned within this found its data waiting (it did not block).
_NO_WAIT_NS = 100_000
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
# What this machine's sender can hold, in sends (datagrams / blocks) per second. Measured on
# the 2-core development machine: the sender loop alone (fill, wait, send, record) reached
# ~150k sends/s of one record to a UDP sink; a rate above this is refused before the run,
# since the sender could only fall behind and the figures would measure the bench.
MAX_SENDS_PER_S = 150_000.0
# Probe messages per second the receiver parses and the parent matches (~2-3 us a probe in
# Python; a K-record block is one send but K probes to account for).
MAX_MSGS_PER_S = 300_000.0
# Probes kept open at once (rate x late-after): the matcher's ring holds one flag per probe
# and one send time per send for that long (plus its history), so this bounds its memory
# (2M: e.g. --drain 20 at 100k msgs/s).
MAX_OPEN_PROBES = 1 << 21
# After Ctrl-C (or SIGTERM/SIGHUP), wait for probes in flight as a normal end would (drain_s),
# but at most 1 s, so that a stop is prompt; it ends sooner once every probe that left is
# accounted for. 0.3 s was too short on a loaded 2-core machine: a lagging echo left ~100
# probes of a 1,000 msgs/s run unanswered at the deadline, counted lost.
_INTERRUPT_DRAIN_MAX_NS = 1_000_000_000


class StallWatch:
    """Ends a run whose sender stopped: no send reported for ``bound_ns`` (max(10 s, three
    send intervals)) while the sender has not finished. A write that blocks for good (a
    serial line or a pty whose reader stopped reading, a device frozen with SIGSTOP) held
    the bench in its run for as long as the device stayed so, with no fault recorded: a
    5 s run was still running after 40 s. A slow line that still takes a write now and
    then is not a stall (its back-pressure is the measurement)."""

    MIN_NS = 10 * NS_PER_S

    def __init__(self, start_ns: int, sends_per_s: float, can_block: bool = True) -> None:
        self.bound_ns = max(self.MIN_NS, int(3 * NS_PER_S / sends_per_s) if sends_per_s > 0 else 0)
        self.last_ns = start_ns
        self.sends = 0
        # a UDP write never blocks for long: a sender that stops there was held itself
        # (stopped, starved), and the path is not to be blamed for it
        self.why = ("a write blocked (the device or line stopped taking data)" if can_block else
                    "the bench's own sender was held (stopped or starved: a UDP write does not block)")

    def check(self, sends: int, now_ns: int) -> Episode | None:
        """The stall's fault episode once ``sends`` (sends reported so far) has not grown
        for bound_ns, else None."""
        if sends > self.sends:
            self.sends = sends
            self.last_ns = now_ns
            return None
        if now_ns - self.last_ns <= self.bound_ns:
            return None
        return Episode(side="send", kind="stalled",
                       detail=f"no send completed for {(now_ns - self.last_ns) / NS_PER_S:.1f} s: {self.why}; "
                              "the run was ended",
                       first_ns=self.last_ns, last_ns=now_ns, end_ns=now_ns)

# Slots of the control array shared with the children.
_SENDS = 0        # sends made so far (sender writes)
_SENDER_DONE = 1  # monotonic ns when the sender finished (0: still sending)
_RX_STOP = 2      # monotonic ns at which the receiver stops (0: not yet decided)
_STOP = 3         # non-zero: the sender stops at once (Ctrl-C)
_BYTES = 4        # payload octets the sender's writes took so far
_BLOCKED_NS = 5   # time the sender spent in writes so far
_CTL_SLOTS = 6


def sender_writes(ctl: Any) -> dict[str, Any]:
    """The sender's write figures as it last published them in ``ctl`` (with its last batch
    of sends): what a run has of
    them when the sender never sent its own (killed blocked in a write: a stall). A sink
    whose line stalled reported 0 bytes/s and 0 line utilization after 510 accepted
    messages. wire_bytes (framing included) is not kept there: None."""
    return {"bytes": ctl[_BYTES], "blocked_ns": ctl[_BLOCKED_NS], "wire_bytes": None}


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
    editions: {category: edition} for decoding what arrives (a source's feed, messages a
    device rewrote), over the defaults; the probes themselves are CAT048 edition 1.32.
    find_max: search for the highest rate without loss (and p99 under max_p99_ms if given):
    steps of find_max_step_s seconds (None: duration_s / count), x find_max_growth up from
    rate (or / it down to find_max_floor msgs/s), then bisection to find_max_resolution (a
    share: 0.05 is 5 %), each step carrying at least find_max_min_samples probes (the rule
    of three: no loss in n bounds the loss below 3/n at 95 %); see radarbench.bench.findmax.
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
    editions: dict[int, str] = field(default_factory=dict)
    find_max: bool = False
    max_p99_ms: float | None = None
    find_max_step_s: float | None = None
    find_max_resolution: float = 0.05
    find_max_growth: float = 2.0
    find_max_floor: float = 1.0
    find_max_min_samples: int = 300
    progress: Mode = "quiet"
    json_stream: str | None = None
    run_id: int | None = None
    line_bytes_per_s: float | None = None
    extra_config: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, float] = field(default_factory=dict)
    # Real traffic, matched by content (radarbench.bench.content_run): a recording replayed
    # through the path, or a tap on both sides of a device.
    replay: str | None = None          # the recording; with send and recv: a replay loop run
    replay_format: str = "auto"        # radarbench.rigs.recordings.FORMATS
    replay_filter: str | None = None   # "dst-port=8601": which datagrams of a capture
    speed: float = 1.0                 # recorded timing / speed (0: back to back)
    replay_rate: float | None = None   # datagrams/s instead of the recorded timing
    loop: bool | int = False           # True: forever (until --duration); N: N passes
    replay_duration_s: float | None = None  # cut the replay after this (None: the whole plan)
    tap_in: str | None = None
    tap_out: str | None = None
    content_keys: str | None = None    # "48=010+140+040,...": key items per category
    ignore_items: tuple[str, ...] = ()  # items a device may rewrite: not compared
    conversion: Any = None             # e.g. "48->62": a device that turns plots into tracks
    tolerances: dict[str, float] | None = None
    categories: tuple[int, ...] | None = None  # content runs: categories accounted for (None: all)
    feeds: bool = False            # tap-in/tap-out (or match's two files) are an A/B feed pair
    record_in: str | None = None   # pcap of the device's input side (what left / what tap-in saw)
    record_out: str | None = None  # pcap of its output side (what arrived), as they were stamped

    def mode(self) -> str:
        """loop, source or sink. Raises ConfigError if neither URL is given."""
        if self.tap_in or self.tap_out:
            if not (self.tap_in and self.tap_out):
                raise ConfigError("a tap needs both sides: --tap-in URL and --tap-out URL")
            if self.send or self.recv or self.replay:
                raise ConfigError("--tap-in/--tap-out listen only: give no --send, --recv or --replay")
            return "tap"
        if self.send and self.recv:
            return "loop"
        if self.replay:
            raise ConfigError("--replay needs --send URL and --recv URL (the path to measure)")
        if self.recv:
            return "source"
        if self.send:
            return "sink"
        raise ConfigError("give --send URL, --recv URL, or both")

    def check(self) -> None:
        """Raise ConfigError (one line) for settings that cannot run."""
        if self.mode() == "tap" or self.replay:
            self._check_content()
            return
        if not self.rate > 0:
            raise ConfigError(f"--rate must be positive, not {self.rate:g}")
        if self.count is not None and self.count < 1:
            raise ConfigError(f"--count must be >= 1, not {self.count}")
        if self.count is None and (self.duration_s is None or not self.duration_s > 0):
            raise ConfigError("give a positive --duration S or --count N")
        if self.warmup_s < 0 or self.drain_s < 0:
            raise ConfigError("--warmup and --drain must be >= 0")
        self._check_times()
        if self.count is None and self.duration_s is not None and self.warmup_s >= self.duration_s:
            raise ConfigError(f"--warmup {self.warmup_s:g} s leaves nothing of a {self.duration_s:g} s run")
        try:
            check_probe_category(self.category, bool(self.match_keys))
        except ValueError as exc:
            raise ConfigError(f"--category {self.category}: {exc}") from None
        if not 1 <= self.records_per_block <= 2000:
            raise ConfigError(f"--records-per-block must be 1..2000, not {self.records_per_block}")
        k = self.records_per_block
        if self.count is not None and self.count % k and self.mode() != "source":
            # every send carries k probes: --count 10 at 3 a block sent 12
            lower, upper = self.count // k * k, -(-self.count // k) * k
            raise ConfigError(f"--count {self.count} is not a whole number of blocks of --records-per-block {k}: "
                              f"give {f'{lower} or ' if lower else ''}{upper}")
        if self.burst < 1:
            raise ConfigError(f"--burst must be >= 1, not {self.burst}")
        if self.match_keys:
            try:
                parse_match_keys(self.match_keys)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        self._check_editions_and_limits()
        if self.mode() != "source":
            self.check_capacity()

    def _check_editions_and_limits(self) -> None:
        if self.editions:
            try:
                checked(self.editions, "--edition")
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        try:
            check_limit_keys(self.limits)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def _check_times(self) -> None:
        # Seconds become integer nanoseconds: past ~292 years they overflow 64 bits.
        for name, value in (("--duration", self.duration_s), ("--drain", self.drain_s),
                            ("--late-after", self.late_after_s), ("--warmup", self.warmup_s)):
            if value is not None and not value <= 1e9:
                raise ConfigError(f"{name} {value:g}: at most 1e9 s")

    def _check_content(self) -> None:
        # A replay or a tap: no probes, no schedule of the bench's own.
        self._check_times()
        if self.find_max:
            raise ConfigError("--find-max searches with probes; it does not combine with --replay or a tap")
        if self.warmup_s:
            raise ConfigError("--warmup leaves probes out of the figures; a replay or a tap accounts for "
                              "every record it sees (cut the recording, or start the tap later)")
        if self.drain_s < 0 or self.warmup_s < 0:
            raise ConfigError("--warmup and --drain must be >= 0")
        if self.tap_in and not (self.duration_s and self.duration_s > 0):
            raise ConfigError("a tap listens for --duration S seconds: give a positive --duration")
        if not self.speed >= 0:
            raise ConfigError(f"--speed must be >= 0 (0: back to back), not {self.speed:g}")
        if self.replay_rate is not None and not self.replay_rate > 0:
            raise ConfigError(f"--rate must be positive, not {self.replay_rate:g}")
        if self.replay_rate is not None and self.replay_rate > MAX_SENDS_PER_S:
            raise ConfigError(f"--rate {self.replay_rate:g} datagrams/s: this sender holds at most "
                              f"{MAX_SENDS_PER_S:,.0f} sends/s")
        if self.content_keys:
            from radarbench.bench.content import parse_match_keys as parse_content_keys

            try:
                parse_content_keys(self.content_keys)
            except ValueError as exc:
                raise ConfigError(f"--match-keys: {exc}") from None
        self._check_editions_and_limits()

    def check_capacity(self, rate: float | None = None) -> None:
        """Raise ConfigError (one line, naming the limit) for a rate or count this machine
        cannot hold: more sends per second than the sender manages, more probes per second
        than the receiver and the matcher account for, more probes than a 32-bit sequence
        number tells apart, or more probes open at once than the matcher's ring bounds."""
        rate = self.rate if rate is None else rate
        k = self.records_per_block
        sends_per_s = self.peak_sends_per_s(rate)
        peak = sends_per_s * k
        if sends_per_s > MAX_SENDS_PER_S:
            raise ConfigError(
                f"--rate {peak:g} msgs/s at {k} record{'s' if k != 1 else ''} a send is {sends_per_s:,.0f} "
                f"sends/s; this sender holds at most {MAX_SENDS_PER_S:,.0f} sends/s "
                f"(lower --rate or raise --records-per-block)")
        if peak > MAX_MSGS_PER_S:
            raise ConfigError(f"--rate {peak:g} msgs/s: the bench accounts for at most "
                              f"{MAX_MSGS_PER_S:,.0f} probe messages/s")
        total = self.count if self.count is not None else \
            (self.ramp[0] + self.ramp[1]) / 2 * float(self.duration_s or 0) if self.ramp else \
            rate * float(self.duration_s or 0)
        if total + k >= SEQ_LIMIT:
            raise ConfigError(f"{total:,.0f} messages: a run sends at most {SEQ_LIMIT - 1:,} "
                              f"(32-bit sequence numbers); shorten --duration or --count")
        if self.match_keys:
            # A key carries the sequence number modulo 4,096 (12 bits a key): an arrival is
            # taken for the newest probe of its residue, so one later than 4,096 / rate after
            # its send is matched to a probe sent after it. 2,000 msgs/s through a 2.5 s delay
            # on 060.MODE3A: 3,904 "lost", 3,090 "duplicated", p50 452 ms, of 8,000 delivered.
            modulus = 1 << (KEY_BITS * len(parse_match_keys(self.match_keys)))
            tells_s = modulus / peak
            late_s = self.late_after_ns / NS_PER_S
            burst = self.burst * k if self.burst > 1 else 0
            if burst and peak * late_s + burst >= modulus:
                # a burst leaves at once: 4,500 probes in one, at 1,000 msgs/s, gave 404 lost
                # and 404 duplicated through an echo that lost and doubled none
                raise ConfigError(
                    f"--match-keys {self.match_keys} tell {modulus:,} probes apart, and a --burst of {burst:,} "
                    f"probes plus {peak * late_s:,.0f} more within --late-after/--drain {late_s:g} s are in "
                    "flight at once (shorten the burst or add a track-number key)")
            if late_s >= tells_s:
                raise ConfigError(
                    f"--match-keys {self.match_keys} tell {modulus:,} probes apart: at {peak:g} msgs/s a probe "
                    f"arriving {tells_s:.3g} s or more after its send is taken for a later one, and "
                    f"--late-after/--drain is {late_s:g} s (lower --rate, or shorten it"
                    + (", or add a track-number key: 161.TRN, or 040 of a CAT062 track)" if modulus == 1 << KEY_BITS
                       else ")"))
        window_s = (self.late_after_ns + CLOSE_MARGIN_NS) / NS_PER_S
        if peak * window_s > MAX_OPEN_PROBES:
            raise ConfigError(f"--late-after/--drain {window_s:g} s at {peak:g} msgs/s keeps "
                              f"{peak * window_s:,.0f} probes open; at most {MAX_OPEN_PROBES:,}")

    def peak_sends_per_s(self, rate: float | None = None) -> float:
        """The schedule's highest rate in sends per second (a ramp's larger end)."""
        rate = self.rate if rate is None else rate
        if self.ramp is not None:
            rate = max(self.ramp)
        return rate / self.records_per_block

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
            "editions": {str(self.category): PROBE_EDITIONS.get(self.category)},  # the probes'
            "match_keys": self.match_keys,
        }
        if self.editions:  # what arrives is decoded with these (over the defaults)
            cfg["decode_editions"] = {str(c): e for c, e in sorted(self.editions.items())}
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


def _child_start(in_process: bool, parent_pid: int, others: tuple[Connection, ...]) -> None:
    """First steps of a forked sender or receiver: die with the parent (SIGKILL included),
    ignore Ctrl-C, and close the pipe ends it inherited but does not use, so that the parent's
    end closing is seen here (a write fails) and not hidden by a copy this process holds.
    (A signal that lands before this is no harm: radarbench.rigs.lifeline's handler, copied
    from the parent, leaves a forked child's ending to the parent while it lives.)"""
    if in_process:
        return
    die_with_parent(parent=parent_pid)  # exits within a second of the bench's death (SIGKILL included)
    _ignore_sigint()
    for c in others:
        try:
            c.close()
        except OSError:
            pass


def _drain_events(transport: Transport | None, faults: FaultLog) -> None:
    # Transports that recover by themselves (a TCP reconnect) report what happened.
    take = getattr(transport, "take_events", None)
    if take is None:
        return
    for when_ns, kind, detail in take():
        faults.event(kind, detail, when_ns)


def _sender_main(tx: Transport, codec: ProbeCodec | None, payload: bytes | None,
                 schedule: Schedule, start_ns: int, ctl: Any, conn: Connection,
                 in_process: bool, parent_pid: int = 0, others: tuple[Connection, ...] = (),
                 quiet_gap_ns: int = QUIET_GAP_NS, take_events: bool = True,
                 blocked_write_ns: int | None = None) -> None:
    """Send on schedule; stream SendBatch records (actual send times) to the parent every
    _BATCH_NS, then ("sender", fault episodes, write timing). Ends within _BATCH_NS of the
    parent's pipe closing (a write to it fails)."""
    _child_start(in_process, parent_pid, others)
    faults = FaultLog("send", quiet_gap_ns)
    batch = SendBatch(0)
    k = codec.k if codec is not None else 1
    blocked_ns = 0
    slowest_ns = 0
    slow_writes = 0
    sent_bytes = 0
    mono = time.monotonic_ns
    offset = schedule.offset_ns
    send = tx.send
    next_flush = mono() + _BATCH_NS
    parent_gone = False
    # Where the sender was free to send next: the end of the last write that blocked (a
    # paced line, a full TCP buffer: back-pressure, the device's or the line's lag), else
    # the start of the last write (a write that returns at once is the bench's own work).
    free_from = 0

    def flush(now: int, upto: int) -> None:
        nonlocal batch, next_flush
        if take_events:
            _drain_events(tx, faults)
        batch.upto_ns = now
        conn.send(batch)
        # with the sends of the batch, so that a sender killed blocked in a write (a stall)
        # leaves figures that go with the sends counted (sender_writes)
        ctl[_BYTES] = sent_bytes
        ctl[_BLOCKED_NS] = blocked_ns
        batch = SendBatch(upto)
        next_flush = now + _BATCH_NS

    try:
        for i in range(schedule.count):
            if ctl[_STOP]:
                break
            # The block is ready before the wait, so that the send leaves on time.
            block = codec.fill(i * k) if codec is not None else payload
            if block is None:
                break  # a replay whose recording ended (its count was not known up front)
            data = bytes(block)
            due = start_ns + offset(i)
            now = mono()
            while due - now > _SPIN_NS:
                # Sleep in slices: the batches keep flowing (and a closed pipe is noticed)
                # however long the gap between two sends.
                if now >= next_flush:
                    flush(now, i)
                time.sleep(min(due - now - _SPIN_NS, _BATCH_NS) / NS_PER_S)
                now = mono()
            while now < due:
                _yield()
                now = mono()
            t0 = mono()
            # The bench's own lag of this send: what is not explained by the previous write
            # blocking (NEWCOMER #6: a 9600 baud line overrun at 50 msgs/s made the sender
            # 8 s late, all of it spent blocked in writes the line paced).
            batch.own_ns.append(max(t0 - max(due, free_from), 0))
            try:
                send(data)
            except OSError as exc:  # TransportError is an OSError too
                t1 = mono()
                batch.actual_ns.append(FAILED)
                faults.error(exc, t1)
            else:
                t1 = mono()
                if start_ns + offset(i + 1) - t1 > _SPIN_NS:
                    _yield()  # the next send is not close: let what we just woke run first
                batch.actual_ns.append(t0)
                sent_bytes += len(data)
                if faults.failing:
                    faults.ok(t1)
            took = t1 - t0
            free_from = t1 if blocked_write_ns is not None and took > blocked_write_ns else t0
            blocked_ns += took
            slowest_ns = max(slowest_ns, took)
            if took > 1_000_000:
                slow_writes += 1
            ctl[_SENDS] = i + 1
            if t1 >= next_flush:
                flush(t1, i + 1)
    except (BrokenPipeError, EOFError, ConnectionResetError):  # the parent went (or closed its end: a thread)
        parent_gone = True
    finally:
        ctl[_SENDER_DONE] = mono()
        if not parent_gone:
            try:
                if take_events:
                    _drain_events(tx, faults)
                batch.upto_ns = mono()
                conn.send(batch)
                conn.send(("sender", faults.close(),
                           {"blocked_ns": blocked_ns, "slowest_ns": slowest_ns,
                            "slow_writes": slow_writes, "bytes": sent_bytes,
                            "wire_bytes": getattr(tx, "wire_bytes_sent", None)}))
            except (BrokenPipeError, EOFError, ConnectionResetError, OSError):
                pass
        conn.close()


def _receiver_main(rx: Transport, codec: ProbeCodec | None, ctl: Any, conn: Connection,
                   in_process: bool, parent_pid: int = 0, others: tuple[Connection, ...] = (),
                   quiet_gap_ns: int = QUIET_GAP_NS) -> None:
    """Receive until told to stop; stream ReceiverLog batches every _BATCH_NS, then
    ("receiver", fault episodes, octets its line took in or None, receiver lag histogram
    (encoded) or None, kernel receive-queue drops or None, whether the lag is from kernel
    stamps (else estimated from the reads)). Ends within _BATCH_NS of the
    parent's pipe closing. With no codec (raw mode) every message goes to the parent whole
    in ReceiverLog.frames, for the parent to decode and match by content."""
    _child_start(in_process, parent_pid, others)
    faults = FaultLog("recv", quiet_gap_ns)
    mono = time.monotonic_ns
    # Kernel stamps are CLOCK_REALTIME; the run's clock is CLOCK_MONOTONIC. The offset is
    # read again with every batch, so an NTP step of the wall clock spoils one batch at most
    # (and the sanity bounds below catch the worst of that).
    wall_minus_mono = wall_minus_mono_ns()
    # How long after the kernel stamped a datagram this process read it (ns, 2 digits).
    lag = HdrHistogram(1_000, HIGHEST_NS, 2)
    log = ReceiverLog()
    next_flush = mono() + _BATCH_NS
    parse = codec.parse if codec is not None else None
    parent_gone = False
    # Everything that arrived before this time has been read (upto_ns of the next batch):
    # the stamp of the last message read (a socket hands them over in arrival order), or the
    # start of a receive that found nothing. A receiver running behind closes sends late,
    # never early, so its lag cannot turn a received probe into a lost one.
    drained_ns = mono()
    # Without kernel stamps: an estimate of the same lag (see below); stamped: any seen.
    unstamped = HdrHistogram(1_000, HIGHEST_NS, 2)
    stamped = False
    returned_ns = 0
    try:
        while True:
            now = mono()
            stop_at = ctl[_RX_STOP]
            if stop_at and now >= stop_at:
                break
            if now >= next_flush:
                _drain_events(rx, faults)
                log.upto_ns = drained_ns
                conn.send(log)
                log = ReceiverLog()
                next_flush = now + _BATCH_NS
                wall_minus_mono = wall_minus_mono_ns()
            asked_ns = mono()
            msg = faults.recv(rx, 0.02, backoff_s=0.005)
            if msg is None:
                drained_ns = asked_ns
                returned_ns = mono()
                continue
            rx_ns = msg.rx_ns
            if msg.rx_kernel_ns is None:
                # No kernel stamp (serial, pty): the read is the arrival. A read that did not
                # wait found its data already there, since the last read returned at most:
                # that bounds how late this one was read (an estimate, from above).
                if rx_ns - asked_ns < _NO_WAIT_NS and returned_ns:
                    unstamped.record_value(min(max(rx_ns - returned_ns, 1_000), HIGHEST_NS - 1))
                returned_ns = rx_ns
            else:
                stamped = True
                kernel_ns = msg.rx_kernel_ns - wall_minus_mono
                late_ns = rx_ns - kernel_ns
                if 0 <= late_ns < HIGHEST_NS:
                    lag.record_value(max(late_ns, 1_000))
                # The kernel's stamp is the arrival, however late this process read it; one
                # in the future or a minute old says the wall clock stepped: ours then.
                if -1_000_000 < late_ns < 60 * NS_PER_S:
                    rx_ns = kernel_ns
            if rx_ns > drained_ns:
                drained_ns = rx_ns
            data = msg.data
            if parse is None:
                log.frames.append((rx_ns, bytes(data)))
                continue
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
            # the frame's octets shared among its probes, the remainder to the first, so that
            # they add up to the frame (len // n alone lost up to n - 1 octets a frame: 3,100
            # B/s reported of 3,160 at 5 probes a 158-octet datagram)
            share, extra = divmod(len(data), n)
            for seq in parsed.seqs:
                log.seq.append(seq)
                log.rx_ns.append(rx_ns)
                log.nbytes.append(share + extra)
                extra = 0
            for key in parsed.keys:
                log.key.append(key)
                log.key_rx_ns.append(rx_ns)
                log.key_nbytes.append(share + extra)
                extra = 0
    except (BrokenPipeError, EOFError, ConnectionResetError):  # the parent went (or closed its end: a thread)
        parent_gone = True
    finally:
        if not parent_gone:
            try:
                _drain_events(rx, faults)
                log.upto_ns = drained_ns
                conn.send(log)
                if not stamped:
                    lag = unstamped
                conn.send(("receiver", faults.close(), getattr(rx, "wire_bytes_received", None),
                           lag.encode() if lag.get_total_count() else None,
                           getattr(rx, "rx_queue_drops", None), stamped))
            except (BrokenPipeError, EOFError, ConnectionResetError, OSError):
                pass
        conn.close()


# --------------------------------------------------------------------------- parent


def _open(url: str, role: str) -> Transport:
    # role is the option ("--send", "--recv", "--tap-in", "--tap-out"): a URL the bench
    # receives on is opened to receive (binds, or joins its group).
    try:
        return open_transport(url, role="send" if role == "--send" else "recv")
    except ValueError as exc:  # UrlError: the user's mistake
        raise ConfigError(str(exc)) from None
    except OSError as exc:  # its message starts with the URL
        raise ConfigError(f"cannot open {role} {exc}") from None


def hear_unreachable(tx: Transport) -> None:
    """Faults must be heard: a unicast UDP sender connected to its peer gets ICMP port
    unreachable back as an error the run records (loop and sink mode: an unconnected one
    counted every refused datagram as sent)."""
    hear = getattr(tx, "hear_unreachable", None)
    if hear is not None:
        hear()


def _prepare(tx: Transport, rx: Transport) -> None:
    # hear_unreachable; and the bench must not be the bottleneck it measures: a burst
    # released by a device after a stall arrives faster than a Python receiver parses, and
    # the default receive buffer (~280 small datagrams) would drop what the path delivered.
    hear_unreachable(tx)
    widen = getattr(rx, "widen_rcvbuf", None)
    if widen is not None:
        widen()


def _share_by_threads(send_url: str, recv_url: str) -> bool:
    # loop:// lives in one process; one TCP connection used both ways keeps its reconnect
    # state in the transport object, which a fork would split in two.
    scheme = send_url.partition("://")[0]
    return scheme == "loop" or (send_url == recv_url and scheme != "udp")


def _quiet_gap_ns(sends_per_s: float) -> int:
    # An episode ends after no error of its kind for 3 send intervals or 100 ms, the larger.
    return max(QUIET_GAP_NS, int(3 * NS_PER_S / sends_per_s)) if sends_per_s > 0 else QUIET_GAP_NS


def _live_line(matcher: StreamMatcher, now_ns: int, start_ns: int, received_before: int,
               dt_s: float) -> dict[str, Any]:
    """The progress line: the matcher's own counts, so live and final figures agree."""
    stats = matcher.stats
    c = stats.counts
    hist = stats.latency.corrected
    p99 = hist.get_value_at_percentile(99.0) / 1e6 if hist.get_total_count() else None
    p99_1s_us = stats.timeline.newest_p99_us()
    rate = (c.received - received_before) / dt_s if dt_s > 0 else 0.0
    return {"t_s": round((now_ns - start_ns) / NS_PER_S), "rate_msgs_per_s": round(rate, 1),
            "sent": c.sent, "received": c.received, "lost": c.lost, "late": c.late,
            "corrupted": c.corrupted, "p99_ms": None if p99 is None else round(p99, 3),
            "p99_last_s_ms": None if p99_1s_us is None else round(p99_1s_us / 1e3, 3)}


def _faults_of(episodes: list[Episode], start_ns: int) -> list:
    return [ep.to_fault(start_ns) for ep in merge_sides(list(episodes))]


def _attach_health(report: BenchReport, health: dict[str, Any]) -> None:
    # report.health is the verdict's input (the contract's shape: bench/health.py).
    report.health = health


def open_pair(cfg: BenchConfig) -> tuple[Transport, Transport]:
    """The loop's two endpoints, opened for their roles and prepared (_prepare); one
    transport for both when --recv is --send. Raises ConfigError naming the URL."""
    assert cfg.send and cfg.recv
    tx = _open(cfg.send, "--send")
    try:
        rx = tx if cfg.recv == cfg.send else _open(cfg.recv, "--recv")
    except BaseException:
        tx.close()
        raise
    _prepare(tx, rx)
    return tx, rx


def plumbing() -> tuple[Any, Any, tuple[Connection, Connection, Connection, Connection]]:
    """A fork context, the control array shared with the children, and the two one-way pipes
    (sender's parent end, its child end, receiver's parent end, its child end)."""
    ctx = mp.get_context("fork")
    ctl = ctx.Array("q", _CTL_SLOTS, lock=False)
    s_parent, s_child = ctx.Pipe(duplex=False)
    r_parent, r_child = ctx.Pipe(duplex=False)
    return ctx, ctl, (s_parent, s_child, r_parent, r_child)


def start_pair(ctx: Any, threads: bool, tx: Transport, rx: Transport, codec: Any, schedule: Any,
               start_ns: int, ctl: Any, pipes: tuple[Connection, Connection, Connection, Connection],
               quiet_gap: int, blocked_ns: int | None) -> list[Any]:
    """Start the sender (`codec` fills what it sends on `schedule`: probes, or a replay's
    datagrams) and the receiver (it parses probes; for anything else it hands whole messages
    over, raw, for the parent to match by content), as processes or (`threads`) threads; pipes: (sender's parent end,
    its child end, receiver's parent end, its child end). Returns the workers, started."""
    s_parent, s_child, r_parent, r_child = pipes
    me = os.getpid()
    sender_args = (tx, codec, None, schedule, start_ns, ctl, s_child, threads, me,
                   (s_parent, r_parent, r_child), quiet_gap, tx is not rx, blocked_ns)
    receiver_args = (rx, codec if isinstance(codec, ProbeCodec) else None, ctl, r_child, threads, me,
                     (s_parent, s_child, r_parent), quiet_gap)
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
    return workers


def stop_pair(workers: list[Any], threads: bool, tx: Transport, rx: Transport,
              pipes: tuple[Connection, ...]) -> None:
    """Join the sender and receiver (killing a child that does not end within a second each),
    then close the transports and the parent's pipe ends."""
    for w in workers:
        w.join(timeout=1.0)
        if not threads and w.is_alive():
            w.kill()
    tx.close()
    if rx is not tx:
        rx.close()
    for c in pipes:
        c.close()


def run_loop(cfg: BenchConfig, progress: Progress, rate: float | None = None) -> BenchReport:
    """One loop-mode run at `rate` (default cfg.rate). Returns its report, whatever happens.

    Memory stays bounded whatever the rate and duration: the sender and the receiver stream
    their records in batches and the parent matches them as they come (StreamMatcher).
    """
    assert cfg.send and cfg.recv
    rate = cfg.rate if rate is None else rate
    run_id = cfg.run_id if cfg.run_id is not None else random.getrandbits(32)
    keys = parse_match_keys(cfg.match_keys) if cfg.match_keys else None
    wall_tod_s = (time.time() % 86400.0)
    codec = ProbeCodec(run_id, cfg.records_per_block, time_of_day_s=wall_tod_s, match_keys=keys,
                       editions=cfg.editions, category=cfg.category)
    schedule = cfg.schedule(rate)
    k = cfg.records_per_block
    sends_per_s = cfg.peak_sends_per_s(rate)
    quiet_gap = _quiet_gap_ns(sends_per_s)
    late_bound = late_send_ns(sends_per_s)

    tx, rx = open_pair(cfg)
    threads = _share_by_threads(cfg.send, cfg.recv)
    ctx, ctl, (s_parent, s_child, r_parent, r_child) = plumbing()
    start_ns = time.monotonic_ns() + _START_MARGIN_NS
    started_at = _utc_now()
    pressure_before = cpu_pressure_us()
    matcher = StreamMatcher(schedule, start_ns, k, int(cfg.warmup_s * NS_PER_S), cfg.late_after_ns,
                            ring=ring_sends(sends_per_s, cfg.late_after_ns, k),
                            key_modulus=codec.key_modulus if keys else 0, late_send_ns=late_bound)
    workers = start_pair(ctx, threads, tx, rx, codec, schedule, start_ns, ctl,
                         (s_parent, s_child, r_parent, r_child), quiet_gap, blocked_write_ns(cfg.send))

    sender_result: tuple | None = None
    receiver_result: tuple | None = None
    status: Status = "ok"
    next_tick = start_ns + NS_PER_S
    last_tick = start_ns
    received_before = 0

    def pump(wait_s: float) -> None:
        nonlocal sender_result, receiver_result
        waiting = [c for c, done in ((s_parent, sender_result is not None),
                                     (r_parent, receiver_result is not None)) if not done]
        for c in wait_any(waiting, timeout=wait_s):
            # Take what is there without waiting again: a busy receiver sends ten batches a
            # second, and one wait per batch would let the pipe fill.
            for _ in range(64):
                try:
                    item = c.recv()
                except EOFError:
                    # A child died without its last word: treat what it sent as all there is.
                    if c is s_parent and sender_result is None:
                        sender_result = ("sender", [], {})
                    elif c is r_parent and receiver_result is None:
                        receiver_result = ("receiver", [], None, None, None, True)
                    break
                if isinstance(item, SendBatch):
                    matcher.on_sends(item)
                elif isinstance(item, ReceiverLog):
                    matcher.on_arrivals(item)
                elif item[0] == "sender":
                    sender_result = item
                    break
                else:
                    receiver_result = item
                    break
                if not c.poll():
                    break

    def tick(now: int) -> None:
        nonlocal next_tick, last_tick, received_before
        if now >= next_tick:
            progress.update(_live_line(matcher, now, start_ns, received_before,
                                       (now - last_tick) / NS_PER_S))
            received_before = matcher.stats.counts.received
            last_tick = now
            next_tick += NS_PER_S * max(1, (now - next_tick) // NS_PER_S + 1)

    def decide_drain(now: int) -> None:
        if sender_result is not None and not ctl[_RX_STOP]:
            ctl[_RX_STOP] = max(ctl[_SENDER_DONE], 1) + int(cfg.drain_s * NS_PER_S)
        if sender_result is not None and ctl[_RX_STOP] and matcher.open_probes == 0 \
                and matcher.known > matcher.first_send:
            # Every probe that left is accounted for: no need to sit out the drain timeout.
            ctl[_RX_STOP] = min(ctl[_RX_STOP], now)

    interrupted = False
    stall = StallWatch(start_ns, sends_per_s, blocked_write_ns(cfg.send) is not None)
    stalled: Episode | None = None
    # With --duration the sending ends on time (a grace of max(1 s, 10 %) for a sender a
    # little behind), as sink mode's does: on a line slower than the load offered, writes
    # block and every send leaves later than the one before, and a 2 s run at 20 msgs/s
    # through 1200 baud went on for 20 s (a 14 s one would have taken ~700 s). What was
    # not sent is said (match.not_sent).
    span_ns = schedule.span_ns
    stop_sending_ns = start_ns + span_ns + max(NS_PER_S, span_ns // 10) if cfg.count is None else None
    try:
        while receiver_result is None:
            pump(0.05)
            now = time.monotonic_ns()
            if stop_sending_ns is not None and now >= stop_sending_ns and sender_result is None \
                    and not ctl[_STOP]:
                progress.note(f"the schedule's {span_ns / NS_PER_S:g} s are over; {matcher.known:,} of "
                              f"{schedule.count:,} sends left (the path took no more): sending stops")
                ctl[_STOP] = 1
            if stalled is None and sender_result is None:
                stalled = stall.check(matcher.known, now)
                if stalled is not None:
                    progress.note(f"stalled: {stalled.detail}")
                    ctl[_STOP] = 1
                    ctl[_RX_STOP] = now + min(int(cfg.drain_s * NS_PER_S), _INTERRUPT_DRAIN_MAX_NS)
            decide_drain(now)
            tick(now)
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        status = "interrupted"
        ctl[_STOP] = 1
        drain_ns = min(int(cfg.drain_s * NS_PER_S), _INTERRUPT_DRAIN_MAX_NS)
        progress.note("interrupted: stopping the sender, draining for at most "
                      f"{drain_ns / 1e9:g} s")
        deadline = time.monotonic_ns() + drain_ns
        try:
            while receiver_result is None:
                now = time.monotonic_ns()
                if not ctl[_RX_STOP] or ctl[_RX_STOP] > deadline:
                    ctl[_RX_STOP] = deadline
                pump(0.05)
                decide_drain(now)  # ends the drain once every probe that left is accounted for
                if now > deadline + 2 * NS_PER_S:
                    break  # a child that does not answer must not hold the report hostage
        except KeyboardInterrupt:
            pass
    ctl[_STOP] = 1
    ctl[_RX_STOP] = ctl[_RX_STOP] or time.monotonic_ns()
    # Collect the sender's last records even if it finished while we were draining.
    end_wait = time.monotonic_ns() + 3 * NS_PER_S
    while (sender_result is None or receiver_result is None) and time.monotonic_ns() < end_wait:
        try:
            pump(0.05)
        except KeyboardInterrupt:
            break
    lifeline.hold()  # the measurement is over: see end_of_measurement
    stop_pair(workers, threads, tx, rx, (s_parent, r_parent))
    wall_ns = time.monotonic_ns() - start_ns

    matcher.finish()
    stats = matcher.stats
    _, tx_episodes, write_stats = sender_result or ("sender", [], sender_writes(ctl))
    _, rx_episodes, rx_wire, rx_lag, rx_drops, rx_stamped = \
        receiver_result or ("receiver", [], None, None, None, True)
    faults = _faults_of(list(tx_episodes) + list(rx_episodes) + ([stalled] if stalled else []), start_ns)
    if status == "ok" and faults:
        status = "fault"
    line_rate = cfg.line_bytes_per_s or _line_rate(tx, rx)
    line_bytes = _line_bytes(tx, rx, write_stats.get("wire_bytes"), rx_wire,
                             stats.counts.sent, matcher.known * k)
    report = Report.from_stats(stats, duration_s=matcher.duration_s, started_at=started_at,
                               config=cfg.describe("loop", rate), latency_kind="one-way loop",
                               line_bytes_per_s=line_rate, line_bytes=line_bytes,
                               faults=faults, status=status)
    # Figures from the clock (RunStats.throughput): first to last arrival, first to last send.
    report.throughput, raw_util = stats.throughput(
        line_rate, line_bytes, line_side="rx" if getattr(rx, "bytes_per_s", None) else "tx",
        window_s=matcher.duration_s)
    progress.update(_live_line(matcher, time.monotonic_ns(), start_ns, received_before,
                               max((time.monotonic_ns() - last_tick) / NS_PER_S, 1e-9)))
    match: dict[str, Any] = {
        "run_id": f"{run_id:08x}",
        "by": "keys" if keys else "tag",
        "stray": matcher.stray,
        "too_old": matcher.too_old,
        "foreign": matcher.foreign,
        "failed_sends": matcher.failed_sends * k,
        "sends": matcher.known,
        # probes the schedule held that never left: the run's time was up while writes blocked
        # (a line slower than the load), or it was interrupted or stalled
        "not_sent": max(schedule.count - matcher.known, 0) * k,
        # writes that blocked (over 1 ms, on a transport whose writes can block: a serial line,
        # a pty, TCP): the path's back-pressure, which a UDP socket never applies
        "writes_blocked": bool(blocked_write_ns(cfg.send) is not None and write_stats.get("slow_writes")),
        "sender_blocked_s": round(write_stats.get("blocked_ns", 0) / 1e9, 6),
        "processes": "threads" if threads else "processes",
    }
    if raw_util is not None:
        match["line_utilization_clamped_from"] = round(raw_util, 4)
    out = BenchReport.of(report, match=match)
    lag_hist = HdrHistogram.decode(rx_lag) if rx_lag else None
    p50 = report.uncorrected.p50_us if report.uncorrected.measured else None
    _attach_health(out, assess(
        sender=matcher.lag, sends_per_s=sends_per_s, late_after_ns=cfg.late_after_ns,
        rx_queue_drops=rx_drops, receiver_lag=lag_hist, receiver_stamped=rx_stamped,
        latency_p50_ns=None if p50 is None else p50 * 1000,
        host_cpu_pressure=pressure_share(pressure_before, cpu_pressure_us(), wall_ns)))
    return out


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

    Ending signals (radarbench.rigs.lifeline's handlers, as the CLI installs them) raise
    while the run measures; from the end of its measurement on they are counted, not raised
    (each mode calls lifeline.hold() there), so one that comes while the children are joined
    and the report is built cannot cost the report: the run is then "interrupted" (a signal
    in that window used to end `bench` with 128+N and no report, its figures complete).
    The holds end when this returns.

    Raises ConfigError (a ValueError, one line) for settings or URLs that cannot run.
    """
    cfg.check()
    seen, depth = len(lifeline.interrupts()), lifeline.held()
    try:
        report = _run_mode(cfg)
        if len(lifeline.interrupts()) > seen:
            report.status = "interrupted"
        return settle(report, cfg.limits)
    finally:
        # a caller that runs again (the pytest fixture) has its next measurement interruptible;
        # the CLI holds again at once (cmd_bench) to write what this returns
        lifeline.release(depth)


def _open_progress(cfg: BenchConfig) -> Progress:
    """The run's Progress; ConfigError (one line) when --json-stream cannot be opened (a FIFO
    nobody reads: ENXIO, where opening it waited for a reader for ever)."""
    try:
        return Progress(cfg.progress, cfg.json_stream)
    except OSError as exc:
        why = "a FIFO nobody reads" if exc.errno == errno.ENXIO else exc.strerror or str(exc)
        raise ConfigError(f"--json-stream {cfg.json_stream}: {why}") from None


def _run_mode(cfg: BenchConfig) -> BenchReport:
    mode = cfg.mode()
    with _open_progress(cfg) as progress:
        if mode == "tap":
            from radarbench.bench.content_run import run_tap

            return run_tap(cfg, progress)
        if mode == "loop" and cfg.replay:
            from radarbench.bench.content_run import run_replay

            return run_replay(cfg, progress)
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
