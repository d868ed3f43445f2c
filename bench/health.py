"""The bench's own health: are its figures about the device, or about the host?

"Bench overloaded" means the run's figures say nothing about the device. A busy host makes
sends leave a few ms late, which the figures survive: corrected latency is taken from the
intended send time, so the sender's lag is already in it (coordinated omission), and a
reply is judged late only past --late-after. So `assess` flags a run only when:

(a) the bench's receive queue dropped datagrams (SO_RXQ_OVFL): losses the device did not make;
(b) the bench could not offer the load: it fell behind cumulatively (its own lag, in the
    sends of the run's last second, all beyond max(50 ms, 5 % of the run): the achieved send
    rate fell below ~95 % of the schedule's), or its own per-send lag p99 passed max(50 ms,
    5 send intervals) (the offered pattern is no longer the schedule's);
(c) the receiver read so late that arrivals risk being judged late or lost (receiver lag p99
    past late_after / 4, with kernel stamps), or, without kernel stamps (serial, pty: the
    read time is the arrival time), its lag p99 passed max(5 ms, 10 % of the latency p50),
    since that lag inflates every latency directly.

Smaller lag goes into `warnings` (shown by the renderers), not the verdict. The bench's own
lag of a send is what its previous write blocking does not explain (actual - max(intended,
end of the previous write, where that write blocked)): a line that cannot carry the load
blocks the sender's writes, and that lag is the line's (NEWCOMER #6: a 9600 baud line at
50 msgs/s was 8 s behind, all of it blocked in writes); it shows as latency, loss and late.

The report's `health` section (the issue-7 contract, plus warnings and the lag split):

    {"overloaded": bool, "reasons": [str, ...], "warnings": [str, ...],
     "sender_lag_us": {"p50", "p99", "max"} | None,   # actual - intended, back-pressure
                                   # included (find-max tells the path's hold-back by it)
     "sender_own_lag_us": {...} | None,   # the bench's own share of each send's lag
     "sender_behind_ms": float | None,     # own cumulative lag at the run's end (last second)
     "late_sends": int,            # sends whose own lag passed max(1 ms, half an interval)
     "rx_queue_drops": int | None,  # SO_RXQ_OVFL (None where the transport cannot tell)
     "receiver_lag_us": {"p50", "p99", "max"} | None,
     "receiver_lag_stamped": bool | None,  # receiver lag from kernel stamps (else estimated)
     "host_cpu_pressure": float | None}  # /proc/pressure/cpu "some" share of the run, 0..1

Measured on this 2-core machine (Python 3.11) with tests/benchmarks/health_load.py, through
`radarbench emulate echo` on UDP loopback, 5 s runs, three each. "Quiet" had no hogs but
shared the machine with other sessions' test runs (CPU pressure 2-57 % of the run); "busy"
had two `python3 -c 'while 1: pass'` beside it (pressure 45-100 %). Own lag is the bench's
own share of each send's lag (carried); "behind" its least over the last second:

                     own lag p50 / p99 / max (ms)   behind (ms)  late sends  rx lag p99 (ms)  verdict
    quiet, 200/s     0.0005 / 0.45-0.87 / 1.3-2.9   0            0-0.2 %     0.14-0.22        ok
    busy, 200/s      1.4-2.2 / 4.4-15 / 6.4-51      0.07-0.54    26-46 %     0.1-8.3          ok, warnings
    quiet, 1000/s    0.0004 / 0.67-2.3 / 3.3-5.3    0            0.9-2.2 %   0.04-0.10        ok
    busy, 1000/s     0.0004-2.6 / 0.001-7.6 / 5-16  0-0.2        0.2-77 %    0.19-8.1         ok, warnings
    quiet, 60,000/s  138 / 299 / 310                103          99 %        94               overloaded

Every busy run received all it sent, with corrected latency p99 4.5-15 ms (quiet: 0.5-2.3):
the figures held, the bench's lag is in them, and the warnings say so. The 60,000/s run
reached 20,800 msgs/s and lost 65 %: overloaded (sender lag p99; at 50,000-60,000/s also the
cumulative lag, receiver lag and receive-queue drops). In an earlier busy set, with other
sessions' tests on the machine as well (pressure 100 %), the sender stalled for 126-244 ms
and corrected latency p99 reached 78-195 ms for a ~1 ms path: that is the bench's, not the
device's, and it is flagged (own lag p99 past 50 ms). A 9600 baud pty line overrun at
50 msgs/s (total sender lag 6 s, all of it blocked writes): own lag p99 0.3-0.5 ms, ok.
"""
from __future__ import annotations

