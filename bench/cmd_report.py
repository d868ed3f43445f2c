"""`radarbench report` and `radarbench compare`: render a saved run, or gate CI on two of them.

    radarbench report RUN.json [--html OUT.html] [--markdown OUT.md] [--png KEY.png]
                                                                       (none: Markdown to stdout)
    radarbench compare BASE.json NEW.json --fail-on p99=+10%,lost=0    (exit 1 on regression)

`report` renders every section the run had (verdict and reasons, limits, devices, find-max
steps, source-mode scans, bench health); `compare` exits 1 on a regression, on a NEW run with
no data where a rule needs it, and on reports of different modes (unless
--allow-mode-mismatch), 2 on a bad file or rule.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from radarbench.bench.cli import UserError
from radarbench.bench.cmd_bench import check_output_path
from radarbench.bench.outfile import write_file
from radarbench.bench.compare import compare, parse_statuses
from radarbench.bench.render_html import render_html
from radarbench.bench.render_md import render_compare_markdown, render_markdown
from radarbench.bench.report import Report, load_dict

DEFAULT_RULES = "p99=+10%,lost=0"


def add_parser(subparsers: Any) -> None:
    """Register `report` and `compare` on the CLI's sub-parsers."""
    p = subparsers.add_parser("report", help="render a run report (JSON) as Markdown or HTML",
                              description="Render a run report. With neither --html nor "
                                          "--markdown, print the Markdown summary.")
    p.add_argument("run", metavar="RUN.json", help="report written by a bench run")
    p.add_argument("--html", metavar="OUT.html", help="write a self-contained HTML page")
    p.add_argument("--markdown", metavar="OUT.md",
                   help="write the Markdown summary (e.g. $GITHUB_STEP_SUMMARY)")
    p.add_argument("--png", metavar="FILE.png",
                   help="write the key chart as a PNG (latency distribution; the timeline "
                        "when nothing was received); with --markdown, the summary links it")
    p.set_defaults(func=run_report)

    c = subparsers.add_parser("compare", help="compare two run reports; exit 1 on regression",
                              # argparse %-formats a description only when it holds
                              # "%(prog)": its % signs are written once.
                              description="Compare NEW against BASE. Rules: FIGURE=LIMIT, "
                                          "comma-separated, e.g. p99=+10%,lost=0,"
                                          "msgs_per_s=-5%,p99_9=+200us. A NEW run whose verdict "
                                          "is not OK fails (exit 1) and a BASE run that is not OK "
                                          "is refused (exit 2), unless --allow-status; a NEW run "
                                          "that received nothing fails every rule on a figure it "
                                          "lacks; reports of different modes are refused.")
    c.add_argument("base", metavar="BASE.json")
    c.add_argument("new", metavar="NEW.json")
    # argparse %-formats help strings: the rules' % signs must be doubled.
    c.add_argument("--fail-on", metavar="RULES", default=DEFAULT_RULES,
                   help=f"regression rules (default {DEFAULT_RULES.replace('%', '%%')})")
    c.add_argument("--markdown", metavar="OUT.md", help="also write the table as Markdown")
    c.add_argument("--allow-status", metavar="STATUS,...", default="",
                   help="accept runs of these statuses (fail, fault, no_data, bench_overloaded, "
                        "interrupted) as BASE or NEW: compared with a warning, changes never "
                        "shown as improvements")
    c.add_argument("--allow-mode-mismatch", action="store_true",
                   help="compare reports of different modes (loop, source, sink) anyway, "
                        "with a warning, instead of refusing them")
    c.set_defaults(func=run_compare)


def _load(path: str) -> dict[str, Any]:
    try:
        return load_dict(path)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        # ValueError from load_dict already names the file and the key.
        raise UserError(str(exc).splitlines()[0]) from None


def _write(path: str, text: str) -> None:
    try:
        write_file(path, text)
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _write_png(path: str, doc: dict[str, Any]) -> bool:
    """Write the key chart; False (said on stderr) when the report has nothing to draw."""
    from radarbench.bench.charts import key_chart_png

    try:
        written = key_chart_png(doc, path)
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror})") from None
    if written is None:
        print(f"{path}: not written: the report has no latency and no timeline to draw",
              file=sys.stderr)
    return written is not None


def _png_link(png: str, markdown: str) -> str:
    # Relative to the Markdown file, so the two can be published together.
    target = os.path.relpath(Path(png).resolve(), Path(markdown).resolve().parent)
    return f"\n![key chart]({Path(target).as_posix()})\n"


def run_report(args: argparse.Namespace) -> int:
    """Render RUN.json. Raises UserError for an unreadable or invalid report or output path."""
    for path, option in ((args.html, "--html"), (args.markdown, "--markdown"),
                         (getattr(args, "png", None), "--png")):
        check_output_path(path, option)
    doc = _load(args.run)
    report = Report.from_dict(doc, source=args.run)
    if args.html:
        # The document itself: it keeps every section the run wrote (find_max, source...).
        _write(args.html, render_html(doc))
    png = getattr(args, "png", None) and _write_png(args.png, doc)
    if args.markdown:
        _write(args.markdown, render_markdown(report) + (_png_link(args.png, args.markdown)
                                                         if png else ""))
    if not args.html and not args.markdown and not getattr(args, "png", None):
        sys.stdout.write(render_markdown(report))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    """Compare two reports: 0 if every rule holds, 1 on a regression, a NEW run with no data
    where a rule needs data, or reports of different modes (not --allow-mode-mismatch).
    Raises UserError for a bad file or rule, a BASE run that is not OK (not allowed), or a
    --markdown path that cannot be written (checked before anything is printed)."""
    try:
        allowed = parse_statuses(args.allow_status or "")
    except ValueError as exc:
        raise UserError(str(exc)) from None
    check_output_path(args.markdown, "--markdown")
    base, new = _load(args.base), _load(args.new)
    try:
        result = compare(base, new, args.fail_on, allow_mode_mismatch=args.allow_mode_mismatch,
                         allow_status=allowed)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    for warning in result.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    if result.problems:
        for problem in result.problems:
            print(f"radarbench compare: refused: {problem}", file=sys.stderr)
        if args.markdown:
            _write(args.markdown, render_compare_markdown(result))
        return 1
    table = render_compare_markdown(result)
    sys.stdout.write(table)
    if args.markdown:
        _write(args.markdown, table)
    if not result.ok:
        for message in result.messages:
            print(message, file=sys.stderr)
        return 1
    return 0
