"""A run report as Markdown, fit for a CI job summary ($GITHUB_STEP_SUMMARY): the verdict and
its reasons, the limits with theirs, counts, throughput, latency corrected vs uncorrected,
faults, the bench's own health, and the sections the run had: find-max steps, source-mode
scan statistics, sink figures, the rig's devices. Tables only, no HTML, so it also reads well
as plain text in a terminal.

It reads the report alone: `radarbench run` prints what `radarbench report RUN.json` prints
for the report it wrote, word for word.
"""
from __future__ import annotations

import json
from typing import Any

from radarbench.bench.compare import CompareResult, format_value
from radarbench.bench.report import Report
from radarbench.bench.stats import LatencySummary
from radarbench.bench.verdict import LIMIT_DESCRIPTIONS, label

NA = "n/a"


def _us(value: float | None) -> str:
    return NA if value is None else f"{value:,.1f}"


def _rate(value: float) -> str:
    return f"{value:,.1f}"


def _num(value: Any) -> str:
    """A figure of a section: integers with separators, floats to 3 significant decimals."""
    if value is None:
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return _cell(value)


def _cell(text: object) -> str:
    # A pipe inside a cell would end it; newlines would end the row.
    return str(text).replace("|", "\\|").replace("\n", " ")


def headline(report: Report) -> str:
    """The first line: `## radarbench run: FAIL`."""
    return f"## radarbench run: {label(report.status)}"


def render_markdown(report: Report) -> str:
    """The whole summary as one Markdown string (ends with a newline)."""
    lines: list[str] = [headline(report), ""]
    if report.reasons:
        lines += [f"- {_cell(r)}" for r in report.reasons] + [""]
    lines += _where(report)
    lines += _limits(report)
    lines += _counts(report)
    lines += _throughput(report)
    lines += _latency(report)
    lines += _faults(report)
    lines += _health(report)
    sections = report.sections
    if isinstance(sections.get("find_max"), dict):
        lines += _find_max(sections["find_max"])
    if isinstance(sections.get("source"), dict):
        lines += _source(sections["source"], report)
    if isinstance(sections.get("sink"), dict):
        lines += _sink(sections["sink"])
    if isinstance(sections.get("content"), dict):
        lines += _content(sections["content"])
    if isinstance(sections.get("feeds"), dict):
        lines += _feeds(sections["feeds"])
    lines += _devices(report)
    return "\n".join(lines) + "\n"


def _where(report: Report) -> list[str]:
    c = report.counts
    t = report.throughput
    cfg = report.config
    where = ", ".join(f"{k} `{_cell(cfg[k])}`" for k in ("mode", "tx", "rx", "url", "rate")
                      if k in cfg and cfg[k] is not None)
    rig = cfg.get("rig") if isinstance(cfg.get("rig"), dict) else {}
    if rig.get("file"):
        where += (", " if where else "") + f"rig `{_cell(rig['file'])}`"
    lines = [
        f"{report.started_at}, {report.duration_s:.1f} s on {_cell(report.host.get('hostname', '?'))}"
        f", radarbench {report.tool_version}" + (f"; {where}" if where else ""),
        "",
    ]
    lat = report.latency
    p99 = f"**{_us(lat.p99_us)} us**" if lat.count else f"**{NA} (no data)**"
    sink = report.sections.get("sink")
    if cfg.get("mode") == "sink" or isinstance(sink, dict):
        # Nothing comes back in sink mode: what the device accepted, not "0 of N received".
        sink = sink if isinstance(sink, dict) else {}
        not_sent = sink.get("not_sent")
        lines += [f"**{c.sent:,} accepted** by the device"
                  + (f", {not_sent:,} scheduled but never sent" if isinstance(not_sent, int)
                     else "")
                  + f"; no latency (sink mode: nothing comes back); {_rate(t.msgs_per_s)} "
                  "msg/s accepted"]
        return lines
    lines += [
        f"**{c.received:,} of {c.sent:,} received**, {c.lost:,} lost, {c.late:,} late; "
        f"p99 latency {p99} ({_cell(report.latency_kind)}, corrected); "
        f"{_rate(t.msgs_per_s)} msg/s",
    ]
    return lines


