"""A framed byte line: what serial://, rfc2217://, socket:// and pty:// have in common.

The line itself only moves octets; a framing (radarbench.codecs.framing: hdlc or raw) turns
messages into octets and back, and an optional LinePacer holds writes to the line rate.
"""
from __future__ import annotations

import collections
import io
import os
import select
import time
from dataclasses import dataclass
from typing import Any, Protocol

from radarbench.codecs.framing import FRAMINGS, Framer, make_framer
from radarbench.rigs.transports.base import Message, ParsedUrl, Transport, deadline_ns, remaining_s
from radarbench.rigs.transports.pacing import PARITY_BITS, LinePacer, uart_bits_per_byte

LINE_OPTIONS = "baud=N&bytesize=5..8&parity=N|E|O|M|S&stopbits=1|1.5|2&framing=hdlc|raw&pace=0|1"
READ_SIZE = 65536
# Bare framing on a quiet line: after this long without an octet, a block still waiting for
# its rest is judged on what has arrived (StreamDecoder.flush), so that a bogus header read
# from noise does not hold the real blocks behind it until more traffic comes. A UART sender
# puts a block's octets back to back, so a gap of 10 octet-times is not a block in progress
# (that also covers a sender that writes octet by octet, paced); at least IDLE_FLUSH_MIN_S,
# because a USB-serial adapter hands octets over in batches (FTDI's latency timer: 16 ms) and a
# loaded host can hold a read back by tens of ms. At 9600 baud 8N1 that is 50 ms, at 1200
# baud 83 ms, at 300 baud 0.33 s. Flushing in a pause of the sender is harmless but for rare
# cases: flush gives a waiting block up only when a chain of whole blocks it can vouch for
# ends exactly at the last octet received (see codecs/asterix/stream.py).
IDLE_FLUSH_MIN_S = 0.05
IDLE_FLUSH_OCTETS = 10


@dataclass(frozen=True)
class LineSettings:
    """How a UART is set up, and how its messages are framed."""

    baud: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    framing: str = "hdlc"
    pace: bool = False

    @property
    def bytes_per_s(self) -> float:
        """Octets per second the line carries: baud / (start + data + parity + stop bits)."""
        return self.baud / uart_bits_per_byte(self.bytesize, self.parity, self.stopbits)


def take_line_settings(url: ParsedUrl, pace_default: bool) -> LineSettings:
    """Consume the line options (LINE_OPTIONS) from `url`. Raises UrlError."""
    def stopbits(s: str) -> float:
        if s not in ("1", "1.5", "2"):
            raise ValueError
        return float(s) if s == "1.5" else int(s)
    return LineSettings(
        baud=url.take_int("baud", 9600, lo=50, hi=20_000_000),
        bytesize=url.take_int("bytesize", 8, lo=5, hi=8),
        parity=url.take_choice("parity", "N", tuple(PARITY_BITS)),
        stopbits=url.take("stopbits", 1, stopbits, "1, 1.5 or 2"),
        framing=url.take_choice("framing", "hdlc", tuple(FRAMINGS)),
        pace=url.take_bool("pace", pace_default),
    )


class ByteLine(Protocol):
    """The octet-moving part of a line."""

    def write(self, data: bytes) -> int | None: ...
    def read_some(self, timeout_s: float | None) -> bytes: ...
    def fileno(self) -> int: ...
    def close(self) -> None: ...


