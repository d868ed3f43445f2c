"""The one interface every line framing offers: payload -> wire bytes, wire bytes -> payloads.

A framing is pure (no I/O): a transport calls `encode` before writing and feeds whatever it
reads to the framing's deframer, which hands back whole payloads and counts what it threw away.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Deframer(Protocol):
    """Sans-I/O reader of one framing: fed bytes as they arrive, returns whole payloads."""

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the payloads they complete, in order. Never raises."""
        ...

    def counters(self) -> dict[str, int]:
        """What the deframer has seen so far (frames, garbage_bytes, ...), by name."""
        ...

    def reset(self) -> None:
        """Forget buffered bytes (after a reconnection, say); counters are kept."""
        ...


@runtime_checkable
class Framer(Protocol):
    """One line framing: how a payload goes on the wire and how to get it back."""

    name: str

    def encode(self, payload: bytes) -> bytes:
        """Return the wire bytes that carry `payload`."""
        ...

    def deframer(self) -> Deframer:
        """Return a new deframer for the receiving side of this framing."""
        ...
