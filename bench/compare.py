"""Compare two run reports against regression rules, to fail a CI job (pytest-benchmark's
`compare --fail=` in spirit).

Rules are a comma-separated list `FIGURE=LIMIT`, e.g. `p99=+10%,lost=0,msgs_per_s=-5%`:

    FIGURE  p50 p90 p99 p99_9 p99_99 max min mean stdev  (latency_us.corrected, us)
            uncorrected.p99 ...                           (latency_us.uncorrected)
            jitter                                         (jitter_us)
            sent received lost late duplicated reordered corrupted decode_errors modified  (counts)
            offered_msgs_per_s msgs_per_s bytes_per_s line_utilization          (throughput)
    LIMIT   +10%    new at most 10 % above base
            -5%     new at most 5 % below base
            +50us   new at most 50 us above base (latency units: ns us ms s; bare = us)
            -100    new at most 100 below base (units of the figure)
            0, 2ms  absolute: at most that for figures where higher is worse (latency,
                    losses...), at least that where lower is worse (throughput, received)

A run with no data is never an improvement: a rule on a figure NEW does not have because it
received nothing (latency null, or a /1 report's made-up 0 with count 0), and every latency
rule when NEW's status is no_data, fails, saying why. Reports of different modes (loop,
source, sink) are refused: `base is loop mode, new is source mode`, unless
allow_mode_mismatch, which compares them and says so loudly (CompareResult.warnings).

The runs' verdicts count. A NEW run whose status is not ok (fault, interrupted, no_data,
bench_overloaded, fail) fails the comparison whatever its figures, saying so (`new run is
FAULT: fault: connection reset ...`), unless its status is in `allow_status`. A BASE run
that is not ok is no baseline: compare raises BaselineError (`base run is BENCH OVERLOADED:
not a baseline`) unless its status is allowed. A change against a run that is not ok (allowed
or not) is never shown as an improvement: the table says which run it was.
"""
from __future__ import annotations

from pathlib import Path

import math
import re
from dataclasses import dataclass, field
from typing import Any

# Figure -> (path in the report, unit, True if a higher value is worse)
_LATENCY_KEYS = ("min", "p50", "p90", "p99", "p99_9", "p99_99", "max", "mean", "stdev")
FIGURES: dict[str, tuple[tuple[str, ...], str, bool]] = {}
for _k in _LATENCY_KEYS:
    FIGURES[_k] = (("latency_us", "corrected", _k), "us", True)
    FIGURES[f"uncorrected.{_k}"] = (("latency_us", "uncorrected", _k), "us", True)
FIGURES["jitter"] = (("jitter_us",), "us", True)
for _k in ("sent", "received"):
    FIGURES[_k] = (("counts", _k), "", False)
for _k in ("lost", "late", "duplicated", "reordered", "corrupted", "decode_errors", "modified"):
    FIGURES[_k] = (("counts", _k), "", True)
for _k, _unit in (("offered_msgs_per_s", "msg/s"), ("msgs_per_s", "msg/s"),
                  ("bytes_per_s", "B/s"), ("line_utilization", "")):
    FIGURES[_k] = (("throughput", _k), _unit, False)

STATUSES = ("ok", "fail", "fault", "no_data", "bench_overloaded", "interrupted")
_LABELS = {"ok": "OK", "fail": "FAIL", "fault": "FAULT", "no_data": "NO DATA",
           "bench_overloaded": "BENCH OVERLOADED", "interrupted": "INTERRUPTED"}


class BaselineError(ValueError):
    """BASE is not a run to compare against (its status is not ok, and not allowed)."""


def parse_statuses(text: str) -> frozenset[str]:
    """`fault,no-data,BENCH OVERLOADED` -> {"fault", "no_data", "bench_overloaded"}.
    Raises ValueError naming the unknown one and the known ones."""
    found: set[str] = set()
    for part in text.split(","):
        name = part.strip().lower().replace("-", "_").replace(" ", "_")
        if not name:
            continue
        if name not in STATUSES:
            raise ValueError(f"--allow-status: unknown status {part.strip()!r} "
                             f"(one of {', '.join(STATUSES)})")
        found.add(name)
    return frozenset(found)


def _status(doc: dict[str, Any]) -> str:
    status = doc.get("status")
    return status if isinstance(status, str) else "ok"  # a bare figures document: no verdict


