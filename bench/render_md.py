"""A run report as Markdown, fit for a CI job summary ($GITHUB_STEP_SUMMARY): a headline,
counts, throughput, latency corrected vs uncorrected, faults. Tables only, no HTML, so it also
reads well as plain text in a terminal."""
from __future__ import annotations

from radarbench.bench.compare import CompareResult, format_value
from radarbench.bench.report import Report
from radarbench.bench.stats import LatencySummary

_STATUS_MARK = {"ok": "OK", "interrupted": "INTERRUPTED", "fault": "FAULT"}


def _us(value: float) -> str:
    return f"{value:,.1f}"


def _rate(value: float) -> str:
    return f"{value:,.1f}"


def _cell(text: object) -> str:
    # A pipe inside a cell would end it; newlines would end the row.
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, title: str | None = None) -> str:
    """The whole summary as one Markdown string (ends with a newline)."""
    c = report.counts
    t = report.throughput
    cfg = report.config
    lines: list[str] = []
    heading = title or f"radarbench run: {_STATUS_MARK.get(report.status, report.status)}"
    lines += [f"## {_cell(heading)}", ""]
    where = ", ".join(f"{k} `{_cell(cfg[k])}`" for k in ("mode", "tx", "rx", "url", "rate")
                      if k in cfg)
    lines.append(
        f"{report.started_at}, {report.duration_s:.1f} s on {_cell(report.host.get('hostname', '?'))}"
        f", radarbench {report.tool_version}" + (f"; {where}" if where else "")
    )
    lines.append("")
    lines.append(
        f"**{c.received:,} of {c.sent:,} received**, {c.lost:,} lost, {c.late:,} late; "
        f"p99 latency **{_us(report.latency.p99_us)} us** ({_cell(report.latency_kind)}, "
        f"corrected); {_rate(t.msgs_per_s)} msg/s"
    )
    lines += ["", "### Counts", "", "| sent | received | lost | late | duplicated | reordered "
              "| corrupted | decode errors |", "|" + " ---: |" * 8]
    lines.append(f"| {c.sent:,} | {c.received:,} | {c.lost:,} | {c.late:,} | {c.duplicated:,} "
                 f"| {c.reordered:,} | {c.corrupted:,} | {c.decode_errors:,} |")

    util = "n/a" if t.line_utilization is None else f"{100 * t.line_utilization:.1f} %"
    lines += ["", "### Throughput", "", "| offered msg/s | received msg/s | bytes/s "
              "| line utilization |", "|" + " ---: |" * 4,
              f"| {_rate(t.offered_msgs_per_s)} | {_rate(t.msgs_per_s)} | "
              f"{_rate(t.bytes_per_s)} | {util} |"]

    lines += ["", f"### Latency (us, {_cell(report.latency_kind)})", "",
              "| | min | p50 | p90 | p99 | p99.9 | p99.99 | max | mean | stdev | count |",
              "| --- |" + " ---: |" * 10]
    for name, s in (("corrected", report.corrected), ("uncorrected", report.uncorrected)):
        lines.append(_latency_row(name, s))
    lines += ["", f"Jitter (RFC 3550): {_us(report.jitter_us)} us. Corrected latency runs "
              "from the intended send time, uncorrected from the actual one; a gap between "
              "them is time the sender fell behind its schedule."]

    lines += ["", "### Faults", ""]
    if report.faults:
        lines += ["| t (s) | kind | duration (s) | detail |", "| ---: | --- | ---: | --- |"]
        for f in report.faults:
            duration = "" if f.duration_s is None else f"{f.duration_s:.3f}"
            lines.append(f"| {f.t_s:.3f} | {_cell(f.kind)} | {duration} | {_cell(f.detail)} |")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _latency_row(name: str, s: LatencySummary) -> str:
    cells = [_us(v) for v in (s.min_us, s.p50_us, s.p90_us, s.p99_us, s.p99_9_us, s.p99_99_us,
                              s.max_us, s.mean_us, s.stdev_us)]
    return f"| {name} | " + " | ".join(cells) + f" | {s.count:,} |"


def render_compare_markdown(result: CompareResult) -> str:
    """A compare result as a Markdown table, failures first in a list below it."""
    lines = ["| figure | base | new | change | limit | result |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for c in result.checks:
        lines.append(f"| {c.figure} | {format_value(c.base, c.unit)} | {format_value(c.new, c.unit)} | "
                     f"{c.change_text()} | {c.limit} | {'pass' if c.passed else '**FAIL**'} |")
    if result.failures:
        lines += [""] + [f"- {m}" for m in result.messages]
    return "\n".join(lines) + "\n"
