"""`radarbench match IN OUT`: match two recordings made at a device's input and output.

    radarbench match input.pcap output.pcap --report run.json --markdown run.md
    radarbench match feed.pcap feed.pcap --filter-in dst-port=8600 --filter-out dst-port=8601

The same report as a tap run (radarbench.bench.content_run): every record of the input
matched by content to the output, by each recording's own timestamps, with lost, late,
duplicated, reordered and modified records, the item changes and the latency per record
(input stamp to output stamp: nothing was scheduled, so nothing is corrected). The verdict
and the exit status are the bench's (0 OK, 1 otherwise, 2 for a user's mistake).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from radarbench.bench.cli import UserError
from radarbench.bench.cmd_bench import (
    _DEFAULTS_TEXT,
    _positive_float,
    add_content_options,
    check_distinct_paths,
    check_output_path,
    content_options,
    parse_limits,
    print_result,
    shown,
    write_outputs,
)
from radarbench.bench.engine import BenchConfig, ConfigError
from radarbench.bench.verdict import LIMIT_KEYS, exit_status, settle, with_defaults
from radarbench.rigs.editionopts import editions_from_options


def _late_after(text: str) -> float:
    value = _positive_float(text)
    if value > 86400:
        raise argparse.ArgumentTypeError(f"{text!r}: at most 86400 s (a day)")
    return value


def add_parser(sub: Any) -> None:
    """Register `match` on the CLI's sub-parsers."""
    p = sub.add_parser(
        "match", help="match two recordings of a device's input and output by content",
        description="Match every record of IN (a recording at a device's input) to OUT (one at "
                    "its output) by content and timestamps: lost, late, duplicated, reordered, "
                    "modified, latency per record. The same report as `bench --tap-in/--tap-out`.")
    p.add_argument("input", metavar="IN", help="recording at the device's input (pcap/pcapng, FINAL, IOSS, RFF...)")
    p.add_argument("output", metavar="OUT", help="recording at its output (may be the same file, with filters)")
    p.add_argument("--filter-in", default=None, metavar="FILTER",
                   help="which datagrams of IN: dst=ADDR[:PORT], dst-port=PORT, src=..., src-port=...")
    p.add_argument("--filter-out", default=None, metavar="FILTER", help="which datagrams of OUT")
    p.add_argument("--recording-format", default="auto", metavar="FORMAT",
                   help="both recordings' format (default: detected from their first bytes)")
    p.add_argument("--match-keys", default=None, metavar="KEYS",
                   help="the key items that identify a record, per category, over the defaults: "
                        "e.g. 48=010+140+161,62=010+040+070")
    add_content_options(p)
    p.add_argument("--feeds", action="store_true",
                   help="IN and OUT are two feeds of the same data (an A/B pair: one file with "
                        "--filter-in/--filter-out, or two): per-feed loss, records only one "
                        "carried, which came first and by how much, gaps when one stops; no "
                        "default limits")
    p.add_argument("--late-after", type=_late_after, default=1.0, metavar="S",
                   help="an output record later than S after its input counts late (default 1)")
    p.add_argument("--edition", action="append", metavar="CAT=ED",
                   help="decode both recordings with this edition of a category (repeatable)")
    p.add_argument("--limit", action="append", default=[], metavar="KEY=VALUE",
                   help="a limit the match must hold (repeatable): " + ", ".join(LIMIT_KEYS)
                        + "; held to " + _DEFAULTS_TEXT + " and max_modified=0 unless given")
    p.add_argument("--no-default-limits", action="store_true",
                   help="hold the match to the --limit ones only")
    p.add_argument("--report", metavar="FILE.json", help="write the JSON report here")
    p.add_argument("--markdown", metavar="FILE.md", help="write a Markdown summary here")
    p.add_argument("-q", "--quiet", action="store_true", help="print the one result line only")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Match, print the result line, write the reports; the exit status is the verdict's."""
    from radarbench.bench.content_run import match_recordings

    limits, defaults = with_defaults(parse_limits(args.limit), "tap",
                                     use_defaults=not (args.no_default_limits or args.feeds), content=True)
    try:
        editions = editions_from_options(args.edition)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    cfg = BenchConfig(
        drain_s=args.late_after, late_after_s=args.late_after, editions=editions,
        content_keys=args.match_keys, feeds=args.feeds, **content_options(args),
        limits=limits, extra_config={"default_limits": list(defaults)} if defaults else {})
    check_distinct_paths({"IN": args.input, "OUT": args.output},
                         {"--report": args.report, "--markdown": args.markdown})
    if os.path.realpath(args.input) == os.path.realpath(args.output) and args.filter_in == args.filter_out:
        raise UserError("IN and OUT are the same recording, picked the same way: give "
                        "--filter-in and --filter-out that tell its two sides apart")
    check_output_path(args.report, "--report")
    check_output_path(args.markdown, "--markdown")
    try:
        cfg._check_content()
        report = settle(match_recordings(args.input, args.output, cfg, in_filter=args.filter_in,
                                         out_filter=args.filter_out, fmt=args.recording_format),
                        cfg.limits)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    print_result(report, args.quiet, sys.stdout)
    markdown = None
    if args.markdown:
        from radarbench.bench.render_md import render_markdown

        markdown = render_markdown(shown(report))
    if not write_outputs(report, args.report, args.markdown, markdown, "match"):
        return 2
    return exit_status(report.status)
