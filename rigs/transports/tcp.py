# tcp://HOST:PORT[?listen=0|1&cats=N,N...&connect_timeout=S]
#
# listen=0 (default): connect to HOST:PORT; if the peer goes away, the next send or recv
#   connects again. connect_timeout (default 5 s) bounds each attempt.
# listen=1: bind HOST:PORT (tcp://:PORT?listen=1 is every address; PORT 0 picks a free one,
#   see local_address) and serve one peer at a time: when it goes, accept the next.
# cats: the ASTERIX categories the stream may carry (default: any); naming them makes
#   resynchronisation after garbage more reliable. TCP_NODELAY is always set.
"""ASTERIX over a TCP byte stream: data blocks back to back, one data block per message.

TCP keeps no message boundaries, so received bytes go through the stream splitter
(radarbench.codecs.framing.raw), which finds the blocks by their LEN and resynchronises
after garbage. send() takes whole data blocks (one or several).
"""
from __future__ import annotations

import collections
import select
import socket
import time
from dataclasses import dataclass

from radarbench.codecs.framing import RawFramer
from radarbench.rigs.transports.base import (
    Message,
    ParsedUrl,
    Transport,
    TransportError,
    deadline_ns,
    remaining_s,
)

GRAMMAR = "tcp://HOST:PORT[?listen=0|1&cats=N,N...&connect_timeout=S]"
READ_SIZE = 65536


def _categories(s: str) -> frozenset[int]:
    cats = frozenset(int(c) for c in s.split(","))
    if not cats or not all(0 <= c <= 255 for c in cats):
        raise ValueError
    return cats


@dataclass(frozen=True)
class TcpOptions:
    """A tcp:// URL's parts, checked."""

    host: str
    port: int
    listen: bool
    cats: frozenset[int] | None
    connect_timeout_s: float


def parse(url: str) -> TcpOptions:
    """The options of a tcp:// URL, checked without opening anything. Raises UrlError."""
    u = ParsedUrl(url, GRAMMAR)
    host, port = u.host_port(host_required=False)
    listen = u.take_bool("listen", False)
    cats = u.take("cats", None, _categories, "a comma-separated list of categories 0..255")
    connect_timeout_s = u.take_float("connect_timeout", 5.0)
    u.done()
    if not listen and (not host or port == 0):
        raise u.error("connecting needs a HOST and a PORT other than 0")
    return TcpOptions(host, port, listen, cats, connect_timeout_s)


class TcpTransport(Transport):
    """One TCP connection at a time, as client (connect) or server (listen=1)."""

    def __init__(self, url: str) -> None:
        o = parse(url)
        self.host, self.port, self.listen = o.host, o.port, o.listen
        cats = o.cats
        self.connect_timeout_s = o.connect_timeout_s
        self.url = url
        self.framer = RawFramer(cats)
        self.deframer = self.framer.deframer()
        self.conn: socket.socket | None = None
        self.peer: tuple[str, int] | None = None
        self.connections = 0  # how many peers this end has had
        self._pending: collections.deque[Message] = collections.deque()
        self.listener: socket.socket | None = None
        if self.listen:
            self.listener = socket.create_server((self.host, self.port), reuse_port=False, backlog=4)
        else:
            self._connect()

    @property
    def local_address(self) -> tuple[str, int]:
        """The (address, port) this end is bound to (the listening one when listen=1)."""
        sock = self.listener if self.listener is not None else self.conn
        if sock is None:
            raise TransportError(f"{self.url}: not connected")
        return sock.getsockname()  # type: ignore[no-any-return]

    def _connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        self._adopt(sock, sock.getpeername())

    def _adopt(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        # Small data blocks must leave now, not wait for Nagle to batch them.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self.conn, self.peer = sock, peer
        self.connections += 1
        self.deframer.reset()  # a half block from the last peer is not the start of this one's

    def _drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def _ensure_connected(self, timeout_s: float | None) -> bool:
        """Have a peer, or get one within timeout_s; False if none came."""
        if self.conn is not None:
            return True
        if self.listener is None:
            self._connect()
            return True
        ready, _, _ = select.select([self.listener], [], [], timeout_s)
        if not ready:
            return False
        sock, peer = self.listener.accept()
        self._adopt(sock, peer)
        return True

    def send(self, data: bytes) -> None:
        """Send whole data blocks to the peer (connecting again if it went away).

        Raises ValueError if `data` is not whole data blocks, TransportError if listening with
        no peer connected, OSError if the connection fails.
        """
        data = self.framer.encode(data)
        if not self._ensure_connected(0):
            raise TransportError(f"{self.url}: no peer connected")
        assert self.conn is not None
        try:
            self.conn.sendall(data)
        except OSError:
            self._drop()
            raise

    def recv(self, timeout: float | None = None) -> Message | None:
        """Return the next data block, or None after `timeout` seconds.

        A peer that closes is dropped (and, when listening, the next one accepted); a client
        connects again on the next call. Raises OSError if connecting fails.
        """
        end = deadline_ns(timeout)
        while not self._pending:
            if not self._ensure_connected(remaining_s(end)):
                return None
            assert self.conn is not None
            ready, _, _ = select.select([self.conn], [], [], remaining_s(end))
            if ready:
                try:
                    chunk = self.conn.recv(READ_SIZE)
                except (ConnectionResetError, TimeoutError):
                    chunk = b""
                rx_ns = time.monotonic_ns()
                if not chunk:  # the peer closed
                    self._drop()
                    if self.listener is None:
                        return None  # reconnect at the next call, not in a tight loop now
                    continue
                for block in self.deframer.feed(chunk):
                    self._pending.append(Message(block, rx_ns, None, self.peer))
            elif end is not None and time.monotonic_ns() >= end:
                return None
        return self._pending.popleft()

    def counters(self) -> dict[str, int]:
        """The stream splitter's counters and the number of connections so far."""
        return {**self.deframer.counters(), "connections": self.connections}

    def fileno(self) -> int:
        """The connection's descriptor, or the listening one while no peer is connected.

        Raises TransportError for a client that is not connected.
        """
        sock = self.conn if self.conn is not None else self.listener
        if sock is None:
            raise TransportError(f"{self.url}: not connected")
        return sock.fileno()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._drop()
            if self.listener is not None:
                self.listener.close()


def open(url: str) -> TcpTransport:
    """Open a TCP endpoint by URL.

    Raises UrlError for a bad URL, OSError if it cannot connect or listen.
    """
    return TcpTransport(url)
