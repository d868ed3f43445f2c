"""Where `radarbench decode` and `radarbench encode` read and write (a tester's findings): a
standard output that is full or closed, an output that is the input, input that is not
UTF-8, `-o -`, a capture cut short. Each answer is one line, and nothing the user had is lost."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from samples import sample

CLI = [sys.executable, "-m", "radarbench.bench.cli"]


def run(*args: str, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([*CLI, *args], stderr=subprocess.PIPE, timeout=120, **kw)


def one_line(p: subprocess.CompletedProcess[bytes], code: int) -> str:
    """The one line on stderr, after checking the exit status and that there is only it."""
    err = p.stderr.decode()
    assert p.returncode == code, (p.returncode, err)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert len(err.splitlines()) == 1, err
    return err.rstrip("\n")


def dev_full() -> str:
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("/dev/full is not the character device that fails every write with ENOSPC here")
    return "/dev/full"


# ------------------------------------------------------------------ decode's standard output


def python_env(unbuffered: bool) -> dict[str, str]:
    """The environment with standard output buffered, as a user's is, or not (PYTHONUNBUFFERED,
    which hides what a buffered stream does at exit)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("name", ["cat021_re.ast", "cat034_048.pcap"])
@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_decode_to_a_full_standard_output_says_so_in_one_line(name: str, fmt: str, unbuffered: bool) -> None:
    """jsonl was an OSError traceback; text said "FILE: cannot read" for a write that failed.
    No "Exception ignored" (and exit status 120) at exit from the bytes still buffered either."""
    with open(dev_full(), "wb") as full:
        p = run("decode", str(sample(name)), "--format", fmt, stdout=full, env=python_env(unbuffered))
    assert one_line(p, 2) == "radarbench decode: cannot write to standard output: No space left on device"


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_decode_with_standard_output_closed_says_so_in_one_line(fmt: str) -> None:
    """`radarbench decode FILE >&-` was an AttributeError traceback (sys.stdout is None)."""
    p = run("decode", str(sample("cat021_re.ast")), "--format", fmt, stdout=None,
            preexec_fn=lambda: os.close(1))
    assert one_line(p, 2) == "radarbench decode: standard output is closed"


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_a_reader_that_goes_away_still_ends_decode_quietly(fmt: str, unbuffered: bool) -> None:
    p = subprocess.Popen([*CLI, "decode", str(sample("cat034_048.pcap")), "--format", fmt],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=python_env(unbuffered))
    assert p.stdout is not None and p.stderr is not None
    assert p.stdout.readline().startswith(b'{"category":48' if fmt == "jsonl" else b"CAT048 ed. 1.32")
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=60) == 0 and err == b""
