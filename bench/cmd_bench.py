"""`radarbench bench`: measure an exchange path (loop, source or sink mode) and report it.

    radarbench bench --send udp://127.0.0.1:8600 --recv udp://127.0.0.1:8600 --rate 1000 \\
        --duration 10 --report run.json --markdown run.md

The report is always written when --report is given: after Ctrl-C (status "interrupted")
and after faults in the path (status "fault", faults listed) too. Its path (and --markdown's)
is checked before the run starts, so a run is never lost to a path that cannot take it.

Output: live progress on stderr; on stdout one result line (the verdict, counts, latency),
the verdict's reasons under it and where the report went; with -q the result line alone.
Exit status: 0 when the verdict is ok; 1 for fail, fault, no_data, bench_overloaded and
interrupted; 2 for a mistake in what was asked (and for a report that could not be written
after the run, which is said after the result line).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from radarbench.bench.cli import UserError
from radarbench.bench.engine import BenchConfig, ConfigError, run_bench
from radarbench.bench.outfile import refusal, special_kind, write_file
from radarbench.bench.report import Report
from radarbench.bench.schedule import parse_ramp
from radarbench.bench.verdict import (
    DEFAULT_LIMITS,
    LIMIT_KEYS,
    check_limit_keys,
    exit_status,
    label,
    settle,
    with_defaults,
)
from radarbench.rigs import lifeline
from radarbench.rigs.editionopts import editions_from_options
from radarbench.rigs.urlcheck import hears_itself

# Octets written (and removed) in the report's folder before a run, to find a full disk
# before the run rather than after it: a report with its histograms is tens of kB.
_PROBE_BYTES = 64 * 1024

_DEFAULTS_TEXT = ", ".join(f"{k}={v:g}" for k, v in DEFAULT_LIMITS.items())


def _float(text: str, positive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 if positive else value >= 0) or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be {'a positive number' if positive else 'a number >= 0'}")
    if value > _LARGEST:
        # seconds become integer nanoseconds: 1e9 s (31 years) still fits 64 bits, 1e300 does not
        raise argparse.ArgumentTypeError(f"{text!r} must be at most {_LARGEST:g}")
    return value


_LARGEST = 1e9


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


def parse_run_id(text: str | None) -> int | None:
    """--run-id HEX as an int; the probes carry 32 bits of it. Raises UserError (one line)."""
    if text is None:
        return None
    try:
        value = int(text, 16)
    except ValueError:
        raise UserError(f"--run-id {text!r}: not a hexadecimal number") from None
    if not 0 <= value <= 0xFFFFFFFF:
        raise UserError(f"--run-id {text!r}: more than 32 bits (the probes carry 32: at most "
                        "ffffffff)")
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
        description="Send probes (CAT048, 062 or 034) on an open-loop schedule and account for every one "
                    "(loop mode); or measure a sensor's feed (--recv alone: rate, data age, scan "
                    "completeness); or what a device accepts (--send alone).")
    p.add_argument("--send", metavar="URL", help="where probes go (udp://, tcp://, serial://, pty://...)")
    p.add_argument("--recv", metavar="URL", help="where they come back (may equal --send)")
    p.add_argument("--rate", type=_positive_float, default=None, metavar="MSGS_PER_S",
                   help="probe messages (records) per second (default 100); with --replay: "
                        "datagrams per second instead of the recorded timing")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--duration", type=_positive_float, default=None, metavar="S",
                   help="run for S seconds (default 5)")
    g.add_argument("--count", type=_positive_int, default=None, metavar="N",
                   help="send N messages")
    p.add_argument("--warmup", type=_nonneg_float, default=0.0, metavar="S",
                   help="leave the first S seconds out of every figure")
    p.add_argument("--category", type=int, default=48,
                   help="probes as CAT048 plots (48, default), CAT062 tracks (62) or CAT034 "
                        "service messages (34)")
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
                   help="search for the highest sustainable rate: x GROWTH steps up from --rate (or "
                        "down when it fails), then bisection to --resolution; prints an upper bound "
                        "of its length first")
    p.add_argument("--max-p99-ms", type=_positive_float, default=None, metavar="MS",
                   help="with --find-max: a rate is sustainable only if corrected p99 stays under "
                        "MS; without it: the limit max_p99_ms (same as --limit max_p99_ms=MS)")
    p.add_argument("--step-duration", type=_positive_float, default=None, metavar="S",
                   help="with --find-max: each step sends for S seconds (default: --duration, 5)")
    p.add_argument("--resolution", type=_positive_float, default=5.0, metavar="PCT",
                   help="with --find-max: stop when the first failing rate is within PCT %% of the "
                        "last passing one (default 5)")
    p.add_argument("--growth", type=_positive_float, default=2.0, metavar="X",
                   help="with --find-max: multiply (divide, going down) the rate by X a step (default 2)")
    p.add_argument("--floor", type=_positive_float, default=1.0, metavar="MSGS_PER_S",
                   help="with --find-max: the lowest rate tried going down (default 1)")
    p.add_argument("--min-samples", type=_positive_int, default=300, metavar="N",
                   help="with --find-max: each step carries at least N probes, lengthened at low "
                        "rates (no loss in N bounds the loss below 3/N at 95 %%; default 300)")
    p.add_argument("--limit", action="append", default=[], metavar="KEY=VALUE",
                   help="a limit the run must hold, as in rig files (repeatable): "
                        + ", ".join(LIMIT_KEYS) + "; a broken one makes the verdict FAIL, exit 1. "
                        "Loop mode holds to " + _DEFAULTS_TEXT + " unless a --limit gives "
                        "that key another value")
    p.add_argument("--no-default-limits", action="store_true",
                   help="loop mode: do not hold the run to the default limits ("
                        + _DEFAULTS_TEXT + "); only --limit ones")
    p.add_argument("--match-keys", default=None, metavar="KEYS",
                   help="probes: match rewritten messages by the received fields that mirror the "
                        "probe's 070.MODE3A (seq bits 0-11) and 161.TRN (12-23): e.g. "
                        "161.TRN,070.MODE3A (CAT048) or 060.MODE3A (a CAT062 track). With --replay "
                        "or a tap: the key items that identify a record, per category, over the "
                        "defaults: e.g. 48=010+140+161,62=010+040+070")
    r = p.add_argument_group("real traffic (matched by content)")
    r.add_argument("--replay", metavar="RECORDING",
                   help="send the data blocks of a recording (pcap/pcapng, bare .ast, FINAL, IOSS, "
                        "RFF...) through --send instead of probes, and match what --recv gets "
                        "by content")
    r.add_argument("--recording-format", default="auto", metavar="FORMAT",
                   help="the recording's format (default: detected from its first bytes)")
    r.add_argument("--filter", default=None, metavar="FILTER",
                   help="which datagrams of a capture to replay: dst=ADDR[:PORT], dst-port=PORT, "
                        "src=..., src-port=... (comma: all must hold); e.g. one feed of an A/B pair")
    r.add_argument("--speed", type=_nonneg_float, default=1.0, metavar="X",
                   help="replay at X times the recorded pace (default 1; 0: back to back)")
    r.add_argument("--loop", nargs="?", type=_positive_int, const=0, default=None, metavar="N",
                   help="replay the recording N times (no N: until --duration)")
    r.add_argument("--tap-in", metavar="URL",
                   help="listen to a device's input (a mirror port, its feed's group); with "
                        "--tap-out: match its output to its input, sending nothing")
    r.add_argument("--tap-out", metavar="URL", help="listen to the device's output")
    r.add_argument("--feeds", action="store_true",
                   help="--tap-in and --tap-out are two feeds of the same data (A/B): per-feed "
                        "loss, records only one carried, which came first and by how much, gaps "
                        "when one stops; no default limits")
    add_content_options(r)
    r.add_argument("--record-in", metavar="FILE.pcap",
                   help="record the device's input side (what the replay sent, what --tap-in saw) "
                        "to a pcap stamped with the run's times: `radarbench match` of it and "
                        "--record-out gives the run's figures again")
    r.add_argument("--record-out", metavar="FILE.pcap", help="record the output side (what arrived)")

    p.add_argument("--edition", action="append", metavar="CAT=ED",
                   help="decode what arrives (a source's feed, messages a device rewrote) with this "
                        "edition of a category, e.g. 62=1.19 (repeatable; the probes keep their own edition)")
    p.add_argument("--report", metavar="FILE.json", help="write the JSON report here")
    p.add_argument("--markdown", metavar="FILE.md", help="write a Markdown summary here")
    p.add_argument("--json-stream", metavar="FILE|-", help="per-second progress as JSON Lines")
    p.add_argument("--run-id", default=None, metavar="HEX",
                   help="probe run id, 32 bits (default: random)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no live progress: print the one result line, nothing else")
    p.set_defaults(func=run)


def add_content_options(p: Any) -> None:
    """The options of matching by content, shared by `bench` (replay, tap) and `match`."""
    p.add_argument("--ignore-items", default=None, metavar="I048/200,...",
                   help="element paths the device may rewrite: not compared (a record differing "
                        "only there is received, not modified)")
    p.add_argument("--tolerance", action="append", default=[], metavar="PATH=VALUE",
                   help="the largest difference of an element, in its unit, still counted equal "
                        "(repeatable): e.g. I048/040/RHO=0.01")
    p.add_argument("--categories", default=None, metavar="48,34,...",
                   help="account for records of these categories only (others are counted apart, "
                        "as not accounted); default all, or with --convert its source category")
    p.add_argument("--convert", default=None, metavar="48->62[,SETTING=VALUE...]",
                   help="the device turns CAT048 plots into CAT062 tracks (emulate gateway "
                        "--to-category 62): pair each plot with its track, within time_s, "
                        "position_m, velocity_m_s, flight_level (defaults: 1/128 s, 1 m, 0.5 m/s, 0)")


def content_options(args: argparse.Namespace) -> dict[str, Any]:
    """BenchConfig's content-matching fields from the options; UserError naming a bad one."""
    tolerances: dict[str, float] = {}
    for item in args.tolerance:
        path, eq, text = (part.strip() for part in item.partition("="))
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not eq or not path or not value >= 0:
            raise UserError(f"--tolerance {item!r}: expected PATH=VALUE with VALUE >= 0, e.g. I048/040/RHO=0.01")
        tolerances[path] = value
    conversion = None
    if args.convert:
        from radarbench.bench.content import parse_conversion

        try:
            conversion = parse_conversion(args.convert)
        except ValueError as exc:
            raise UserError(f"--convert {args.convert!r}: {exc}") from None
    categories = None
    if args.categories:
        try:
            categories = tuple(int(c) for c in args.categories.split(",") if c.strip())
        except ValueError:
            categories = ()
        if not categories or not all(0 <= c <= 255 for c in categories):
            raise UserError(f"--categories {args.categories!r}: expected category numbers 0..255, e.g. 48,34")
    return {"ignore_items": tuple(i.strip() for i in (args.ignore_items or "").split(",") if i.strip()),
            "tolerances": tolerances or None, "conversion": conversion, "categories": categories}


