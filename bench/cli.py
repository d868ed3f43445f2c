"""The `radarbench` command line: one sub-command per module, registered in COMMANDS.

Each command module exposes `add_parser(subparsers)` (which sets `func=run` on its parser)
and `run(args) -> int`. A user's mistake raises `UserError`: the CLI prints its one line on
stderr and exits 2, with no traceback.

Endings. SIGINT (Ctrl-C), SIGTERM (CI timeouts, systemd, `kill`) and SIGHUP (a closed
terminal) are handled here, once, for every command: each raises
radarbench.rigs.lifeline.Interrupted, a KeyboardInterrupt, so all three end a run the way
Ctrl-C does: the bench stops sending, drains briefly, the report is written with status
"interrupted", a rig's devices are stopped and its run directory removed. A signal within a
second of the first is the same request; a later one cuts the drain short (the report is
still written); none leaves a traceback. The engine's children and the rig's devices exit by
themselves within a second if this process is killed outright (SIGKILL).

Exit statuses (every command):
  0    ok (for `rig up`: its devices were stopped by a signal, as it is meant to end)
  1    a run whose verdict is not ok: fail, fault, no data, bench overloaded, or interrupted
       (a signal ended it; its report was written with status "interrupted"); `compare` and
       `rig check` use 1 for a regression or a failed check
  2    a user's mistake (bad option, rig file or URL): one line on stderr
  128+N  ended by signal N before there was a run to report (e.g. while a rig's devices
       were starting): 130 SIGINT, 143 SIGTERM, 129 SIGHUP; nothing written
"""
from __future__ import annotations

import os
import signal
import sys


def _ended_while_starting(signum: int, frame: object) -> None:
    os._exit(128 + signum)  # nothing started yet: nothing to write or stop


# Run as the program (the `radarbench` script, or `python -m`): a Ctrl-C while the modules
# below load ends it as 128+N with nothing written, as one before a run does, and not in a
# KeyboardInterrupt traceback (a newcomer, 3 of 7 tries at 30-35 ms). main() then installs
# the real handlers. Imported by other code (tests), the caller's handlers stay; a SIGINT the
# process was started with ignored (a background job of a script) stays ignored, as main's do.
if (__name__ == "__main__" or os.path.basename(getattr(sys.modules.get("__main__"), "__file__", None) or "")
        in ("radarbench", "radarbench-script.py")) and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _ended_while_starting)

import argparse  # noqa: E402
import importlib  # noqa: E402
from typing import NoReturn, Sequence  # noqa: E402

from radarbench.codecs import __version__  # noqa: E402
from radarbench.rigs import lifeline  # noqa: E402

# Module names under radarbench.bench, each one sub-command (or a few related ones).
COMMANDS: tuple[str, ...] = (
    "cmd_codec",     # decode, encode
    "cmd_editions",  # editions, inspect, generate-editions
    "cmd_emulate",   # emulate KIND
    "cmd_rig",       # rig check / rig up
    "cmd_bench",     # bench
    "cmd_run",       # run, demo
    "cmd_report",    # report, compare
    "cmd_match",     # match
)