def _first_reason(doc: dict[str, Any]) -> str:
    verdict = doc.get("verdict")
    reasons = verdict.get("reasons") if isinstance(verdict, dict) else None
    for reason in reasons or []:
        if isinstance(reason, str) and reason:
            return reason
    return f"status {_status(doc)}"


_TO_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
_LIMIT_RE = re.compile(r"^(?P<sign>[+-])?(?P<num>\d+(?:\.\d*)?|\.\d+)(?P<unit>%|ns|us|ms|s)?$")


@dataclass(frozen=True)
class Rule:
    """One parsed rule. kind: 'relative' (value is a fraction), 'delta' or 'absolute'."""

    figure: str
    text: str           # the limit as written, e.g. "+10%"
    kind: str
    sign: int           # +1 upper bound, -1 lower bound
    value: float        # fraction for relative, figure units for delta/absolute

    def bound(self, base: float) -> float:
        """The value `new` must not cross."""
        if self.kind == "relative":
            return base * (1 + self.sign * self.value)
        if self.kind == "delta":
            return base + self.sign * self.value
        return self.value

    def passes(self, base: float, new: float) -> bool:
        bound = self.bound(base)
        # A small tolerance so that `+10%` over a base read back from JSON is not failed by
        # a rounding error in the last digit.
        slack = 1e-9 * max(abs(bound), 1.0)
        return new <= bound + slack if self.sign > 0 else new >= bound - slack


def parse_rules(rules: str) -> list[Rule]:
    """Parse `p99=+10%,lost=0,...`. Raises ValueError naming the rule that is wrong."""
    parsed: list[Rule] = []
    parts = [p.strip() for p in rules.split(",")]
    if not any(parts):
        raise ValueError("no rules given (expected e.g. p99=+10%,lost=0)")
    for part in parts:
        if not part:
            continue
        figure, eq, limit = (s.strip() for s in part.partition("="))
        if not eq or not figure or not limit:
            raise ValueError(f"rule {part!r}: expected FIGURE=LIMIT, e.g. p99=+10%")
        if figure not in FIGURES:
            raise ValueError(f"rule {part!r}: unknown figure {figure!r} "
                             f"(one of {', '.join(f for f in FIGURES if '.' not in f)}, "
                             f"uncorrected.p99 and the like)")
        m = _LIMIT_RE.match(limit)
        if not m:
            raise ValueError(f"rule {part!r}: limit {limit!r} is not like +10%, -5%, +50us or 0")
        unit_of_figure = FIGURES[figure][1]
        unit = m["unit"]
        number = float(m["num"])
        if unit == "%":
            if not m["sign"]:
                raise ValueError(f"rule {part!r}: a percentage needs a sign (+{limit} or -{limit})")
            value, kind = number / 100.0, "relative"
        else:
            if unit is not None:
                if unit_of_figure != "us":
                    raise ValueError(f"rule {part!r}: {figure} takes no time unit")
                number *= _TO_US[unit]
            value, kind = number, ("delta" if m["sign"] else "absolute")
        if kind == "absolute":
            sign = 1 if FIGURES[figure][2] else -1
        else:
            sign = -1 if m["sign"] == "-" else 1
        parsed.append(Rule(figure=figure, text=limit, kind=kind, sign=sign, value=value))
    return parsed


