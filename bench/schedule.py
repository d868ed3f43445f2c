"""Open-loop send schedules: when each send is *meant* to leave, whatever the path does.

A schedule maps the index of a send (0, 1, 2...) to its intended offset in nanoseconds from
the run's start on `time.monotonic_ns()`. The sender never waits for replies: when it falls
behind it sends at once, and the latency measured from the intended time shows what the
delay cost (coordinated omission, as in wrk2).

Offsets are computed in O(1) from the index, with no table, so the sender, the receiver and
the matcher (three processes) agree on every intended time without shipping arrays around.
A "send" is one datagram or data block; it carries `records_per_block` probe messages, so the
rates here are sends per second.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

NS_PER_S = 1_000_000_000


class Schedule:
    """Intended send times of `count` sends."""

    count: int

    def offset_ns(self, index: int) -> int:
        """Intended time of send `index`, in ns after the run's start."""
        raise NotImplementedError

    @property
    def span_ns(self) -> int:
        """From the start to the intended time of the last send, plus one interval at the end
        rate (so that a run of N sends at R per second spans N / R seconds)."""
        raise NotImplementedError

    def describe(self) -> dict[str, object]:
        """The schedule for the report's config."""
        raise NotImplementedError


@dataclass(frozen=True)
class ConstantRate(Schedule):
    """`count` sends evenly spaced at `rate_per_s`. Raises ValueError on a rate <= 0."""

    rate_per_s: float
    count: int

    def __post_init__(self) -> None:
        if not self.rate_per_s > 0 or math.isinf(self.rate_per_s):
            raise ValueError(f"rate must be a positive number, not {self.rate_per_s}")
        if self.count < 0:
            raise ValueError(f"count must be >= 0, not {self.count}")

    def offset_ns(self, index: int) -> int:
        return int(index * NS_PER_S / self.rate_per_s)

    @property
    def span_ns(self) -> int:
        return int(self.count * NS_PER_S / self.rate_per_s)

    def describe(self) -> dict[str, object]:
        return {"kind": "constant", "sends_per_s": self.rate_per_s}


@dataclass(frozen=True)
class Bursts(Schedule):
    """Bursts of `burst` sends back to back, the bursts spaced so that the mean rate is
    `rate_per_s`: burst k leaves at k * burst / rate_per_s. Raises ValueError."""

    rate_per_s: float
    burst: int
    count: int

    def __post_init__(self) -> None:
        if not self.rate_per_s > 0 or math.isinf(self.rate_per_s):
            raise ValueError(f"rate must be a positive number, not {self.rate_per_s}")
        if self.burst < 1:
            raise ValueError(f"burst must be >= 1, not {self.burst}")

    def offset_ns(self, index: int) -> int:
        return int((index // self.burst) * self.burst * NS_PER_S / self.rate_per_s)

    @property
    def span_ns(self) -> int:
        return int(self.count * NS_PER_S / self.rate_per_s)

    def describe(self) -> dict[str, object]:
        return {"kind": "bursts", "sends_per_s": self.rate_per_s, "burst": self.burst}


@dataclass(frozen=True)
class Ramp(Schedule):
    """The rate climbs linearly from `start_per_s` to `end_per_s` over `duration_s`.

    Sends happen where the integral of the rate reaches each whole number:
    n(t) = r0 t + (r1 - r0) t^2 / (2 T), so send i leaves at the root of n(t) = i.
    Raises ValueError on a rate <= 0 or a duration <= 0.
    """

    start_per_s: float
    end_per_s: float
    duration_s: float

    def __post_init__(self) -> None:
        if not (self.start_per_s > 0 and self.end_per_s > 0):
            raise ValueError(f"ramp rates must be positive, not {self.start_per_s}:{self.end_per_s}")
        if not self.duration_s > 0:
            raise ValueError(f"ramp duration must be positive, not {self.duration_s}")

    @property
    def count(self) -> int:  # type: ignore[override]
        return int((self.start_per_s + self.end_per_s) / 2 * self.duration_s)

    def offset_ns(self, index: int) -> int:
        r0, r1, T = self.start_per_s, self.end_per_s, self.duration_s
        a = (r1 - r0) / (2 * T)
        if abs(a) < 1e-12:
            return int(index * NS_PER_S / r0)
        # a t^2 + r0 t - i = 0; the numerically stable form of the positive root.
        t = 2 * index / (r0 + math.sqrt(r0 * r0 + 4 * a * index))
        return int(t * NS_PER_S)

    @property
    def span_ns(self) -> int:
        return int(self.duration_s * NS_PER_S)

    def describe(self) -> dict[str, object]:
        return {"kind": "ramp", "from_sends_per_s": self.start_per_s,
                "to_sends_per_s": self.end_per_s}


def parse_ramp(text: str) -> tuple[float, float]:
    """'R0:R1' -> (R0, R1). Raises ValueError with the expected form."""
    try:
        lo, hi = (float(x) for x in text.split(":"))
    except ValueError:
        raise ValueError(f"ramp {text!r}: expected FROM:TO messages per second, e.g. 100:2000") from None
    if not (lo > 0 and hi > 0):
        raise ValueError(f"ramp {text!r}: both rates must be positive")
    return lo, hi
