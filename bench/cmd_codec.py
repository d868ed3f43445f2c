"""`radarbench decode` and `radarbench encode`: ASTERIX files to JSON Lines and back.

decode reads bare data blocks (.ast, raw), a pcap/pcapng capture, or data blocks framed by a
recorder (FINAL, IOSS, RFF, ORADIS), detected from the first octets, and writes one record a
line (from a framed recording with its frame number, time and board). From a capture it
reads IPv4/UDP datagrams and ASTERIX carried directly in 802.3 LLC frames; the frames it did
not read are counted by kind on stderr, and a capture from which nothing was read is an error
that says what its frames were. A data block that breaks the specification: the records
before the break are written, one line on stderr names the category, item and byte offset,
decoding goes on with the next block (its LEN says where that starts), and the exit status
is 1. Blocks of categories radarbench has no declaration of are skipped and counted on
stderr.
"""
from __future__ import annotations

import argparse
import json
from contextlib import contextmanager
import os
import stat
import sys
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, TextIO

from radarbench.bench import jsonlines
from radarbench.bench.cli import UserError, point_at_devnull
from radarbench.codecs.asterix import (
    DecodeError, EncodeError, SkippedBlock, block_of, category_number, encode_one, iter_decode_plain, pack_blocks,
)
from radarbench.codecs.asterix.text import describe
from radarbench.rigs.blockfile import iter_pieces
from radarbench.rigs.editionopts import editions_from_options
from radarbench.rigs.pcapfile import Unread, is_pcap, iter_datagrams
from radarbench.rigs.recordings import RecordingError, detect_format, read_recording


def _editions(values: list[str] | None) -> dict[int, str]:
    try:
        return editions_from_options(values)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def add_parser(sub: Any) -> None:
    p = sub.add_parser("decode", help="decode ASTERIX data blocks or a pcap to JSON Lines",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="bare data blocks (.ast, raw), a pcap/pcapng capture of UDP datagrams, "
                                     "or a FINAL, IOSS, RFF or ORADIS recording")
    p.add_argument("--edition", action="append", metavar="CAT=ED", help="edition of a category, e.g. 48=1.31 (repeatable)")
    p.add_argument("--strict", action="store_true", help="reject non-zero spare bits")
    p.add_argument("--format", choices=("jsonl", "text"), default="jsonl", help="jsonl (default) or text for people")
    p.add_argument("--engine", choices=("fast", "construct"), default="fast",
                   help="generated decoder (default) or Construct's interpreter (the reference)")
    p.set_defaults(func=run_decode)

    e = sub.add_parser("encode", help="encode JSON Lines records into ASTERIX data blocks")
    e.add_argument("file", help="JSON Lines as `radarbench decode` writes them, or - for standard input")
    e.add_argument("--output", "-o", required=True,
                   help="file to write the data blocks to, or - for standard output (never the input file)")
    e.add_argument("--edition", action="append", metavar="CAT=ED",
                   help="edition of a category, e.g. 48=1.31 (repeatable); wins over the edition a record names")
    e.set_defaults(func=run_encode)


# ------------------------------------------------------------------ standard output


class _WriteFailed(Exception):
    """A write to standard output failed (``error``): told apart from a read that failed.
    A BrokenPipeError is not one: the reader went away (| head), and that ends quietly."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def _stdout() -> TextIO:
    """sys.stdout; UserError when it is closed (`>&-`: Python sets it to None)."""
    if sys.stdout is None:
        raise UserError("standard output is closed")
    return sys.stdout


def _stdout_error(exc: OSError, out: TextIO) -> UserError:
    """The one line for a write to standard output that failed (a full disk, /dev/full).

    Descriptor 1 is pointed at /dev/null first: what is still buffered would otherwise fail
    again when Python flushes its streams at exit, and say so ("Exception ignored ...")."""
    _point_stdout_at_devnull(out)
    return UserError(f"cannot write to standard output: {exc.strerror or exc}")


def _point_stdout_at_devnull(out: TextIO) -> None:
    """Descriptor 1 onto /dev/null (cli.point_at_devnull), if ``out`` writes to it (not
    io.StringIO, in-process)."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return
    if fd == 1:
        point_at_devnull(1)


