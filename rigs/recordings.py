"""Recordings of ASTERIX traffic, read as the payloads a replay sends: one or more whole data
blocks each, with the recording's time for it when the format has one.

Formats (``FORMATS``), detected from a file's first octets (``detect_format``). Layout facts
come from the projects named; their code does not.

=========  =====================================================================================
pcap       pcap or pcapng capture: IPv4/UDP datagrams and 802.3 LLC frames, cut apart by
           ``radarbench.rigs.pcapfile``; time: capture time, seconds since the epoch.
ast        bare data blocks back to back (CAT, LEN, records); one payload a data block; no time.
final      frames of: byte count (2 octets, MSB first, counting the 8-octet header and the
           4-octet trailer), board number, line number, recording day, time (3 octets, MSB
           first, hundredths of a second past midnight), one or more data blocks, 4 octets
           0xA5. Sources: CroatiaControlLtd/asterix src/asterix/asterixfinalsubformat.hxx
           (the layout, the 0xA5 trailer) and .cxx (byte count minus header and trailer, time
           x 10 ms); Luciad's "ASTERIX Final format" guide (dev.luciad.com, LuciadFusion docs,
           asterix/finalformat.html: the count includes header and footer; board, line and day
           "generally not used and set to 0"; time past midnight).
ioss       the same 8-octet header, read as: byte count, one octet not known, board number,
           recording day, time (10 ms); then data blocks and a 4-octet trailer.
           Source: OSGCE/jASTERIX (OpenATSGmbH/jASTERIX) definitions/framings/ioss.json and
           src/test/test_synthetic_files.h (appendIOSSFrame: count = 8 + content + 4, trailer
           0xA5 x 4, big-endian fields); src/test/test_recording_time_ioss.cpp (day counter).
           A FINAL file and an IOSS file cannot be told apart by their octets:
           ``detect_format`` says "final" for both; give fmt="ioss" to name the board from
           the fourth octet instead of the third.
ioss_seq   IOSS with a 4-octet sequence number after the byte count (a 12-octet header).
           Source: OpenATSGmbH/jASTERIX definitions/framings/ioss_seq.json (count less the
           octets before the content less 4 is the content, as in ioss.json).
rff        a 128-octet file header (start time as text, 20 octets; stop time as text, 20
           octets; 88 octets not known), then frames of: time since the start in ms (4 octets,
           little-endian), content length (2 octets, little-endian), data blocks. Sources:
           OpenATSGmbH/jASTERIX definitions/framings/rff.json, src/test/test_synthetic_files.h
           (appendRFFHeader, appendRFFFrame) and src/test/test_recording_time_rff.cpp (start
           texts "YYYY-MM-DD HH:MM:SS" and "MM/DD/YY HH:MM:SS", day and month swapped when
           the first is above 12, a two-digit year from 70 is 19xx; the date is UTC; the
           little-endian relative time is the fix of jASTERIX v0.1.6). Time: the start plus
           the relative time, seconds since the epoch; from the start if the text does not
           read as a time.
oradis     frames of: byte count (2 octets, MSB first, counting the 6-octet header), a time
           (4 octets, MSB first), data blocks. Source: CroatiaControlLtd/asterix
           src/asterix/asterixrawsubformat.cxx (ReadPacket/ProcessPacket with oradis). That
           reader skips the time and no source found says its unit, so ``time_s`` is None:
           a replay of an ORADIS file needs a rate.
=========  =====================================================================================

Not read: ORADIS inside pcap (asterix's -R), HDLC and GPS framings, gzip'ed captures.

Errors: a file that breaks raises ``RecordingError`` naming the file, the byte offset and what
was wrong (a frame running past the end of the file, a byte count too small for its header,
content that is not whole data blocks); never another exception for what a file holds. With
``errors=[]`` the reader records each error there instead, skips a frame whose framing still
says where the next one starts, and stops where it does not. Memory: one frame at a time.
"""
from __future__ import annotations

import calendar
import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from radarbench.codecs.asterix.record import BLOCK_HEADER_LEN
from radarbench.rigs.pcapfile import (
    PCAP_MAGICS, PCAPNG_MAGIC, Unread, blocks_fill, broken_tail, capture_time_s, iter_frames, open_capture,
    read_frame,
)

FORMATS = ("pcap", "ast", "final", "ioss", "rff", "oradis", "ioss_seq")