@dataclass(frozen=True)
class Check:
    """One figure checked: base and new values, the limit, and whether new is within it.
    new is None when NEW has no such figure because it received nothing (`no_data` says why);
    such a check never passes."""

    figure: str
    unit: str
    base: float
    new: float | None
    limit: str
    bound: float
    passed: bool
    no_data: str = ""
    caveat: str = ""    # e.g. "new run is INTERRUPTED": a change is then no improvement

    @property
    def change(self) -> float | None:
        return None if self.new is None else self.new - self.base

    @property
    def change_pct(self) -> float | None:
        """Relative change in percent, None when base is 0 or new has no value."""
        if self.new is None or self.base == 0:
            return None
        return 100.0 * (self.new - self.base) / abs(self.base)

    @property
    def looks_better(self) -> bool:
        """True when new moved the way that would read as an improvement."""
        change = self.change
        if not change:
            return False
        return change < 0 if FIGURES[self.figure][2] else change > 0

    def change_text(self) -> str:
        if self.new is None:
            return "n/a"
        pct = self.change_pct
        text = f"{pct:+.1f}%" if pct is not None else \
            f"{_num(self.new - self.base, signed=True)}{(' ' + self.unit) if self.unit else ''}"
        if self.caveat and self.looks_better:
            text += f" ({self.caveat}: not an improvement)"
        return text

    @property
    def message(self) -> str:
        """e.g. `p99 regressed: 812.0 us -> 1034.5 us (+27.4%, limit +10%)`, or for a new run
        with nothing received `p99 fails: 70000.0 us -> no data (new: 1,000 probes sent, none
        received), not an improvement (limit +10%)`."""
        if self.new is None:
            return (f"{self.figure} fails: {format_value(self.base, self.unit)} -> no data "
                    f"(new: {self.no_data}), not an improvement (limit {self.limit})")
        verdict = "ok" if self.passed else "regressed"
        return (f"{self.figure} {verdict}: {format_value(self.base, self.unit)} -> "
                f"{format_value(self.new, self.unit)} ({self.change_text()}, limit {self.limit})")


@dataclass
class CompareResult:
    """All checks of one comparison; `ok` when there is no refusal and every check passed.

    problems: reasons the two reports were not compared at all (modes differ);
    status_failures: the NEW run's verdict, when it fails the comparison by itself;
    warnings: things the reader must know about a comparison made anyway."""

    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    status_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not self.problems and not self.status_failures
                and all(c.passed for c in self.checks))

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def messages(self) -> list[str]:
        """One line per refusal, the NEW run's failing verdict, then one per regression."""
        return (list(self.problems) + list(self.status_failures)
                + [c.message for c in self.failures])


def _mode(doc: dict[str, Any]) -> str | None:
    """What the run measured, in words: its mode, and for a loop its load (probes, or which
    recording replayed how), for a tap whether it compared two feeds. Two runs compare only
    when these are the same: p99 of a replay at speed 10 is not p99 of probes at 500 msgs/s,
    nor is "which feed led" a device's latency."""
    config = doc.get("config")
    mode = config.get("mode") if isinstance(config, dict) else None
    if not isinstance(mode, str):
        return None
    assert isinstance(config, dict)
    replay = config.get("replay")
    if mode == "loop" and isinstance(replay, dict):
        timing = (f"at {replay.get('rate'):g} datagrams/s" if isinstance(replay.get("rate"), (int, float))
                  else f"at speed {replay.get('speed'):g}" if isinstance(replay.get("speed"), (int, float))
                  else "")
        what = Path(str(replay.get("file"))).name + (f" ({replay['filter']})" if replay.get("filter") else "")
        return f"loop replaying {what} {timing}".rstrip()
    if mode == "tap" and config.get("feeds"):
        return "tap of two feeds"
    return mode


def _why_no_data(doc: dict[str, Any]) -> str | None:
    """Why the report has no data (its verdict's words), or None when it has some."""
    if doc.get("status") != "no_data":
        return None
    verdict = doc.get("verdict")
    reasons = verdict.get("reasons") if isinstance(verdict, dict) else None
    for reason in reasons or []:
        if isinstance(reason, str) and reason.startswith("no data"):
            return reason.removeprefix("no data: ") or "status no_data"
    return "status no_data"


