"""Bare framing: ASTERIX data blocks back to back, delimited only by their own LEN field.

This is what a radar puts on a serial line when nobody asked for HDLC. Nothing marks a block
boundary except CAT + LEN, so reading is the job of the ASTERIX stream splitter
(`radarbench.codecs.asterix.stream.StreamDecoder`), which also resynchronises after noise.
"""
from __future__ import annotations

from typing import Callable, Iterable

from radarbench.codecs.asterix.stream import MIN_BLOCK_LEN, StreamDecoder


class RawDeframer:
    """Splits a byte stream into data blocks (one payload = one data block).

    categories: the categories a block may have (None: any); narrowing it makes resync
    after garbage more reliable, since fewer random octets look like a block start.
    validate: called with a candidate block, False rejects it (e.g. "does it decode?").
    """

    def __init__(
        self,
        categories: Iterable[int] | None = None,
        validate: Callable[[bytes], bool] | None = None,
    ) -> None:
        self._stream = StreamDecoder(categories=categories, validate=validate)

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the data blocks they complete, in order. Never raises."""
        return self._stream.feed(data)

    def flush(self) -> list[bytes]:
        """The line has gone quiet: the data blocks that what has arrived already proves
        (StreamDecoder.flush). Transports call it after an idle spell. Never raises."""
        return self._stream.flush()

    @property
    def buffered(self) -> int:
        """Octets received but not yet handed out (an incomplete block)."""
        return self._stream.buffered

    @property
    def frames(self) -> int:
        """Data blocks handed out so far."""
        return self._stream.blocks

    @property
    def garbage_bytes(self) -> int:
        """Octets dropped while looking for a block boundary."""
        return self._stream.garbage_bytes

    @property
    def resyncs(self) -> int:
        """Times the stream lost and had to find block boundaries again."""
        return self._stream.resyncs

    def counters(self) -> dict[str, int]:
        """frames, garbage_bytes and resyncs so far."""
        return {"frames": self.frames, "garbage_bytes": self.garbage_bytes, "resyncs": self.resyncs}

    def reset(self) -> None:
        """Forget a partly received block; counters are kept."""
        self._stream.reset()


class RawFramer:
    """Bare data blocks: the wire bytes are the payload itself.

    The payload must be one or more whole data blocks, or the far end cannot split it.
    """

    name = "raw"

    def __init__(
        self,
        categories: Iterable[int] | None = None,
        validate: Callable[[bytes], bool] | None = None,
    ) -> None:
        self.categories = frozenset(categories) if categories is not None else None
        self.validate = validate

    def encode(self, payload: bytes) -> bytes:
        """Return `payload` unchanged.

        Raises ValueError if the payload is not whole data blocks back to back, because the
        receiver would then lose its block boundaries (and the blocks after it).
        """
        pos = 0
        n = len(payload)
        while pos < n:
            if n - pos < 3:
                raise ValueError(f"raw framing: {n - pos} trailing octets at {pos} are not a data block")
            length = (payload[pos + 1] << 8) | payload[pos + 2]
            if length < MIN_BLOCK_LEN or pos + length > n:
                raise ValueError(f"raw framing: data block at {pos} has LEN {length}, {n - pos} octets left")
            pos += length
        return bytes(payload)

    def deframer(self) -> RawDeframer:
        """Return a new stream splitter for the receiving side."""
        return RawDeframer(self.categories, self.validate)