def parse_limits(items: list[str]) -> dict[str, float]:
    """`["max_p99_ms=25", "max_lost=0"]` -> {"max_p99_ms": 25.0, "max_lost": 0.0}.
    Raises UserError naming the item that is wrong (and the known keys for an unknown one)."""
    limits: dict[str, float] = {}
    for item in items:
        key, eq, text = (part.strip() for part in item.partition("="))
        if not eq or not key or not text:
            raise UserError(f"--limit {item!r}: expected KEY=VALUE, e.g. max_p99_ms=25")
        try:
            check_limit_keys([key])
        except ValueError as exc:
            raise UserError(f"--limit {item!r}: {exc}") from None
        try:
            value = float(text)
        except ValueError:
            raise UserError(f"--limit {item!r}: {text!r} is not a number") from None
        if not 0 <= value < float("inf"):
            raise UserError(f"--limit {item!r}: must be a number >= 0")
        limits[key] = value
    return limits


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    """BenchConfig from parsed arguments. Raises UserError for settings that cannot run."""
    content = bool(args.replay or args.tap_in or args.tap_out)
    duration = args.duration if args.duration is not None else (None if args.count else 5.0)
    if args.replay and args.duration is None and not args.loop == 0:
        duration = None  # the whole recording (or N laps of it)
    given = parse_limits(args.limit)
    if args.max_p99_ms is not None and not args.find_max:
        # Without --find-max, --max-p99-ms is the limit of that name (a --limit wins).
        given.setdefault("max_p99_ms", args.max_p99_ms)
    mode = "tap" if args.tap_in or args.tap_out else \
        "loop" if args.send and args.recv else "source" if args.recv else "sink"
    limits, defaults = with_defaults(given, mode, use_defaults=not (
        args.no_default_limits or args.find_max or args.feeds), content=content)
    if args.feeds and not (args.tap_in and args.tap_out):
        raise UserError("--feeds compares two feeds: give them as --tap-in URL and --tap-out URL")
    if content and (args.count is not None or args.burst != 1 or args.ramp is not None
                    or args.records_per_block != 1 or args.category != 48 or args.run_id):
        raise UserError("--count, --burst, --ramp, --records-per-block, --category and --run-id "
                        "shape probes; a replay or a tap sends the recording's (or nobody's) data")
    replay_only = [o for o, given in (("--speed", args.speed != 1.0), ("--loop", args.loop is not None),
                                      ("--filter", args.filter is not None),
                                      ("--recording-format", args.recording_format != "auto")) if given]
    if replay_only and not args.replay:
        raise UserError(f"{', '.join(replay_only)}: {'shapes' if len(replay_only) == 1 else 'shape'} a replay; give --replay RECORDING")
    if args.replay and args.rate is not None and args.speed != 1.0:
        raise UserError("--rate and --speed: a replay keeps the recorded timing scaled (--speed) "
                        "or a constant rate (--rate), not both")
    if args.tap_in and args.rate is not None:
        raise UserError("--rate: a tap sends nothing (it listens to the device's own traffic)")
    content_only = [o for o, given in (("--ignore-items", args.ignore_items), ("--tolerance", args.tolerance),
                                       ("--convert", args.convert), ("--categories", args.categories)) if given]
    if content_only and not content:
        raise UserError(f"{', '.join(content_only)}: records are matched by content only in a replay "
                        "(--replay) or a tap (--tap-in/--tap-out); probes are matched by their tag")
    if (args.record_in or args.record_out) and not content:
        raise UserError("--record-in/--record-out record a replay or a tap (probes: use the report)")
    if args.replay and args.loop == 0 and args.duration is None:
        raise UserError("--loop without N replays until --duration S: give --duration or --loop N")
    try:
        editions = editions_from_options(args.edition)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    cfg = BenchConfig(
        editions=editions, send=args.send, recv=args.recv,
        rate=100.0 if content or args.rate is None else args.rate, duration_s=duration, count=args.count,
        warmup_s=args.warmup, category=args.category, records_per_block=args.records_per_block,
        drain_s=args.drain, late_after_s=args.late_after, burst=args.burst, ramp=args.ramp,
        match_keys=None if content else args.match_keys, find_max=args.find_max, max_p99_ms=args.max_p99_ms,
        replay=args.replay, replay_format=args.recording_format, replay_filter=args.filter,
        speed=args.speed, replay_rate=args.rate if args.replay else None,
        loop=True if args.loop == 0 else (args.loop or False),
        replay_duration_s=args.duration if args.replay else None,
        tap_in=args.tap_in, tap_out=args.tap_out, content_keys=args.match_keys if content else None,
        record_in=args.record_in, record_out=args.record_out, feeds=args.feeds, **content_options(args),
        find_max_step_s=args.step_duration, find_max_resolution=args.resolution / 100,
        find_max_growth=args.growth, find_max_floor=args.floor,
        find_max_min_samples=args.min_samples,
        progress="quiet" if args.quiet else "auto", json_stream=args.json_stream,
        run_id=parse_run_id(args.run_id), limits=limits,
        extra_config={"default_limits": list(defaults)} if defaults else {},
    )
    try:
        cfg.check()
        refuse_self_hearing(cfg)
        if cfg.find_max:
            from radarbench.bench.findmax import check_config

            check_config(cfg)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    return cfg