@contextmanager
def _writing() -> Iterator[None]:
    """A write to standard output: an OSError becomes _WriteFailed, told apart from a read's;
    a BrokenPipeError goes on as it is (the reader went: a quiet end)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _WriteFailed(exc) from None


# ------------------------------------------------------------------ decode


def check_input(path: Path, option: str = "") -> None:
    """Raise UserError (one line) unless ``path`` is a readable file."""
    if not path.is_file():
        if path.is_dir():
            why = "a directory, not a file"
        elif path.exists():
            why = "not a regular file (a device or a pipe): give a recording's path"
        else:
            why = "no such file"
        raise UserError(f"{option}{path}: {why}")
    try:
        with path.open("rb") as f:
            empty = not f.read(1)
    except OSError as exc:
        raise UserError(f"{option}{path}: cannot read: {exc.strerror or exc}") from None
    if empty:
        raise UserError(f"{option}{path}: empty file, no data blocks")


def framing(path: Path) -> str | None:
    """The recording format of a file that frames its data blocks (FINAL, IOSS, RFF, ORADIS:
    rigs.recordings), or None for a capture, bare data blocks, or a file no format fits (read
    as bare data blocks, so that the decoder says where its first block header breaks)."""
    try:
        fmt = detect_format(path)
    except RecordingError:
        return None
    return None if fmt in ("pcap", "ast") else fmt


def inputs(path: Path, unread: Unread) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """(bytes, extra keys for each record) per ASTERIX payload of a capture or a framed
    recording (FINAL, IOSS, RFF, ORADIS), or the whole file.

    Frames of a capture that carry none are counted in ``unread``; a capture from which
    nothing was read raises UserError saying what its frames were (after the iteration).
    Raises ValueError for a file that is not a capture scapy can read, RecordingError (a
    ValueError) for a framed recording that breaks.
    """
    if not is_pcap(path):
        fmt = framing(path)
        if fmt is None:
            yield path.read_bytes(), {}
            return
        for r in read_recording(path, fmt):
            extra: dict[str, Any] = {"frame": r.index}
            if r.time_s is not None:
                extra["time"] = r.time_s
            if r.src is not None:
                extra["src"] = r.src
            yield r.payload, extra
        return
    read = 0
    for d in iter_datagrams(path, unread):
        read += 1
        extra = {"frame": d.frame, "time": d.time_s, "src": d.where(d.src), "dst": d.where(d.dst)}
        if d.link != "udp":
            extra["link"] = d.link
        yield d.payload, extra
    if not read:
        if unread:
            raise UserError(f"{path}: nothing read from this capture: {unread.summary()} "
                            "(radarbench reads IPv4/UDP and ASTERIX in 802.3 LLC frames)")
        raise UserError(f"{path}: the capture holds no frames")


def _text(rec: dict[str, Any], out: TextIO) -> None:
    where = " ".join(f"{k} {rec[k]}" for k in ("frame", "block", "offset") if k in rec)
    lines = [f"CAT{rec['category']:03d} ed. {rec['edition']}  {where}", *describe(rec)]
    lines += [f"warning: {w}" for w in rec.get("warnings", ())]
    out.write("\n  ".join(lines) + "\n")  # one write a record


class _SkipCounter(Counter):  # type: ignore[type-arg]
    """Takes iter_decode_plain's ``skipped`` appends and keeps only a count per category: a file
    of unknown blocks must not grow a list as long as itself."""

    def append(self, block: SkippedBlock) -> None:
        self[block.category] += 1


def _pieces(path: Path, unread: Unread) -> Iterator[tuple[bytes, int, int, dict[str, Any]]]:
    """(bytes, file offset of bytes[0], index of its first block, extra keys of its records).

    A bare file is read in pieces of whole blocks (rigs.blockfile), a capture datagram by
    datagram: neither is held in memory whole. Offsets are 0 within a datagram.
    """
    if not is_pcap(path) and framing(path) is None:
        for piece in iter_pieces(path):
            yield piece.data, piece.offset, piece.block, {}
        return
    for data, extra in inputs(path, unread):
        yield data, 0, 0, extra


_BATCH = 32  # JSON records a write: ~20 kB, so the records of a batch are still in the CPU's caches when they are serialised (256: 8 % more CPU time)


_TAIL = ("block", "offset", "warnings")  # the keys that follow a capture's own (frame...)


def _with_capture(row: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A decoded record's JSON object (iter_decode_plain's) with the capture's keys of its
    frame (``extra``) before its block, offset and warnings."""
    rec = {k: v for k, v in row.items() if k not in _TAIL}
    rec.update(extra)
    rec.update((k, row[k]) for k in _TAIL if k in row)
    return rec