# What Recorded.time_s means, per format (rff: "from start" when its start text does not read).
TIME_OF_DAY = "time of day"    # seconds past midnight (+ 86400 a recording day): wraps at midnight
EPOCH = "epoch"                # seconds since 1970-01-01 UTC
FROM_START = "from start"      # seconds since the start of the recording
TIME_KINDS = {"pcap": EPOCH, "ast": None, "final": TIME_OF_DAY, "ioss": TIME_OF_DAY,
              "ioss_seq": TIME_OF_DAY, "rff": EPOCH, "oradis": None}
# The step of each format's time stamps, ns (pcap: microsecond or nanosecond pcap; pcapng's
# per-interface resolution is not looked at, so 1 ns).
RESOLUTION_NS = {"final": 10_000_000, "ioss": 10_000_000, "ioss_seq": 10_000_000, "rff": 1_000_000}
PCAP_NANO_MAGICS = (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")

FORMAT_NAMES = {"pcap": "pcap", "ast": "bare data blocks", "final": "FINAL", "ioss": "IOSS",
                "ioss_seq": "IOSS (with sequence numbers)", "rff": "RFF", "oradis": "ORADIS"}

HEAD_SIZE = 64 * 1024       # octets detect_format looks at
DETECT_FRAMES = 16          # frames it checks, at most
TRAILER = b"\xa5" * 4       # FINAL's (and jASTERIX's IOSS test files') 4-octet trailer
RFF_HEADER = 128
BLOCK_HEADER = BLOCK_HEADER_LEN  # CAT, LEN: the codec's


@dataclass(frozen=True, slots=True)
class Recorded:
    """One payload of a recording.

    time_s: recording time of the payload in seconds, as the format has it (``Recording.time``
    says which: epoch, time of day, from start); None if the format has none.
    payload: one or more whole ASTERIX data blocks. index: 1-based position in the file (frame,
    packet or, for bare data blocks, block number). src/dst: "10.0.0.1:8600" for UDP in a
    capture ("02:00:00:00:00:01/0x7e" for LLC: MAC/SAP), the board (and line) for FINAL and
    IOSS as src, else None.
    """

    time_s: float | None
    payload: bytes
    index: int
    src: str | None = None
    dst: str | None = None


class RecordingError(ValueError):
    """A recording that cannot be read: names the file, the byte offset and what was wrong.

    ``path``, ``offset`` (None when the error is about the whole file) and ``reason``.
    """

    def __init__(self, path: str | Path, offset: int | None, reason: str) -> None:
        self.path, self.offset, self.reason = str(path), offset, reason
        where = f"{path}" if offset is None else f"{path}: byte {offset}"
        super().__init__(f"{where}: {reason}")


# ------------------------------------------------------------------ filter

FILTER_FORM = ("dst=ADDR[:PORT], src=ADDR[:PORT], dst-port=PORT or src-port=PORT, comma-joined "
               "(all must hold; ADDR an IPv4 address, PORT 0-65535)")


@dataclass(frozen=True, slots=True)
class Condition:
    """One part of a filter: the datagram's ``end`` ("src" or "dst") has this address and/or port."""

    end: str
    address: str | None
    port: int | None

    def __str__(self) -> str:
        if self.address is None:
            return f"{self.end}-port={self.port}"
        return f"{self.end}={self.address}" + ("" if self.port is None else f":{self.port}")


@dataclass(frozen=True, slots=True)
class Filter:
    """Which datagrams of a capture to read: every condition must hold (``parse_filter``)."""

    conditions: tuple[Condition, ...]

    def matches(self, src: tuple[str, int] | None, dst: tuple[str, int] | None) -> bool:
        """True if the UDP datagram from ``src`` to ``dst`` ((IPv4 address, port)) passes."""
        for c in self.conditions:
            end = src if c.end == "src" else dst
            if end is None:
                return False
            if c.address is not None and end[0] != c.address:
                return False
            if c.port is not None and end[1] != c.port:
                return False
        return True

    def __str__(self) -> str:
        return ",".join(str(c) for c in self.conditions)


def _port(text: str, part: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise ValueError(f"filter part {part!r}: port {text!r} is not a number 0-65535; expected {FILTER_FORM}")
    return int(text)


def parse_filter(text: str) -> Filter:
    """A filter from text: "dst=239.1.1.1:8600", "dst-port=8600", "src=10.0.0.1",
    "src-port=20124", comma-joined ("dst=232.1.1.31,src-port=20124": all must hold).

    Raises ValueError naming the part that is wrong and the form expected.
    """
    parts = [p.strip() for p in text.split(",")]
    if not text.strip():
        raise ValueError(f"empty filter; expected {FILTER_FORM}")
    conditions = []
    for part in parts:
        key, eq, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not part or not eq or not value:
            raise ValueError(f"filter part {part!r} is not KEY=VALUE; expected {FILTER_FORM}")
        if key in ("dst-port", "src-port"):
            conditions.append(Condition(key[:3], None, _port(value, part)))
        elif key in ("dst", "src"):
            address, colon, port = value.partition(":")
            try:
                address = str(ipaddress.IPv4Address(address))
            except ValueError:
                raise ValueError(f"filter part {part!r}: {address!r} is not an IPv4 address; "
                                 f"expected {FILTER_FORM}") from None
            conditions.append(Condition(key, address, _port(port, part) if colon else None))
        else:
            raise ValueError(f"filter part {part!r}: unknown key {key!r}; expected {FILTER_FORM}")
    return Filter(tuple(conditions))


# ------------------------------------------------------------------ detection

def _blocks_problem(content: bytes) -> str | None:
    """Why ``content`` is not whole data blocks back to back, or None if it is."""
    n, p = len(content), 0
    if n == 0:
        return "no data blocks (0 octets)"
    while p < n:
        if n - p < BLOCK_HEADER:
            return f"{n - p} octet(s) at octet {p} of the content are not a data block header"
        length = content[p + 1] << 8 | content[p + 2]
        if length <= BLOCK_HEADER:
            return f"the data block at octet {p} of the content has LEN {length}"
        if p + length > n:
            return (f"the data block at octet {p} of the content (CAT {content[p]}, LEN {length}) "
                    f"runs {p + length - n} octet(s) past the content's {n}")
        p += length
    return None


def _count_frames(head: bytes, start: int, frame: Callable[[bytes, int], int | None]) -> int:
    """Frames of ``head`` that check out one after the other from ``start``, up to DETECT_FRAMES:
    ``frame`` gives a frame's end, None if it does not check out, -1 if it runs past ``head``."""
    pos, n = start, 0
    while pos < len(head) and n < DETECT_FRAMES:
        end = frame(head, pos)
        if end is None or end == -1:
            break
        pos, n = end, n + 1
    return n


def _final_frame(header: int, padded: bool = True) -> Callable[[bytes, int], int | None]:
    def frame(head: bytes, pos: int) -> int | None:
        if len(head) - pos < header:
            return -1
        length = head[pos] << 8 | head[pos + 1]
        if length < header + BLOCK_HEADER + 1 + 4:
            return None
        if pos + length > len(head):
            return -1
        if padded and head[pos + length - 4:pos + length] != TRAILER:
            return None
        return pos + length if blocks_fill(head[pos + header:pos + length - 4]) else None
    return frame


def _oradis_frame(head: bytes, pos: int) -> int | None:
    if len(head) - pos < 6:
        return -1
    length = head[pos] << 8 | head[pos + 1]
    if length <= 6 + BLOCK_HEADER:
        return None
    if pos + length > len(head):
        return -1
    return pos + length if blocks_fill(head[pos + 6:pos + length]) else None


def _rff_frame(head: bytes, pos: int) -> int | None:
    if len(head) - pos < 6:
        return -1
    length = int.from_bytes(head[pos + 4:pos + 6], "little")
    if pos + 6 + length > len(head):
        return -1
    return pos + 6 + length if blocks_fill(head[pos + 6:pos + 6 + length]) else None


def _ast_block(head: bytes, pos: int) -> int | None:
    if len(head) - pos < BLOCK_HEADER:
        return -1
    length = head[pos + 1] << 8 | head[pos + 2]
    if length <= BLOCK_HEADER:
        return None
    return -1 if pos + length > len(head) else pos + length


def _is_text(octets: bytes) -> bool:
    return all(0x20 <= b < 0x7F or b == 0 for b in octets)


def detect_format(path: str | Path) -> str:
    """The format of a recording (one of ``FORMATS``) from its first octets: the capture magic
    for pcap/pcapng; else the framing under which the most frames from the start (up to 16,
    within the first 64 KiB) hold whole data blocks, at least one (a file damaged further on is
    still recognised, and its reader says where): FINAL (0xA5 trailers; IOSS files read the
    same and are reported as "final"), IOSS with sequence numbers, RFF (a text header), bare
    data blocks, ORADIS; on a tie, the first in that order.

    Raises RecordingError (saying what the first octets were) if none fits; OSError if the file
    cannot be read.
    """
    with open(path, "rb") as f:
        head = f.read(HEAD_SIZE)
    if not head:
        raise RecordingError(path, 0, "empty file: no recording to read")
    if head[:4] in PCAP_MAGICS or head[:4] == PCAPNG_MAGIC:
        return "pcap"
    rff = len(head) > RFF_HEADER and _is_text(head[:40])
    scores = [("final", _count_frames(head, 0, _final_frame(8))),
              ("ioss_seq", _count_frames(head, 0, _final_frame(12))),
              ("rff", _count_frames(head, RFF_HEADER, _rff_frame) if rff else 0),
              ("ast", _count_frames(head, 0, _ast_block)),
              ("oradis", _count_frames(head, 0, _oradis_frame))]
    best, n = max(scores, key=lambda s: s[1])  # the first of the highest: the order above
    if n:
        return best
    raise RecordingError(path, 0, f"not a recording radarbench reads: first octets {head[:16].hex(' ')}; "
                         "expected a pcap/pcapng capture, bare data blocks (CAT, LEN, records), or "
                         "data blocks in FINAL, IOSS, RFF or ORADIS frames")


# ------------------------------------------------------------------ RFF start time

_ISO = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})")
_SLASH = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4}) +(\d{1,2}):(\d{2}):(\d{2})")