from collections import deque
from typing import Any

from hdrh.histogram import HdrHistogram

from radarbench.bench.stats import HIGHEST_NS, recorder

NS_PER_US = 1_000
NS_PER_MS = 1_000_000

LATE_SEND_MIN_NS = 1_000_000     # a send later than this (or half an interval) is late
LATE_SEND_SHARE = 0.5
ON_TIME_MIN_SHARE = 0.95         # fewer own sends on time than this: a warning
# (b) the bench's own per-send lag p99 past max(50 ms, 5 intervals): overloaded; past
# max(5 ms, one interval): a warning (a busy 2-core host gives 5-25 ms).
SENDER_LAG_P99_MIN_NS = 50 * NS_PER_MS
SENDER_LAG_P99_INTERVALS = 5
SENDER_LAG_WARN_MIN_NS = 5 * NS_PER_MS
# (b) cumulative: behind by more than max(50 ms, 5 % of the run) at the end: overloaded;
# more than 10 ms: a warning.
BEHIND_MIN_NS = 50 * NS_PER_MS
BEHIND_SHARE = 0.05
BEHIND_WARN_NS = 10 * NS_PER_MS
# (c) receiver lag p99 with kernel stamps past late_after / 4: overloaded; past 5 ms: a
# warning. Without stamps: past max(5 ms, 10 % of the latency p50): overloaded; past 1 ms:
# a warning.
RECEIVER_LAG_LATE_SHARE = 0.25
RECEIVER_LAG_WARN_NS = 5 * NS_PER_MS
UNSTAMPED_LAG_MIN_NS = 5 * NS_PER_MS
UNSTAMPED_LAG_LATENCY_SHARE = 0.10
UNSTAMPED_LAG_WARN_NS = 1 * NS_PER_MS

_PRESSURE = "/proc/pressure/cpu"


class SenderLag:
    """The sender's lag, folded send by send in bounded memory: the bench's own share of each
    send's lag (histogram `own`: its own delays, carried from send to send until the slack
    between sends absorbs them), the total lag (histogram `total`: back-pressure included),
    sends late by their own share, and the least own share over the last second of the
    schedule (`behind_ns`: what the bench was still behind by at the end)."""

    WINDOW_NS = 1_000_000_000

    def __init__(self, late_bound_ns: int) -> None:
        self.late_bound_ns = late_bound_ns
        self.own = HdrHistogram(1, HIGHEST_NS, 3)
        self.total = HdrHistogram(1, HIGHEST_NS, 3)
        self._own = recorder(self.own)
        self._total = recorder(self.total)
        self.late_sends = 0
        self.sends = 0
        self.first_ns: int | None = None
        self.last_ns = 0
        self._behind = 0
        # (intended, behind) of the last WINDOW_NS, behind increasing: a sliding minimum.
        self._window: deque[tuple[int, int]] = deque()

    def add(self, intended_ns: int, actual_ns: int, own_ns: int | None = None) -> None:
        """One send that left at actual_ns, meant for intended_ns (in order); own_ns: the
        part of its lag that was the bench's own (None: all of it)."""
        lag = max(actual_ns - intended_ns, 0)
        own = lag if own_ns is None else min(max(own_ns, 0), lag)
        # The bench's own share of this send's lag, carried from send to send: a stall of
        # 200 ms delays the 40 sends behind it too (their lag is in their corrected latency),
        # not only the first. The slack between two sends absorbs the bench's share first
        # (generous to the bench: back-pressure keeps its share); this send's own lag adds.
        if self.first_ns is None:
            self.first_ns = intended_ns
            self._behind = own
        else:
            gap = intended_ns - self.last_ns
            self._behind = min(max(self._behind - gap, 0) + own, lag)
        self.last_ns = intended_ns
        behind = self._behind
        self._total(min(max(lag, 1), HIGHEST_NS))
        self._own(min(max(behind, 1), HIGHEST_NS))
        if behind > self.late_bound_ns:
            self.late_sends += 1
        self.sends += 1
        w = self._window
        while w and w[-1][1] >= self._behind:
            w.pop()
        w.append((intended_ns, self._behind))
        while w[0][0] < intended_ns - self.WINDOW_NS:
            w.popleft()

    @property
    def behind_ns(self) -> int | None:
        """The least the bench's own carried lag was over the last second of sends."""
        return self._window[0][1] if self._window else None

    @property
    def span_ns(self) -> int:
        """Intended span of the sends added (first to last)."""
        return self.last_ns - self.first_ns if self.first_ns is not None else 0