def _limits(report: Report) -> list[str]:
    lines = ["", "### Limits", ""]
    checks = report.limit_checks
    if not checks:
        return lines + ["None set."]
    defaults = set(report.default_limits)
    if defaults:
        lines += ["Held to default limits (none given): "
                  + ", ".join(f"{c.key}={_num(c.limit)}" for c in checks if c.key in defaults)
                  + " (`--limit KEY=VALUE` replaces one, `--no-default-limits` drops them).", ""]
    lines += ["| limit | what | set | measured | result |", "| --- | --- | ---: | ---: | --- |"]
    for check in checks:
        measured = f"{NA} (no data)" if check.value is None else _num(check.value)
        result = "pass" if check.passed else f"**FAIL**: {_cell(check.message())}"
        lines.append(f"| {check.key} | {_cell(LIMIT_DESCRIPTIONS.get(check.key, ''))} | "
                     f"{_num(check.limit)}{' (default)' if check.key in defaults else ''} | "
                     f"{measured} | {result} |")
    return lines


def _counts(report: Report) -> list[str]:
    c = report.counts
    if report.config.get("mode") == "sink":
        sink = report.sections.get("sink") if isinstance(report.sections.get("sink"), dict) else {}
        not_sent = sink.get("not_sent")
        return ["", "### Counts", "", "| accepted | not sent | failed sends |", "|" + " ---: |" * 3,
                f"| {c.sent:,} | {_num(not_sent) if not_sent is not None else NA} "
                f"| {_num(sink.get('failed_sends'))} |"]
    content = "content" in report.sections  # matched by content: modified is a figure
    return ["", "### Counts", "", "| sent | received | lost | late | duplicated | reordered "
            "| corrupted | decode errors |" + (" modified |" if content else ""),
            "|" + " ---: |" * (9 if content else 8),
            f"| {c.sent:,} | {c.received:,} | {c.lost:,} | {c.late:,} | {c.duplicated:,} "
            f"| {c.reordered:,} | {c.corrupted:,} | {c.decode_errors:,} |"
            + (f" {c.modified:,} |" if content else "")]


def _throughput(report: Report) -> list[str]:
    t = report.throughput
    util = NA if t.line_utilization is None else f"{100 * t.line_utilization:.1f} %"
    got = "accepted" if report.config.get("mode") == "sink" else "received"
    return ["", "### Throughput", "", f"| offered msg/s | {got} msg/s | bytes/s "
            "| line utilization |", "|" + " ---: |" * 4,
            f"| {_rate(t.offered_msgs_per_s)} | {_rate(t.msgs_per_s)} | "
            f"{_rate(t.bytes_per_s)} | {util} |"]


def _latency(report: Report) -> list[str]:
    lines = ["", f"### Latency (us, {_cell(report.latency_kind)})", ""]
    if not report.corrected.count and not report.uncorrected.count:
        why = ("sink mode: nothing comes back to time" if report.config.get("mode") == "sink"
               else "nothing was received")
        return lines + [f"No latency measured ({why}): every percentile is {NA}, null in the JSON."]
    lines += ["| | min | p50 | p90 | p99 | p99.9 | p99.99 | max | mean | stdev | count |",
              "| --- |" + " ---: |" * 10]
    for name, s in (("corrected", report.corrected), ("uncorrected", report.uncorrected)):
        lines.append(_latency_row(name, s))
    lines += ["", f"Jitter (RFC 3550): {_us(report.jitter_us)} us. Corrected latency runs "
              "from the intended send time, uncorrected from the actual one; a gap between "
              "them is time the sender fell behind its schedule."]
    return lines


def _latency_row(name: str, s: LatencySummary) -> str:
    cells = [_us(v) for v in (s.min_us, s.p50_us, s.p90_us, s.p99_us, s.p99_9_us, s.p99_99_us,
                              s.max_us, s.mean_us, s.stdev_us)]
    return f"| {name} | " + " | ".join(cells) + f" | {s.count:,} |"


