"""The bench a rig file describes: its [bench] section as a BenchConfig, limits included.

    rig = RigUp(load_rig(path)).start()             # bound to its run directory
    cfg = config_for(rig, progress="auto")          # cfg.limits: the rig file's max_*/min_* keys
    report = run_bench(cfg)                         # report.status: the verdict, limits checked

Used by `radarbench run`, `radarbench demo` and the pytest plugin's `bench` fixture. The limits
are checked, and the status decided, in radarbench.bench.verdict.
"""
from __future__ import annotations

from typing import Any

from radarbench.bench.engine import BenchConfig
from radarbench.bench.progress import Mode
from radarbench.bench.verdict import with_defaults
from radarbench.rigs.rigfile import Rig, RigError

# [bench] key -> BenchConfig field (the rest have the same name)
_FIELDS = {"duration": "duration_s", "warmup": "warmup_s", "drain": "drain_s",
           "late_after": "late_after_s"}


def config_for(rig: Rig, progress: Mode = "quiet", json_stream: str | None = None,
               default_limits: bool = True, **overrides: Any) -> BenchConfig:
    """BenchConfig for the rig's [bench] section, endpoint names resolved to URLs.

    `overrides` are BenchConfig fields (send/recv may be endpoint names, "" for none, which
    turns a loop into a source or sink run). The rig file's limits (max_p99_ms, max_lost...)
    become cfg.limits unless `limits=` is given; a loop-mode rig with none is held to the
    default limits (verdict.DEFAULT_LIMITS) unless default_limits is False. Raises RigError if
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
    # emulated_devices: what this host runs beside the bench; the verdict needs to know that a
    # busy host slows them too (radarbench.bench.verdict, "host busy").
    extra.setdefault("rig", {"file": rig.path, "name": rig.name,
                             "endpoints": {"send": send, "recv": recv},
                             "emulated_devices": sorted(rig.devices)})
    if "limits" not in settings:
        # The rig file's limits, and loop mode's default ones (verdict.DEFAULT_LIMITS) for
        # the figures it sets none for, marked as such in the report: as `--limit` does.
        mode = "loop" if send and recv else "source" if recv else "sink"
        thresholds = dict(section.thresholds) if section is not None else {}
        limits, defaults = with_defaults(thresholds, mode,
                                         use_defaults=default_limits and not settings.get("find_max"))
        settings["limits"] = limits
        if defaults:
            extra["default_limits"] = list(defaults)
    return BenchConfig(send=rig.url(send) if send else None, recv=rig.url(recv) if recv else None,
                       progress=progress, json_stream=json_stream, extra_config=extra, **settings)


__all__ = ["config_for"]