def late_send_ns(sends_per_s: float) -> int:
    """How far behind its intended time a send may leave (by the bench's own lag) before it
    counts late, in ns: max(1 ms, half the send interval)."""
    interval_ns = 1e9 / sends_per_s if sends_per_s > 0 else 0.0
    return int(max(LATE_SEND_MIN_NS, LATE_SEND_SHARE * interval_ns))


def cpu_pressure_us() -> int | None:
    """The host's cumulative CPU pressure ("some" total, microseconds in which at least one
    runnable task waited for a CPU), or None where the kernel does not offer it."""
    try:
        with open(_PRESSURE, encoding="ascii") as f:
            for line in f:
                if line.startswith("some"):
                    for part in line.split():
                        if part.startswith("total="):
                            return int(part[6:])
    except (OSError, ValueError):
        return None
    return None


def pressure_share(before_us: int | None, after_us: int | None, wall_ns: int) -> float | None:
    """Share (0..1) of `wall_ns` during which some task waited for a CPU, None if unknown."""
    if before_us is None or after_us is None or wall_ns <= 0:
        return None
    return round(min(max((after_us - before_us) * NS_PER_US / wall_ns, 0.0), 1.0), 4)


def lag_summary(hist: HdrHistogram | None) -> dict[str, float] | None:
    """{"p50", "p99", "max"} in microseconds of a ns histogram; None if it is empty."""
    if hist is None or hist.get_total_count() == 0:
        return None
    return {"p50": round(hist.get_value_at_percentile(50.0) / NS_PER_US, 3),
            "p99": round(hist.get_value_at_percentile(99.0) / NS_PER_US, 3),
            "max": round(hist.get_max_value() / NS_PER_US, 3)}


def sender_lag_bound_ns(sends_per_s: float) -> int:
    """The bench's own sender lag p99 past which it no longer offers the schedule's
    pattern: max(50 ms, 5 send intervals)."""
    interval_ns = 1e9 / sends_per_s if sends_per_s > 0 else 0.0
    return int(max(SENDER_LAG_P99_MIN_NS, SENDER_LAG_P99_INTERVALS * interval_ns))


def _ms(ns: float) -> str:
    return f"{ns / NS_PER_MS:.3f} ms"


