"""The bench a rig file describes: its [bench] section as a BenchConfig, and its limits.

    rig = RigUp(load_rig(path)).start()             # bound to its run directory
    cfg = config_for(rig, progress="auto")
    report = run_bench(cfg)
    broken = check_thresholds(report, rig.bench.thresholds)   # [] when every limit holds

Used by `radarbench run`, `radarbench demo` and the pytest plugin's `bench` fixture.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from radarbench.bench.engine import BenchConfig
from radarbench.bench.progress import Mode
from radarbench.bench.report import Report
from radarbench.rigs.rigfile import Rig, RigError

# [bench] key -> BenchConfig field (the rest have the same name)
_FIELDS = {"duration": "duration_s", "warmup": "warmup_s", "drain": "drain_s",
           "late_after": "late_after_s"}


def config_for(rig: Rig, progress: Mode = "quiet", json_stream: str | None = None,
               **overrides: Any) -> BenchConfig:
    """BenchConfig for the rig's [bench] section, endpoint names resolved to URLs.

    `overrides` are BenchConfig fields (send/recv may be endpoint names, "" for none, which
    turns a loop into a source or sink run). Raises RigError if
    the rig has no [bench] section and no send/recv is given, or names an unknown endpoint.
    """
    section = rig.bench
    settings: dict[str, Any] = {}
    send = recv = None
    if section is not None:
        send, recv = section.send, section.recv
        for key, value in section.settings.items():
            settings[_FIELDS.get(key, key)] = value
    send = overrides.pop("send", send) or None
    recv = overrides.pop("recv", recv) or None
    if not send and not recv:
        raise RigError(f"{rig.path}: bench: no [bench] section with send/recv, and none given")
    if "duration_s" in overrides and "count" not in overrides:
        settings.pop("count", None)
    settings.update(overrides)
    if settings.get("count") is not None and "duration_s" not in settings:
        settings["duration_s"] = None
    extra = dict(settings.pop("extra_config", {}))
    extra.setdefault("rig", {"file": rig.path, "name": rig.name,
                             "endpoints": {"send": send, "recv": recv}})
    return BenchConfig(send=rig.url(send) if send else None, recv=rig.url(recv) if recv else None,
                       progress=progress, json_stream=json_stream, extra_config=extra, **settings)


@dataclass(frozen=True)
class Broken:
    """One limit a run broke: the key, its limit, the measured value, and a sentence."""

    key: str
    limit: float
    value: float

    def message(self) -> str:
        word = "under" if self.key.startswith("min_") else "over"
        return f"{self.key}: {_fmt(self.value)} is {word} the limit {_fmt(self.limit)}"


def _fmt(v: float) -> str:
    return f"{v:,.3f}".rstrip("0").rstrip(".") if isinstance(v, float) else f"{v:,}"


# threshold key -> the measured value it limits
_MEASURES: dict[str, Callable[[Report], float]] = {
    "max_p50_ms": lambda r: r.latency.p50_us / 1e3,
    "max_p99_ms": lambda r: r.latency.p99_us / 1e3,
    "max_p999_ms": lambda r: r.latency.p99_9_us / 1e3,
    "max_max_ms": lambda r: r.latency.max_us / 1e3,
    "max_lost": lambda r: r.counts.lost,
    "max_lost_ratio": lambda r: r.counts.lost / r.counts.sent if r.counts.sent else 1.0,
    "max_late": lambda r: r.counts.late,
    "max_duplicated": lambda r: r.counts.duplicated,
    "max_reordered": lambda r: r.counts.reordered,
    "max_corrupted": lambda r: r.counts.corrupted,
    "min_received": lambda r: r.counts.received,
    "min_msgs_per_s": lambda r: r.throughput.msgs_per_s,
}


def check_thresholds(report: Report, thresholds: dict[str, float]) -> list[Broken]:
    """The limits `report` breaks (an empty list when all hold).

    A latency limit with no latency measured (nothing received) counts as broken.
    Raises KeyError for a threshold key that is not known (rig files reject those first).
    """
    broken: list[Broken] = []
    for key, limit in thresholds.items():
        value = _MEASURES[key](report)
        if key.endswith("_ms") and report.latency.count == 0:
            broken.append(Broken(key, limit, float("inf")))
        elif key.startswith("min_") and value < limit or key.startswith("max_") and value > limit:
            broken.append(Broken(key, limit, value))
    return broken


def thresholds_section(thresholds: dict[str, float], broken: list[Broken]) -> dict[str, Any]:
    """The report's `thresholds` section: each limit, and which were broken."""
    return {"limits": dict(thresholds), "broken": [b.message() for b in broken],
            "passed": not broken}


__all__ = ["Broken", "check_thresholds", "config_for", "thresholds_section"]
