"""Matching: what the sender sent against what the receiver got, message by message.

Pure and I/O-free, run in the parent while a loop run goes (streaming, bounded memory: see
StreamMatcher). Every probe sent (outside the warm-up)
ends as exactly one of received, late or lost; duplicates, reordering and corrupted frames are
counted apart. The schedule gives each probe's intended send time, the sender's log its actual
one, the receiver's log its arrival.

Definitions (DESIGN.md, "Accounting is exact"):
- received: the first intact copy arrived within `late_after_ns` of the actual send;
- late: the first intact copy arrived, but later than that (its latency is still recorded:
  leaving the slowest out would flatter the tail);
- lost: no intact copy arrived before the receiver stopped (the drain timeout after the last
  send), or the send itself failed (while the run goes: none arrived within late_after);
- duplicated: each further intact copy of a probe already seen;
- reordered: a first copy whose seq is below the highest seq seen before it (RFC 4737's
  "reordered" singleton test);
- corrupted: a frame that did not decode, or held a probe whose bytes differ from those sent;
  its probes are not counted received (an intact copy may still arrive).
"""
from __future__ import annotations

import math
from array import array
from collections import deque
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from radarbench.bench.health import SenderLag
from radarbench.bench.schedule import Schedule
from radarbench.bench.stats import RunStats

FAILED = -1  # the sender's actual-time mark of a send that raised

# A send is closed (its unseen probes counted lost) once the receiver has read everything that
# arrived up to late_after + this past the send. The receiver's upto_ns is the arrival stamp
# of the last message it read (a socket hands them over in arrival order), so the margin only
# covers stamps that disagree slightly with that order.
CLOSE_MARGIN_NS = 50_000_000
# After a send is closed its record stays this long, so that an arrival later still can be
# told apart: late (a first copy) or duplicated. Older arrivals are counted `too_old`.
HISTORY_NS = 4_000_000_000


@dataclass
class SendBatch:
    """A batch of what the sender did: send `first + i` left at actual_ns[i] (FAILED if it
    raised); own_ns[i] is the part of its lag that was the bench's own (actual minus the
    later of its intended time and the end of the previous write, where that write blocked;
    empty from a sender that does not tell: then all its lag is)."""

    first: int
    actual_ns: array = field(default_factory=lambda: array("q"))
    own_ns: array = field(default_factory=lambda: array("q"))
    upto_ns: int = 0  # the sender's clock when it cut the batch: every send before is in it


@dataclass
class ReceiverLog:
    """A batch of what the receiver got, in arrival order.

    seq/rx_ns/nbytes: one entry per probe found in an intact frame (nbytes is the frame's size
    shared among its probes); keys: the same for key-matched probes (seq modulo key_modulus);
    corrupted_rx_ns: arrival time of each corrupted frame; undecodable: how many of those did
    not decode at all; foreign: records that were not this run's probes; frames: in raw mode
    (a run matched by content, radarbench.bench.content_run) every message as it came,
    (arrival ns, bytes), nothing parsed; upto_ns: the
    receiver's clock when it cut the batch (it has handed over everything it read before).
    """

    seq: array = field(default_factory=lambda: array("q"))
    rx_ns: array = field(default_factory=lambda: array("q"))
    nbytes: array = field(default_factory=lambda: array("q"))
    key: array = field(default_factory=lambda: array("q"))
    key_rx_ns: array = field(default_factory=lambda: array("q"))
    key_nbytes: array = field(default_factory=lambda: array("q"))
    corrupted_rx_ns: array = field(default_factory=lambda: array("q"))
    frames: list = field(default_factory=list)  # raw mode (no probe codec): (rx_ns, bytes) each
    undecodable: int = 0
    foreign: int = 0
    upto_ns: int = 0


