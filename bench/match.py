"""Matching: what the sender sent against what the receiver got, message by message.

Pure and I/O-free, run in the parent after a loop run. Every probe sent (outside the warm-up)
ends as exactly one of received, late or lost; duplicates, reordering and corrupted frames are
counted apart. The schedule gives each probe's intended send time, the sender's log its actual
one, the receiver's log its arrival.

Definitions (DESIGN.md, "Accounting is exact"):
- received: the first intact copy arrived within `late_after_ns` of the actual send;
- late: the first intact copy arrived, but later than that (its latency is still recorded:
  leaving the slowest out would flatter the tail);
- lost: no intact copy arrived before the receiver stopped (the drain timeout after the last
  send), or the send itself failed;
- duplicated: each further intact copy of a probe already seen;
- reordered: a first copy whose seq is below the highest seq seen before it (RFC 4737's
  "reordered" singleton test);
- corrupted: a frame that did not decode, or held a probe whose bytes differ from those sent;
  its probes are not counted received (an intact copy may still arrive).
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from radarbench.bench.schedule import Schedule
from radarbench.bench.stats import RunStats

FAILED = -1  # the sender's actual-time mark of a send that raised


@dataclass
class SenderLog:
    """What the sender did: actual_ns[i] is when send i left (FAILED if it raised)."""

    actual_ns: array = field(default_factory=lambda: array("q"))

    @property
    def sends(self) -> int:
        return len(self.actual_ns)


@dataclass
class ReceiverLog:
    """What the receiver got, in arrival order.

    seq/rx_ns/nbytes: one entry per probe found in an intact frame (nbytes is the frame's size
    shared among its probes); keys: the same for key-matched probes (seq modulo key_modulus);
    corrupted_rx_ns: arrival time of each corrupted frame; undecodable: how many of those did
    not decode at all; foreign: records that were not this run's probes.
    """

    seq: array = field(default_factory=lambda: array("q"))
    rx_ns: array = field(default_factory=lambda: array("q"))
    nbytes: array = field(default_factory=lambda: array("q"))
    key: array = field(default_factory=lambda: array("q"))
    key_rx_ns: array = field(default_factory=lambda: array("q"))
    key_nbytes: array = field(default_factory=lambda: array("q"))
    corrupted_rx_ns: array = field(default_factory=lambda: array("q"))
    undecodable: int = 0
    foreign: int = 0

    def extend(self, other: ReceiverLog) -> None:
        """Append a later batch of the same receiver."""
        for name in ("seq", "rx_ns", "nbytes", "key", "key_rx_ns", "key_nbytes", "corrupted_rx_ns"):
            getattr(self, name).extend(getattr(other, name))
        self.undecodable += other.undecodable
        self.foreign += other.foreign


@dataclass
class MatchResult:
    """The stats fed by matching, and what matching could not place."""

    stats: RunStats
    stray: int = 0          # intact probes of this run with a seq that was never sent
    duration_s: float = 0.0  # measured span: from the end of the warm-up to the last send


class Matcher:
    """Matches one loop run.

    start_ns: the run's start (intended time of send 0); records_per_block: probes per send;
    warmup_ns: probes meant to leave before start + warmup are left out of every figure;
    late_after_ns: an arrival later than this after its actual send counts late;
    key_modulus: for key matching, seqs are known modulo this (0: tags carry full seqs).
    """

    def __init__(self, schedule: Schedule, start_ns: int, records_per_block: int,
                 warmup_ns: int, late_after_ns: int, key_modulus: int = 0) -> None:
        self.schedule = schedule
        self.start_ns = start_ns
        self.k = records_per_block
        self.warmup_ns = warmup_ns
        self.late_after_ns = late_after_ns
        self.key_modulus = key_modulus

    def intended_ns(self, seq: int) -> int:
        """Intended send time of probe `seq`."""
        return self.start_ns + self.schedule.offset_ns(seq // self.k)

    def first_measured_send(self, sends: int) -> int:
        """Index of the first send at or after the end of the warm-up."""
        lo, hi = 0, sends
        while lo < hi:
            mid = (lo + hi) // 2
            if self.schedule.offset_ns(mid) < self.warmup_ns:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _resolve_key(self, key: int, rx_ns: int, sends: int) -> int:
        # A key gives seq modulo M: take the newest seq with that residue that was meant to
        # leave before the arrival (a reply cannot precede its send).
        m = self.key_modulus
        lo, hi = 0, sends
        while lo < hi:  # first send whose intended time is after rx
            mid = (lo + hi) // 2
            if self.intended_ns(mid * self.k) <= rx_ns:
                lo = mid + 1
            else:
                hi = mid
        newest = lo * self.k - 1
        if newest < 0:
            return -1
        return newest - ((newest - key) % m)

    def match(self, sent: SenderLog, got: ReceiverLog) -> MatchResult:
        """Account for every probe. Returns the fed RunStats and the match's own figures."""
        k = self.k
        sends = sent.sends
        first_send = self.first_measured_send(sends)
        first_seq = first_send * k
        nseq = sends * k
        stats = RunStats(start_ns=self.start_ns + self.warmup_ns)
        result = MatchResult(stats=stats)
        measured_ns = max(0, self.schedule.offset_ns(sends) - self.schedule.offset_ns(first_send))
        result.duration_s = measured_ns / 1e9

        actual = sent.actual_ns
        for seq in range(first_seq, nseq):
            stats.on_sent(self.intended_ns(seq))

        arrivals: list[tuple[int, int, int]] = list(zip(got.rx_ns, got.seq, got.nbytes))
        if self.key_modulus:
            for key, rx_ns, nbytes in zip(got.key, got.key_rx_ns, got.key_nbytes):
                arrivals.append((rx_ns, self._resolve_key(key, rx_ns, sends), nbytes))
        # In arrival order: jitter, reordering and the timeline depend on it. Kernel stamps
        # may disagree slightly with the order recv() returned, so sort (stable).
        arrivals.sort(key=lambda a: a[0])

        seen = bytearray(max(nseq, 0))
        highest = -1
        for rx_ns, seq, nbytes in arrivals:
            if not 0 <= seq < nseq or actual[seq // k] == FAILED:
                result.stray += 1
                continue
            if seq < first_seq:
                continue  # warm-up
            if seen[seq]:
                stats.on_duplicate()
                continue
            seen[seq] = 1
            if seq < highest:
                stats.on_reordered()
            else:
                highest = seq
            actual_ns = actual[seq // k]
            intended_ns = self.intended_ns(seq)
            if rx_ns - actual_ns > self.late_after_ns:
                stats.on_late(intended_ns, actual_ns, rx_ns, nbytes)
            else:
                stats.on_received(intended_ns, actual_ns, rx_ns, nbytes)

        for seq in range(first_seq, nseq):
            if not seen[seq]:
                stats.on_lost(self.intended_ns(seq))

        measured_from_ns = self.start_ns + self.warmup_ns
        for rx_ns in got.corrupted_rx_ns:
            if rx_ns >= measured_from_ns:
                stats.on_corrupted()
        for _ in range(got.undecodable):
            stats.on_decode_error()
        return result


def rate_index(schedule: Schedule, elapsed_ns: int, limit: int) -> int:
    """How many sends of `schedule` were meant to leave within `elapsed_ns` (at most limit)."""
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi) // 2
        if schedule.offset_ns(mid) <= elapsed_ns:
            lo = mid + 1
        else:
            hi = mid
    return lo


__all__ = ["FAILED", "MatchResult", "Matcher", "ReceiverLog", "SenderLog", "rate_index"]
