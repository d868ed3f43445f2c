"""A run report as one self-contained HTML page: every section of the report, with charts.

The page is one file with no script and nothing fetched from elsewhere (no CDN, no fonts):
it must open on a lab PC or from a CI artefact with no network. Charts are matplotlib SVG
inlined in the page (see `charts` for why), scaled to the page width, so the page reads at
700 px as well as on a wide screen.

Sections, in order: headline with the verdict (status and its reasons), counts, throughput,
latency (table, distribution, percentile spectrum), the run over time (rate, p99, losses,
faults marked), limits, faults, the bench's own health, devices, find-max steps, source-mode
scan statistics, any other section the run wrote, settings and host. A section the report
does not have (an old /1 report has no verdict, limits or health) is left out or says so; a
run that received nothing says "no data" instead of drawing empty axes.

Works from the report's JSON document (`charts.report_doc`), so a report of any schema
version this package loads renders, and nothing is recomputed here.
"""
from __future__ import annotations

import html
import json
from typing import Any, Mapping, Sequence

from radarbench.bench import charts

_STATUS_CLASS = {"ok": "ok", "fail": "bad", "fault": "bad", "no_data": "warn",
                 "bench_overloaded": "warn", "interrupted": "warn"}
# Sections drawn by a section of their own below; others are shown as JSON.
_KNOWN = {"schema", "tool", "started_at", "duration_s", "status", "verdict", "config", "host",
          "counts", "throughput", "latency_us", "jitter_us", "timeline", "faults", "histograms",
          "limits", "health", "interrupted", "find_max", "source", "thresholds", "content", "feeds"}


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def status_text(status: str) -> str:
    """A status as people read it: "bench_overloaded" -> "BENCH OVERLOADED"."""
    return str(status).replace("_", " ").upper()


