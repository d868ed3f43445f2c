"""The report of one bench run: a versioned JSON document, and the object it loads into.

The document (schema "radarbench.report/1") carries its provenance (tool version, host,
settings) next to its figures, so that a report read a year later, or compared against one
from another machine, says what was measured where (pytest-benchmark's saved runs do the same).
Writing and loading are the only I/O here; renderings live in render_md / render_html.

Attribute access for tests and the pytest plugin:
`run.counts.lost`, `run.latency.p99_s` (corrected latency), `run.throughput.msgs_per_s`.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hdrh.histogram import HdrHistogram

from radarbench.bench.stats import (
    Counts,
    LatencySummary,
    RunStats,
    Throughput,
    TimelineRow,
    decode_histogram,
)
from radarbench.codecs import __version__

SCHEMA = "radarbench.report/1"
STATUSES = ("ok", "interrupted", "fault")
Status = Literal["ok", "interrupted", "fault"]


@dataclass
class Fault:
    """Something that went wrong during the run, `t_s` seconds after its start."""

    t_s: float
    kind: str
    detail: str = ""
    duration_s: float | None = None
    errors: int = 1   # errors in the episode
    side: str = ""    # "send", "recv", "rig", "feed"

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


@dataclass
class Report:
    """One run's report. Build with `Report.from_stats`, read with `Report.load`."""

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

    @property
    def latency(self) -> LatencySummary:
        """The corrected latency: the one that counts (`run.latency.p99_s`)."""
        return self.corrected

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
    ) -> "Report":
        """A report from what the receiver gathered.

        duration_s: the measured span of the run (rates are per second of it);
        started_at: ISO 8601 UTC wall-clock start (now if None);
        line_bytes_per_s: octets per second a serial line carries (see
        stats.serial_line_bytes_per_s), None for networks; line_bytes: octets that crossed it
        during the run, framing included (utilization counts them when given).
        Raises ValueError for an unknown status or a negative duration.
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        return cls(
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
        )

    def histogram(self, which: Literal["corrected", "uncorrected"]) -> HdrHistogram | None:
        """The decoded latency histogram (ns), or None if the report carries none.
        Raises ValueError if the stored one is not a valid HDR encoding."""
        if not self.histograms or which not in self.histograms:
            return None
        return decode_histogram(self.histograms[which])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document."""
        doc: dict[str, Any] = {
            "schema": self.schema,
            "tool": {"name": "radarbench", "version": self.tool_version},
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "status": self.status,
            "config": self.config,
            "host": self.host,
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
        return doc

    @classmethod
    def from_dict(cls, doc: Any, source: str = "<report>") -> "Report":
        """Validate and load a document. Raises ValueError naming `source` and the bad key."""
        return _Loader(source).load(doc)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the JSON atomically: a temporary file in the same folder, then a rename, so a
        reader (or a CI artefact upload) never sees half a report. Raises OSError."""
        target = Path(path)
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                   dir=target.parent if str(target.parent) else ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return target

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
    with open(path, encoding="utf-8") as f:
        text = f.read()
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

    def fail(self, key: str, what: str) -> ValueError:
        return ValueError(f"{self.source}: {key}: {what}")

    def get(self, doc: dict[str, Any], key: str, kind: type | tuple[type, ...],
            prefix: str = "", optional: bool = False) -> Any:
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

    def load(self, doc: Any) -> Report:
        if not isinstance(doc, dict):
            raise ValueError(f"{self.source}: not a radarbench report (top level is not an object)")
        schema = doc.get("schema")
        if schema is None:
            raise self.fail("schema", "missing (not a radarbench report)")
        if schema != SCHEMA:
            raise self.fail("schema", f"is {schema!r}, this version reads {SCHEMA!r}")
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
            summary_doc = self.get(lat_doc, which, dict, "latency_us.")
            for key in LatencySummary.KEYS:
                self.get(summary_doc, key, int if key == "count" else num,
                         f"latency_us.{which}.")
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
            faults.append(Fault.from_dict(fault))

        histograms = self.get(doc, "histograms", dict, optional=True)
        if histograms is not None:
            for which in ("corrected", "uncorrected"):
                self.get(histograms, which, str, "histograms.")

        return Report(
            started_at=started_at, duration_s=duration_s, counts=counts, throughput=throughput,
            corrected=summaries["corrected"], uncorrected=summaries["uncorrected"],
            latency_kind=kind, jitter_us=jitter_us, config=config, host=host,
            timeline=timeline, faults=faults, histograms=histograms, status=status,
            tool_version=version, schema=schema,
        )


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", dict: "an object",
             list: "a list"}
    if isinstance(kind, tuple):
        return "a number" if set(kind) == {int, float} else " or ".join(names[k] for k in kind)
    return names.get(kind, kind.__name__)