def _faults(report: Report) -> list[str]:
    lines = ["", "### Faults", ""]
    if not report.faults:
        return lines + ["None."]
    lines += ["| t (s) | kind | side | duration (s) | errors | detail |",
              "| ---: | --- | --- | ---: | ---: | --- |"]
    for f in report.faults:
        duration = "" if f.duration_s is None else f"{f.duration_s:.3f}"
        lines.append(f"| {f.t_s:.3f} | {_cell(f.kind)} | {_cell(f.side)} | {duration} | "
                     f"{f.errors:,} | {_cell(f.detail)} |")
    return lines


def _lag(figures: Any) -> str:
    if not isinstance(figures, dict):
        return NA
    return " / ".join(_us(figures.get(k)) for k in ("p50", "p99", "max"))


def _health(report: Report) -> list[str]:
    h = report.health
    lines = ["", "### Bench health", ""]
    if not h:
        return lines + ["Not measured in this run."]
    pressure = h.get("host_cpu_pressure")
    drops = h.get("rx_queue_drops")
    lines += ["| figure | value |", "| --- | ---: |",
              f"| overloaded | {'**yes**' if h.get('overloaded') else 'no'} |",
              f"| sender lag behind schedule, p50 / p99 / max (us) | {_lag(h.get('sender_lag_us'))} |",
              f"| of which the bench's own (not back-pressure), p50 / p99 / max (us) | "
              f"{_lag(h.get('sender_own_lag_us'))} |",
              f"| late sends | {_num(h.get('late_sends'))} |",
              f"| receive queue drops (SO_RXQ_OVFL) | "
              f"{'not known for this transport' if drops is None else _num(drops)} |",
              f"| receiver lag behind the kernel, p50 / p99 / max (us) | {_lag(h.get('receiver_lag_us'))} |",
              f"| host CPU pressure (share of the run some task waited for a CPU) | "
              f"{NA if pressure is None else f'{100 * pressure:.1f} %'} |"]
    if h.get("reasons"):
        lines += [""] + [f"- {_cell(r)}" for r in h["reasons"]]
    if h.get("warnings"):
        lines += ["", "Warnings (the figures still hold):", ""]
        lines += [f"- {_cell(w)}" for w in h["warnings"]]
    return lines


