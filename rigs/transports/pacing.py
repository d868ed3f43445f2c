"""Software UART pacing: bytes leave no faster than a real serial line would carry them.

A pseudo-terminal (and a USB serial adapter with a deep FIFO, and a terminal server) moves
bytes as fast as memory does, whatever baud rate it was given. To make a CI rig see the real
line's limits, the writer keeps a schedule on the monotonic clock: `next_free_ns` is when the
line finishes the last byte handed to it. Each chunk is written at the moment its last stop
bit would end, which is when a real receiving UART would have it, so a 48-octet frame at
9600 8N1 reaches the far end 50 ms after it was sent. The schedule is absolute, so a late
wake-up is caught up on the next chunk instead of adding up over a long run.
"""
from __future__ import annotations

import math
import time
from typing import Callable

PARITY_BITS = {"N": 0, "E": 1, "O": 1, "M": 1, "S": 1}

# Sleep until this close to a deadline, then spin: time.sleep() wakes up ~60-100 us late.
# Kept short because a spinning thread holds the GIL, and another thread of the same process
# (the receiving end of an in-process rig) may then wait a whole switch interval (5 ms).
_SPIN_NS = 50_000
# Write at least this much line time per chunk: per-byte wake-ups above ~1 kHz cost more CPU
# than they buy in accuracy on a busy 2-core machine.
_MIN_CHUNK_NS = 1_000_000


def uart_bits_per_byte(bytesize: int = 8, parity: str = "N", stopbits: float = 1) -> float:
    """Bits a UART puts on the line per octet: start + data + parity + stop.

    Raises ValueError for a parity letter that is not N, E, O, M or S.
    """
    try:
        return 1 + bytesize + PARITY_BITS[parity] + stopbits
    except KeyError:
        raise ValueError(f"unknown parity {parity!r}; expected one of {'|'.join(PARITY_BITS)}") from None


def wait_until_ns(target_ns: int) -> None:
    """Return at monotonic time `target_ns` (or right away if it has passed): sleep, then spin."""
    while True:
        left = target_ns - time.monotonic_ns()
        if left <= 0:
            return
        if left > _SPIN_NS:
            time.sleep((left - _SPIN_NS) / 1e9)


class LinePacer:
    """Writes bytes through `write` on the schedule of a line of `bytes_per_s` octets/s.

    send() returns once the last byte has left the line (like a UART with no FIFO): a caller
    that sends faster than the line is held back, which is what the real line would do.
    """

    def __init__(self, bytes_per_s: float, write: Callable[[bytes], object]) -> None:
        if not bytes_per_s > 0:
            raise ValueError(f"bytes_per_s must be > 0, not {bytes_per_s}")
        self.bytes_per_s = bytes_per_s
        self.byte_ns = 1e9 / bytes_per_s
        self.chunk_bytes = max(1, math.ceil(_MIN_CHUNK_NS / self.byte_ns))
        self._write = write
        self.next_free_ns = 0

    def send(self, data: bytes) -> None:
        """Write `data` at line speed; return when its last byte is through.

        Raises whatever `write` raises (OSError).
        """
        view = memoryview(data)
        # A busy line starts when its last byte is through; an idle one now. A caller back
        # within one character time of the line going free counts as back to back: a real
        # UART's holding register would have had the next octet queued, and otherwise the
        # caller's own overhead (~100 us a call) would slow a long run by ~0.5 %.
        now_ns = time.monotonic_ns()
        start_ns = self.next_free_ns if now_ns - self.next_free_ns < self.byte_ns else now_ns
        sent = 0
        n = len(view)
        while sent < n:
            k = min(self.chunk_bytes, n - sent)
            due_ns = start_ns + round((sent + k) * self.byte_ns)
            wait_until_ns(due_ns)
            self._write_all(view[sent:sent + k])
            sent += k
        self.next_free_ns = start_ns + round(n * self.byte_ns)

    def _write_all(self, chunk: memoryview) -> None:
        while len(chunk):
            written = self._write(bytes(chunk))
            if written is None:  # writers that write everything return None (pyserial may)
                return
            chunk = chunk[int(written):]  # type: ignore[call-overload]