def _naming(path: Path, exc: ValueError) -> str:
    """An error's message that names ``path`` once: a RecordingError and pcapfile's "not a
    pcap capture" name it already, a capture that breaks off ("frame 46 (byte offset ...)")
    does not."""
    msg = str(exc)
    if isinstance(exc, RecordingError) or msg.startswith(f"{path}:"):
        return msg
    return f"{path}: {msg}"


def run_decode(args: argparse.Namespace) -> int:
    out = _stdout()
    try:
        return _decode(args, out)
    except _WriteFailed as exc:
        raise _stdout_error(exc.error, out) from None


def _decode(args: argparse.Namespace, out: TextIO) -> int:
    """run_decode's work. Raises _WriteFailed where standard output (``out``) fails, from
    the handlers of read errors too: then the write is what failed."""
    path = Path(args.file)
    check_input(path)
    editions = _editions(args.edition)
    text = args.format == "text"
    # JSON Lines are written as bytes (orjson's, or json's: the same bytes; bench/jsonlines),
    # or as text to a stream that has no buffer under it (io.StringIO, when called in-process)
    write: Callable[[bytes], object] | None = None
    if not text:
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            out.flush()
            write = buffer.write
        else:
            write = lambda data: out.write(data.decode("ascii"))  # noqa: E731
    skipped = _SkipCounter()
    unread = Unread()
    failures = 0
    # JSON records wait here and go out BATCH at a time: one serialiser call and one write a
    # batch rather than a record (~1 us of ~8 a CAT048 record), the same bytes
    pending: list[dict[str, Any]] = []

    def flush_pending() -> None:
        if pending:
            assert write is not None
            with _writing():
                write(jsonlines.lines(pending))
            pending.clear()

    def flush_out() -> None:
        flush_pending()
        with _writing():
            out.flush()

    def report(errors: list[DecodeError], base: int, where: str) -> None:
        nonlocal failures
        failures += len(errors)
        flush_out()  # the records before the error come out before its message
        for exc in errors:
            print(f"radarbench decode: {path}: {where}{exc.at(base) if base else exc}", file=sys.stderr)
        errors.clear()

    try:
        for data, base, block0, extra in _pieces(path, unread):
            # A break inside a data block ends that block, not the file: its LEN says where
            # the next one starts. A broken block header ends this payload (a datagram) or,
            # in a bare file, the file: nothing after it can be found.
            errors: list[DecodeError] = []
            where = f"frame {extra['frame']}: " if "frame" in extra else ""
            try:
                for rows in iter_decode_plain(data, base=base, block0=block0, strict=args.strict,
                                              editions=editions, engine=args.engine,
                                              skipped=skipped, errors=errors):  # type: ignore[arg-type]
                    if errors:
                        report(errors, base, where)
                    if extra:
                        rows = [_with_capture(row, extra) for row in rows]
                    if write is None:
                        with _writing():
                            for rec in rows:
                                _text(rec, out)
                    else:
                        pending += rows
                        if len(pending) >= _BATCH:
                            flush_pending()
            except DecodeError as exc:  # a block header that breaks (rigs.blockfile hands
                errors.append(exc)       # out no piece after one: the file ends there)
            if errors:
                report(errors, base, where)
    except ValueError as exc:  # the capture itself cannot be read (DecodeError is caught above)
        flush_out()  # what was decoded before is not lost
        raise UserError(_naming(path, exc)) from None
    except BrokenPipeError:  # the reader went away (| head): end quietly, with the status
        if failures:         # of what was reported on stderr before (cli.main: 0 otherwise)
            return 1
        raise
    except OSError as exc:  # the file, read in pieces, failed under us (writes: _WriteFailed)
        flush_out()
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    flush_out()
    if unread:
        print(f"radarbench decode: {path}: {unread.summary()}", file=sys.stderr)
    if skipped:
        listed = ", ".join(f"CAT{c:03d} x{n}" for c, n in sorted(skipped.items()))
        print(f"radarbench decode: {path}: skipped {sum(skipped.values())} data block(s) of categories "
              f"without a declaration: {listed}", file=sys.stderr)
    return 1 if failures else 0


