"""Random ASTERIX data blocks from ``ast-tool-py random`` (PyPI ast-tool-py 0.27.25, on libasterix).

The command line (``ast-tool-py -s --empty-selection --cat 48 1.32 random --seed 7
--populate-all-items --max-datablocks 1 --max-records 1``) takes 1.7 s to start (it imports
libasterix's generated module and scapy), too slow for one run per edition in the default test
run. So the tool's own generator (``AsterixSamples`` with its ``PCG32`` seeded as ``--seed``
does, in its ``main.py``) is loaded once in-process and driven with the same arguments;
``test_editions_differential.py::test_in_process_generator_is_the_cli`` checks that it gives
the very bytes the command line prints.

Import as ``from asttool import random_blocks`` (tests/unit/conftest.py puts this folder on
``sys.path``).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import signal
import subprocess
import sys
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import asterix.generated as lg

__all__ = ["tool", "random_blocks", "cli_random_blocks", "ASTTOOL"]

ASTTOOL = shutil.which("ast-tool-py") or str(Path(sys.executable).with_name("ast-tool-py"))


@lru_cache(maxsize=None)
def tool() -> Any:
    """ast-tool-py's main.py as a module (its import sets SIGPIPE to the default action and
    silences DeprecationWarnings globally: both undone here)."""
    dist = importlib.metadata.distribution("ast-tool-py")
    path = Path(dist.locate_file("main.py"))
    spec = importlib.util.spec_from_file_location("ast_tool_py_main", path)
    mod = importlib.util.module_from_spec(spec)
    old = signal.getsignal(signal.SIGPIPE) if hasattr(signal, "SIGPIPE") else None
    with warnings.catch_warnings():
        spec.loader.exec_module(mod)
    if old is not None:
        signal.signal(signal.SIGPIPE, old)
    return mod


def random_blocks(category: int, edition: str, seed: int, count: int, *,
                  populate_all_items: bool = False, include_multi_uap: bool = False,
                  ref: str | None = None, expand: list[str] = (),
                  max_datablocks: int = 1, max_records: int = 1) -> list[bytes]:
    """``count`` outputs of ``ast-tool-py --empty-selection --cat CAT ED [--ref CAT REF]
    [--expand CAT ITEM ...] random --seed SEED [--populate-all-items] [--include-multi-uap]
    --max-datablocks N --max-records M`` (with the defaults 1 and 1: one data block of one
    record each)."""
    t = tool()
    sel = t.get_selection(lg, True, [(str(category), edition)],
                          [(str(category), ref)] if ref is not None else [])
    exp = t.get_expansions(sel, [(str(category), name) for name in expand])
    samples = t.AsterixSamples(t.PCG32(seed), sel, exp, populate_all_items, include_multi_uap,
                               max_datablocks, max_records, None)
    return [next(samples) for _ in range(count)]


def cli_random_blocks(category: int, edition: str, seed: int, count: int, *,
                      populate_all_items: bool = False, include_multi_uap: bool = False,
                      ref: str | None = None, expand: list[str] = ()) -> list[bytes]:
    """The same through the command line (one data block of one record per output line)."""
    cmd = [ASTTOOL, "-s", "--empty-selection", "--cat", str(category), edition]
    if ref is not None:
        cmd += ["--ref", str(category), ref]
    for name in expand:
        cmd += ["--expand", str(category), name]
    cmd += ["random", "--seed", str(seed), "--max-datablocks", "1", "--max-records", "1"]
    if populate_all_items:
        cmd.append("--populate-all-items")
    if include_multi_uap:
        cmd.append("--include-multi-uap")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = [proc.stdout.readline().strip() for _ in range(count)]
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
    return [bytes.fromhex(x) for x in lines]