def _find_max(fm: dict[str, Any]) -> list[str]:
    lines = ["", "### find-max", ""]
    best = fm.get("max_msgs_per_s")
    bracket = fm.get("bracket") or [best, fm.get("first_failing_msgs_per_s")]
    passes, fails = (list(bracket) + [None, None])[:2]
    text = (f"Highest sustainable rate: **{_num(best)} msgs/s**" if best is not None
            else "Highest sustainable rate: **none found** (no step passed)")
    facts = []
    if passes is not None:
        facts.append(f"passes at {_num(passes)}")
    if fails is not None:
        facts.append(f"fails at {_num(fails)}")
    if fm.get("resolution") is not None:
        facts.append(f"resolution {100 * fm['resolution']:g} %")
    if fm.get("step_s") is not None:
        facts.append(f"{_num(fm['step_s'])} s a step")
    if fm.get("estimated_s") is not None:
        facts.append(f"estimated {_num(fm['estimated_s'])} s")
    lines.append(text + (f" ({'; '.join(facts)})." if facts else "."))
    criteria = fm.get("criteria")
    if isinstance(criteria, dict) and criteria:
        lines += ["", "A step passes with: " + ", ".join(
            f"{_cell(k)} {_num(v)}" for k, v in criteria.items() if v is not None) + "."]
    steps = fm.get("steps") or []
    if steps:
        lines += ["", "| step | phase | rate (msgs/s) | result | status | sent | received | lost "
                  "| late | p99 (us) | why |",
                  "| ---: | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for i, step in enumerate(steps, 1):
            status = step.get("status")
            lines.append(
                f"| {i} | {_cell(step.get('phase', ''))} | {_num(step.get('rate_msgs_per_s'))} | "
                f"{'pass' if step.get('ok') else '**fail**'} | "
                f"{label(status) if status else ''} | {_num(step.get('sent'))} | "
                f"{_num(step.get('received'))} | {_num(step.get('lost'))} | {_num(step.get('late'))} | "
                f"{_us(step.get('p99_us'))} | {_cell(step.get('why', ''))} |")
    return lines


def _triple(figures: Any) -> str:
    if not isinstance(figures, dict):
        return NA
    return " / ".join(_num(figures.get(k)) for k in ("min", "mean", "max"))


def _source(src: dict[str, Any], report: Report) -> list[str]:
    rows = [
        ("records", _num(src.get("records"))),
        ("frames", _num(src.get("frames"))),
        ("records per second", _num(src.get("records_per_s"))),
        ("plots (CAT048)", _num(src.get("plots"))),
        ("north markers", _num(src.get("north_markers"))),
        ("scans (between north markers)", _num(src.get("scans"))),
        ("plots per scan, min / mean / max", _triple(src.get("plots_per_scan"))),
        ("antenna period (s)", _num(src.get("antenna_period_s"))),
        ("north marker interval (s), min / mean / max", _triple(src.get("north_marker_interval_s"))),
        ("north markers on time / off time / missed",
         " / ".join(_num(src.get(k)) for k in ("north_markers_on_time", "north_markers_off_time",
                                              "north_markers_missed"))),
        ("feed gaps", _num(src.get("feed_gaps"))),
        ("decode errors", _num(src.get("decode_errors"))),
    ]
    lat = report.latency
    if report.latency_kind == "data age":
        age = (" / ".join(_num(None if v is None else round(v / 1e3, 3))
                          for v in (lat.p50_us, lat.p99_us, lat.max_us)) if lat.count else NA)
        rows.append(("data age, p50 / p99 / max (ms)", age))
        if src.get("data_age_negative"):
            rows.append(("records stamped ahead of this host's clock", _num(src["data_age_negative"])))
    rows += _clock_rows(src)
    by_category = src.get("by_category")
    if isinstance(by_category, dict) and by_category:
        rows.append(("records by category", ", ".join(f"CAT{_cell(k)} {_num(v)}"
                                                      for k, v in sorted(by_category.items()))))
    return (["", "### Source feed", "", "| figure | value |", "| --- | ---: |"]
            + [f"| {name} | {value} |" for name, value in rows])


def _clock_rows(section: dict[str, Any]) -> list[tuple[str, str]]:
    """The receiver's clock and the data-age warnings of a source or content section."""
    rows: list[tuple[str, str]] = []
    clock = section.get("clock")
    if isinstance(clock, dict):
        ntp = clock.get("ntp_synchronised")
        rows.append(("receiver clock", _cell(f"{clock.get('clocksource', '?')}"
                                             + ("" if ntp is None else f", NTP synchronised: {ntp}"))))
    for warning in section.get("warnings") or []:
        rows.append(("warning", _cell(warning)))
    return rows


def _sig(value: Any) -> str:
    """A number to 6 significant digits (an LSB of 2^-14 NM/s is 6.10352e-05, not 0)."""
    return f"{value:.6g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else NA


def _sides(value: Any) -> str:
    if not isinstance(value, dict):
        return NA
    return " / ".join(_num(value.get(side)) for side in ("in", "out"))


def _content(content: dict[str, Any]) -> list[str]:
    """Matching by content: keys, both sides, item changes, the replay's timing."""
    keys = content.get("keys")
    rows = [
        ("matched by", _cell(json.dumps(keys) if isinstance(keys, (dict, list)) else keys or "default keys")),
        ("frames in / out", _sides(content.get("frames"))),
        ("records in / out", _sides(content.get("records"))),
        ("decode errors in / out", _sides(content.get("decode_errors"))),
        ("undecodable frames carried unchanged (broken in the input already)",
         _num(content.get("undecodable_carried_unchanged"))),
        ("out records matching no input", _num(content.get("unmatched_out"))),
        ("out records outside the window (in flight at its edges, unpaired)",
         _num(content.get("out_outside_window"))),
        ("records without their key items", _num(content.get("unkeyed"))),
    ]
    conv = content.get("conversion")
    if isinstance(conv, dict):
        rows.insert(1, ("conversion", _cell(", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}"
                                                      for k, v in conv.items()))))
    cats = content.get("categories")
    if isinstance(cats, list):
        rows.insert(1, ("categories accounted for", ", ".join(f"CAT{c:03d}" for c in cats if isinstance(c, int))))
    skipped = content.get("not_accounted")
    if isinstance(skipped, dict) and skipped:
        rows.append(("records of other categories, not accounted (in / out)",
                     " / ".join(", ".join(f"CAT{_cell(c)} {_num(n)}" for c, n in (skipped.get(side) or {}).items()) or "0"
                                for side in ("in", "out"))))
    if content.get("negative_latency"):
        rows.append(("records out before in (clocks disagree; latency taken as 0), worst (us)",
                     f"{_num(content['negative_latency'])}, {_num(content.get('negative_latency_worst_us'))}"))
    ages = content.get("data_age")
    if isinstance(ages, dict):
        for side in ("in", "out"):
            a = ages.get(side) or {}
            if a.get("count"):
                rows.append((f"data age at the {side} side, p50 / p99 / max (ms)",
                             " / ".join(_num(None if a.get(k) is None else round(a[k] / 1e3, 3))
                                        for k in ("p50_us", "p99_us", "max_us"))))
    rows += _clock_rows(content)
    replay = content.get("replay")
    if isinstance(replay, dict):
        err = replay.get("inter_departure_error_us") or {}
        rows += [("replay sends (failed)", f"{_num(replay.get('sends'))} ({_num(replay.get('failed_sends'))})"),
                 ("replay laps", _num(replay.get("laps"))),
                 ("replay inter-departure error p50 / p99 / max (us)",
                  " / ".join(_num(err.get(k)) for k in ("p50", "p99", "max")))]
    out = ["", "### Matching by content", "", "| figure | value |", "| --- | ---: |"]
    out += [f"| {name} | {value} |" for name, value in rows]
    changes = content.get("item_changes")
    if isinstance(changes, list) and changes:
        out += ["", "#### Items changed", "",
                "| item | records | max change | unit | LSB | max change (LSB) |",
                "| --- | ---: | ---: | --- | ---: | ---: |"]
        for ch in changes:
            if isinstance(ch, dict):
                out.append(f"| {_cell(ch.get('path'))} | {_num(ch.get('count'))} | {_sig(ch.get('max_abs'))} "
                           f"| {_cell(ch.get('unit') or '')} | {_sig(ch.get('lsb'))} | {_sig(ch.get('max_lsbs'))} |")
    return out