def _latency_count(doc: dict[str, Any], path: tuple[str, ...]) -> int | None:
    """The count of the latency summary `path` lies in (jitter: the corrected one)."""
    which = path[1] if path[0] == "latency_us" else "corrected"
    node = doc.get("latency_us")
    node = node.get(which) if isinstance(node, dict) else None
    count = node.get("count") if isinstance(node, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def compare(base: dict[str, Any], new: dict[str, Any], rules: str,
            allow_mode_mismatch: bool = False,
            allow_status: frozenset[str] | set[str] = frozenset()) -> CompareResult:
    """Check `new` against `base` (report documents, as `Report.to_dict()` or the JSON).

    Reports of different modes are refused (result.problems, not ok) unless
    allow_mode_mismatch, which compares them with a warning. A figure NEW lacks because it
    received nothing fails its rule (Check.new None); so does every latency rule when NEW's
    status is no_data.

    Raises ValueError naming the rule if a rule is malformed, or naming the figure and the
    report ('base' or 'new') if a report lacks that figure for another reason (e.g.
    line_utilization on a network run; a base run that received nothing). Raises
    BaselineError (a ValueError) when BASE's status is not ok and not in allow_status.
    """
    parsed = parse_rules(rules)
    result = CompareResult()
    base_status, new_status = _status(base), _status(new)
    caveats = []
    if base_status != "ok":
        if base_status not in allow_status:
            raise BaselineError(
                f"base run is {_LABELS.get(base_status, base_status)}: not a baseline "
                f"({_first_reason(base)}; --allow-status {base_status} compares against it "
                "anyway)")
        caveats.append(f"base run is {_LABELS.get(base_status, base_status)}")
        result.warnings.append(f"base run is {_LABELS.get(base_status, base_status)} "
                               f"(allowed): {_first_reason(base)}")
    if new_status != "ok":
        said = f"new run is {_LABELS.get(new_status, new_status)}: {_first_reason(new)}"
        caveats.append(f"new run is {_LABELS.get(new_status, new_status)}")
        if new_status in allow_status:
            result.warnings.append(f"{said} (allowed by --allow-status)")
        else:
            result.status_failures.append(said)
    caveat = "; ".join(caveats)
    base_mode, new_mode = _mode(base), _mode(new)
    if base_mode and new_mode and base_mode != new_mode:
        mismatch = f"base is {base_mode} mode, new is {new_mode} mode" if " " not in base_mode + new_mode \
            else f"base is {base_mode}, new is {new_mode}"
        if not allow_mode_mismatch:
            result.problems.append(f"{mismatch}: their figures do not compare "
                                   "(--allow-mode-mismatch compares them anyway)")
            return result
        result.warnings.append(f"{mismatch}: compared anyway (--allow-mode-mismatch); "
                               "the figures measure different things")
    new_no_data = _why_no_data(new)
    for rule in parsed:
        path, unit, _ = FIGURES[rule.figure]
        is_latency = unit == "us"
        if is_latency and _latency_count(base, path) == 0:
            raise ValueError(f"base report has no latency for {rule.figure} (nothing received in "
                             "the base run): choose a base run that has data")
        base_value = _lookup(base, path, rule.figure, "base")
        why = None
        if is_latency and (new_no_data or _latency_count(new, path) == 0):
            why = new_no_data or "no latency measured, nothing received"
        else:
            new_value = _lookup(new, path, rule.figure, "new", allow_null=new_no_data is not None)
            if new_value is None:
                why = new_no_data
        if why is not None:
            result.checks.append(Check(
                figure=rule.figure, unit=unit, base=base_value, new=None, limit=rule.text,
                bound=rule.bound(base_value), passed=False, no_data=why, caveat=caveat))
            continue
        result.checks.append(Check(
            figure=rule.figure, unit=unit, base=base_value, new=new_value, limit=rule.text,
            bound=rule.bound(base_value), passed=rule.passes(base_value, new_value),
            caveat=caveat,
        ))
    return result


def _lookup(doc: dict[str, Any], path: tuple[str, ...], figure: str, which: str,
            allow_null: bool = False) -> Any:
    """The figure at `path` as a float; None when it is null or absent and allow_null.
    Raises ValueError naming the report and the figure otherwise."""
    node: Any = doc
    for key in path:
        if not isinstance(node, dict) or key not in node:
            if allow_null:
                return None
            raise ValueError(f"{which} report has no {'.'.join(path)} (for rule on {figure})")
        node = node[key]
    if node is None:
        if allow_null:
            return None
        raise ValueError(f"{which} report has no value for {figure} ({'.'.join(path)} is null)")
    if isinstance(node, bool) or not isinstance(node, (int, float)) or not math.isfinite(node):
        raise ValueError(f"{which} report: {'.'.join(path)} is not a number: {node!r}")
    return float(node)


def _num(value: float, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):{sign}d}" if not signed else f"{int(value):+d}"
    return f"{value:{sign}.1f}" if abs(value) >= 1 else f"{value:{sign}.4g}"


def format_value(value: float, unit: str) -> str:
    """A figure for people: latency with one decimal and its unit, counts as integers."""
    if unit == "us":  # latencies always with one decimal, as the report table shows them
        return f"{value:.1f} us"
    return _num(value) + (f" {unit}" if unit else "")
