"""`radarbench emulate KIND` (also `python -m radarbench.rigs.devices KIND`): one emulated
device as its own process.

    radarbench emulate radar   --out URL [--period S] [--sectors N] [--targets N] [--pd P]
                               [--false-plots N] [--sac N] [--sic N] [--lat DEG --lon DEG] [--seed N]
    radarbench emulate echo    --in URL [--out URL]
    radarbench emulate gateway --in URL --out URL [--to-category 62 --sac N --sic N --lat DEG --lon DEG] [--bidir]
                               [--edition CAT=ED ...]
    radarbench emulate impair  --in URL --out URL [--delay MS] [--jitter MS] [--loss P]
                               [--loss-model bernoulli|gilbert --p-gb P --p-bg P --loss-bad P]
                               [--duplicate P] [--reorder P] [--modify P [--modify-items I048/200,...]]
                               [--corrupt P] [--rate BPS] [--edition CAT=ED ...] [--seed N] [--log FILE]

Every kind also takes --duration S (default: until SIGINT/SIGTERM). The device prints
``ready`` once its endpoints are open, and one JSON line of counters when it stops (exit 0).

The parser lives here, beside the devices, so that `rig up` starts them as
``python -m radarbench.rigs.devices`` without going through the bench (rigs never depends on
bench); `radarbench emulate` registers the same parser.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from radarbench.rigs import lifeline
from radarbench.rigs.devices.base import Device, LogFileError, serve
from radarbench.rigs.transports import UrlError


class UsageError(ValueError):
    """A user's mistake in a device's settings or endpoints: one line, exit status 2."""


def _duration(p: argparse.ArgumentParser) -> None:
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (default: run until signalled)")


def _site(p: argparse.ArgumentParser, sic_default: int) -> None:
    p.add_argument("--sac", type=int, default=0, help="System Area Code (default 0)")
    p.add_argument("--sic", type=int, default=sic_default, help=f"System Identification Code (default {sic_default})")
    p.add_argument("--lat", type=float, metavar="DEG", help="site latitude, WGS-84 degrees")
    p.add_argument("--lon", type=float, metavar="DEG", help="site longitude, WGS-84 degrees")


DESCRIPTION = ("Run one emulated device until SIGINT/SIGTERM or --duration. Prints 'ready' once "
               "its endpoints are open and a JSON summary line when it stops.")


Run = Callable[[argparse.Namespace], int]


def add_parser(subparsers: Any, wrap: Callable[[Run], Run] | None = None) -> None:
    """Register `emulate` and its kinds (radar, echo, gateway, impair) on a CLI; ``wrap``
    (if given) wraps each kind's ``func``, e.g. to turn UsageError into the CLI's own error."""
    p = subparsers.add_parser("emulate", help="run an emulated device (radar, echo, gateway, impair)",
                              description=DESCRIPTION)
    add_kinds(p, wrap)


def add_kinds(p: argparse.ArgumentParser, wrap: Callable[[Run], Run] | None = None) -> None:
    """The kinds (radar, echo, gateway, impair) as sub-commands of ``p``; each sets ``func``."""
    w = wrap or (lambda f: f)
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)

    r = kinds.add_parser("radar", help="rotating radar: CAT048 plots, CAT034 north marker and sectors")
    r.add_argument("--out", required=True, metavar="URL", help="where the datagrams go")
    r.add_argument("--period", type=float, default=4.0, metavar="S", help="antenna revolution time (default 4 s)")
    r.add_argument("--sectors", type=int, default=32, help="sectors per revolution (default 32: 11.25 deg)")
    r.add_argument("--targets", type=int, default=10, metavar="N", help="aircraft in the scenario (default 10)")
    r.add_argument("--pd", type=float, default=1.0, metavar="P", help="probability of detection per scan (default 1)")
    r.add_argument("--false-plots", type=int, default=0, metavar="N", help="false (PSR-only) plots per scan")
    r.add_argument("--seed", type=int, default=0, help="scenario seed: same seed, same scenario")
    _site(r, sic_default=1)
    _duration(r)
    r.set_defaults(func=w(_run(_radar)))

    e = kinds.add_parser("echo", help="send back (or forward to --out) what arrives on --in")
    e.add_argument("--in", dest="in_url", required=True, metavar="URL")
    e.add_argument("--out", dest="out_url", metavar="URL", help="forward here instead of replying")
    _duration(e)
    e.set_defaults(func=w(_run(_echo)))

    g = kinds.add_parser("gateway", help="forward between two endpoints, optionally CAT048 -> CAT062")
    g.add_argument("--in", dest="in_url", required=True, metavar="URL")
    g.add_argument("--out", dest="out_url", required=True, metavar="URL")
    g.add_argument("--to-category", type=int, choices=(62,), help="turn CAT048 plots into CAT062 tracks")
    g.add_argument("--bidir", action="store_true", help="also forward --out back to --in (unchanged)")
    g.add_argument("--edition", action="append", metavar="CAT=ED",
                   help="with --to-category: decode with this edition of a category, e.g. 48=1.31 (repeatable)")
    _site(g, sic_default=100)
    _duration(g)
    g.set_defaults(func=w(_run(_gateway)))

    i = kinds.add_parser("impair", help="link emulator: delay, jitter, loss, duplication, reordering, "
                                        "modification, corruption, rate")
    i.add_argument("--in", dest="in_url", required=True, metavar="URL")
    i.add_argument("--out", dest="out_url", required=True, metavar="URL")
    i.add_argument("--delay", type=float, default=0.0, metavar="MS")
    i.add_argument("--jitter", type=float, default=0.0, metavar="MS")
    i.add_argument("--loss", type=float, default=0.0, metavar="P",
                   help="loss probability (with --loss-model gilbert: in the good state)")
    i.add_argument("--loss-model", choices=("bernoulli", "gilbert"), default="bernoulli")
    i.add_argument("--p-gb", type=float, default=0.0, metavar="P", help="gilbert: good -> bad per message")
    i.add_argument("--p-bg", type=float, default=1.0, metavar="P", help="gilbert: bad -> good per message")
    i.add_argument("--loss-bad", type=float, default=1.0, metavar="P", help="gilbert: loss in the bad state")
    i.add_argument("--duplicate", type=float, default=0.0, metavar="P")
    i.add_argument("--reorder", type=float, default=0.0, metavar="P", help="hold a message back until the next one")
    i.add_argument("--modify", type=float, default=0.0, metavar="P",
                   help="change one element of one item of one record, re-encoded (the log names it)")
    i.add_argument("--modify-items", metavar="LIST",
                   help="with --modify: only these items, e.g. I048/200,I048/090 (default: any item "
                        "but the default content keys, SP and RE)")
    i.add_argument("--corrupt", type=float, default=0.0, metavar="P", help="flip random bits of the payload")
    i.add_argument("--corrupt-bits", type=int, default=1, metavar="N", help="bits flipped per corruption (default 1)")
    i.add_argument("--rate", type=float, metavar="BPS", help="line rate in bit/s (serialisation delay)")
    i.add_argument("--edition", action="append", metavar="CAT=ED",
                   help="decode (tag, --modify) with this edition of a category, e.g. 48=1.31 (repeatable)")
    i.add_argument("--seed", type=int, default=0)
    i.add_argument("--log", metavar="FILE", help="ground truth, one JSON line per message received")
    _duration(i)
    i.set_defaults(func=w(_run(_impair)))


def _radar(a: argparse.Namespace) -> Device:
    from radarbench.rigs.devices.radar import Radar
    return Radar(a.out, period_s=a.period, sectors=a.sectors, targets=a.targets, pd=a.pd,
                 false_plots=a.false_plots, sac=a.sac, sic=a.sic, lat_deg=a.lat, lon_deg=a.lon,
                 seed=a.seed, duration_s=a.duration)


def _echo(a: argparse.Namespace) -> Device:
    from radarbench.rigs.devices.echo import Echo
    return Echo(a.in_url, a.out_url, duration_s=a.duration)


def _gateway(a: argparse.Namespace) -> Device:
    from radarbench.rigs.devices.gateway import Gateway
    from radarbench.rigs.editionopts import editions_from_options
    return Gateway(a.in_url, a.out_url, to_category=a.to_category, sac=a.sac, sic=a.sic,
                   lat_deg=a.lat, lon_deg=a.lon, bidirectional=a.bidir,
                   editions=editions_from_options(a.edition), duration_s=a.duration)


def _impair(a: argparse.Namespace) -> Device:
    from radarbench.rigs.devices.impair import Impair
    from radarbench.rigs.editionopts import editions_from_options
    if a.modify_items is not None and not a.modify:
        raise ValueError("--modify-items needs --modify P")
    return Impair(a.in_url, a.out_url, delay_ms=a.delay, jitter_ms=a.jitter, loss=a.loss,
                  loss_model=a.loss_model, p_gb=a.p_gb, p_bg=a.p_bg, loss_bad=a.loss_bad,
                  duplicate=a.duplicate, reorder=a.reorder, corrupt=a.corrupt,
                  corrupt_bits=a.corrupt_bits, modify=a.modify, modify_items=a.modify_items,
                  editions=editions_from_options(a.edition), rate_bps=a.rate, seed=a.seed,
                  log_path=a.log, duration_s=a.duration)


def _run(make: Callable[[argparse.Namespace], Device]) -> Run:
    """The `func` of one kind: build the device, serve it until signalled; exit status.

    A bad setting, a bad URL or an endpoint that cannot open is the user's mistake (UsageError).
    """
    def run(args: argparse.Namespace) -> int:
        # Started by a rig: exit when the rig dies (SIGKILL included), and remove its run
        # directory on the way out. Started by hand: nothing here (no bench parent to watch).
        by_rig = lifeline.from_environment()
        try:
            return _serve_device(args)
        finally:
            if by_rig:
                lifeline.cleanup_orphaned_run_dir()

    def _serve_device(args: argparse.Namespace) -> int:
        if args.duration is not None and not args.duration > 0:
            raise UsageError(f"{args.kind}: --duration must be > 0 s")
        try:
            device = make(args)
        except ValueError as exc:
            raise UsageError(f"{args.kind}: {exc}") from None
        try:
            summary = serve(device)
        except UrlError as exc:
            raise UsageError(f"{args.kind}: {exc}") from None
        except LogFileError as exc:  # an OSError, but not an endpoint's
            raise UsageError(f"{args.kind}: {exc}") from None
        except OSError as exc:
            raise UsageError(f"{args.kind}: cannot open an endpoint: {exc}") from None
        drops = summary.get("rx_queue_drops")
        if drops:
            # The summary line says it too; this is for the person watching the terminal.
            print(f"radarbench emulate: {args.kind}: warning: {drops:,} datagram(s) dropped by "
                  "the kernel at --in (receive queue full) before the device read them: "
                  "they are in no count and no log line but this one", file=sys.stderr, flush=True)
        return 0
    return run


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m radarbench.rigs.devices [emulate] KIND ...`: exit status; a user's mistake is
    one line on stderr and status 2."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["emulate"]:
        args_in = args_in[1:]
    parser = argparse.ArgumentParser(prog="radarbench emulate", description=DESCRIPTION)
    add_kinds(parser)
    args = parser.parse_args(args_in)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"radarbench emulate: {exc}", file=sys.stderr)
        return 2
