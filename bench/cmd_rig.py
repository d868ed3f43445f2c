"""`radarbench rig check FILE` and `radarbench rig up FILE`: rig files on the command line.

    radarbench rig check rigs/examples/loopback.toml   # validate, probe each endpoint/device
    radarbench rig up rigs/examples/loopback.toml      # start its devices until Ctrl-C

`check` prints one line per endpoint and device (ok or FAIL, and what was probed, each URL for
the role it is opened for) and exits 1 if any failed; a rig file that does not validate (two
receivers on one unicast port included) is the user's mistake (exit 2). `up` prints
each device's ready line, the endpoints as URLs (to paste into `radarbench bench`), and on
Ctrl-C, SIGTERM or SIGHUP stops them all, prints their summaries, removes the run directory
and exits 0.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from typing import Any

from radarbench.bench.cli import UserError
from radarbench.rigs.rigfile import Rig, RigError, load_rig
from radarbench.rigs.rigprobe import probe_rig
from radarbench.rigs.rigup import RigUp, RigUpError


def add_parser(sub: Any) -> None:
    """Register `rig` with its `check` and `up` sub-commands."""
    p = sub.add_parser("rig", help="rig files: check one, or start its emulated devices",
                       description="A rig file (TOML) names the endpoints and emulated devices "
                                   "of one bench set-up; see rigs/examples/.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = actions.add_parser("check", help="validate a rig file and probe its endpoints and devices",
                           description="Validate FILE (two devices, or a device and the bench, "
                                       "receiving on one unicast port is an error), then probe each "
                                       "endpoint and device for the role it is opened for, without "
                                       "disturbing a live rig (nothing is sent). Exit 1 on any FAIL.")
    c.add_argument("file", metavar="FILE", help="rig file (TOML)")
    c.set_defaults(func=run_check)
    u = actions.add_parser("up", help="start a rig's emulated devices until Ctrl-C",
                           description="Start FILE's emulated devices (downstream first, each "
                                       "waited for until ready) and keep them until Ctrl-C or "
                                       "SIGTERM; then stop them and print their summaries.")
    u.add_argument("file", metavar="FILE", help="rig file (TOML)")
    u.set_defaults(func=run_up)


def load(path: str) -> Rig:
    """Load a rig file for a command. Raises UserError (one line) if it does not validate."""
    try:
        return load_rig(path)
    except RigError as exc:
        raise UserError(str(exc)) from None


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def run_check(args: argparse.Namespace) -> int:
    """Validate and probe; one line per endpoint and device. Exit 0 all ok, 1 any FAIL."""
    rig = load(args.file)
    print(f"rig {rig.path}: valid ({_n(len(rig.endpoints), 'endpoint')}, {_n(len(rig.devices), 'device')}"
          + (f", bench {rig.bench.mode} mode" if rig.bench else "") + ")", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"radarbench-{rig.name}-check-") as run_dir:
        results = probe_rig(rig.with_run_dir(run_dir))
    for r in results:
        print(r.line(), flush=True)
    failed = [r for r in results if not r.ok]
    print(f"{len(results) - len(failed)} ok, {len(failed)} failed"
          + _stand_ins(rig))
    return 1 if failed else 0


def _stand_ins(rig: Rig) -> str:
    notes = (["{run_dir} probed as a fresh temporary directory"] if rig.uses_run_dir else []) + (
        ["{port:...} probed as ports free now"] if rig.port_labels() else [])
    return f" ({'; '.join(notes)})" if notes else ""


def run_up(args: argparse.Namespace) -> int:
    """Start the devices; wait for Ctrl-C/SIGTERM/SIGHUP (or a device dying); stop them all.

    Exit 0 after a clean stop, 1 if a device failed to start or died on its own.
    """
    rig = load(args.file)
    if not rig.devices:
        raise UserError(f"{rig.path}: no [devices.NAME] to start")

    def say(text: str) -> None:
        print(text, flush=True)

    # SIGINT, SIGTERM and SIGHUP all arrive as KeyboardInterrupt (radarbench.bench.cli).
    up = RigUp(rig, on_event=say)
    status = 0
    try:
        bound = up.start()
        say(f"rig {rig.name} up: {_n(len(up.devices), 'device')}, run dir {up.run_dir}")
        for name in bound.endpoints:
            say(f"  endpoint {name} = {bound.url(name)}")
        if bound.bench is not None and bound.bench.send and bound.bench.recv:
            say("  measure it: radarbench bench --send " + shlex.quote(bound.url(bound.bench.send))
                + " --recv " + shlex.quote(bound.url(bound.bench.recv)))
        say("Ctrl-C to stop")
        while True:
            time.sleep(0.2)
            up.ensure_running()
    except KeyboardInterrupt:
        say("stopping")
    except RigUpError as exc:
        print(f"radarbench rig up: {exc}", file=sys.stderr, flush=True)
        status = 1
    finally:
        # Signals while stopping are held (a second one kills the devices instead of
        # waiting); the run directory is removed in every case.
        up.stop()
    return status
