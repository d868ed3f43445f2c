"""The report of one bench run: a versioned JSON document, and the object it loads into.

The document (schema "radarbench.report/2"; /1 documents load too) carries its provenance
(tool version, host, settings) next to its figures, so that a report read a year later, or
compared against one from another machine, says what was measured where (pytest-benchmark's
saved runs do the same). Writing and loading are the only I/O here; renderings live in
render_md / render_html, the status is decided in radarbench.bench.verdict.

Top-level keys of /2 beside the figures: `status` (ok, fail, fault, no_data,
bench_overloaded, interrupted), `verdict` ({"status", "reasons": [...]}, the same status and
why), `interrupted` (bool), `limits` ([{"key", "limit", "value", "passed"}], value null when
the figure was not measured), `health` (the bench's own health: sender lag, receive-queue
drops, host CPU pressure; {} when not measured), and the bench's sections (`find_max`,
`source`, `sink`, `match`...), each an object. Latency figures of a run that received nothing
are null, never 0.

Attribute access for tests and the pytest plugin:
`run.ok`, `run.status`, `run.verdict.reasons`, `run.counts.lost`, `run.latency.p99_s`
(corrected latency, seconds; raises NoLatency, an AssertionError, when none was measured),
`run.throughput.msgs_per_s`.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hdrh.histogram import HdrHistogram

from radarbench.bench.outfile import write_file
from radarbench.bench.stats import (
    Counts,
    LatencySummary,
    RunStats,
    Throughput,
    TimelineRow,
    decode_histogram,
)
from radarbench.bench.verdict import (
    LIMIT_KEYS,
    STATUSES,
    LimitCheck,
    Verdict,
    check_limits,
    settle,
)
from radarbench.codecs import __version__

SCHEMA = "radarbench.report/2"
# Schemas this version reads: /1 had no verdict, limits, health or interrupted keys, and wrote
# 0 for the latency of a run that received nothing.
SCHEMAS_READ = ("radarbench.report/1", SCHEMA)
Status = Literal["ok", "fail", "fault", "no_data", "bench_overloaded", "interrupted"]
FAULT_SIDES = ("send", "recv", "rig", "feed")


@dataclass
class Fault:
    """An episode of something going wrong during the run, `t_s` seconds after its start,
    lasting `duration_s` (None: a single event), with `errors` errors in it, seen on `side`
    ("send", "recv", "rig", "feed"; "" when not known, as in /1 reports)."""

    t_s: float
    kind: str
    detail: str = ""
    duration_s: float | None = None
    errors: int = 1
    side: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"t_s": self.t_s, "kind": self.kind, "detail": self.detail,
                "duration_s": self.duration_s, "errors": self.errors, "side": self.side}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Fault":
        duration = data.get("duration_s")
        return cls(t_s=float(data["t_s"]), kind=str(data["kind"]),
                   detail=str(data.get("detail", "")),
                   duration_s=None if duration is None else float(duration),
                   errors=int(data.get("errors", 1)), side=str(data.get("side", "")))


def host_info() -> dict[str, Any]:
    """Where the run happened: hostname, platform, python, CPU count."""
    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }


def utc_now_iso() -> str:
    """The current time as ISO 8601 UTC, to the second, e.g. 2024-05-01T12:00:00Z."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


# Keys of the document that are not sections (everything else at top level is a section).
_CORE_KEYS = ("schema", "tool", "started_at", "duration_s", "status", "verdict", "interrupted",
              "config", "host", "limits", "health", "counts", "throughput", "latency_us",
              "jitter_us", "timeline", "faults", "histograms")