def _num(value: Any, fmt: str = ",.1f", unit: str = "") -> str:
    """A figure, or "n/a" when it is missing (None, absent, not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "n/a"
    return f"{value:{fmt}}{unit}"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[int] = (),
           raw: Sequence[int] = (), cls: str = "") -> str:
    """An HTML table; `numeric` columns right-aligned, `raw` columns' cells are HTML already."""
    def cell(tag: str, i: int, v: object) -> str:
        klass = ' class="n"' if i in numeric else ""
        return f"<{tag}{klass}>{v if i in raw else _esc(v)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>"
                   for row in rows)
    klass = f' class="{cls}"' if cls else ""
    return (f'<div class="wide"><table{klass}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _chart(fig: Any, name: str, title: str) -> str:
    return f'<figure>{charts.svg(fig, name, title)}</figure>' if fig is not None else ""


def _verdict(doc: Mapping[str, Any]) -> tuple[str, list[str]]:
    verdict = doc.get("verdict")
    if isinstance(verdict, Mapping) and verdict.get("status"):
        reasons = verdict.get("reasons") or []
        return str(verdict["status"]), [str(r) for r in reasons]
    return str(doc.get("status", "?")), []


def _headline(doc: Mapping[str, Any], heading: str) -> list[str]:
    status, reasons = _verdict(doc)
    klass = _STATUS_CLASS.get(status, "bad")
    cfg = doc.get("config") or {}
    host = doc.get("host") or {}
    tool = doc.get("tool") or {}
    where = ", ".join(f"{k} {cfg[k]}" for k in ("mode", "tx", "rx", "rate") if cfg.get(k) is not None)
    out = [f'<h1>{_esc(heading)}: <span class="status {klass}">{_esc(status_text(status))}</span></h1>']
    if reasons:
        out.append('<ul class="reasons">' + "".join(f"<li>{_esc(r)}</li>" for r in reasons)
                   + "</ul>")
    duration = doc.get("duration_s")
    out.append(f'<p class="meta">{_esc(doc.get("started_at", "?"))}, '
               f'{_num(duration, ".1f", " s")} on {_esc(host.get("hostname", "?"))}, '
               f'radarbench {_esc(tool.get("version", "?"))}'
               + (f"; {_esc(where)}" if where else "") + ".</p>")
    return out


def _is_sink(doc: Mapping[str, Any]) -> bool:
    return (doc.get("config") or {}).get("mode") == "sink" or isinstance(doc.get("sink"), Mapping)


def _counts(doc: Mapping[str, Any]) -> list[str]:
    c = doc.get("counts") or {}
    if _is_sink(doc):
        # Nothing comes back in sink mode: what the device accepted, never "0 received".
        sink = doc.get("sink") if isinstance(doc.get("sink"), Mapping) else {}
        return ["<h2>Counts</h2>",
                _table(["accepted", "not sent (scheduled, never left)", "failed sends"],
                       [[_num(c.get("sent"), ",d"), _num(sink.get("not_sent"), ",d"),
                         _num(sink.get("failed_sends"), ",d")]], numeric=range(3))]
    keys = ("sent", "received", "lost", "late", "duplicated", "reordered", "corrupted",
            "decode_errors") + (("modified",) if "modified" in c else ())
    return ["<h2>Counts</h2>",
            _table([k.replace("_", " ") for k in keys], [[_num(c.get(k), ",d") for k in keys]],
                   numeric=range(len(keys)))]


def _throughput(doc: Mapping[str, Any]) -> list[str]:
    t = doc.get("throughput") or {}
    util = t.get("line_utilization")
    return ["<h2>Throughput</h2>",
            _table(["offered msgs/s", ("accepted" if _is_sink(doc) else "received") + " msgs/s",
                    "bytes/s", "line utilization"],
                   [[_num(t.get("offered_msgs_per_s")), _num(t.get("msgs_per_s")),
                     _num(t.get("bytes_per_s")),
                     "n/a" if util is None else _num(100 * util, ".1f", " %")]],
                   numeric=range(4))]


def _latency(doc: Mapping[str, Any]) -> list[str]:
    lat = doc.get("latency_us") or {}
    kind = lat.get("kind", "latency")
    keys = ("min", "p50", "p90", "p99", "p99_9", "p99_99", "max", "mean", "stdev")
    # One row a figure, one column a kind: it fits a narrow window, and corrected and
    # uncorrected sit side by side.
    counts = {w: charts.latency_count(doc, w) for w in ("corrected", "uncorrected")}
    summaries = {w: lat.get(w) or {} for w in counts}
    rows = []
    for key in keys:
        # An old (/1) report writes 0.0 for the percentiles of an empty histogram: no data.
        rows.append([key.replace("_", ".")] + [_num(summaries[w].get(key)) if counts[w] else "n/a"
                                               for w in counts])
    rows.append(["count"] + [_num(summaries[w].get("count", 0), ",d") for w in counts])
    out = [f"<h2>Latency (us, {_esc(kind)})</h2>",
           _table(["", "corrected", "uncorrected"], rows, numeric=(1, 2))]
    if not charts.latency_count(doc) and not charts.latency_count(doc, "uncorrected"):
        out.append('<p class="nodata">No data: nothing was received, so no latency was '
                   "measured.</p>")
        return out
    jitter = f"Jitter (RFC 3550): {_num(doc.get('jitter_us'))} us."
    if (doc.get("config") or {}).get("mode") == "source":
        out.append(f"<p>{jitter} Data age: from the time of day a record carries to its "
                   "arrival.</p>")
    else:
        out.append(f"<p>{jitter} Corrected latency runs from the intended send time, "
                   "uncorrected from the actual one; a gap between them is time the sender "
                   "fell behind its schedule.</p>")
    dist = charts.latency_distribution_figure(doc)
    if dist is None:
        out.append("<p>The report carries no latency histograms: no distribution chart.</p>")
    out.append(_chart(dist, "dist", "Latency distribution, corrected and uncorrected"))
    out.append(_chart(charts.percentile_spectrum_figure(doc), "spectrum", "Percentile spectrum"))
    return out


def _timeline(doc: Mapping[str, Any]) -> list[str]:
    out = ["<h2>Over time</h2>"]
    fig = charts.timeline_figure(doc)
    if fig is None:
        out.append('<p class="nodata">No data: the report has no per-second timeline.</p>')
        return out
    if not any(isinstance(r, Mapping) and r.get("p99_us") is not None
               for r in doc.get("timeline") or []):
        out.append("<p>No latency per second: nothing was received.</p>")
    out.append(_chart(fig, "timeline", "Messages, p99 latency and losses per second"))
    return out


def _limits(doc: Mapping[str, Any]) -> list[str]:
    out = ["<h2>Limits</h2>"]
    limits = doc.get("limits")
    if isinstance(limits, list) and limits:
        rows = []
        for item in limits:
            if not isinstance(item, Mapping):
                continue
            passed = item.get("passed")
            result = ('<span class="ok">pass</span>' if passed else
                      '<span class="bad">FAIL</span>' if passed is not None else "n/a")
            default = item.get("default") is True
            rows.append([item.get("key", "?"), _num(item.get("limit"), ",g")
                         + (" (default)" if default else ""),
                         _num(item.get("value"), ",.6g"), result])
        defaults = [str(i.get("key")) for i in limits
                    if isinstance(i, Mapping) and i.get("default") is True]
        if defaults:
            out.append("<p>Held to default limits (none given): " + _esc(", ".join(defaults))
                       + ". <code>--limit KEY=VALUE</code> replaces one, "
                       "<code>--no-default-limits</code> drops them.</p>")
        out.append(_table(["limit", "at most / least", "measured", "result"], rows,
                          numeric=(1, 2), raw=(3,)))
        return out
    old = doc.get("thresholds") or (doc.get("config") or {}).get("thresholds")
    if isinstance(old, Mapping) and old.get("limits"):  # radarbench run before report/2
        broken = [str(b) for b in old.get("broken") or []]
        rows = []
        for key, limit in old["limits"].items():
            msgs = [b for b in broken if b.startswith(str(key)) or str(key) in b]
            result = ('<span class="bad">FAIL</span>: ' + _esc("; ".join(msgs)) if msgs
                      else '<span class="ok">pass</span>')
            rows.append([key, _num(limit, ",g"), result])
        out.append(_table(["limit", "value", "result"], rows, numeric=(1,), raw=(2,)))
        return out
    out.append("<p>None set.</p>")
    return out


def _faults(doc: Mapping[str, Any]) -> list[str]:
    faults = [f for f in doc.get("faults") or [] if isinstance(f, Mapping)]
    out = ["<h2>Faults</h2>"]
    if not faults:
        out.append("<p>None.</p>")
        return out
    rows = [[_num(f.get("t_s"), ".3f"), f.get("kind", "?"), f.get("side", ""),
             _num(f.get("duration_s"), ".3f") if f.get("duration_s") is not None else "",
             _num(f.get("errors"), ",d") if f.get("errors") is not None else "",
             f.get("detail", "")] for f in faults]
    table = _table(["t (s)", "kind", "side", "length (s)", "errors", "detail"], rows,
                   numeric=(0, 3, 4))
    if len(faults) > 20:
        table = (f"<details><summary>{len(faults):,} fault episodes (show all)</summary>"
                 f"{table}</details>")
    out.append(table)
    return out


def _lag(value: Any) -> str:
    if not isinstance(value, Mapping):
        return "n/a"
    return " / ".join(_num(value.get(k)) for k in ("p50", "p99", "max")) + " us"


def _health(doc: Mapping[str, Any]) -> list[str]:
    health = doc.get("health")
    if not isinstance(health, Mapping):
        return []
    out = ["<h2>Bench health</h2>"]
    overloaded = bool(health.get("overloaded"))
    if overloaded:
        out.append('<p><span class="warn">The bench was overloaded</span>: its figures say '
                   "nothing about the device.</p>")
    else:
        out.append("<p>The bench kept up with its schedule.</p>")
    reasons = health.get("reasons") or []
    if reasons:
        out.append("<ul>" + "".join(f"<li>{_esc(r)}</li>" for r in reasons) + "</ul>")
    warnings = health.get("warnings") or []
    if warnings:
        out.append("<p>Warnings (the figures still hold):</p><ul>"
                   + "".join(f"<li>{_esc(w)}</li>" for w in warnings) + "</ul>")
    pressure = health.get("host_cpu_pressure")
    rows = [
        ["sender lag behind schedule (p50 / p99 / max)", _lag(health.get("sender_lag_us"))],
        ["of which the bench's own, not back-pressure", _lag(health.get("sender_own_lag_us"))],
        ["late sends", _num(health.get("late_sends"), ",d")],
        ["receive-queue drops (SO_RXQ_OVFL)", _num(health.get("rx_queue_drops"), ",d")],
        ["receiver lag after kernel stamp (p50 / p99 / max)", _lag(health.get("receiver_lag_us"))],
        ["host CPU pressure (some)", "n/a" if not isinstance(pressure, (int, float))
         else _num(100 * pressure, ".1f", " %")],
    ]
    extra = [[k.replace("_", " "), v] for k, v in health.items()
             if k not in ("overloaded", "reasons", "warnings", "sender_lag_us", "sender_own_lag_us",
                          "late_sends",
                          "rx_queue_drops", "receiver_lag_us", "host_cpu_pressure")]
    out.append(_table(["figure", "value"], rows + extra, numeric=(1,)))
    return out


def _devices(doc: Mapping[str, Any]) -> list[str]:
    rig = (doc.get("config") or {}).get("rig")
    if not isinstance(rig, Mapping):
        return []
    devices = rig.get("devices") or {}
    out = ["<h2>Devices</h2>"]
    if isinstance(devices, Mapping) and devices:
        rows = []
        for name, s in devices.items():
            s = s if isinstance(s, Mapping) else {}
            other = ", ".join(f"{k} {v}" for k, v in s.items()
                              if k not in ("device", "sent", "received", "dropped") and v)
            rows.append([name, s.get("device", "?"), _num(s.get("sent"), ",d"),
                         _num(s.get("received"), ",d"), _num(s.get("dropped"), ",d"), other])
        out.append(_table(["device", "kind", "sent", "received", "dropped", "other"], rows,
                          numeric=(2, 3, 4)))
    else:
        out.append("<p>None reported.</p>")
    died = rig.get("died")
    if died:
        out.append(f'<p class="bad">Stopped by themselves during the run: '
                   f"{_esc(', '.join(map(str, died)))}.</p>")
    return out


def _find_max(doc: Mapping[str, Any]) -> list[str]:
    section = doc.get("find_max")
    if not isinstance(section, Mapping):
        return []
    out = ["<h2>find-max</h2>"]
    best = section.get("max_msgs_per_s")
    bracket = section.get("bracket")
    if bracket is None and "first_failing_msgs_per_s" in section:  # before the contract's shape
        bracket = [best, section.get("first_failing_msgs_per_s")]
    facts = [f"Highest sustained rate: <strong>{_esc(_num(best, ',.0f', ' msgs/s'))}</strong>"
             if best is not None else
             '<strong class="bad">no rate passed</strong>']
    if isinstance(bracket, list) and len(bracket) == 2:
        facts.append(f"bracket {_esc(_num(bracket[0], ',.0f'))} (passes) .. "
                     f"{_esc(_num(bracket[1], ',.0f'))} (fails) msgs/s")
    if isinstance(section.get("resolution"), (int, float)):
        facts.append(f"resolution {_esc(_num(100 * section['resolution'], '.3g', ' %'))}")
    if isinstance(section.get("step_s"), (int, float)):
        facts.append(f"{_esc(_num(section['step_s'], 'g', ' s'))} a step")
    if isinstance(section.get("estimated_s"), (int, float)):
        facts.append(f"estimated {_esc(_num(section['estimated_s'], ',.0f', ' s'))} in all")
    out.append("<p>" + "; ".join(facts) + ".</p>")
    criteria = section.get("criteria")
    if isinstance(criteria, Mapping) and criteria:
        out.append("<p>A step passes when: " + _esc(", ".join(
            f"{k} {v}" for k, v in criteria.items() if v is not None)) + ".</p>")
    steps = [s for s in section.get("steps") or [] if isinstance(s, Mapping)]
    if not steps:
        out.append('<p class="nodata">No steps recorded.</p>')
        return out
    out.append(_chart(charts.find_max_figure(doc), "findmax", "find-max: rate of each step"))
    # Columns a report's steps do not carry (an older find-max) are left out.
    present = {k for s in steps for k in s}
    cols = [("phase", "phase", lambda s: s.get("phase", "")),
            ("rate_msgs_per_s", "rate msgs/s", lambda s: _num(s.get("rate_msgs_per_s"), ",.0f")),
            ("ok", "result", _step_result),
            ("sent", "sent", lambda s: _num(s.get("sent"), ",d")),
            ("received", "received", lambda s: _num(s.get("received"), ",d")),
            ("lost", "lost", lambda s: _num(s.get("lost"), ",d")),
            ("late", "late", lambda s: _num(s.get("late"), ",d")),
            ("p99_us", "p99 us", lambda s: _num(s.get("p99_us")))]
    cols = [c for c in cols if c[0] in present]
    header = ["step"] + [c[1] for c in cols]
    rows = [[i] + [c[2](s) for c in cols] for i, s in enumerate(steps, 1)]
    numeric = [0] + [i + 1 for i, c in enumerate(cols) if c[0] not in ("phase", "ok")]
    raw = [i + 1 for i, c in enumerate(cols) if c[0] == "ok"]
    out.append(_table(header, rows, numeric=numeric, raw=raw))
    return out


def _step_result(step: Mapping[str, Any]) -> str:
    """A find-max step's result as HTML: pass/fail, its status when it is neither ok nor a
    plain failure, and why."""
    ok = bool(step.get("ok"))
    out = '<span class="ok">pass</span>' if ok else '<span class="bad">fail</span>'
    status = step.get("status")
    if status and status not in ("ok", "fail"):
        out += f" ({_esc(status_text(status))})"
    why = step.get("why")
    if why and why != "ok":
        out += f": {_esc(why)}"
    return out


def _stat(value: Any, fmt: str = ",.1f") -> str:
    if isinstance(value, Mapping):
        return " / ".join(_num(value.get(k), fmt) for k in ("min", "mean", "max"))
    return _num(value, fmt)


def _source(doc: Mapping[str, Any]) -> list[str]:
    section = doc.get("source")
    if not isinstance(section, Mapping):
        return []
    out = ["<h2>Source: scans</h2>"]
    lat = (doc.get("latency_us") or {}).get("corrected") or {}
    has_age = charts.latency_count(doc) > 0
    rows = [
        ["north markers", _num(section.get("north_markers"), ",d")],
        ["scans (complete)", _num(section.get("scans"), ",d")],
        ["plots per scan (min / mean / max)", _stat(section.get("plots_per_scan"))],
        ["antenna period (s)", _num(section.get("antenna_period_s"), ",.3f")],
        ["north-marker interval (s, min / mean / max)",
         _stat(section.get("north_marker_interval_s"), ",.3f")],
        ["north markers on time / off time",
         f"{_num(section.get('north_markers_on_time'), ',d')} / "
         f"{_num(section.get('north_markers_off_time'), ',d')}"],
        ["north markers missed", _num(section.get("north_markers_missed"), ",d")],
        ["feed gaps", _num(section.get("feed_gaps"), ",d")],
        ["data age p50 / p99 / max (ms)",
         " / ".join(_num(lat.get(k) / 1000 if has_age and isinstance(lat.get(k), (int, float))
                         else None, ",.1f") for k in ("p50", "p99", "max"))],
        ["frames / records / plots", " / ".join(_num(section.get(k), ",d")
                                               for k in ("frames", "records", "plots"))],
    ]
    by_cat = section.get("by_category")
    if isinstance(by_cat, Mapping) and by_cat:
        rows.append(["records by category", ", ".join(f"CAT{k:0>3}: {v:,}" if isinstance(v, int)
                                                      else f"CAT{k}: {v}"
                                                      for k, v in by_cat.items())])
    shown = {"north_markers", "scans", "plots_per_scan", "antenna_period_s",
             "north_marker_interval_s", "north_markers_on_time", "north_markers_off_time",
             "north_markers_missed", "feed_gaps", "frames", "records", "plots", "by_category",
             "plots_per_scan_list"}
    rows += [[k.replace("_", " "), json.dumps(v, default=str) if isinstance(v, (dict, list))
              else _num(v, ",.6g") if isinstance(v, (int, float)) else str(v)]
             for k, v in section.items() if k not in shown]
    out.append(_table(["figure", "value"], rows, numeric=(1,)))
    out.append(_chart(charts.scans_figure(doc), "scans", "Plots per scan"))
    return out


def _content(doc: Mapping[str, Any]) -> list[str]:
    """Matching by content (a replay, a tap, `radarbench match`): both sides, item changes,
    the replay's timing error."""
    content = doc.get("content")
    if not isinstance(content, Mapping):
        return []

    def sides(value: Any) -> str:
        return " / ".join(_num(value.get(s), ",d") for s in ("in", "out")) if isinstance(value, Mapping) else "n/a"

    keys = content.get("keys")
    rows: list[list[object]] = [
        ["matched by", json.dumps(keys) if isinstance(keys, (dict, list)) else keys or "default keys"],
        ["frames in / out", sides(content.get("frames"))],
        ["records in / out", sides(content.get("records"))],
        ["decode errors in / out", sides(content.get("decode_errors"))],
        ["undecodable frames carried unchanged (broken in the input already)",
         _num(content.get("undecodable_carried_unchanged"), ",d")],
        ["out records matching no input", _num(content.get("unmatched_out"), ",d")],
        ["out records outside the window (in flight at its edges, unpaired)",
         _num(content.get("out_outside_window"), ",d")],
        ["records without their key items", _num(content.get("unkeyed"), ",d")],
    ]
    conv = content.get("conversion")
    if isinstance(conv, Mapping):
        rows.insert(1, ["conversion", ", ".join(f"{k}={v}" for k, v in conv.items())])
    cats = content.get("categories")
    if isinstance(cats, list):
        rows.insert(1, ["categories accounted for", ", ".join(f"CAT{c:03d}" for c in cats if isinstance(c, int))])
    skipped = content.get("not_accounted")
    if isinstance(skipped, Mapping) and skipped:
        rows.append(["records of other categories, not accounted (in / out)",
                     " / ".join(", ".join(f"CAT{c} {n:,}" for c, n in (skipped.get(side) or {}).items()) or "0"
                                for side in ("in", "out"))])
    replay = content.get("replay")
    if isinstance(replay, Mapping):
        err = replay.get("inter_departure_error_us") or {}
        rows += [["replay sends / failed", f"{_num(replay.get('sends'), ',d')} / {_num(replay.get('failed_sends'), ',d')}"],
                 ["replay laps", _num(replay.get("laps"), ",d")],
                 ["replay inter-departure error p50 / p99 / max (us)",
                  " / ".join(_num(err.get(k), ",.1f") for k in ("p50", "p99", "max"))]]
    ages = content.get("data_age")
    if isinstance(ages, Mapping):
        for side in ("in", "out"):
            a = ages.get(side) or {}
            if a.get("count"):
                rows.append([f"data age at the {side} side, p50 / p99 / max (ms)",
                             " / ".join(_num(None if a.get(k) is None else a[k] / 1e3, ",.3f")
                                        for k in ("p50_us", "p99_us", "max_us"))])
    clock = content.get("clock")
    if isinstance(clock, Mapping):
        rows.append(["receiver clock", ", ".join(f"{k}: {v}" for k, v in clock.items())])
    for warning in content.get("warnings") or []:
        rows.append(["warning", warning])
    out = ["<h2>Matching by content</h2>", _table(["figure", "value"], rows, numeric=(1,))]
    changes = [c for c in content.get("item_changes") or [] if isinstance(c, Mapping)]
    if changes:
        out += ["<h3>Items changed</h3>",
                _table(["item", "records", "max change", "unit", "LSB", "max change (LSB)"],
                       [[c.get("path"), _num(c.get("count"), ",d"), _num(c.get("max_abs"), ",.6g"),
                         c.get("unit") or "", _num(c.get("lsb"), ",.6g"), _num(c.get("max_lsbs"), ",.6g")]
                        for c in changes], numeric=(1, 2, 4, 5))]
    return out


def _feeds(doc: Mapping[str, Any]) -> list[str]:
    """Two feeds of the same data: per feed, what it missed, who came first, its silences."""
    feeds = doc.get("feeds")
    if not isinstance(feeds, Mapping):
        return []
    a = feeds.get("A") if isinstance(feeds.get("A"), Mapping) else {}
    b = feeds.get("B") if isinstance(feeds.get("B"), Mapping) else {}

    def lead(f: Mapping[str, Any]) -> str:
        x = f.get("lead") or {}
        return " / ".join(_num(x.get(k), ",.1f") for k in ("p50_us", "p99_us", "max_us")) if x.get("count") else "n/a"

    def share(v: Any) -> str:
        return "n/a" if v is None else f"{100 * v:.2f} %"

    rows = [["records", _num(a.get("records"), ",d"), _num(b.get("records"), ",d")],
            ["missed (only the other feed carried them)", _num(a.get("missed"), ",d"), _num(b.get("missed"), ",d")],
            ["loss (of the distinct records)", share(a.get("loss")), share(b.get("loss"))],
            ["delivered first", _num(a.get("first"), ",d"), _num(b.get("first"), ",d")],
            ["lead when first, p50 / p99 / max (us)", lead(a), lead(b)],
            ["silences while the other delivered (gaps)", str(len(a.get("gaps") or [])), str(len(b.get("gaps") or []))]]
    out = ["<h2>Redundant feeds</h2>",
           f"<p>{_num(feeds.get('distinct_records'), ',d')} distinct records, {_num(feeds.get('both'), ',d')} on "
           f"both feeds, {_num(feeds.get('at_the_edges'), ',d')} at the edges of the watch.</p>",
           _table(["figure", "A (--tap-in or IN)", "B (--tap-out or OUT)"], rows, numeric=(1, 2))]
    gaps = [[f, _num(g.get("from_s"), ",.3f"), _num(g.get("length_s"), ",.3f"), "yes" if g.get("resumed") else "no",
             _num(g.get("other_frames"), ",d")]
            for f, x in (("A", a), ("B", b)) for g in (x.get("gaps") or []) if isinstance(g, Mapping)]
    if gaps:
        out.append(_table(["feed", "silent from (s)", "for (s)", "resumed", "frames on the other"], gaps[:50],
                          numeric=(1, 2, 4)))
    return out


def _other_sections(doc: Mapping[str, Any]) -> list[str]:
    out = []
    for key, value in doc.items():
        if key in _KNOWN:
            continue
        out += [f"<h2>{_esc(key.replace('_', ' ').capitalize())}</h2>",
                f"<pre>{_esc(json.dumps(value, indent=2, default=str))}</pre>"]
    return out


_CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1em;
max-width:960px;color:#222}
h1{font-size:1.45em;margin:.3em 0}h2{font-size:1.15em;margin:1.6em 0 .4em;
border-bottom:1px solid #ddd}
.status{padding:0 .3em;border-radius:4px;color:#fff}
.status.ok{background:#1a7f37;color:#fff}.status.bad{background:#c62828;color:#fff}
.status.warn{background:#d46b08;color:#fff}
span.ok,strong.ok{color:#1a7f37;font-weight:600}.bad{color:#c62828;font-weight:600}
.warn{color:#d46b08;font-weight:600}
ul.reasons{margin:.2em 0 .6em;padding-left:1.3em;color:#333}
.meta{color:#555}.nodata{color:#d46b08;font-weight:600}
.wide{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:.4em 0;font-size:.93em}
td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f4f4f4;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:1em 0}
svg.chart{display:block;width:100%;max-width:100%;height:auto}
pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:12px}
details summary{cursor:pointer}
"""


def render_html(report: Any, title: str | None = None) -> str:
    """The whole page as one string. `report` is a Report (or BenchReport) or its JSON
    document as written (a dict; what `radarbench report` passes, so that sections the
    loaded Report does not keep still render). Raises ValueError if the report's histograms
    are not valid HDR encodings, TypeError if `report` is neither."""
    doc = charts.report_doc(report)
    heading = title or "radarbench run"
    body = [
        *_headline(doc, heading),
        *_counts(doc),
        *_throughput(doc),
        *_latency(doc),
        *_timeline(doc),
        *_limits(doc),
        *_faults(doc),
        *_health(doc),
        *_devices(doc),
        *_find_max(doc),
        *_source(doc),
        *_content(doc),
        *_feeds(doc),
        *_other_sections(doc),
        "<h2>Settings and host</h2>",
        "<pre>" + _esc(json.dumps({"config": doc.get("config", {}), "host": doc.get("host", {})},
                                  indent=2, default=str)) + "</pre>",
    ]
    status, _ = _verdict(doc)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(heading)}: {_esc(status_text(status))} {_esc(doc.get('started_at', ''))}"
        "</title>",
        f"<style>{_CSS}</style></head><body>",
        *[b for b in body if b],
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
