# loop://[NAME][?maxsize=N]
#
# loop:// is one end talking to itself: what it sends, it receives. loop://NAME is one end of
# a named in-process link: the first open of NAME is end A, the second end B, and what one
# sends the other receives. The name is free again once both ends are closed. maxsize bounds
# each direction's queue (0, the default, is unbounded); send blocks while it is full.
"""In-process loopback, for unit tests and for wiring two parts of one process together."""
from __future__ import annotations

import queue
import threading
import time

from radarbench.rigs.transports.base import Message, ParsedUrl, Transport, TransportError

GRAMMAR = "loop://[NAME][?maxsize=N]"

_links: dict[str, list["LoopTransport | None"]] = {}
_links_lock = threading.Lock()


class LoopTransport(Transport):
    """One end of an in-process link; Message.source is the name of the link (or None)."""

    def __init__(self, url: str, name: str | None, rx: queue.Queue[bytes], tx: queue.Queue[bytes]) -> None:
        self.url = url
        self.name = name
        self._rx = rx
        self._tx = tx

    def send(self, data: bytes) -> None:
        """Queue `data` for the other end. Raises TransportError once closed."""
        if self.closed:
            raise TransportError(f"{self.url} is closed")
        self._tx.put(bytes(data))

    def recv(self, timeout: float | None = None) -> Message | None:
        """Return the next message sent by the other end, or None after `timeout` s."""
        try:
            data = self._rx.get(timeout=timeout) if timeout is None or timeout > 0 else self._rx.get_nowait()
        except queue.Empty:
            return None
        return Message(data, time.monotonic_ns(), None, self.name)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.name is None:
            return
        with _links_lock:
            ends = _links.get(self.name)
            if ends is not None:
                ends[ends.index(self)] = None
                if ends == [None, None]:
                    del _links[self.name]


def parse(url: str) -> tuple[str | None, int]:
    """(NAME or None, maxsize) of a loop:// URL, checked. Raises UrlError."""
    u = ParsedUrl(url, GRAMMAR)
    name = (u.parts.netloc + u.parts.path) or None
    maxsize = u.take_int("maxsize", 0, lo=0)
    u.done()
    return name, maxsize


def open(url: str, role: str | None = None) -> LoopTransport:
    """Open loop:// or one end of loop://NAME.

    `role` ("send", "recv") changes nothing here: the URL alone says what opens.

    Raises UrlError for a bad URL, TransportError if both ends of NAME are already open.
    """
    name, maxsize = parse(url)
    if name is None:
        q: queue.Queue[bytes] = queue.Queue(maxsize)
        return LoopTransport(url, None, q, q)
    with _links_lock:
        ends = _links.get(name)
        if ends is None:
            a_to_b: queue.Queue[bytes] = queue.Queue(maxsize)
            b_to_a: queue.Queue[bytes] = queue.Queue(maxsize)
            t = LoopTransport(url, name, rx=b_to_a, tx=a_to_b)
            _links[name] = [t, None]
            return t
        if None not in ends:
            raise TransportError(f"loop://{name}: both ends are already open")
        other = ends[0] if ends[0] is not None else ends[1]
        assert other is not None
        t = LoopTransport(url, name, rx=other._tx, tx=other._rx)
        ends[ends.index(None)] = t
        return t