def refuse_self_hearing(cfg: BenchConfig) -> None:
    """Raise ConfigError when the bench would send to and receive on one multicast group:
    it would hear its own probes and call a link with no device OK (IP_MULTICAST_LOOP=0
    does not stop it on the loopback interface; radarbench.rigs.urlcheck.hears_itself)."""
    if cfg.send and cfg.recv:
        try:
            why = hears_itself(cfg.send, cfg.recv)
        except ValueError as exc:  # a URL that does not parse: its one line, now
            raise ConfigError(str(exc)) from None
        if why is not None:
            raise ConfigError(why)


def run(args: argparse.Namespace) -> int:
    """Run the bench, print the result, write the reports. Exit status: the verdict's (0 ok,
    1 otherwise); 2 for a user's mistake, or a report that could not be written."""
    cfg = config_from_args(args)
    check_distinct_paths({"--replay": args.replay},
                         {"--report": args.report, "--markdown": args.markdown,
                          "--json-stream": args.json_stream, "--record-in": args.record_in,
                          "--record-out": args.record_out})
    check_output_path(args.report, "--report")
    check_output_path(args.markdown, "--markdown")
    check_output_path(args.record_in, "--record-in")
    check_output_path(args.record_out, "--record-out")
    check_stream_path(args.json_stream)
    try:
        report = run_bench(cfg)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    lifeline.hold()  # the run is over: a signal from here on must not cost the report
    if lifeline.interrupts() and report.status != "interrupted":
        # asked to stop once run_bench had settled its verdict: the run is interrupted
        report.status = "interrupted"
        settle(report, cfg.limits)
    out = sys.stderr if args.json_stream == "-" else sys.stdout
    print_result(report, args.quiet, out)
    markdown = None
    if args.markdown:
        from radarbench.bench.render_md import render_markdown

        markdown = render_markdown(shown(report))
    if not write_outputs(report, args.report, args.markdown, markdown, "bench"):
        return 2
    if not args.quiet and args.report:
        print(f"report: {args.report}" + (f", summary: {args.markdown}" if args.markdown else ""),
              file=out, flush=True)
    return exit_status(report.status)