def assess(*, sender: SenderLag | None, sends_per_s: float, late_after_ns: int,
           rx_queue_drops: int | None, receiver_lag: HdrHistogram | None,
           receiver_stamped: bool | None = True, latency_p50_ns: float | None = None,
           host_cpu_pressure: float | None = None) -> dict[str, Any]:
    """The health section from the run's figures (the rules and bounds: the module's
    docstring). sender: the measured sends' lag (None: the bench sent nothing);
    sends_per_s: the schedule's peak send rate; late_after_ns: the run's --late-after;
    receiver_stamped: the receiver lag is from kernel stamps (False: estimated from the
    reads, None: no receiver); latency_p50_ns: the run's uncorrected latency p50."""
    reasons: list[str] = []
    warnings: list[str] = []
    interval_ns = 1e9 / sends_per_s if sends_per_s > 0 else 0.0
    own = total = None
    behind = None
    late_sends = 0
    if sender is not None and sender.sends:
        own, total = lag_summary(sender.own), lag_summary(sender.total)
        late_sends = sender.late_sends
        behind = sender.behind_ns
    if rx_queue_drops:
        reasons.append(f"the bench's receive queue overflowed: {rx_queue_drops} datagrams dropped")
    if sender is not None and behind is not None:
        bound = max(BEHIND_MIN_NS, BEHIND_SHARE * sender.span_ns)
        if behind > bound:
            reasons.append(f"the bench could not offer the load: its sends of the last second left "
                           f"{_ms(behind)} or more behind schedule by its own lag (bound {_ms(bound)})")
        elif behind > BEHIND_WARN_NS:
            warnings.append(f"sender {_ms(behind)} behind schedule by its own lag at the end of the run")
    if own is not None:
        p99 = own["p99"] * NS_PER_US
        bound = sender_lag_bound_ns(sends_per_s)
        warn = max(SENDER_LAG_WARN_MIN_NS, interval_ns)
        if p99 > bound:
            reasons.append(f"sender lag p99 {_ms(p99)} behind schedule by the bench's own delay "
                           f"(bound {_ms(bound)})")
        elif p99 > warn:
            warnings.append(f"sender lag p99 {_ms(p99)} (the bench's own; in the corrected latency)")
        sends = sender.sends if sender is not None else 0
        if sends and (sends - late_sends) / sends < ON_TIME_MIN_SHARE:
            warnings.append(f"{100 * late_sends / sends:.1f} % of sends left more than "
                            f"{_ms(sender.late_bound_ns)} late by the bench's own lag")
    receiver = lag_summary(receiver_lag)
    if receiver is not None:
        p99 = receiver["p99"] * NS_PER_US
        if receiver_stamped is False:
            bound = max(UNSTAMPED_LAG_MIN_NS, UNSTAMPED_LAG_LATENCY_SHARE * (latency_p50_ns or 0))
            if p99 > bound:
                reasons.append(f"receiver lag p99 {_ms(p99)} (no kernel stamps: it inflates every "
                               f"latency; bound {_ms(bound)})")
            elif p99 > UNSTAMPED_LAG_WARN_NS:
                warnings.append(f"receiver lag p99 {_ms(p99)} (no kernel stamps: in the latency)")
        else:
            bound = RECEIVER_LAG_LATE_SHARE * late_after_ns
            if p99 > bound:
                reasons.append(f"receiver lag p99 {_ms(p99)} behind the kernel's arrival stamps: "
                               f"arrivals risk being judged late or lost (bound {_ms(bound)})")
            elif p99 > RECEIVER_LAG_WARN_NS:
                warnings.append(f"receiver lag p99 {_ms(p99)} behind the kernel's arrival stamps")
    if host_cpu_pressure is not None:
        if reasons:
            reasons.append(f"host CPU pressure {host_cpu_pressure:.0%} of the run")
        elif warnings:
            warnings.append(f"host CPU pressure {host_cpu_pressure:.0%} of the run")
    return {"overloaded": bool(reasons), "reasons": reasons, "warnings": warnings,
            "sender_lag_us": total, "sender_own_lag_us": own,
            "sender_behind_ms": None if behind is None else round(behind / NS_PER_MS, 3),
            "late_sends": late_sends, "rx_queue_drops": rx_queue_drops,
            "receiver_lag_us": receiver,
            "receiver_lag_stamped": None if receiver is None else bool(receiver_stamped),
            "host_cpu_pressure": host_cpu_pressure}


__all__ = ["SenderLag", "assess", "cpu_pressure_us", "lag_summary", "late_send_ns", "pressure_share",
           "sender_lag_bound_ns"]