def rff_start_s(text: str) -> float | None:
    """Seconds since the epoch (UTC) of an RFF header's start text, or None if it does not read.

    "YYYY-MM-DD HH:MM:SS" or "MM/DD/YY HH:MM:SS" (DD/MM/YY when the first number is above 12;
    a two-digit year from 70 is 19xx), as jASTERIX reads them (test_recording_time_rff.cpp).
    """
    m = _ISO.match(text)
    if m:
        y, mo, d, h, mi, s = (int(g) for g in m.groups())
    else:
        m = _SLASH.match(text)
        if not m:
            return None
        mo, d, y, h, mi, s = (int(g) for g in m.groups())
        if mo > 12:
            mo, d = d, mo
        if y < 100:
            y += 1900 if y >= 70 else 2000
    if not (1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1] and h < 24 and mi < 60 and s < 60):
        return None
    return float(calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)))


# ------------------------------------------------------------------ reading

class _Stop(Exception):
    """Reading cannot go on (the framing is lost); the error was recorded."""


class Recording:
    """The payloads of a recording as ``Recorded``, read as they are iterated (an iterator,
    used once; ``read_recording`` makes one).

    Attributes: ``path``; ``format`` (one of FORMATS); ``filter`` (a Filter or None); ``time``
    (what ``time_s`` is: "epoch", "time of day", "from start", or None when the format has no
    time); ``resolution_ns`` (the step of its time stamps, None without times); ``read`` (payloads handed out); ``filtered`` (payloads the filter passed over);
    ``unread`` (frames not read, counted by what they were: ``Unread.summary()`` says it);
    ``errors`` (the list errors are recorded in, or None when they raise).
    """

    def __init__(self, path: str | Path, fmt: str = "auto", filter: Filter | str | None = None,
                 errors: list[RecordingError] | None = None) -> None:
        self.path = str(path)
        if fmt == "auto":
            fmt = detect_format(path)
        elif fmt not in FORMATS:
            raise ValueError(f"unknown recording format {fmt!r}; expected auto or one of {', '.join(FORMATS)}")
        if isinstance(filter, str):
            filter = parse_filter(filter)
        if filter is not None and fmt != "pcap":
            raise ValueError(f"{path}: a filter picks datagrams by address and port; "
                             f"a {FORMAT_NAMES[fmt]} recording has none (filter {filter})")
        self.format = fmt
        self.filter = filter
        self.errors = errors
        self.read = 0
        self.filtered = 0
        self.unread = Unread()
        self.time: str | None = TIME_KINDS[fmt]
        self.resolution_ns: int | None = RESOLUTION_NS.get(fmt)
        if fmt == "pcap":
            with open(path, "rb") as f:
                magic = f.read(4)
            self.resolution_ns = 1000 if magic in PCAP_MAGICS and magic not in PCAP_NANO_MAGICS else 1
        self._rff_start: float | None = None
        if fmt == "rff":
            with open(path, "rb") as f:
                head = f.read(RFF_HEADER)
            if len(head) == RFF_HEADER:
                self._rff_start = rff_start_s(head[:20].decode("latin-1").rstrip("\0 "))
            if self._rff_start is None:
                self.time = FROM_START
        self._it = self._payloads()

    def __iter__(self) -> Recording:
        return self

    def __next__(self) -> Recorded:
        got = next(self._it)
        self.read += 1
        return got

    def close(self) -> None:
        """Close the file now (it closes itself at the end of the iteration)."""
        self._it.close()

    # -- errors

    def _error(self, offset: int | None, reason: str, *, stop: bool) -> None:
        """Raise, or (errors given) record it, count the frame as not read, and stop if ``stop``."""
        err = RecordingError(self.path, offset, reason)
        if self.errors is None:
            raise err
        self.errors.append(err)
        self.unread["damaged frame, reading stopped" if stop else "damaged frame, skipped"] += 1
        if stop:
            raise _Stop

    # -- formats

    def _payloads(self) -> Iterator[Recorded]:
        try:
            if self.format == "pcap":
                yield from self._pcap()
                return
            with open(self.path, "rb") as f:
                if self.format == "ast":
                    yield from self._ast(f)
                elif self.format in ("final", "ioss", "ioss_seq"):
                    yield from self._final(f)
                elif self.format == "rff":
                    yield from self._rff(f)
                else:
                    yield from self._oradis(f)
        except _Stop:
            return
        except OSError as exc:
            raise RecordingError(self.path, None, f"cannot be read: {exc.strerror or exc}") from None

    def _short(self, pos: int, what: str, need: int, got: int) -> None:
        self._error(pos, f"the file ends inside {what}: it needs {need} octets, {got} are left", stop=True)

    def _ast(self, f: BinaryIO) -> Iterator[Recorded]:
        pos, index = 0, 0
        while True:
            head = f.read(BLOCK_HEADER)
            if not head:
                return
            index += 1
            if len(head) < BLOCK_HEADER:
                self._short(pos, f"the header of data block {index}", BLOCK_HEADER, len(head))
            length = head[1] << 8 | head[2]
            if length <= BLOCK_HEADER:
                self._error(pos, f"data block {index} (CAT {head[0]}) has LEN {length}: below the 4 "
                            "octets of a header and a record, so the next block cannot be found", stop=True)
            rest = f.read(length - BLOCK_HEADER)
            if len(rest) < length - BLOCK_HEADER:
                self._short(pos, f"data block {index} (CAT {head[0]}, LEN {length})", length,
                            BLOCK_HEADER + len(rest))
            yield Recorded(None, head + rest, index)
            pos += length

    def _final(self, f: BinaryIO) -> Iterator[Recorded]:
        fmt = self.format
        name = FORMAT_NAMES[fmt]
        header = 12 if fmt == "ioss_seq" else 8
        pos, index = 0, 0
        while True:
            head = f.read(header)
            if not head:
                return
            index += 1
            if len(head) < header:
                self._short(pos, f"the header of {name} frame {index}", header, len(head))
            length = head[0] << 8 | head[1]
            if length < header + 4 + BLOCK_HEADER + 1:
                self._error(pos, f"{name} frame {index} has byte count {length}: below its {header}-octet "
                            "header, a data block and its 4-octet trailer, so the next frame cannot be found",
                            stop=True)
            body = f.read(length - header)
            if len(body) < length - header:
                self._short(pos, f"{name} frame {index} (byte count {length})", length, header + len(body))
            at, pos = pos, pos + length
            content, trailer = body[:-4], body[-4:]
            if fmt == "final" and trailer != TRAILER:
                self._error(at + length - 4, f"FINAL frame {index} ends in {trailer.hex(' ')}, not the "
                            "trailer a5 a5 a5 a5 (the byte count may be wrong)", stop=False)
                continue
            problem = _blocks_problem(content)
            if problem:
                self._error(at + header, f"{name} frame {index}: {problem}", stop=False)
                continue
            b = head[header - 6:header - 3]  # the three octets before the time
            day = b[2]
            time_s = day * 86400 + int.from_bytes(head[header - 3:header], "big") / 100
            src = f"board {b[0]}, line {b[1]}" if fmt == "final" else f"board {b[1]}"
            yield Recorded(time_s, content, index, src)

    def _rff(self, f: BinaryIO) -> Iterator[Recorded]:
        head = f.read(RFF_HEADER)
        if len(head) < RFF_HEADER:
            self._short(0, "the RFF file header", RFF_HEADER, len(head))
        start = self._rff_start or 0.0
        pos, index = RFF_HEADER, 0
        while True:
            frame_head = f.read(6)
            if not frame_head:
                return
            index += 1
            if len(frame_head) < 6:
                self._short(pos, f"the header of RFF frame {index}", 6, len(frame_head))
            rel_ms = int.from_bytes(frame_head[:4], "little")
            length = int.from_bytes(frame_head[4:6], "little")
            content = f.read(length)
            if len(content) < length:
                self._short(pos, f"RFF frame {index} (length {length})", 6 + length, 6 + len(content))
            at, pos = pos, pos + 6 + length
            problem = _blocks_problem(content)
            if problem:
                self._error(at + 6, f"RFF frame {index}: {problem}", stop=False)
                continue
            yield Recorded(start + rel_ms / 1000, content, index)

    def _oradis(self, f: BinaryIO) -> Iterator[Recorded]:
        pos, index = 0, 0
        while True:
            head = f.read(6)
            if not head:
                return
            index += 1
            if len(head) < 6:
                self._short(pos, f"the header of ORADIS frame {index}", 6, len(head))
            length = head[0] << 8 | head[1]
            if length <= 6:
                self._error(pos, f"ORADIS frame {index} has byte count {length}: not above its 6-octet "
                            "header, so the next frame cannot be found", stop=True)
            content = f.read(length - 6)
            if len(content) < length - 6:
                self._short(pos, f"ORADIS frame {index} (byte count {length})", length, 6 + len(content))
            at, pos = pos, pos + length
            problem = _blocks_problem(content)
            if problem:
                self._error(at + 6, f"ORADIS frame {index}: {problem}", stop=False)
                continue
            yield Recorded(None, content, index)

    def _pcap(self) -> Iterator[Recorded]:
        try:
            reader = open_capture(self.path)
        except ValueError as exc:
            raise RecordingError(self.path, 0, str(exc).removeprefix(f"{self.path}: ")) from None
        nano = getattr(reader, "nano", False)  # nanosecond pcap: "usec" holds ns
        f = reader.f
        size = os.fstat(f.fileno()).st_size if hasattr(f, "fileno") and not hasattr(f, "fileobj") else None
        end = f.tell()  # end of the last whole record read
        with reader:
            frames = iter_frames(reader, checked=False)
            while True:
                try:
                    n, linktype, meta, frame = next(frames)
                except StopIteration:
                    break
                except ValueError as exc:
                    self._error(end, str(exc), stop=True)
                start, end = end, f.tell()
                caplen = getattr(meta, "caplen", None)
                if caplen is not None and len(frame) < caplen:
                    self._error(start, f"the file ends inside frame {n}: its record holds {caplen} "
                                f"captured octets, {len(frame)} are left", stop=True)
                if len(frame) < getattr(meta, "wirelen", 0):
                    self.unread["frame cut short by the capture's snap length"] += 1
                    continue
                got = read_frame(linktype, frame)
                if isinstance(got, str):
                    self.unread[got] += 1
                    continue
                link, src, dst, payload = got
                if self.filter is not None and (link != "udp" or not self.filter.matches(src, dst)):
                    self.filtered += 1
                    continue
                if not blocks_fill(payload):
                    self.unread["UDP payload not ASTERIX data blocks"] += 1
                    continue
                where = (lambda e: f"{e[0]}:{e[1]}") if link == "udp" else (lambda e: f"{e[0]}/0x{e[1]:02x}")
                yield Recorded(capture_time_s(meta, nano), payload, n, where(src), where(dst))
            if size is not None:
                self._pcap_tail(f, end, size, getattr(reader, "endian", "<"), hasattr(reader, "interfaces"))

    def _pcap_tail(self, f: Any, pos: int, size: int, endian: str, pcapng: bool) -> None:
        """scapy ends quietly at a record the file cuts short: say where the file breaks off,
        if it does (pcapfile.broken_tail)."""
        cut = broken_tail(f, pos, size, endian, pcapng)
        if cut is not None:
            self._short(*cut)


def read_recording(path: str | Path, fmt: str = "auto", filter: Filter | str | None = None,
                   errors: list[RecordingError] | None = None) -> Recording:
    """The payloads of a recording, streamed in file order (an iterator of ``Recorded``, with
    counters: see ``Recording``).

    fmt: "auto" (``detect_format``) or one of FORMATS. filter: a Filter or its text
    (``parse_filter``); only a capture has addresses to filter by. errors: None to raise
    RecordingError at the first damaged frame; a list to record errors in it and skip what can
    be skipped (see the module's docstring).

    Raises ValueError for an unknown format or a filter on a format without addresses,
    RecordingError for a file that is not a recording or breaks, OSError if it cannot be opened.
    """
    return Recording(path, fmt, filter, errors)
