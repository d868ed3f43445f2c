"""The bench's own health: did it keep its schedule and hear everything the path delivered?

A run whose sender fell behind, whose receive queue overflowed or whose receiver read late
measured the host, not the device. `assess` turns the run's figures into the report's
`health` section (shape in the issue-7 contract):

    {"overloaded": bool, "reasons": [str, ...],
     "sender_lag_us": {"p50", "p99", "max"} | None,   # actual - intended send time
     "late_sends": int,            # sends more than the lag bound behind schedule
     "rx_queue_drops": int | None,  # SO_RXQ_OVFL (None where the transport cannot tell)
     "receiver_lag_us": {"p50", "p99", "max"} | None,  # user-space receive - kernel stamp
     "host_cpu_pressure": float | None}  # /proc/pressure/cpu "some" share of the run, 0..1

Bounds, measured on this 2-core machine (Python 3.11) with tests/benchmarks/health_load.py:
`radarbench bench` through `radarbench emulate echo` on loopback, 1,000 msgs/s, 5 s, three
runs each, twice. "Quiet" had no hogs, but the machine was shared with other helpers' test
runs (CPU pressure 4-6 % of the run in the second set, 16-35 % in the first); "busy" had two
`python3 -c 'while 1: pass'` beside it (pressure 62-85 %):

                      sender lag p50 / p99 / max (ms)   late sends   receiver lag p99 (ms)
    quiet             0.0004 / 0.3-0.9 / 3.5-4.3        0.4-0.9 %    0.14-0.21
    quiet (shared)    0.0004 / 1.3-2.5 / 3.7-7.9        1.2-3.0 %    0.27-1.1
    busy (2 hogs)     1.1-1.6 / 4.6-7.1 / 7.4-18.8      54-70 %      0.2-4.3

(on a busy host the sender's sched_yield hands its core to a hog for a whole time slice, so
half its sends leave a millisecond or more late.) The bounds sit between the two: a send is
late past max(1 ms, half a send interval); the run is overloaded when fewer than 95 % of its
sends left on time, its sender lag p99 passed max(5 ms, one send interval), its receive
queue dropped anything, or its receiver lag p99 passed 5 ms (with kernel stamps a slow
reader does not distort the latency, but it is how a queue overflow starts).
"""
from __future__ import annotations

from typing import Any

from hdrh.histogram import HdrHistogram

NS_PER_US = 1_000

LATE_SEND_MIN_NS = 1_000_000     # a send later than this (or half an interval) is late
LATE_SEND_SHARE = 0.5
ON_TIME_MIN_SHARE = 0.95         # fewer sends than this on time: the sender fell behind
SENDER_LAG_P99_MIN_NS = 5_000_000  # sender lag p99 beyond max(this, one interval): behind
RECEIVER_LAG_P99_MAX_NS = 5_000_000

_PRESSURE = "/proc/pressure/cpu"


def late_send_ns(sends_per_s: float) -> int:
    """How far behind its intended time a send may leave before it counts late, in ns:
    max(1 ms, half the send interval)."""
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
    """The sender lag p99 past which the sender counts as behind: max(5 ms, one interval)."""
    interval_ns = 1e9 / sends_per_s if sends_per_s > 0 else 0.0
    return int(max(SENDER_LAG_P99_MIN_NS, interval_ns))


def assess(*, sender_lag: HdrHistogram | None, sends: int, late_sends: int, late_bound_ns: int,
           rx_queue_drops: int | None, receiver_lag: HdrHistogram | None,
           host_cpu_pressure: float | None, sender_lag_bound: int = SENDER_LAG_P99_MIN_NS) -> dict[str, Any]:
    """The health section from the run's figures (see the module's docstring for the
    bounds). sends: measured sends that left; late_sends: those later than late_bound_ns;
    sender_lag_bound: ns (sender_lag_bound_ns of the run's rate)."""
    reasons: list[str] = []
    sender = lag_summary(sender_lag)
    if sender is not None and sender["p99"] * NS_PER_US > sender_lag_bound:
        reasons.append(f"sender lag p99 {sender['p99'] / 1000:.3f} ms behind schedule "
                       f"(bound {sender_lag_bound / 1e6:g} ms)")
    if sends > 0 and (sends - late_sends) / sends < ON_TIME_MIN_SHARE:
        reasons.append(f"only {100 * (sends - late_sends) / sends:.1f} % of sends left on time "
                       f"(within {late_bound_ns / 1e6:g} ms; at least {ON_TIME_MIN_SHARE:.0%} needed)")
    if rx_queue_drops:
        reasons.append(f"the bench's receive queue overflowed: {rx_queue_drops} datagrams dropped")
    receiver = lag_summary(receiver_lag)
    if receiver is not None and receiver["p99"] * NS_PER_US > RECEIVER_LAG_P99_MAX_NS:
        reasons.append(f"receiver lag p99 {receiver['p99'] / 1000:.3f} ms behind the kernel's "
                       f"arrival stamps (bound {RECEIVER_LAG_P99_MAX_NS / 1e6:g} ms)")
    if reasons and host_cpu_pressure is not None:
        reasons.append(f"host CPU pressure {host_cpu_pressure:.0%} of the run")
    return {"overloaded": bool(reasons), "reasons": reasons, "sender_lag_us": sender,
            "late_sends": late_sends, "rx_queue_drops": rx_queue_drops,
            "receiver_lag_us": receiver, "host_cpu_pressure": host_cpu_pressure}


__all__ = ["assess", "cpu_pressure_us", "lag_summary", "late_send_ns", "pressure_share", "sender_lag_bound_ns"]
