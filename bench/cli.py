"""The `radarbench` command line: one sub-command per module, registered in COMMANDS.

Each command module exposes `add_parser(subparsers)` (which sets `func=run` on its parser)
and `run(args) -> int`. A user's mistake raises `UserError`: the CLI prints its one line on
stderr and exits 2, with no traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from radarbench.codecs import __version__

# Module names under radarbench.bench, each one sub-command (or a few related ones).
COMMANDS: tuple[str, ...] = (
    "cmd_codec",     # decode, encode
    "cmd_emulate",   # emulate KIND
    "cmd_rig",       # rig check / rig up
    "cmd_bench",     # bench, run, demo
    "cmd_run",       # run, demo
    "cmd_report",    # report, compare
)


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radarbench",
        description="Hardware-in-the-loop test bench for radar data links (ASTERIX).",
    )
    parser.add_argument("--version", action="version", version=f"radarbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"radarbench.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"radarbench.bench.{name}":
                continue  # that part is not built yet
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except UserError as exc:
        print(f"radarbench {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"radarbench {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    # `python -m radarbench.bench.cli` runs this file as __main__, a second copy of the module
    # whose UserError is not the one the command modules raise: run the imported copy's main.
    from radarbench.bench.cli import main as _main

    sys.exit(_main())