def ring_sends(sends_per_s: float, late_after_ns: int, records_per_block: int) -> int:
    """Slots (sends) of a StreamMatcher's ring for a peak rate: every send still open (up to
    late_after + CLOSE_MARGIN_NS old, half as many again for a sender catching up after a
    stall) plus HISTORY_NS of closed ones; a power of two, at least 1024. (The ring holds 8
    octets a send and one a probe: ~36 MB at the largest rate and window the bench accepts.)"""
    need = sends_per_s * (1.5 * (late_after_ns + CLOSE_MARGIN_NS) + HISTORY_NS) / 1e9
    return 1 << max(10, math.ceil(math.log2(max(need, 1))))


class StreamMatcher:
    """Matches one loop run as it goes, in bounded memory.

    Feed it what the sender did (`on_sends`, in order) and what the receiver got
    (`on_arrivals`, in order) as they come; call `finish()` once both are done. `stats` then
    holds the run's accounting, the same at every moment as what progress shows:

    - every probe sent (outside the warm-up) ends as exactly one of received, late or lost,
      so sent = received + lost + late once finished;
    - a send stays open until the receiver has reported everything up to late_after (+ a
      margin) after it left; its unseen probes are then counted lost;
    - a lost probe that turns up afterwards is taken back from lost and counted late, as long
      as its send is still in the ring (HISTORY_NS); later than that it is counted too_old;
    - duplicated: further intact copies; reordered: a first copy whose seq is below the
      highest seen before it (RFC 4737); corrupted, decode errors as the receiver found them.

    State is a ring of `ring` sends (actual send time, one seen flag per probe) and a few
    counters: nothing grows with the run's length.

    schedule, start_ns: intended send times; records_per_block: probes per send; warmup_ns:
    probes meant to leave before start + warmup are left out of every figure; late_after_ns:
    an arrival later than this after its actual send counts late; key_modulus: for key
    matching, seqs are known modulo this (0: tags carry full seqs); late_send_ns: a send
    more than this behind its intended time counts in `late_sends`.
    """

    def __init__(self, schedule: Schedule, start_ns: int, records_per_block: int,
                 warmup_ns: int, late_after_ns: int, ring: int, key_modulus: int = 0,
                 late_send_ns: int = 1_000_000) -> None:
        if ring & (ring - 1) or ring < 2:
            raise ValueError(f"ring must be a power of two >= 2, not {ring}")
        self.schedule = schedule
        self.start_ns = start_ns
        self.k = records_per_block
        self.warmup_ns = warmup_ns
        self.late_after_ns = late_after_ns
        self.key_modulus = key_modulus
        self.late_send_ns = late_send_ns
        self.ring = ring
        self._mask = ring - 1
        self._actual = array("q", bytes(8 * ring))
        self._seen = bytearray(ring * self.k)
        self.first_send = self._first_measured_send(schedule.count)
        self.first_seq = self.first_send * self.k
        self.stats = RunStats(start_ns=start_ns + warmup_ns)
        self.known = 0        # sends 0..known-1 have reported their actual time
        self.closed = 0       # sends 0..closed-1 are closed
        self.failed_sends = 0
        self.open_probes = 0  # measured probes that left and are neither seen nor closed
        self.highest = -1
        self.stray = 0        # intact probes of this run whose send never happened or failed
        self.too_old = 0      # arrivals after their send's record was gone
        self.foreign = 0
        self.upto_ns = 0
        # Arrivals not yet matched, in arrival order: the head's send has not been reported
        # yet (the sender reports in batches), and everything behind it waits for it, so
        # that every arrival is matched strictly in arrival order (parking only the early
        # ones and matching those behind them first under-counted reordering by ~1 %).
        self._held: deque[tuple[int, int, int]] = deque()
        # Sender lag of every measured send: the bench's own and in all (health.SenderLag).
        self.lag = SenderLag(late_send_ns)

    @property
    def sender_lag(self) -> HdrHistogram:
        """The bench's own sender lag (ns) of the measured sends."""
        return self.lag.own

    @property
    def late_sends(self) -> int:
        return self.lag.late_sends

    # ------------------------------------------------------------------ times

    def intended_ns(self, seq: int) -> int:
        """Intended send time of probe `seq`."""
        return self.start_ns + self.schedule.offset_ns(seq // self.k)

    def _first_measured_send(self, sends: int) -> int:
        lo, hi = 0, sends
        while lo < hi:
            mid = (lo + hi) // 2
            if self.schedule.offset_ns(mid) < self.warmup_ns:
                lo = mid + 1
            else:
                hi = mid
        return lo

    @property
    def duration_s(self) -> float:
        """The measured span of the schedule: from the end of the warm-up to the last send
        known, in seconds (the run's intended length, not a rate's denominator)."""
        sched = self.schedule
        # all sent: the schedule's span (a burst's sends share one intended time, so the
        # offset of the send after the last is not where a cut-short burst ends: 2,000 sends
        # of a 4,096 burst at 1,000/s were "measured" over their 28 ms of flight)
        end = sched.span_ns if self.known >= sched.count else sched.offset_ns(self.known)
        return max(0, end - sched.offset_ns(self.first_send)) / 1e9 if self.known > self.first_send else 0.0

    # ------------------------------------------------------------------ feeding

    def on_sends(self, batch: SendBatch) -> None:
        """The sender's next batch. Raises ValueError if it does not follow the last one."""
        if batch.first != self.known:
            raise ValueError(f"send batch starts at {batch.first}, expected {self.known}")
        k, mask, ring = self.k, self._mask, self.ring
        stats, seen, actual = self.stats, self._seen, self._actual
        offset = self.schedule.offset_ns
        start = self.start_ns
        own_ns = batch.own_ns
        add_lag = self.lag.add
        for n, (i, t) in enumerate(enumerate(batch.actual_ns, batch.first)):
            if i - self.closed >= ring:
                # The ring is full of open sends (the receiver fell far behind): close the
                # oldest now; what arrives for it later is too_old.
                self._close_one()
            slot = i & mask
            actual[slot] = t
            seen[slot * k:(slot + 1) * k] = bytes(k)
            self.known = i + 1
            if i < self.first_send:
                continue
            intended = start + offset(i)
            if t == FAILED:
                self.failed_sends += 1
                for _ in range(k):
                    stats.on_sent(intended)
                continue
            add_lag(intended, t, own_ns[n] if n < len(own_ns) else None)
            for _ in range(k):
                stats.on_sent(intended, t)
            self.open_probes += k
        if self._held:
            self._release()
            self._close_to_upto()

    def on_arrivals(self, got: ReceiverLog) -> None:
        """The receiver's next batch; then closes every send the receiver is now past."""
        arrivals = list(zip(got.rx_ns, got.seq, got.nbytes))
        if self.key_modulus:
            for key, rx_ns, nbytes in zip(got.key, got.key_rx_ns, got.key_nbytes):
                arrivals.append((rx_ns, self._resolve_key(key, rx_ns), nbytes))
        # In arrival order: jitter, reordering and the timeline depend on it. Kernel stamps
        # may disagree slightly with the order recv() returned, so sort (stable).
        arrivals.sort(key=lambda a: a[0])
        self._held.extend(arrivals)
        self._release()
        measured_from_ns = self.start_ns + self.warmup_ns
        for rx_ns in got.corrupted_rx_ns:
            if rx_ns >= measured_from_ns:
                self.stats.on_corrupted()
        for _ in range(got.undecodable):
            self.stats.on_decode_error()
        self.foreign += got.foreign
        if got.upto_ns > self.upto_ns:
            self.upto_ns = got.upto_ns
        self._close_to_upto()

    def _close_to_upto(self) -> None:
        # Everything that arrived before upto_ns has been matched, except what is held: a
        # held arrival may be for a send that would otherwise be closed (and its probe
        # counted lost, then late), so close no further than the oldest one held.
        upto = self.upto_ns
        if self._held:
            upto = min(upto, self._held[0][0])
        self.close_until(upto - self.late_after_ns - CLOSE_MARGIN_NS)

    def _release(self) -> None:
        """Match held arrivals from the head, in arrival order, while their sends are known."""
        held = self._held
        limit = self.ring * self.k
        k, count, known = self.k, self.schedule.count, self.known
        while held:
            rx_ns, seq, nbytes = held[0]
            send = seq // k
            if 0 <= send < count and send >= known:
                # Its send's record has not come yet. A reply cannot come before its send
                # was meant to leave (the sender never sends early): one that would is
                # no probe of this run's sends (stray), and must not hold the rest back.
                # Nor may the held queue grow past the ring (a sender that stopped
                # reporting): its head is then stray.
                if self.start_ns + self.schedule.offset_ns(send) <= rx_ns + CLOSE_MARGIN_NS \
                        and len(held) <= limit:
                    break
                held.popleft()
                self.stray += 1
                continue
            held.popleft()
            self._arrive(rx_ns, seq, nbytes)

    def close_until(self, horizon_ns: int) -> None:
        """Close every known send that left (or, failed, was meant to) before horizon_ns."""
        actual, mask = self._actual, self._mask
        while self.closed < self.known:
            t = actual[self.closed & mask]
            if t == FAILED:
                t = self.start_ns + self.schedule.offset_ns(self.closed)
            if t >= horizon_ns:
                break
            self._close_one()

    def finish(self) -> None:
        """Both sides are done: close every send; arrivals still waiting for their send's
        record (a sender that died before reporting it) are stray."""
        # Held arrivals whose sends are known are matched (in order); those whose send
        # never reported are stray.
        held = self._held
        while held:
            rx_ns, seq, nbytes = held.popleft()
            if 0 <= seq // self.k < self.known:
                self._arrive(rx_ns, seq, nbytes)
            else:
                self.stray += 1
        self.close_until(1 << 62)

    # ------------------------------------------------------------------ inside

    def _close_one(self) -> None:
        i = self.closed
        self.closed = i + 1
        if i < self.first_send:
            return
        k = self.k
        slot = i & self._mask
        seen = self._seen
        ok = self._actual[slot] != FAILED
        intended = self.start_ns + self.schedule.offset_ns(i)
        for j in range(slot * k, slot * k + k):
            if not seen[j]:
                self.stats.on_lost(intended)
                if ok:
                    self.open_probes -= 1

    def _arrive(self, rx_ns: int, seq: int, nbytes: int) -> None:
        k = self.k
        send = seq // k
        if seq < 0 or send >= self.schedule.count:
            self.stray += 1
            return
        if send >= self.known:  # its send never reported (only from finish: stray)
            self.stray += 1
            return
        if send < self.known - self.ring:  # its slot holds a newer send now
            if seq >= self.first_seq:
                self.too_old += 1
            return
        if seq < self.first_seq:
            return  # warm-up
        slot = send & self._mask
        actual_ns = self._actual[slot]
        if actual_ns == FAILED:
            self.stray += 1
            return
        j = slot * k + seq % k
        stats = self.stats
        if self._seen[j]:
            stats.on_duplicate()
            return
        self._seen[j] = 1
        if seq < self.highest:
            stats.on_reordered()
        else:
            self.highest = seq
        intended_ns = self.start_ns + self.schedule.offset_ns(send)
        if send < self.closed:
            stats.on_late_after_lost(intended_ns, actual_ns, rx_ns, nbytes)
        else:
            self.open_probes -= 1
            if rx_ns - actual_ns > self.late_after_ns:
                stats.on_late(intended_ns, actual_ns, rx_ns, nbytes)
            else:
                stats.on_received(intended_ns, actual_ns, rx_ns, nbytes)

    def _resolve_key(self, key: int, rx_ns: int) -> int:
        # A key gives seq modulo M: take the newest seq with that residue that was meant to
        # leave before the arrival (a reply cannot precede its send).
        m = self.key_modulus
        lo, hi = 0, self.schedule.count
        while lo < hi:  # first send whose intended time is after rx
            mid = (lo + hi) // 2
            if self.start_ns + self.schedule.offset_ns(mid) <= rx_ns:
                lo = mid + 1
            else:
                hi = mid
        newest = lo * self.k - 1
        if newest < 0:
            return -1
        return newest - ((newest - key) % m)

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


__all__ = ["CLOSE_MARGIN_NS", "FAILED", "HISTORY_NS", "ReceiverLog", "SendBatch", "StreamMatcher",
           "rate_index", "ring_sends"]