def _feeds(feeds: dict[str, Any]) -> list[str]:
    """Two feeds of the same data: per feed, what it missed and when it went silent."""
    a = feeds.get("A") if isinstance(feeds.get("A"), dict) else {}
    b = feeds.get("B") if isinstance(feeds.get("B"), dict) else {}

    def share(v: Any) -> str:
        return NA if v is None else f"{100 * v:.2f} %"

    def lead(f: dict[str, Any]) -> str:
        x = f.get("lead") or {}
        return " / ".join(_num(x.get(k)) for k in ("p50_us", "p99_us", "max_us")) if x.get("count") else NA

    rows = [("records", _num(a.get("records")), _num(b.get("records"))),
            ("frames", _num(a.get("frames")), _num(b.get("frames"))),
            ("missed (only the other feed carried them)", _num(a.get("missed")), _num(b.get("missed"))),
            ("loss (of the distinct records)", share(a.get("loss")), share(b.get("loss"))),
            ("delivered first", _num(a.get("first")), _num(b.get("first"))),
            ("lead when first, p50 / p99 / max (us)", lead(a), lead(b)),
            ("silences while the other delivered (gaps)", _num(len(a.get("gaps") or [])), _num(len(b.get("gaps") or []))),
            ("decode errors", _num(a.get("decode_errors")), _num(b.get("decode_errors")))]
    out = ["", "### Redundant feeds (A: --tap-in or IN, B: --tap-out or OUT)", "",
           f"{_num(feeds.get('distinct_records'))} distinct records, {_num(feeds.get('both'))} on both feeds, "
           f"{_num(feeds.get('same_time'))} at the same instant, {_num(feeds.get('at_the_edges'))} at the "
           "edges of the watch (their copy fell outside it: neither feed's loss).", "",
           "| figure | A | B |", "| --- | ---: | ---: |"]
    out += [f"| {name} | {va} | {vb} |" for name, va, vb in rows]
    gaps = [(f, g) for f, x in (("A", a), ("B", b)) for g in x.get("gaps") or [] if isinstance(g, dict)]
    if gaps:
        out += ["", "| feed | silent from (s) | for (s) | resumed | frames on the other |",
                "| --- | ---: | ---: | --- | ---: |"]
        out += [f"| {f} | {_num(g.get('from_s'))} | {_num(g.get('length_s'))} | "
                f"{'yes' if g.get('resumed') else 'no'} | {_num(g.get('other_frames'))} |" for f, g in gaps[:50]]
    return out


