"""`radarbench run RIG.toml` and `radarbench demo`: a rig file's bench, end to end.

    radarbench run rigs/examples/loopback.toml --report run.json --markdown run.md
    radarbench demo            # the shipped loopback rig: no arguments, no hardware, ~15 s

`run` starts the rig's emulated devices (as `rig up` does), runs the bench its [bench]
section describes with the rig file's limits, stops the devices, adds their summaries to the
report (a device that exited by itself during the run is a fault of the run) and writes the
report (always: after a fault, a broken limit or Ctrl-C too; its path is checked before the
devices start). The exit status is the verdict's (radarbench.bench.verdict): 0 for ok, 1
otherwise; 2 for a rig file or option that cannot run, or a report that cannot be written.

`demo` is `run` on rigs/examples/loopback.toml (found with importlib.resources, so it works
from a wheel), printing what it does, live progress, and the Markdown summary: the same text
`radarbench report` prints for the report it wrote.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from radarbench.bench.cli import UserError
from radarbench.bench.cmd_bench import (
    check_output_path,
    check_stream_path,
    print_result,
    refuse_self_hearing,
    shown,
    write_outputs,
)
from radarbench.bench.cmd_rig import load
from radarbench.bench.engine import ConfigError, run_bench
from radarbench.bench.render_md import render_markdown
from radarbench.bench.report import Fault, Report
from radarbench.bench.rigbench import config_for
from radarbench.bench.verdict import exit_status, settle
from radarbench.rigs import lifeline
from radarbench.rigs.rigfile import Rig, RigError, example_path
from radarbench.rigs.rigup import RigUp, RigUpError

DEMO_REPORT = "radarbench-demo.json"


def add_parser(sub: Any) -> None:
    """Register `run` and `demo` on the CLI's sub-parsers."""
    p = sub.add_parser("run", help="start a rig file's devices and run the bench it describes",
                       description="Start RIG's emulated devices, run its [bench], write the "
                                   "report, stop the devices. Exit 0 only when the verdict is "
                                   "OK: 1 if the run had faults, no data, an overloaded bench, "
                                   "was interrupted or broke a limit (max_*, min_*) of the rig "
                                   "file; 2 for a rig file, option or report path that cannot "
                                   "be used.")
    p.add_argument("rig", metavar="RIG.toml", help="rig file with a [bench] section")
    p.add_argument("--report", metavar="FILE.json",
                   help="where the JSON report goes (default: ./NAME-run.json for NAME.toml)")
    p.add_argument("--markdown", metavar="FILE.md", help="also write the Markdown summary here")
    p.add_argument("--send", metavar="NAME|URL", help="override [bench] send ('-': none, for source mode)")
    p.add_argument("--recv", metavar="NAME|URL", help="override [bench] recv ('-': none, for sink mode)")
    p.add_argument("--duration", type=float, metavar="S", help="override [bench] duration")
    p.add_argument("--rate", type=float, metavar="MSGS_PER_S", help="override [bench] rate")
    p.add_argument("--json-stream", metavar="FILE|-", help="per-second progress as JSON Lines")
    p.add_argument("--no-default-limits", action="store_true",
                   help="a loop-mode rig file with no max_*/min_* keys is held to the default "
                        "limits (max_lost=0, max_late=0, max_corrupted=0); this turns them off")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no live progress: print the one result line, nothing else")
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
    d.add_argument("-q", "--quiet", action="store_true",
                   help="no live progress or summary: print the one result line, nothing else")
    d.set_defaults(func=demo)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_rig(rig: Rig, quiet: bool, json_stream: str | None = None, default_limits: bool = True,
            **overrides: Any) -> Report:
    """Start `rig`'s devices, run its bench (held to the rig file's limits), stop the devices.

    Returns the report, its verdict decided with the devices' summaries in
    config.rig.devices and a fault (side "rig") for each device that exited by itself.
    Writes nothing. Raises UserError for settings that cannot run, RigUpError if a device
    does not start.
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
                             default_limits=default_limits, **overrides)
            cfg.check()
            refuse_self_hearing(cfg)
            report = run_bench(cfg)
            lifeline.hold()  # the run is over: a signal from here on must not cost the report
        except (ConfigError, RigError) as exc:
            raise UserError(str(exc)) from None
        died = up.dead()
    finally:
        up.stop()  # signals meanwhile are held (a second one kills the devices instead)
    if lifeline.interrupts():
        report.status = "interrupted"  # asked to stop after its measurement: settled below
    rig_info = report.config.setdefault("rig", {})
    rig_info["devices"] = up.summaries
    if died:
        rig_info["died"] = [d.name for d in died]
        for device in died:
            # Noticed when the run ended: the device's own exit time is not known.
            report.faults.append(Fault(t_s=round(report.duration_s, 6), kind="device exited",
                                       detail=f"{device.name} ({device.kind}) stopped by itself "
                                              f"during the run: {device.reason()}",
                                       side="rig"))
    return settle(report)


def run(args: argparse.Namespace) -> int:
    """`radarbench run`: the exit status is the verdict's (0 ok, 1 otherwise)."""
    rig = load(args.rig)
    report_path = args.report or f"{rig.name}-run.json"
    check_output_path(report_path, "--report")
    check_output_path(args.markdown, "--markdown")
    check_stream_path(args.json_stream)
    try:
        report = run_rig(rig, args.quiet, args.json_stream,
                         default_limits=not args.no_default_limits,
                         duration_s=args.duration, rate=args.rate,
                         send=_endpoint(args.send), recv=_endpoint(args.recv))
    except RigUpError as exc:
        raise UserError(str(exc)) from None
    out = sys.stderr if args.json_stream == "-" else sys.stdout
    print_result(report, args.quiet, out)
    markdown = render_markdown(shown(report)) if args.markdown else None
    if not write_outputs(report, report_path, args.markdown, markdown, "run"):
        return 2
    if not args.quiet:
        print(f"report: {report_path}" + (f", summary: {args.markdown}" if args.markdown else ""),
              file=out, flush=True)
    return exit_status(report.status)