def shown(report: Report) -> Report:
    """The report as its JSON reads back: what `radarbench report` renders from the file.
    Renderings made from it during the run are the same text as the report command's."""
    return Report.from_dict(report.to_dict(), source="<this run>")


def print_result(report: Report, quiet: bool, out: IO[str] | None = None) -> None:
    """The result line, then (unless quiet) the verdict's reasons under it, on `out`
    (stdout by default)."""
    out = out or sys.stdout
    print(summary_line(report), file=out)
    if not quiet:
        for reason in report.reasons:
            print(f"  {reason}", file=out)
        for name in ("content", "feeds"):
            section = (getattr(report, "sections", None) or {}).get(name)
            for warning in (section.get("warnings") or []) if isinstance(section, dict) else []:
                print(f"  warning: {warning}", file=out)
    out.flush()


def check_output_path(path: str | None, option: str) -> None:
    """Check, before a run, that a report can be written at `path` (None: nothing to check).

    Creates, fills with 64 kB and removes a probe file in its folder, so that a missing or
    read-only folder, a path under a regular file, and a full disk are found now rather than
    after the run; the root user is refused by all of these as anyone else is.
    Raises UserError (one line, naming the option and the path).
    """
    if not path:
        return
    if special_kind(path) not in (None, "directory"):
        # A device, FIFO or /dev/stdout is written in place, not through its folder
        # (radarbench.bench.outfile); nothing is opened now (a FIFO's reader would see EOF).
        why = refusal(path)
        if why is not None:
            raise UserError(f"{option} {path}: cannot write there: {why}")
        return
    target = Path(os.path.realpath(path))  # a symbolic link's file is replaced, not the link
    folder = target.parent
    if target.is_dir():
        raise UserError(f"{option} {path}: is a directory")
    if not folder.is_dir():
        what = "not a directory" if folder.exists() or _under_a_file(folder) else "no such directory"
        raise UserError(f"{option} {path}: cannot write there: {folder}: {what}")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise UserError(f"{option} {path}: cannot write there: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(bytes(_PROBE_BYTES))
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            with open(target, "ab"):
                pass  # an existing file that cannot be opened for writing
    except OSError as exc:
        raise UserError(f"{option} {path}: cannot write there: {exc.strerror or exc}") from None
    finally:
        try:
            os.unlink(probe)
        except OSError:
            pass


def check_distinct_paths(inputs: dict[str, str | None], outputs: dict[str, str | None]) -> None:
    """Refuse (UserError, one line) an output path that is an input's, or another output's:
    `--record-in r.pcap --replay r.pcap` emptied the recording, `--report` on the matched
    capture overwrote it with JSON, and two outputs on one path kept only the last."""
    def key(path: str) -> str:
        return os.path.realpath(path)

    given_in = {opt: path for opt, path in inputs.items() if path}
    seen: dict[str, str] = {}
    for opt, path in outputs.items():
        if not path or path == "-":
            continue
        for in_opt, in_path in given_in.items():
            if key(path) == key(in_path):
                raise UserError(f"{opt} {path}: that is {in_opt}, which the run reads: it would be overwritten")
        if key(path) in seen:
            raise UserError(f"{opt} {path}: {seen[key(path)]} writes there too: give each output its own file")
        seen[key(path)] = opt


def check_stream_path(path: str | None, option: str = "--json-stream") -> None:
    """Check, before a run, that the JSON Lines stream can be written at `path` ("-" is
    stdout; None: nothing to check). The stream is appended to, so an existing file is kept.
    Raises UserError (one line, naming the option and the path)."""
    if not path or path == "-":
        return
    check_output_path(path, option)


def _under_a_file(folder: Path) -> bool:
    for parent in [folder, *folder.parents]:
        if parent.exists():
            return not parent.is_dir()
    return False


def write_outputs(report: Report, json_path: str | None, md_path: str | None,
                  markdown: str | None = None, command: str = "bench") -> bool:
    """Write the JSON report and the Markdown summary (`markdown`, rendered from the report
    if None) where asked. Returns False, after one line on stderr for each that cannot be
    written (the run's result has been printed before: it is not lost with the file; nor is
    the summary with the report, or the report with the summary)."""
    ok = True
    for path in (json_path, md_path):
        if not path:
            continue
        try:
            if path is json_path:
                report.write(path)
            else:
                if markdown is None:
                    from radarbench.bench.render_md import render_markdown

                    markdown = render_markdown(shown(report))
                write_file(path, markdown)
        except OSError as exc:
            print(f"radarbench {command}: cannot write the report {exc.filename or path}: "
                  f"{exc.strerror or exc}", file=sys.stderr, flush=True)
            ok = False
    return ok


def summary_line(report: Report) -> str:
    """One line: verdict, counts, corrected p50/p99/max (or "n/a (no data)"), rate, and for
    a verdict other than OK its first reason."""
    c = report.counts
    lat = report.corrected
    if lat.count:
        latency = (f"p50 {lat.p50_us:,.1f} us p99 {lat.p99_us:,.1f} us max {lat.max_us:,.1f} us")
    else:
        latency = "n/a (no data)"
    mode = report.config.get("mode")
    sections = getattr(report, "sections", None) or {}
    if mode == "source":
        # The bench sent nothing: what it received from the sensor, and nothing of sent/lost.
        src = sections.get("source") if isinstance(sections.get("source"), dict) else {}
        records = src.get("records", c.received)
        plots = f" ({src['plots']:,} plots)" if isinstance(src.get("plots"), int) else ""
        counts = (f"received {records:,} records{plots} dup {c.duplicated:,} "
                  f"corrupt {c.corrupted:,} decode errors {c.decode_errors:,}")
        ahead = src.get("data_age_negative")
        if ahead:
            latency += (f"; {ahead:,} record(s) stamped after their arrival (clocks apart, or a "
                        "replay of another time of day): no data age for them")
    elif mode == "sink":
        # Nothing comes back: what the device accepted, of what was scheduled.
        sink = sections.get("sink") if isinstance(sections.get("sink"), dict) else {}
        counts = f"accepted {c.sent:,}"
        if isinstance(sink.get("not_sent"), int):
            counts += f", not sent {sink['not_sent']:,} (scheduled, never left)"
        if sink.get("failed_sends"):
            counts += f", failed sends {sink['failed_sends']:,}"
    else:
        counts = (f"sent {c.sent:,} received {c.received:,} lost {c.lost:,} late {c.late:,} "
                  f"dup {c.duplicated:,} reord {c.reordered:,} corrupt {c.corrupted:,}")
        if "content" in sections:
            counts += f" modified {c.modified:,}"
    timing = ("no latency (sink mode: nothing comes back)" if mode == "sink"
              else f"{report.latency_kind} latency {latency}")
    line = (f"{label(report.status)}: {counts}; {timing}; {report.throughput.msgs_per_s:,.1f} "
            f"msgs/s{' accepted' if mode == 'sink' else ''}")
    reasons = report.reasons
    if report.status != "ok" and reasons:
        more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
        line += f"; {reasons[0]}{more}"
    return line