# Sub-command -> the module that registers it. A command line that names one of these builds
# only that module's parser: `radarbench decode FILE` then never imports the bench engine,
# the reports and their charts (~0.2 s of imports a one-record decode does not need). Help and
# anything else build the whole parser. tests/bench/test_cli_editions.py holds this map to
# what the modules register.
ROUTES: dict[str, str] = {
    "decode": "cmd_codec", "encode": "cmd_codec",
    "editions": "cmd_editions", "inspect": "cmd_editions", "generate-editions": "cmd_editions",
    "emulate": "cmd_emulate",
    "rig": "cmd_rig",
    "bench": "cmd_bench",
    "run": "cmd_run", "demo": "cmd_run",
    "report": "cmd_report", "compare": "cmd_report",
    "match": "cmd_match",
}


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake in the options is one line (what was wrong and where to look),
    not the usage block followed by the error: `radarbench bench: argument --speed: -1 is
    not >= 0 (see radarbench bench --help)`, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser: every command, or (``only``, a COMMANDS module) that module's ones."""
    parser = _Parser(
        prog="radarbench",
        description="Hardware-in-the-loop test bench for radar data links (ASTERIX).",
    )
    parser.add_argument("--version", action="version", version=f"radarbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"radarbench.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"radarbench.bench.{name}":
                continue  # that part is not built yet
            raise
        module.add_parser(sub)
    return parser


def _route(argv: Sequence[str]) -> str | None:
    """The one module a command line needs, or None (help, a typo: build them all)."""
    for word in argv:
        if word.startswith("-"):
            return None  # an option before the command (-h, --version)
        return ROUTES.get(word)
    return None


# Commands that stream their output and end quietly when its reader goes (| head): the rest
# must finish their run, write their report and exit with its verdict whatever stdout does.
_OWN_STDOUT = ("decode", "encode")


def point_at_devnull(fd: int) -> None:
    """Descriptor ``fd`` onto os.devnull: what a stream still holds for a reader that went (or
    a device that is full) goes nowhere, and Python's flush of its streams at exit does not
    fail again and say so ("Exception ignored ...")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


class _StreamMayGo:
    """Standard output or error (``name``, descriptor ``fd``) that a reader may close
    (`radarbench bench ... | true`, `2>&1 | head -1`): the first write that finds the pipe
    broken points the descriptor at os.devnull and the rest go nowhere, so the run goes on.
    A run whose reader went exited 0 with no report written: CI read a FAULT run (50 of 50
    probes lost) as a pass."""

    def __init__(self, name: str, fd: int) -> None:
        self.name, self.fd = name, fd
        self.gone = False
        self._real = getattr(sys, name)

    def __enter__(self) -> "_StreamMayGo":
        if self._real is not None:
            setattr(sys, self.name, self)
        return self

    def __exit__(self, *exc: object) -> None:
        if getattr(sys, self.name) is self:
            setattr(sys, self.name, self._real)
        if self.gone:
            setattr(sys, self.name, None)  # nothing is flushed to it at exit

    def _broken(self) -> None:
        self.gone = True
        point_at_devnull(self.fd)

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._real.write(text)
            except BrokenPipeError:
                self._broken()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._real.flush()
            except BrokenPipeError:
                self._broken()

    def __getattr__(self, name: str) -> object:  # isatty, encoding, fileno, buffer...
        return getattr(self._real, name)


def main(argv: Sequence[str] | None = None) -> int:
    # Called as the program (argv None): the handlers stay until the process ends; called from
    # Python with arguments (tests): the caller's handlers come back.
    with lifeline.interrupt_handlers(restore=argv is not None):
        command = "?"
        try:
            parser = build_parser(_route(sys.argv[1:] if argv is None else argv))
            args = parser.parse_args(argv)
            command = args.command
            func = getattr(args, "func", None)
            if func is None:
                parser.print_help(sys.stderr)
                return 2
            try:
                if command in _OWN_STDOUT:
                    return int(func(args) or 0)
                with _StreamMayGo("stdout", 1) as out, _StreamMayGo("stderr", 2) as err:
                    status = int(func(args) or 0)
                if out.gone and not err.gone:
                    print(f"radarbench {command}: standard output's reader went away; the command went "
                          "on to its end (its status is the exit status, its files are written)", file=sys.stderr)
                return status
            except UserError as exc:
                print(f"radarbench {command}: {exc}", file=sys.stderr)
                return 2
            except KeyboardInterrupt as exc:
                signum = getattr(exc, "signum", signal.SIGINT)
                print(f"radarbench {command}: interrupted by {signal.Signals(signum).name}",
                      file=sys.stderr)
                return lifeline.exit_status_for(signum)
            except BrokenPipeError:
                # decode / encode: their reader went (| head): the end they ask for. Any other
                # command guards its streams (_StreamMayGo): one that still meets a broken pipe
                # did not finish, and must not say 0.
                return 0 if command in _OWN_STDOUT else 1
        except KeyboardInterrupt as exc:
            # While starting, or a further signal while the first ending was being reported:
            # still no traceback.
            return lifeline.exit_status_for(getattr(exc, "signum", signal.SIGINT))

if __name__ == "__main__":  # pragma: no cover
    # `python -m radarbench.bench.cli` runs this file as __main__, a second copy of the module
    # whose UserError is not the one the command modules raise: run the imported copy's main.
    from radarbench.bench.cli import main as _main

    sys.exit(_main())
