"""Every `radarbench ... --help` works: the whole tree of sub-commands, walked from the parser
(so a command added later is covered), each exiting 0 with its usage and no traceback."""
from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys

import pytest

from radarbench.bench.cli import build_parser, main


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for action in parser._actions:  # argparse keeps sub-parsers nowhere public
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, prefix + (name,))
    return found


COMMANDS = _commands(build_parser())


def test_the_walk_finds_every_level() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"", "bench", "run", "demo", "report", "compare", "rig check", "rig up",
            "emulate echo", "emulate impair", "decode"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "radarbench")
def test_help_exits_0_with_usage(command: tuple[str, ...]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])  # any exception but SystemExit fails the test with its traceback
    assert exit_info.value.code == 0, err.getvalue()
    assert out.getvalue().startswith("usage: radarbench"), out.getvalue()
    assert err.getvalue() == ""


def test_compare_help_in_a_real_process() -> None:
    # It crashed with a traceback: argparse %-formats help, and the default rules hold a %.
    proc = subprocess.run([sys.executable, "-c", "import sys; from radarbench.bench.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", "compare", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "default p99=+10%,lost=0" in proc.stdout
    assert "--allow-mode-mismatch" in proc.stdout