def _sink(sink: dict[str, Any]) -> list[str]:
    rows = [
        ("offered msgs/s", _num(sink.get("offered_msgs_per_s"))),
        ("accepted msgs/s", _num(sink.get("accepted_msgs_per_s"))),
        ("sends / failed", f"{_num(sink.get('sends'))} / {_num(sink.get('failed_sends'))}"),
        *([("scheduled, never sent", _num(sink["not_sent"]))] if "not_sent" in sink else []),
        ("blocked in write (s)", _num(sink.get("blocked_in_write_s"))),
        ("share of the run blocked in write", _num(sink.get("blocked_share"))),
        ("slowest write (us)", _num(sink.get("slowest_write_us"))),
        ("writes over 1 ms", _num(sink.get("writes_over_1ms"))),
    ]
    return (["", "### Sink", "", "| figure | value |", "| --- | ---: |"]
            + [f"| {name} | {value} |" for name, value in rows])


def _devices(report: Report) -> list[str]:
    rig = report.config.get("rig")
    if not isinstance(rig, dict):
        return []
    summaries = rig.get("devices")
    died = rig.get("died") or []
    if not isinstance(summaries, dict) or not summaries:
        return []
    lines = ["", "### Devices", "", "| device | kind | sent | received | dropped | other |",
             "| --- | --- | ---: | ---: | ---: | --- |"]
    for name, s in summaries.items():
        if not isinstance(s, dict):
            s = {}
        other = ", ".join(f"{k} {_num(v)}" for k, v in s.items()
                          if k not in ("device", "sent", "received", "dropped", "elapsed_s") and v)
        lines.append(f"| {_cell(name)} | {_cell(s.get('device', '?'))} | {_num(s.get('sent', ''))} | "
                     f"{_num(s.get('received', ''))} | {_num(s.get('dropped', ''))} | {_cell(other)} |")
    if died:
        lines += ["", f"Stopped by themselves during the run: {', '.join(_cell(d) for d in died)}."]
    return lines


def render_compare_markdown(result: CompareResult) -> str:
    """A compare result as a Markdown table, failures first in a list below it; a refusal or
    a mode mismatch compared anyway goes above the table, in bold."""
    lines: list[str] = []
    for problem in result.problems:
        lines += [f"**REFUSED: {_cell(problem)}**", ""]
    for failure in result.status_failures:
        lines += [f"**FAIL: {_cell(failure)}**", ""]
    for warning in result.warnings:
        lines += [f"**WARNING: {_cell(warning)}**", ""]
    lines += ["| figure | base | new | change | limit | result |",
              "| --- | ---: | ---: | ---: | ---: | --- |"]
    for c in result.checks:
        new = format_value(c.new, c.unit) if c.new is not None else f"{NA} (no data)"
        lines.append(f"| {c.figure} | {format_value(c.base, c.unit)} | {new} | "
                     f"{c.change_text()} | {c.limit} | {'pass' if c.passed else '**FAIL**'} |")
    if result.failures or result.status_failures:
        lines += [""] + [f"- {m}" for m in result.messages if m not in result.problems]
    return "\n".join(lines) + "\n"
