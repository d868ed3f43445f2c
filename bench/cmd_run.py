"""`radarbench run RIG.toml` and `radarbench demo`: a rig file's bench, end to end.

    radarbench run rigs/examples/loopback.toml --report run.json --markdown run.md
    radarbench demo            # the shipped loopback rig: no arguments, no hardware, ~15 s

`run` starts the rig's emulated devices (as `rig up` does), runs the bench its [bench]
section describes, writes the report (always: after a fault, a broken limit or Ctrl-C too),
stops the devices and adds their summaries to the report. Exit 0 when the run was clean and
every limit of the rig file held; 1 otherwise; 2 for a rig file or option that cannot run.

`demo` is `run` on rigs/examples/loopback.toml (found with importlib.resources, so it works
from a wheel), printing what it does, live progress, and the Markdown summary.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from radarbench.bench.cli import UserError
from radarbench.bench.cmd_rig import load
from radarbench.bench.engine import ConfigError, run_bench
from radarbench.bench.render_md import render_markdown
from radarbench.bench.report import Report
from radarbench.bench.rigbench import (
    Broken,
    check_thresholds,
    config_for,
    thresholds_section,
)
from radarbench.rigs import lifeline
from radarbench.rigs.rigfile import Rig, RigError, example_path
from radarbench.rigs.rigup import RigUp, RigUpError

DEMO_REPORT = "radarbench-demo.json"


def add_parser(sub: Any) -> None:
    """Register `run` and `demo` on the CLI's sub-parsers."""
    p = sub.add_parser("run", help="start a rig file's devices and run the bench it describes",
                       description="Start RIG's emulated devices, run its [bench], write the "
                                   "report, stop the devices. Exit 1 if the run had faults or "
                                   "broke a limit (max_*, min_*) of the rig file.")
    p.add_argument("rig", metavar="RIG.toml", help="rig file with a [bench] section")
    p.add_argument("--report", metavar="FILE.json",
                   help="where the JSON report goes (default: ./NAME-run.json for NAME.toml)")
    p.add_argument("--markdown", metavar="FILE.md", help="also write the Markdown summary here")
    p.add_argument("--send", metavar="NAME|URL", help="override [bench] send ('-': none, for source mode)")
    p.add_argument("--recv", metavar="NAME|URL", help="override [bench] recv ('-': none, for sink mode)")
    p.add_argument("--duration", type=float, metavar="S", help="override [bench] duration")
    p.add_argument("--rate", type=float, metavar="MSGS_PER_S", help="override [bench] rate")
    p.add_argument("--json-stream", metavar="FILE|-", help="per-second progress as JSON Lines")
    p.add_argument("-q", "--quiet", action="store_true", help="no live progress")
    p.set_defaults(func=run)

    d = sub.add_parser("demo", help="run the shipped loopback rig end to end (no hardware, ~15 s)",
                       description="Start the emulated radar site of rigs/examples/loopback.toml "
                                   "(radar, paced 115200 HDLC pty lines, gateways, UDP multicast on "
                                   "loopback), measure the probed chain for 10 s, print the summary.")
    d.add_argument("--report", metavar="FILE.json",
                   help=f"where the JSON report goes (default: ./{DEMO_REPORT}, or a temporary "
                        "directory if the current one is not writable)")
    d.add_argument("--markdown", metavar="FILE.md", help="also write the Markdown summary here")
    d.add_argument("--duration", type=float, metavar="S", help="measure for S seconds (default 10)")
    d.add_argument("-q", "--quiet", action="store_true", help="no live progress")
    d.set_defaults(func=demo)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_rig(rig: Rig, report_path: Path, markdown_path: str | None, quiet: bool,
            json_stream: str | None = None, title: str | None = None,
            **overrides: Any) -> tuple[Report, list[Broken], str]:
    """Start `rig`'s devices, run its bench, stop the devices, write the report.

    Returns (report, broken limits, Markdown summary). Raises UserError for settings that
    cannot run or a report that cannot be written, RigUpError if a device does not start.
    """
    if rig.bench is None:
        raise UserError(f"{rig.path}: no [bench] section: nothing to run (rig up starts the devices alone)")
    for key in ("duration_s", "rate"):
        if key in overrides and overrides[key] is not None and not overrides[key] > 0:
            raise UserError(f"--{key.removesuffix('_s')} must be > 0")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    say = (lambda text: None) if quiet else _err
    up = RigUp(rig, on_event=say)
    # SIGTERM and SIGHUP end the run as Ctrl-C does (the CLI turns them into
    # KeyboardInterrupt): the engine drains, the devices are stopped, the report is written.
    t0 = time.monotonic()
    try:
        if rig.devices:
            say(f"starting {len(rig.devices)} emulated devices of {rig.path}")
        bound = up.start()
        say(f"devices up in {time.monotonic() - t0:.1f} s; measuring "
            f"{bound.bench.send or '-'} -> {bound.bench.recv or '-'}")  # type: ignore[union-attr]
        try:
            cfg = config_for(bound, progress="quiet" if quiet else "auto", json_stream=json_stream,
                             **overrides)
            cfg.check()
            report = run_bench(cfg)
        except (ConfigError, RigError) as exc:
            raise UserError(str(exc)) from None
        died = [d.name for d in up.dead()]
    finally:
        up.stop()  # signals meanwhile are held (a second one kills the devices instead)
    lifeline.hold()  # the run is over: a signal from here on must not cost the report
    rig_info = report.config.setdefault("rig", {})
    rig_info["devices"] = up.summaries
    if died:
        rig_info["died"] = died
    broken = check_thresholds(report, rig.bench.thresholds)
    sections = getattr(report, "sections", None)
    if isinstance(sections, dict):
        sections["thresholds"] = thresholds_section(rig.bench.thresholds, broken)
    else:
        report.config["thresholds"] = thresholds_section(rig.bench.thresholds, broken)
    markdown = render_markdown(report, title) + rig_markdown(rig, up.summaries, broken, died)
    try:
        report.write(report_path)
        if markdown_path:
            Path(markdown_path).write_text(markdown, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the report: {exc}") from None
    return report, broken, markdown


def rig_markdown(rig: Rig, summaries: dict[str, dict[str, Any]], broken: list[Broken],
                 died: list[str]) -> str:
    """Markdown sections for the rig's limits and its devices, to follow the run summary."""
    lines = ["", "### Limits (rig file)", ""]
    limits = rig.bench.thresholds if rig.bench else {}
    if not limits:
        lines.append("None set.")
    else:
        failed = {b.key: b for b in broken}
        lines += ["| limit | value | result |", "| --- | ---: | --- |"]
        for key, limit in limits.items():
            b = failed.get(key)
            lines.append(f"| {key} | {limit:g} | {'**FAIL**: ' + b.message() if b else 'pass'} |")
    if summaries:
        lines += ["", "### Devices", "", "| device | kind | sent | received | dropped | other |",
                  "| --- | --- | ---: | ---: | ---: | --- |"]
        for name, s in summaries.items():
            other = ", ".join(f"{k} {v}" for k, v in s.items()
                              if k not in ("device", "sent", "received", "dropped", "elapsed_s") and v)
            lines.append(f"| {name} | {s.get('device', '?')} | {s.get('sent', '')} | "
                         f"{s.get('received', '')} | {s.get('dropped', '')} | {other} |")
        if died:
            lines += ["", f"Stopped by themselves during the run: {', '.join(died)}."]
    return "\n".join(lines) + "\n"


def _verdict(report: Report, broken: list[Broken]) -> tuple[int, list[str]]:
    lines = [f"{'FAIL' if broken else 'ok'}  limits: " + (
        "; ".join(b.message() for b in broken) if broken else "all held")]
    if report.status != "ok":
        lines.append(f"FAIL  run status: {report.status}")
    return (1 if broken or report.status != "ok" else 0), lines


def run(args: argparse.Namespace) -> int:
    """`radarbench run`: exit 0 clean and within limits, 1 otherwise."""
    rig = load(args.rig)
    report_path = Path(args.report or f"{rig.name}-run.json")
    try:
        report, broken, _ = run_rig(rig, report_path, args.markdown, args.quiet, args.json_stream,
                                    duration_s=args.duration, rate=args.rate,
                                    send=_endpoint(args.send), recv=_endpoint(args.recv))
    except RigUpError as exc:
        raise UserError(str(exc)) from None
    from radarbench.bench.cmd_bench import summary_line

    status, verdict = _verdict(report, broken)
    print(summary_line(report))
    for line in verdict:
        print(line)
    print(f"report: {report_path}" + (f", summary: {args.markdown}" if args.markdown else ""))
    return status


def _endpoint(arg: str | None) -> str | None:
    # "-" clears the rig file's endpoint ("" reaches config_for as "none"); None keeps it.
    return None if arg is None else ("" if arg == "-" else arg)


def _demo_report_path(given: str | None) -> Path:
    if given:
        return Path(given)
    if os.access(".", os.W_OK):
        return Path(DEMO_REPORT)
    return Path(tempfile.mkdtemp(prefix="radarbench-demo-")) / DEMO_REPORT


def demo(args: argparse.Namespace) -> int:
    """`radarbench demo`: the loopback rig end to end; the Markdown summary on stdout."""
    path = example_path("loopback")
    rig = load(str(path))
    report_path = _demo_report_path(args.report)
    t0 = time.monotonic()
    if not args.quiet:
        _err("radarbench demo: an emulated radar site on this machine, no hardware "
             f"({path})\n"
             "  radar -> 115200 baud HDLC serial line (paced pty) -> gateway -> UDP multicast on loopback\n"
             "  bench -> its twin line -> gateway gw -> UDP 239.255.48.2 on loopback -> bench: "
             "CAT048 probes, each one accounted for")
    try:
        report, broken, markdown = run_rig(rig, report_path, args.markdown, args.quiet,
                                           title="radarbench demo: loopback rig",
                                           duration_s=args.duration)
    except RigUpError as exc:
        raise UserError(str(exc)) from None
    print(markdown, end="", flush=True)
    status, verdict = _verdict(report, broken)
    print()
    for line in verdict:
        print(line)
    took = time.monotonic() - t0
    print(f"report: {report_path.resolve()} (render it: radarbench report {report_path} --html demo.html)")
    print(f"demo took {took:.1f} s. Next: radarbench rig check {path}; radarbench run {path}")
    return status