class FdLine:
    """A line on a file descriptor (a pty master): select() then read what is there."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes) -> int:
        return os.write(self.fd, data)

    def read_some(self, timeout_s: float | None) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout_s)
        if not ready:
            return b""
        try:
            return os.read(self.fd, READ_SIZE)
        except BlockingIOError:
            return b""

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        os.close(self.fd)


class PySerialLine:
    """A line on a pyserial port (serial_for_url).

    Where the port has a file descriptor (a local device, socket://), select() on it and read
    with timeout 0, which returns what is there: pyserial's read(n) with a timeout would wait
    for all n octets. rfc2217:// has none (a thread fills a queue): read one octet with the
    port's timeout, then whatever else is queued.
    """

    POLL_S = 0.05  # rfc2217 only: longest single wait inside read_some

    def __init__(self, port: Any) -> None:
        self.port = port
        try:
            self._fd: int | None = port.fileno()
        except (OSError, AttributeError):  # io.UnsupportedOperation is an OSError
            self._fd = None
        port.timeout = 0 if self._fd is not None else self.POLL_S

    def write(self, data: bytes) -> int | None:
        return self.port.write(data)

    def read_some(self, timeout_s: float | None) -> bytes:
        if self._fd is not None:
            ready, _, _ = select.select([self._fd], [], [], timeout_s)
            return self.port.read(READ_SIZE) if ready else b""
        end = deadline_ns(timeout_s)
        while True:
            first = self.port.read(1)
            if first:
                waiting = self.port.in_waiting
                return first + (self.port.read(waiting) if waiting else b"")
            if end is not None and time.monotonic_ns() >= end:
                return b""

    def fileno(self) -> int:
        if self._fd is None:
            raise io.UnsupportedOperation(f"{self.port.portstr} has no file descriptor")
        return self._fd

    def close(self) -> None:
        self.port.close()


class FramedLineTransport(Transport):
    """Messages over a byte line: framed on send (and paced if asked), deframed on receive."""

    def __init__(self, url: str, line: ByteLine, settings: LineSettings, framer: Framer | None = None) -> None:
        self.url = url
        self.line = line
        self.settings = settings
        self.framer = framer if framer is not None else make_framer(settings.framing)
        self.deframer = self.framer.deframer()
        self.line_rate_bps = settings.baud
        self.bytes_per_s = settings.bytes_per_s
        self.pacer = LinePacer(self.bytes_per_s, line.write) if settings.pace else None
        self._pending: collections.deque[Message] = collections.deque()
        # Octets on the line itself (flags, address, control, FCS and escapes included): what
        # a line utilization figure must count, since framing can nearly double a payload.
        self.wire_bytes_sent = 0
        self.wire_bytes_received = 0
        # Deframers that can judge a waiting block on a quiet line (raw framing) have flush().
        self._flush = getattr(self.deframer, "flush", None)
        self.idle_flush_s = max(IDLE_FLUSH_MIN_S, IDLE_FLUSH_OCTETS / self.bytes_per_s)
        self._flush_due_ns: int | None = None  # when to flush, while octets wait in the deframer
        self._last_rx_ns = 0

    def send(self, data: bytes) -> None:
        """Frame `data` and write it; with pace=1, return when it has left the line.

        Raises ValueError if the framing cannot carry `data`, OSError on I/O failure.
        """
        wire = self.framer.encode(data)
        self.wire_bytes_sent += len(wire)
        if self.pacer is not None:
            self.pacer.send(wire)
            return
        view = memoryview(wire)
        while len(view):
            n = self.line.write(bytes(view))
            if n is None:
                break
            view = view[n:]

    def recv(self, timeout: float | None = None) -> Message | None:
        """Return the next deframed payload, or None if none completed within `timeout` s."""
        end = deadline_ns(timeout)
        while not self._pending:
            wait_s = remaining_s(end)
            due = self._flush_due_ns
            if due is not None:  # octets wait in the deframer: wake when the line is quiet
                quiet_s = max(0.0, (due - time.monotonic_ns()) / 1e9)
                wait_s = quiet_s if wait_s is None else min(wait_s, quiet_s)
            chunk = self.line.read_some(wait_s)
            rx_ns = time.monotonic_ns()
            if chunk:
                self.wire_bytes_received += len(chunk)
                self._last_rx_ns = rx_ns
                for payload in self.deframer.feed(chunk):
                    self._pending.append(Message(payload, rx_ns))
                if self._flush is not None:
                    self._flush_due_ns = (rx_ns + int(self.idle_flush_s * 1e9)
                                          if self.deframer.buffered else None)  # type: ignore[attr-defined]
                continue
            if due is not None and rx_ns >= due:
                self._flush_due_ns = None  # once per quiet spell: what it leaves waits for octets
                # stamped when their last octet arrived: the wait was the splitter's, not the line's
                for payload in self._flush():  # type: ignore[misc]
                    self._pending.append(Message(payload, self._last_rx_ns))
                continue
            if end is not None and rx_ns >= end:
                return None
        return self._pending.popleft()

    def counters(self) -> dict[str, int]:
        """The deframer's counters (frames, garbage_bytes, bad_fcs...)."""
        return self.deframer.counters()

    def fileno(self) -> int:
        """The line's descriptor. Raises io.UnsupportedOperation where there is none (rfc2217)."""
        return self.line.fileno()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.line.close()