def _endpoint(arg: str | None) -> str | None:
    # "-" clears the rig file's endpoint ("" reaches config_for as "none"); None keeps it.
    return None if arg is None else ("" if arg == "-" else arg)


def _demo_report_path(given: str | None) -> Path:
    if given:
        check_output_path(given, "--report")
        return Path(given)
    try:
        check_output_path(DEMO_REPORT, "--report")
        return Path(DEMO_REPORT)
    except UserError:
        # a read-only working directory: the demo still runs, its report goes elsewhere
        return Path(tempfile.mkdtemp(prefix="radarbench-demo-")) / DEMO_REPORT


def demo(args: argparse.Namespace) -> int:
    """`radarbench demo`: the loopback rig end to end; the Markdown summary on stdout."""
    path = example_path("loopback")
    rig = load(str(path))
    report_path = _demo_report_path(args.report)
    check_output_path(args.markdown, "--markdown")
    t0 = time.monotonic()
    if not args.quiet:
        _err("radarbench demo: an emulated radar site on this machine, no hardware "
             f"({path})\n"
             "  radar -> 115200 baud HDLC serial line (paced pty) -> gateway -> UDP multicast on loopback\n"
             "  bench -> its twin line -> gateway gw -> UDP 239.255.48.2 on loopback -> bench: "
             "CAT048 probes, each one accounted for")
    try:
        report = run_rig(rig, args.quiet, duration_s=args.duration)
    except RigUpError as exc:
        raise UserError(str(exc)) from None
    markdown = render_markdown(shown(report))
    if not args.quiet:
        print(markdown, flush=True)
    print_result(report, args.quiet)
    if not write_outputs(report, str(report_path), args.markdown, markdown, "demo"):
        return 2
    if args.quiet and not args.report and report_path != Path(DEMO_REPORT):
        # -q keeps stdout to the one result line; where the report went (not where it was
        # looked for: the working directory is read-only) is said on stderr.
        _err(f"report: {report_path} (the current directory is not writable)")
    if not args.quiet:
        took = time.monotonic() - t0
        print(f"report: {report_path.resolve()} (render it: radarbench report {report_path} --html demo.html)")
        print(f"demo took {took:.1f} s. Next: radarbench rig check {path}; radarbench run {path}")
    return exit_status(report.status)
