"""`radarbench bench`: measure an exchange path (loop, source or sink mode) and report it.

    radarbench bench --send udp://127.0.0.1:8600 --recv udp://127.0.0.1:8600 --rate 1000 \\
        --duration 10 --report run.json --markdown run.md

The report is always written when --report is given: after Ctrl-C (status "interrupted")
and after faults in the path (status "fault", faults listed) too.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from radarbench.bench.cli import UserError
from radarbench.bench.engine import BenchConfig, ConfigError, run_bench
from radarbench.bench.report import Report
from radarbench.bench.schedule import parse_ramp
from radarbench.rigs import lifeline


def _float(text: str, positive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 if positive else value >= 0) or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be {'a positive number' if positive else 'a number >= 0'}")
    return value


def _positive_float(text: str) -> float:
    return _float(text, positive=True)


def _nonneg_float(text: str) -> float:
    return _float(text, positive=False)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return value


def _ramp(text: str) -> tuple[float, float]:
    try:
        return parse_ramp(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(sub: Any) -> None:
    """Register `bench` on the CLI's sub-parsers."""
    p = sub.add_parser(
        "bench", help="measure a link: loop (--send and --recv), source (--recv), sink (--send)",
        description="Send CAT048 probes on an open-loop schedule and account for every one "
                    "(loop mode); or measure a sensor's feed (--recv alone: rate, data age, scan "
                    "completeness); or what a device accepts (--send alone).")
    p.add_argument("--send", metavar="URL", help="where probes go (udp://, tcp://, serial://, pty://...)")
    p.add_argument("--recv", metavar="URL", help="where they come back (may equal --send)")
    p.add_argument("--rate", type=_positive_float, default=100.0, metavar="MSGS_PER_S",
                   help="probe messages (records) per second (default 100)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--duration", type=_positive_float, default=None, metavar="S",
                   help="run for S seconds (default 5)")
    g.add_argument("--count", type=_positive_int, default=None, metavar="N",
                   help="send N messages")
    p.add_argument("--warmup", type=_nonneg_float, default=0.0, metavar="S",
                   help="leave the first S seconds out of every figure")
    p.add_argument("--category", type=int, default=48, help="probe category (48)")
    p.add_argument("--records-per-block", type=_positive_int, default=1, metavar="K",
                   help="probes per datagram / data block, each with its own sequence number")
    p.add_argument("--drain", type=_nonneg_float, default=1.0, metavar="S",
                   help="wait S seconds after the last send for stragglers (default 1)")
    p.add_argument("--late-after", type=_positive_float, default=None, metavar="S",
                   help="an arrival later than S after its send counts late (default: --drain)")
    p.add_argument("--burst", type=_positive_int, default=1, metavar="N",
                   help="send N blocks back to back, bursts spaced to keep the mean rate")
    p.add_argument("--ramp", type=_ramp, default=None, metavar="FROM:TO",
                   help="raise the rate linearly from FROM to TO messages/s over the duration")
    p.add_argument("--find-max", action="store_true",
                   help="raise the rate step by step; report the highest without loss")
    p.add_argument("--max-p99-ms", type=_positive_float, default=None, metavar="MS",
                   help="with --find-max: a rate is sustainable only if corrected p99 stays under MS")
    p.add_argument("--match-keys", default=None, metavar="RECEIVED[=SENT],...",
                   help="match rewritten messages by the received fields that mirror the probe's "
                        "070.MODE3A (seq bits 0-11) and 161.TRN (12-23): e.g. 161.TRN,070.MODE3A "
                        "(CAT048) or 060.MODE3A (a CAT062 track)")
    p.add_argument("--report", metavar="FILE.json", help="write the JSON report here")
    p.add_argument("--markdown", metavar="FILE.md", help="write a Markdown summary here")
    p.add_argument("--json-stream", metavar="FILE|-", help="per-second progress as JSON Lines")
    p.add_argument("--run-id", type=lambda s: int(s, 16), default=None, metavar="HEX",
                   help="probe run id (default: random)")
    p.add_argument("-q", "--quiet", action="store_true", help="no live progress")
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    """BenchConfig from parsed arguments. Raises UserError for settings that cannot run."""
    duration = args.duration if args.duration is not None else (None if args.count else 5.0)
    cfg = BenchConfig(
        send=args.send, recv=args.recv, rate=args.rate, duration_s=duration, count=args.count,
        warmup_s=args.warmup, category=args.category, records_per_block=args.records_per_block,
        drain_s=args.drain, late_after_s=args.late_after, burst=args.burst, ramp=args.ramp,
        match_keys=args.match_keys, find_max=args.find_max, max_p99_ms=args.max_p99_ms,
        progress="quiet" if args.quiet else "auto", json_stream=args.json_stream,
        run_id=args.run_id,
    )
    try:
        cfg.check()
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    return cfg


def run(args: argparse.Namespace) -> int:
    """Run the bench, write the reports, print a summary. Exit 0 ok, 1 interrupted or fault."""
    cfg = config_from_args(args)
    try:
        report = run_bench(cfg)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    lifeline.hold()  # the run is over: a signal from here on must not cost the report
    write_outputs(report, args.report, args.markdown)
    if not args.quiet:
        print(summary_line(report), file=sys.stderr)
    return 0 if report.status == "ok" else 1


def write_outputs(report: Report, json_path: str | None, md_path: str | None) -> None:
    """Write the JSON report and the Markdown summary where asked. Raises UserError if a file
    cannot be written (a path the user gave)."""
    try:
        if json_path:
            report.write(json_path)
        if md_path:
            from radarbench.bench.render_md import render_markdown

            with open(md_path, "w", encoding="utf-8") as f:
                f.write(render_markdown(report))
    except OSError as exc:
        raise UserError(f"cannot write the report: {exc}") from None


def summary_line(report: Report) -> str:
    """One line: status, counts, corrected p50/p99."""
    c = report.counts
    lat = report.corrected
    return (f"{report.status}: sent {c.sent:,} received {c.received:,} lost {c.lost:,} late {c.late:,} "
            f"dup {c.duplicated:,} reord {c.reordered:,} corrupt {c.corrupted:,}; "
            f"{report.latency_kind} latency p50 {lat.p50_us:,.1f} us p99 {lat.p99_us:,.1f} us "
            f"max {lat.max_us:,.1f} us; {report.throughput.msgs_per_s:,.1f} msgs/s")
