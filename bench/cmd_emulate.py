"""`radarbench emulate KIND`: the devices' own command line (radarbench.rigs.devices.cli),
registered on the radarbench CLI with its mistakes reported as the CLI's one-line errors."""
from __future__ import annotations

import argparse
from typing import Any

from radarbench.bench.cli import UserError
from radarbench.rigs.devices import cli as devices_cli


def add_parser(subparsers: Any) -> None:
    """Register `emulate` with its kinds; a device's UsageError becomes a UserError."""
    devices_cli.add_parser(subparsers, wrap=_user_errors)


def _user_errors(func: devices_cli.Run) -> devices_cli.Run:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except devices_cli.UsageError as exc:
            raise UserError(str(exc)) from None
    return run