@dataclass
class Report:
    """One run's report. Build with `Report.from_stats`, read with `Report.load`.

    status/verdict: decided by radarbench.bench.verdict (settle); limits: the limits the run
    was held to, key -> value (checked on demand: `limit_checks`); health: the bench's own
    health (see the module docstring); sections: the bench's extra sections by name.
    """

    started_at: str
    duration_s: float
    counts: Counts
    throughput: Throughput
    corrected: LatencySummary
    uncorrected: LatencySummary
    latency_kind: str = "one-way loop"
    jitter_us: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)
    host: dict[str, Any] = field(default_factory=host_info)
    timeline: list[TimelineRow] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    histograms: dict[str, str] | None = None
    status: Status = "ok"
    tool_version: str = __version__
    schema: str = SCHEMA
    limits: dict[str, float] = field(default_factory=dict)
    health: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False
    verdict: Verdict | None = None
    sections: dict[str, Any] = field(default_factory=dict)
    # The keys of `limits` that are the default ones (verdict.DEFAULT_LIMITS: the user gave
    # none); taken from config.default_limits when the verdict is settled.
    default_limits: tuple[str, ...] = ()

    @property
    def latency(self) -> LatencySummary:
        """The corrected latency: the one that counts (`run.latency.p99_s`)."""
        return self.corrected

    @property
    def ok(self) -> bool:
        """True only when the verdict is ok (`assert run.ok, run.verdict.reasons`)."""
        return self.status == "ok"

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the run has its status, in sentences (empty if it was never decided)."""
        return self.verdict.reasons if self.verdict is not None else ()

    @property
    def limit_checks(self) -> list[LimitCheck]:
        """Each limit of `limits` checked against this run's figures."""
        return check_limits(self, self.limits)

    @classmethod
    def from_stats(
        cls,
        stats: RunStats,
        *,
        duration_s: float,
        started_at: str | None = None,
        config: dict[str, Any] | None = None,
        latency_kind: str = "one-way loop",
        line_bytes_per_s: float | None = None,
        line_bytes: int | None = None,
        faults: list[Fault] | None = None,
        status: Status = "ok",
        with_histograms: bool = True,
        interrupted: bool = False,
        limits: dict[str, float] | None = None,
        health: dict[str, Any] | None = None,
    ) -> "Report":
        """A report from what the receiver gathered, its verdict decided (verdict.settle).

        duration_s: the measured span of the run (rates are per second of it);
        started_at: ISO 8601 UTC wall-clock start (now if None);
        line_bytes_per_s: octets per second a serial line carries (see
        stats.serial_line_bytes_per_s), None for networks; line_bytes: octets that crossed it
        during the run, framing included (utilization counts them when given).
        status: "interrupted" (or interrupted=True) marks a run stopped before its end; any
        other status is decided from the figures, faults, limits and health, not taken as given.
        Raises ValueError for an unknown status or limit key, or a negative duration.
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        report = cls(
            started_at=started_at or utc_now_iso(),
            duration_s=duration_s,
            counts=stats.counts,
            throughput=Throughput.compute(stats.counts, stats.bytes_received, duration_s,
                                          line_bytes_per_s, line_bytes),
            corrected=stats.latency.summary("corrected"),
            uncorrected=stats.latency.summary("uncorrected"),
            latency_kind=latency_kind,
            jitter_us=stats.latency.jitter_us,
            config=dict(config or {}),
            timeline=stats.timeline.rows(),
            faults=list(faults or []),
            histograms=stats.latency.encoded() if with_histograms else None,
            status=status,
            interrupted=interrupted or status == "interrupted",
            health=dict(health or {}),
        )
        return settle(report, limits or {})

    def histogram(self, which: Literal["corrected", "uncorrected"]) -> HdrHistogram | None:
        """The decoded latency histogram (ns), or None if the report carries none.
        Raises ValueError if the stored one is not a valid HDR encoding."""
        if not self.histograms or which not in self.histograms:
            return None
        return decode_histogram(self.histograms[which])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (always of this version's schema, whatever it was loaded from).
        Sections go at top level, after the figures; one named like a figure key is left out."""
        verdict = self.verdict
        if verdict is None or verdict.status != self.status:
            # a status set by hand after the verdict (or never decided): say only the status
            verdict = Verdict(self.status, ())
        doc: dict[str, Any] = {
            "schema": SCHEMA,
            "tool": {"name": "radarbench", "version": self.tool_version},
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "status": self.status,
            "verdict": verdict.to_dict(),
            "interrupted": bool(self.interrupted),
            "config": self.config,
            "host": self.host,
            # a default limit (the user gave none) says so: "default": true
            "limits": [check.to_dict() | ({"default": True} if check.key in self.default_limits
                                          else {}) for check in self.limit_checks],
            "health": dict(self.health),
            "counts": self.counts.to_dict(),
            "throughput": self.throughput.to_dict(),
            "latency_us": {
                "kind": self.latency_kind,
                "corrected": self.corrected.to_dict(),
                "uncorrected": self.uncorrected.to_dict(),
            },
            "jitter_us": round(self.jitter_us, 3),
            "timeline": [row.to_dict() for row in self.timeline],
            "faults": [f.to_dict() for f in self.faults],
        }
        if self.histograms is not None:
            doc["histograms"] = dict(self.histograms)
        for name, section in self.sections.items():
            if name not in _CORE_KEYS:
                doc.setdefault(name, section)
        return doc

    @classmethod
    def from_dict(cls, doc: Any, source: str = "<report>") -> "Report":
        """Validate and load a document. Raises ValueError naming `source` and the bad key."""
        return _Loader(source).load(doc)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the JSON: atomically to a regular file (a temporary file in the same folder,
        then a rename, so a reader or a CI artefact upload never sees half a report), in place
        to a device, FIFO or /dev/stdout, never renamed over it (radarbench.bench.outfile).
        Raises OSError naming the path."""
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"
        return write_file(path, text)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Report":
        """Read and validate a report file.

        Raises OSError if it cannot be read, ValueError (naming the file and the key) if it is
        not JSON or not a radarbench report of a schema this version reads.
        """
        return cls.from_dict(load_dict(path), source=str(path))


def load_dict(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The raw JSON of a report file, schema-checked but not converted (compare works on it).
    Raises OSError, or ValueError naming the file."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); "
                         "not a radarbench report") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from exc
    _Loader(str(path)).load(doc)  # validates
    return doc


class _Loader:
    """Schema checks with errors that name the file and the dotted key."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.defaults: list[str] = []  # limits marked "default": true

    def fail(self, key: str, what: str) -> ValueError:
        return ValueError(f"{self.source}: {key}: {what}")

    def get(self, doc: dict[str, Any], key: str, kind: type | tuple[type, ...],
            prefix: str = "", optional: bool = False) -> Any:
        """doc[key] of `kind`; with optional, None when absent or null."""
        name = f"{prefix}{key}"
        if key not in doc:
            if optional:
                return None
            raise self.fail(name, "missing")
        value = doc[key]
        if optional and value is None:
            return None
        # bool is an int to Python, never a figure in a report.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(name, f"expected {_kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise self.fail(name, f"expected {_kind_name(kind)}, got {type(value).__name__}")
        return value

    def nullable(self, doc: dict[str, Any], key: str, kind: type | tuple[type, ...],
                 prefix: str = "") -> Any:
        """doc[key], which must be present: of `kind`, or null (None)."""
        if key not in doc:
            raise self.fail(f"{prefix}{key}", "missing")
        return self.get(doc, key, kind, prefix, optional=True)

    def load(self, doc: Any) -> Report:
        if not isinstance(doc, dict):
            raise ValueError(f"{self.source}: not a radarbench report (top level is not an object)")
        schema = doc.get("schema")
        if schema is None:
            raise self.fail("schema", "missing (not a radarbench report)")
        if schema not in SCHEMAS_READ:
            raise self.fail("schema", f"is {schema!r}, this version reads "
                                      f"{' and '.join(repr(s) for s in SCHEMAS_READ)}")
        v1 = schema == SCHEMAS_READ[0]
        num = (int, float)
        tool = self.get(doc, "tool", dict)
        version = self.get(tool, "version", str, "tool.")
        started_at = self.get(doc, "started_at", str)
        try:
            _dt.datetime.fromisoformat(started_at.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail("started_at", f"not an ISO 8601 time: {started_at!r}") from None
        duration_s = float(self.get(doc, "duration_s", num))
        status = self.get(doc, "status", str)
        if status not in STATUSES:
            raise self.fail("status", f"must be one of {', '.join(STATUSES)}, not {status!r}")
        config = self.get(doc, "config", dict)
        host = self.get(doc, "host", dict)

        counts_doc = self.get(doc, "counts", dict)
        for key in Counts.KEYS:
            self.get(counts_doc, key, int, "counts.", optional=(key == "decode_errors"))
        counts = Counts.from_dict(counts_doc)

        tp_doc = self.get(doc, "throughput", dict)
        for key in Throughput.KEYS:
            self.get(tp_doc, key, num, "throughput.", optional=(key == "line_utilization"))
        if "line_utilization" not in tp_doc:
            raise self.fail("throughput.line_utilization", "missing (null when not a serial line)")
        throughput = Throughput.from_dict(tp_doc)

        lat_doc = self.get(doc, "latency_us", dict)
        kind = self.get(lat_doc, "kind", str, "latency_us.")
        summaries = {}
        for which in ("corrected", "uncorrected"):
            prefix = f"latency_us.{which}."
            summary_doc = self.get(lat_doc, which, dict, "latency_us.")
            count = self.get(summary_doc, "count", int, prefix)
            for key in LatencySummary.KEYS:
                if key == "count":
                    continue
                value = self.nullable(summary_doc, key, num, prefix)
                if value is None and count > 0:
                    raise self.fail(prefix + key, f"null, but count is {count}")
            summaries[which] = LatencySummary.from_dict(summary_doc)

        jitter_us = float(self.get(doc, "jitter_us", num))

        timeline = []
        for i, row in enumerate(self.get(doc, "timeline", list)):
            prefix = f"timeline[{i}]."
            if not isinstance(row, dict):
                raise self.fail(f"timeline[{i}]", "expected an object")
            for key in TimelineRow.KEYS:
                self.get(row, key, num if key == "p99_us" else int, prefix,
                         optional=(key == "p99_us"))
            if "p99_us" not in row:
                raise self.fail(prefix + "p99_us", "missing (null when nothing arrived)")
            timeline.append(TimelineRow.from_dict(row))

        faults = []
        for i, fault in enumerate(self.get(doc, "faults", list)):
            prefix = f"faults[{i}]."
            if not isinstance(fault, dict):
                raise self.fail(f"faults[{i}]", "expected an object")
            self.get(fault, "t_s", num, prefix)
            self.get(fault, "kind", str, prefix)
            self.get(fault, "detail", str, prefix, optional=True)
            self.get(fault, "duration_s", num, prefix, optional=True)
            errors = self.get(fault, "errors", int, prefix, optional=v1)
            if errors is not None and errors < 0:
                raise self.fail(prefix + "errors", f"must be >= 0, not {errors}")
            self.get(fault, "side", str, prefix, optional=v1)
            faults.append(Fault.from_dict(fault))

        histograms = self.get(doc, "histograms", dict, optional=True)
        if histograms is not None:
            for which in ("corrected", "uncorrected"):
                encoded = self.get(histograms, which, str, "histograms.")
                try:
                    decode_histogram(encoded)
                except ValueError as exc:
                    raise self.fail(f"histograms.{which}", str(exc).splitlines()[0]) from None

        sections = {k: v for k, v in doc.items() if k not in _CORE_KEYS}
        for name, section in sections.items():
            if name in _SECTION_CHECKS:
                _SECTION_CHECKS[name](self, section, name)

        if v1:
            interrupted = status == "interrupted"
            verdict = Verdict(status, ())
            limits = self.v1_limits(config, sections)
            health: dict[str, Any] = {}
        else:
            interrupted = self.get(doc, "interrupted", bool)
            verdict = self.verdict(self.get(doc, "verdict", dict), status)
            limits = self.limits(self.get(doc, "limits", list))
            health = self.health(self.get(doc, "health", dict))

        return Report(
            started_at=started_at, duration_s=duration_s, counts=counts, throughput=throughput,
            corrected=summaries["corrected"], uncorrected=summaries["uncorrected"],
            latency_kind=kind, jitter_us=jitter_us, config=config, host=host,
            timeline=timeline, faults=faults, histograms=histograms, status=status,
            tool_version=version, schema=schema, limits=limits, health=health,
            interrupted=interrupted, verdict=verdict, sections=sections,
            default_limits=tuple(self.defaults),
        )

    def verdict(self, doc: dict[str, Any], status: str) -> Verdict:
        said = self.get(doc, "status", str, "verdict.")
        if said != status:
            raise self.fail("verdict.status", f"is {said!r}, but status is {status!r}")
        reasons = self.get(doc, "reasons", list, "verdict.")
        for i, reason in enumerate(reasons):
            if not isinstance(reason, str):
                raise self.fail(f"verdict.reasons[{i}]", f"expected a string, got {type(reason).__name__}")
        return Verdict(status, tuple(reasons))

    def limits(self, rows: list[Any]) -> dict[str, float]:
        limits: dict[str, float] = {}
        for i, row in enumerate(rows):
            prefix = f"limits[{i}]."
            if not isinstance(row, dict):
                raise self.fail(f"limits[{i}]", "expected an object")
            key = self.get(row, "key", str, prefix)
            if key not in LIMIT_KEYS:
                raise self.fail(prefix + "key", f"unknown limit {key!r} (known: {', '.join(LIMIT_KEYS)})")
            if key in limits:
                raise self.fail(prefix + "key", f"{key!r} is given twice")
            limits[key] = float(self.get(row, "limit", (int, float), prefix))
            self.nullable(row, "value", (int, float), prefix)
            self.get(row, "passed", bool, prefix)
            if self.get(row, "default", bool, prefix, optional=True):
                self.defaults.append(key)
        return limits

    def v1_limits(self, config: dict[str, Any], sections: dict[str, Any]) -> dict[str, float]:
        # /1 reports of `radarbench run` kept the rig file's limits in a `thresholds` section
        # (or config.thresholds): {"limits": {key: value}, "broken": [...], "passed": bool}.
        legacy = sections.pop("thresholds", None) or config.get("thresholds")
        raw = legacy.get("limits") if isinstance(legacy, dict) else None
        if not isinstance(raw, dict):
            return {}
        return {k: float(v) for k, v in raw.items() if k in LIMIT_KEYS
                and isinstance(v, (int, float)) and not isinstance(v, bool)}

    def health(self, doc: dict[str, Any]) -> dict[str, Any]:
        num = (int, float)
        self.get(doc, "overloaded", bool, "health.", optional=True)
        reasons = self.get(doc, "reasons", list, "health.", optional=True) or []
        for i, reason in enumerate(reasons):
            if not isinstance(reason, str):
                raise self.fail(f"health.reasons[{i}]", f"expected a string, got {type(reason).__name__}")
        for lag in ("sender_lag_us", "receiver_lag_us"):
            figures = self.get(doc, lag, dict, "health.", optional=True)
            if figures is not None:
                for key in ("p50", "p99", "max"):
                    self.get(figures, key, num, f"health.{lag}.", optional=True)
        self.get(doc, "late_sends", int, "health.", optional=True)
        self.get(doc, "rx_queue_drops", int, "health.", optional=True)
        pressure = self.get(doc, "host_cpu_pressure", num, "health.", optional=True)
        if pressure is not None and not 0 <= pressure <= 1:
            raise self.fail("health.host_cpu_pressure", f"must be a share 0..1, not {pressure}")
        return dict(doc)


def _check_find_max(loader: _Loader, section: Any, name: str) -> None:
    num = (int, float)
    if not isinstance(section, dict):
        raise loader.fail(name, "expected an object")
    loader.get(section, "max_msgs_per_s", num, f"{name}.", optional=True)
    bracket = loader.get(section, "bracket", list, f"{name}.", optional=True)
    if bracket is not None:
        if len(bracket) != 2:
            raise loader.fail(f"{name}.bracket", "expected [pass_rate, fail_rate]")
        for i, rate in enumerate(bracket):
            if rate is not None and (isinstance(rate, bool) or not isinstance(rate, num)):
                raise loader.fail(f"{name}.bracket[{i}]", "expected a number or null")
    for key in ("resolution", "step_s", "estimated_s"):
        loader.get(section, key, num, f"{name}.", optional=True)
    loader.get(section, "criteria", dict, f"{name}.", optional=True)
    for i, step in enumerate(loader.get(section, "steps", list, f"{name}.")):
        prefix = f"{name}.steps[{i}]."
        if not isinstance(step, dict):
            raise loader.fail(f"{name}.steps[{i}]", "expected an object")
        loader.get(step, "rate_msgs_per_s", num, prefix)
        loader.get(step, "ok", bool, prefix)
        for key in ("why", "status", "phase"):
            loader.get(step, key, str, prefix, optional=True)
        for key in ("sent", "received", "lost", "late"):
            loader.get(step, key, int, prefix, optional=True)
        loader.get(step, "p99_us", num, prefix, optional=True)


def _check_source(loader: _Loader, section: Any, name: str) -> None:
    num = (int, float)
    if not isinstance(section, dict):
        raise loader.fail(name, "expected an object")
    for key in ("records", "frames", "plots", "north_markers", "scans", "north_markers_missed",
                "north_markers_on_time", "north_markers_off_time", "feed_gaps", "decode_errors"):
        loader.get(section, key, int, f"{name}.", optional=True)
    for key in ("antenna_period_s", "frames_per_s", "records_per_s"):
        loader.get(section, key, num, f"{name}.", optional=True)
    for key in ("plots_per_scan", "north_marker_interval_s"):
        figures = loader.get(section, key, dict, f"{name}.", optional=True)
        if figures is not None:
            for k in ("min", "mean", "max"):
                loader.get(figures, k, num, f"{name}.{key}.", optional=True)


def _check_object(loader: _Loader, section: Any, name: str) -> None:
    if not isinstance(section, dict):
        raise loader.fail(name, "expected an object")


_SECTION_CHECKS = {"find_max": _check_find_max, "source": _check_source, "sink": _check_object,
                   "match": _check_object}


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", dict: "an object",
             list: "a list", bool: "true or false"}
    if isinstance(kind, tuple):
        return "a number" if set(kind) == {int, float} else " or ".join(names[k] for k in kind)
    return names.get(kind, kind.__name__)

