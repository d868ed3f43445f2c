"""Outputs written to paths that are not regular files: a device node, a FIFO, a symbolic
link, /dev/stdout. `--report /dev/full` printed `report: /dev/full`, exited 0 and replaced
the device node with a regular file (the report's atomic write renamed a temporary file over
it). Such paths are written in place and never renamed over; a write that fails is one line
and exit 2; a FIFO with no reader fails rather than hangs; a kind of path no output can take
is refused before the run.

Root here can destroy /dev nodes: these tests make their own nodes in tmp_path (mknod, the
major/minor of /dev/full and /dev/null) and never touch /dev/full or /dev/null.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from samples import sample

_ENTRY = "import sys; from radarbench.bench.cli import main; sys.exit(main(sys.argv[1:]))"


def radarbench(*args: str, timeout: float = 60, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _ENTRY, *args], text=True, timeout=timeout,
                          **({"capture_output": True} | kw))  # type: ignore[call-overload]


def char_device(path: Path, major: int, minor: int) -> Path:
    """A character device node at `path` (1,7: as /dev/full; 1,3: as /dev/null)."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("mknod needs root (CAP_MKNOD)")
    try:
        with open(path, "wb"):
            pass
    except OSError as exc:  # a nodev mount
        pytest.skip(f"device nodes do not open in {path.parent}: {exc.strerror}")
    return path


@pytest.fixture
def recordings(tmp_path: Path) -> tuple[str, str]:
    """Two recordings that match, record for record (one capture and its copy)."""
    src = sample("cat034_048.pcap")
    out = tmp_path / "out.pcap"
    shutil.copyfile(src, out)
    return str(src), str(out)


def test_report_on_a_full_device_is_one_line_exit_2_and_the_node_stays(
        tmp_path: Path, recordings: tuple[str, str]) -> None:
    full = char_device(tmp_path / "full", 1, 7)
    md = tmp_path / "run.md"
    r = radarbench("match", *recordings, "--report", str(full), "--markdown", str(md))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr == f"radarbench match: cannot write the report {full}: No space left on device\n"
    assert r.stdout.startswith("OK: sent ")       # the result itself is not lost
    assert stat.S_ISCHR(os.stat(full).st_mode)    # still the device, not a regular file
    assert os.stat(full).st_rdev == os.makedev(1, 7)
    assert md.read_text().startswith("#")          # and the other output is written all the same
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_report_on_a_null_device_is_written_in_place(tmp_path: Path,
                                                     recordings: tuple[str, str]) -> None:
    null = char_device(tmp_path / "null", 1, 3)
    r = radarbench("match", *recordings, "--report", str(null), "--markdown", str(null) + "")
    # two outputs on one path are refused as ever; one on the device is written
    assert r.returncode == 2 and "writes there too" in r.stderr
    r = radarbench("match", *recordings, "--report", str(null))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert stat.S_ISCHR(os.stat(null).st_mode) and os.stat(null).st_rdev == os.makedev(1, 3)


def test_report_into_a_fifo_with_no_reader_fails_and_does_not_hang(
        tmp_path: Path, recordings: tuple[str, str]) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    # the check before the run opened it for writing, which waits for a reader forever
    r = radarbench("match", *recordings, "--report", str(fifo), timeout=60)
    assert r.returncode == 2
    assert r.stderr == (f"radarbench match: cannot write the report {fifo}: "
                        "a FIFO with no reader (start its reader first)\n")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_report_into_a_fifo_reaches_its_reader(tmp_path: Path,
                                               recordings: tuple[str, str]) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    # O_RDWR: the reader holds the FIFO open from now on, so the writer finds a reader
    # whenever it comes, and reads until the JSON document is whole
    fd = os.open(fifo, os.O_RDWR)

    def read() -> None:
        buf = b""
        while True:
            chunk = os.read(fd, 65536)
            buf += chunk
            try:
                json.loads(buf)
            except ValueError:
                continue
            got.append(buf)
            return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        r = radarbench("match", *recordings, "--report", str(fifo), "--markdown",
                       str(tmp_path / "run.md"))
        reader.join(30)
    finally:
        os.close(fd)
    assert r.returncode == 0, r.stderr
    assert got and json.loads(got[0])["status"] == "ok"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_report_through_a_symbolic_link_keeps_the_link(tmp_path: Path,
                                                       recordings: tuple[str, str]) -> None:
    real = tmp_path / "runs" / "latest-real.json"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    r = radarbench("match", *recordings, "--report", str(link))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["status"] == "ok"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640   # the file's mode is kept


def test_report_to_dev_stdout_follows_the_result_line(tmp_path: Path,
                                                      recordings: tuple[str, str]) -> None:
    """`--report /dev/stdout > all.txt` renamed a file over the /dev/stdout link itself (and
    a descriptor's file that is regular would be renamed over, losing the result line). The
    report is written through the descriptor, after the result line. Tested with
    /proc/self/fd/1, the same name for the same descriptor, which the old code could not
    harm (no file can be made in /proc) where it replaced /dev/stdout for the whole host."""
    out = tmp_path / "all.txt"
    with open(out, "w") as f:
        r = radarbench("match", *recordings, "-q", "--report", "/proc/self/fd/1",
                       capture_output=False, stdout=f, stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    first, rest = out.read_text().split("\n", 1)
    assert first.startswith("OK: sent ")
    assert json.loads(rest)["status"] == "ok"


def test_a_socket_or_block_device_is_refused_before_the_run(tmp_path: Path,
                                                            recordings: tuple[str, str]) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(path))
        r = radarbench("match", *recordings, "--report", str(path))
    assert r.returncode == 2
    assert r.stdout == ""   # refused before the run: nothing matched, nothing printed
    assert r.stderr == (f"radarbench match: --report {path}: cannot write there: a socket: "
                        "not something an output can be written to\n")


def test_report_command_outputs_on_devices_and_fifos(tmp_path: Path,
                                                     recordings: tuple[str, str]) -> None:
    run = tmp_path / "run.json"
    assert radarbench("match", *recordings, "--report", str(run)).returncode == 0
    full = char_device(tmp_path / "full", 1, 7)
    r = radarbench("report", str(run), "--html", str(full))
    assert r.returncode == 2
    assert r.stderr == f"radarbench report: {full}: cannot write (No space left on device)\n"
    assert stat.S_ISCHR(os.stat(full).st_mode)
    fifo = tmp_path / "md.fifo"
    os.mkfifo(fifo)
    r = radarbench("report", str(run), "--markdown", str(fifo))
    assert r.returncode == 2
    assert r.stderr == (f"radarbench report: {fifo}: cannot write "
                        "(a FIFO with no reader (start its reader first))\n")