# ------------------------------------------------------------------ encode


def _check_not_the_input(output: str, source: BinaryIO, name: str) -> None:
    """UserError when --output is the file the records are read from: the same path, a
    symbolic or hard link to it, or (``-``) standard output redirected to it. Writing it
    would replace the records with the data blocks."""
    read = os.fstat(source.fileno())
    if not stat.S_ISREG(read.st_mode):
        return  # a pipe or a terminal (`encode - -o -` at a terminal reads and writes one tty)
    try:
        written = os.fstat(sys.stdout.fileno()) if output == "-" else os.stat(output)
    except (AttributeError, OSError, ValueError):
        return  # no such file yet (or one that cannot be looked at: writing it says why)
    if (read.st_dev, read.st_ino) == (written.st_dev, written.st_ino):
        what = "standard output is" if output == "-" else "that is"
        source_name = "the file on standard input" if name == "<stdin>" else f"the input file {name}"
        raise UserError(f"--output {output}: {what} {source_name}: "
                        "writing the data blocks there would destroy the records")


def _write_stdout(out: TextIO, data: bytes) -> None:
    """The data blocks to standard output, as bytes. Raises UserError where that fails."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # io.StringIO, in-process
        raise UserError("--output -: standard output takes text here, not data blocks")
    try:
        out.flush()
        buffer.write(data)
        buffer.flush()
    except BrokenPipeError:  # the reader went away: no error, but what is still buffered
        _point_stdout_at_devnull(out)  # must not fail again at exit
        raise
    except OSError as exc:
        raise _stdout_error(exc, out) from None


def run_encode(args: argparse.Namespace) -> int:
    editions = _editions(args.edition)
    out = _stdout() if args.output == "-" else None
    source: BinaryIO
    if args.file == "-":
        if sys.stdin is None:
            raise UserError("standard input is closed")
        source = sys.stdin.buffer
        name = "<stdin>"
    else:
        p = Path(args.file)
        if not p.is_file():
            raise UserError(f"{p}: no such file")
        try:
            source = p.open("rb")
        except OSError as exc:
            raise UserError(f"{p}: cannot read: {exc.strerror or exc}") from None
        name = str(p)
    encoded: list[tuple[int, str, bytes]] = []
    status = 0
    try:
        _check_not_the_input(args.output, source, name)
        # lines are read as bytes and decoded one by one: a byte that is not UTF-8 (a pcap
        # given by mistake) is a line's error like any other, at its offset in the line
        for n, raw in enumerate(source, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                print(f"radarbench encode: {name}: line {n}: not UTF-8 text (byte offset {exc.start} of the line)",
                      file=sys.stderr)
                status = 1
                break
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"radarbench encode: {name}: line {n}: not JSON ({exc.msg} at column {exc.colno})", file=sys.stderr)
                status = 1
                break
            if editions and isinstance(rec, dict):
                # --edition CAT=ED is asked for on the command line: it wins over the edition
                # the record says it was decoded with (which decode always writes), for a
                # category written 48 or "48" alike (encode_one reads both, and says what is
                # wrong with any other category)
                try:
                    cat: int | None = category_number(rec.get("category"))
                except EncodeError:
                    cat = None
                if cat in editions:
                    rec["edition"] = editions[cat]
            try:
                encoded.append((*encode_one(rec, editions), block_of(rec)))
            except EncodeError as exc:
                print(f"radarbench encode: {name}: line {n}: {exc}", file=sys.stderr)
                status = 1
                break
    except OSError as exc:  # the input failed under us (standard input a directory, EIO)
        raise UserError(f"{name}: cannot read: {exc.strerror or exc}") from None
    finally:
        if args.file != "-":
            source.close()
    if not encoded and status == 0:
        raise UserError(f"{name}: no records to encode (expected JSON Lines as `radarbench decode` writes them)")
    if out is not None:
        try:
            _write_stdout(out, pack_blocks(encoded))
        except BrokenPipeError:
            if status:  # the status of the line reported on stderr (cli.main: 0 otherwise)
                return 1
            raise
        return status
    try:
        Path(args.output).write_bytes(pack_blocks(encoded))
    except OSError as exc:
        raise UserError(f"--output {args.output}: {exc.strerror}") from None
    return status
