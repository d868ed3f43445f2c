"""Sans-I/O streaming splitter: feed bytes as they arrive, get whole ASTERIX data blocks.

A byte stream (TCP, a serial line with bare framing) carries data blocks back to back:
CAT (1 octet), LEN (2 octets, counting the whole block), records. The stream has no other
delimiter, so after garbage the splitter must find the next block boundary by itself: a
candidate block is accepted when its category is one it may accept, its LEN is plausible and,
if a validator is given, the validator accepts the block's bytes. Otherwise one octet is
dropped (and counted) and the search goes on from the next one. A candidate still waiting for
its bytes is given up when a whole valid block is found beyond its header.

    s = StreamDecoder(categories={48, 34}, validate=decodes)
    for block in s.feed(chunk):
        ...
"""
from __future__ import annotations

from typing import Callable, Iterable

MIN_BLOCK_LEN = 4  # CAT + LEN + at least one FSPEC octet
MAX_BLOCK_LEN = 0xFFFF


class StreamDecoder:
    """Splits a byte stream into data blocks and resynchronises after garbage.

    categories: the categories a block may have (None: any); validate: called with a
    candidate block's bytes, returns False to reject it (for example "does it decode?").
    A block that is still incomplete waits for more bytes, unless its LEN is absurd.
    """

    def __init__(
        self,
        categories: Iterable[int] | None = None,
        validate: Callable[[bytes], bool] | None = None,
        max_block_len: int = MAX_BLOCK_LEN,
    ) -> None:
        self.categories = frozenset(categories) if categories is not None else None
        self.validate = validate
        self.max_block_len = max_block_len
        self._buf = bytearray()
        self.blocks = 0
        self.garbage_bytes = 0
        self.resyncs = 0
        self._in_garbage = False

    @property
    def buffered(self) -> int:
        """Octets received but not yet handed out (an incomplete block)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the data blocks completed by them, in order."""
        buf = self._buf
        buf += data
        out: list[bytes] = []
        pos = 0
        n = len(buf)
        while n - pos >= 3:
            cat = buf[pos]
            length = (buf[pos + 1] << 8) | buf[pos + 2]
            if (
                length < MIN_BLOCK_LEN
                or length > self.max_block_len
                or (self.categories is not None and cat not in self.categories)
            ):
                self._skip()
                pos += 1
                continue
            if n - pos < length:
                # Wait for the rest of this block, unless a whole valid block already sits
                # further on: then this header was garbage whose LEN happened to look
                # plausible, and waiting for it would stall the stream.
                later = self._later_block(buf, pos + 1, n) if self.validate is not None else None
                if later is None:
                    break
                for _ in range(later - pos):
                    self._skip()
                pos = later
                continue
            block = bytes(buf[pos:pos + length])
            if self.validate is not None and not self.validate(block):  # noqa: SIM102
                self._skip()
                pos += 1
                continue
            out.append(block)
            self._in_garbage = False
            self.blocks += 1
            pos += length
        del buf[:pos]
        return out

    def _later_block(self, buf: bytearray, start: int, n: int) -> int | None:
        """Where a complete block that the validator accepts begins after ``start``, if any."""
        assert self.validate is not None
        for q in range(start, n - MIN_BLOCK_LEN + 1):
            if self.categories is not None and buf[q] not in self.categories:
                continue
            length = (buf[q + 1] << 8) | buf[q + 2]
            if MIN_BLOCK_LEN <= length <= min(self.max_block_len, n - q) and self.validate(bytes(buf[q:q + length])):
                return q
        return None

    def _skip(self) -> None:
        self.garbage_bytes += 1
        if not self._in_garbage:
            self.resyncs += 1
            self._in_garbage = True

    def reset(self) -> None:
        """Forget buffered bytes (after a reconnection, say)."""
        self._buf.clear()
        self._in_garbage = False


def decodes(block: bytes) -> bool:
    """A validator for :class:`StreamDecoder`: the block is of a declared category and decodes.

    With it, garbage that happens to look like a block header is rejected unless what follows
    is records that the category's declaration accepts, so resynchronisation lands on a real
    block boundary. Blocks of categories without a declaration cannot be checked, so they do
    not pass: a link that also carries those needs a validator of its own.
    """
    from radarbench.codecs.asterix import DecodeError, decode

    try:
        return len(decode(block)) > 0
    except DecodeError:
        return False
