"""Writing an output file (a report, a summary, a page, a chart) where the user said.

A regular file, or a path where nothing is yet, is written atomically: a temporary file in the
folder of the real file (a symbolic link is followed, not replaced), then a rename, so that a
reader (or a CI artefact upload) never sees half a report; a file replaced so keeps its mode.

A path that exists and is not a regular file is written in place, never renamed over: a
character device (/dev/null, /dev/full, a terminal), a FIFO, or a name of an open descriptor
(/dev/stdout, /dev/fd/N, /proc/self/fd/N). Renaming a temporary file over such a path replaced
the device node itself with a regular file (`--report /dev/full` made /dev/full a file and
said `report: /dev/full`, exit 0). A FIFO is opened without waiting: with no reader it is an
error (ENXIO), not a hang. A block device, a socket and a directory are refused.
"""
from __future__ import annotations

import errno
import fcntl
import os
import stat
import sys
import tempfile
from pathlib import Path

# Names that stand for a descriptor the process already holds: their target (a pipe, a
# terminal, or a file the shell opened for `>`) is written through the name, never replaced.
_DESCRIPTOR_NAMES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/")


def special_kind(path: str | os.PathLike[str]) -> str | None:
    """What an existing non-regular `path` is ("character device", "FIFO", "descriptor",
    "block device", "socket", "directory"), or None for a regular file or a path where
    nothing is (symbolic links followed)."""
    p = os.fspath(path)
    try:
        st = os.stat(p)
    except OSError:
        return None
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return "descriptor" if _names_a_descriptor(p) else None
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _descriptor(p: str) -> int | None:
    """The descriptor number `p` names (/dev/stdout: 1), or None."""
    absolute = os.path.abspath(p)
    if absolute in ("/dev/stdout", "/dev/stderr"):
        return 1 if absolute == "/dev/stdout" else 2
    for prefix in _DESCRIPTOR_NAMES[2:]:
        rest = absolute[len(prefix):]
        if absolute.startswith(prefix) and rest.isdigit():
            return int(rest)
    return None


def _names_a_descriptor(p: str) -> bool:
    return _descriptor(p) is not None


def refusal(path: str | os.PathLike[str]) -> str | None:
    """Why an existing non-regular `path` cannot take an output (None: it can, or it is a
    regular file or absent, which the caller checks as such). Opens nothing: opening a
    FIFO's write end and closing it would end its reader's input; opening a serial port can
    reset what is on the line."""
    kind = special_kind(path)
    if kind is None or kind in ("character device", "FIFO", "descriptor"):
        if kind is not None and not os.access(path, os.W_OK):
            return f"{kind}: not writable (permission denied)"
        return None
    if kind == "directory":
        return "is a directory"
    if kind == "block device":
        return "a block device: an output is not written over a disk"
    return f"a {kind}: not something an output can be written to"


def write_file(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write `data` (str: UTF-8) to `path` as the module docstring says.

    Raises OSError, its filename set to `path`: the folder cannot be written, the disk is
    full (ENOSPC: /dev/full), a FIFO has no reader (ENXIO), a refused kind of path.
    """
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        if special_kind(target) is None:
            _write_atomic(Path(os.path.realpath(target)), raw)
        else:
            why = refusal(target)
            if why is not None:
                raise OSError(errno.EINVAL, why)
            _write_in_place(target, raw)
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise
    return target


def _write_in_place(target: Path, raw: bytes) -> None:
    held = _descriptor(str(target))
    if held is not None:
        # The descriptor itself, at its own offset: reopening /dev/stdout of `> all.txt`
        # would write from the file's start, over what the run printed there.
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        _write_all(held, raw)
        return
    try:
        fd = open_without_waiting(target, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        if exc.errno == errno.ENXIO and special_kind(target) == "FIFO":
            raise OSError(errno.ENXIO, "a FIFO with no reader (start its reader first)",
                          str(target)) from None
        raise
    try:
        _write_all(fd, raw)
    finally:
        os.close(fd)


def open_without_waiting(path: str | os.PathLike[str], flags: int, mode: int = 0o666) -> int:
    """os.open(path, flags, mode) with O_NONBLOCK for the open only: a FIFO with no reader
    fails (ENXIO) instead of waiting for one for ever; the writes then block as any
    writer's do. Raises OSError."""
    fd = os.open(path, flags | os.O_NONBLOCK, mode)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd


def _write_all(fd: int, raw: bytes) -> None:
    view = memoryview(raw)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _write_atomic(target: Path, raw: bytes) -> None:
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        # mkstemp makes the file 0600; an output is for others to read, as any file the
        # user's umask would make (0644 under the usual 022)
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
