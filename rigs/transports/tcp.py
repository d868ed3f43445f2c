# tcp://HOST:PORT[?listen=0|1&cats=N,N...&connect_timeout=S]
#
# listen=0 (default): connect to HOST:PORT; if the peer goes away, the next send or recv
#   connects again. connect_timeout (default 5 s) bounds each attempt.
# listen=1: bind HOST:PORT (tcp://:PORT?listen=1 is every address; PORT 0 picks a free one,
#   see local_address) and serve one peer at a time: when it goes, accept the next. A port
#   another socket listens on is an OSError naming the URL.
# The role (transports.open(url, role)) changes nothing: on TCP who connects is not who
#   receives (a radar's TCP server sends to the clients that connect to it), so only
#   listen=1 makes a server.
# A connection reset, a peer that goes and a reconnection are recorded as events
#   (TcpTransport.take_events()), so that the bench can count them as faults.
# cats: the ASTERIX categories the stream may carry (default: any); naming them makes
#   resynchronisation after garbage more reliable. TCP_NODELAY is always set.
"""ASTERIX over a TCP byte stream: data blocks back to back, one data block per message.

Losing the peer is never silent: each reset, close and reconnection is an event (monotonic ns,
kind, detail) that take_events() hands over, besides the reconnecting itself.

TCP keeps no message boundaries, so received bytes go through the stream splitter
(radarbench.codecs.framing.raw), which finds the blocks by their LEN and resynchronises
after garbage. send() takes whole data blocks (one or several).
"""
from __future__ import annotations

import collections
import errno
import select
import socket
import threading
import time
from dataclasses import dataclass

from radarbench.codecs.framing import RawFramer
from radarbench.rigs.transports.base import (
    Message,
    ParsedUrl,
    Transport,
    TransportError,
    check_role,
    deadline_ns,
    named_error,
    os_detail,
    remaining_s,
)

GRAMMAR = "tcp://HOST:PORT[?listen=0|1&cats=N,N...&connect_timeout=S]"
READ_SIZE = 65536
# take_events() kinds
CONNECTION_RESET = "connection reset"
PEER_GONE = "peer gone"
RECONNECTED = "reconnected"
Event = tuple[int, str, str]  # (time.monotonic_ns(), kind, detail)


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
    """One TCP connection at a time, as client (connect) or server (listen=1).

    connections: how many peers this end has had. Events (a reset, a peer gone, a new
    connection after one was lost) pile up until take_events() drains them.
    """

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
        self._events: list[Event] = []
        self._events_lock = threading.Lock()  # the bench may send and receive from two threads
        self._lost = False  # a connection was lost: the next one is a reconnection
        self.listener: socket.socket | None = None
        if self.listen:
            try:
                self.listener = socket.create_server((self.host, self.port), reuse_port=False, backlog=4)
            except OSError as exc:
                where = f"{self.host or '*'}:{self.port}"
                problem = (f"{where} is already in use (another program or device listens there)"
                           if exc.errno == errno.EADDRINUSE else f"cannot listen on {where}: {os_detail(exc)}")
                raise named_error(url, problem, exc) from None
        else:
            self._connect()

    @property
    def local_address(self) -> tuple[str, int]:
        """The (address, port) this end is bound to (the listening one when listen=1)."""
        sock = self.listener if self.listener is not None else self.conn
        if sock is None:
            raise TransportError(f"{self.url}: not connected")
        return sock.getsockname()  # type: ignore[no-any-return]

    def take_events(self) -> list[Event]:
        """The events since the last call, oldest first, and forget them: each is
        (time.monotonic_ns(), kind, detail) with kind "connection reset", "peer gone" or
        "reconnected", detail naming the peer and the cause."""
        with self._events_lock:
            events, self._events = self._events, []
        return events

    def _event(self, kind: str, detail: str) -> None:
        with self._events_lock:
            self._events.append((time.monotonic_ns(), kind, detail))

    def _connect(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        except OSError as exc:
            raise named_error(self.url, f"cannot connect to {self.host}:{self.port}: {os_detail(exc)}", exc) from None
        self._adopt(sock, sock.getpeername())

    def _adopt(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        # Small data blocks must leave now, not wait for Nagle to batch them.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self.conn, self.peer = sock, peer
        self.connections += 1
        self.deframer.reset()  # a half block from the last peer is not the start of this one's
        if self._lost:
            self._lost = False
            self._event(RECONNECTED, f"{_show(peer)}: connection {self.connections}")

    def _drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def _lose(self, cause: BaseException | None) -> None:
        """The peer went (`cause` the error, None for an orderly close): record it and drop
        the connection, so that the next call reconnects (or accepts the next peer)."""
        if self.conn is None:
            return
        peer = _show(self.peer)
        if isinstance(cause, ConnectionResetError):
            self._event(CONNECTION_RESET, f"{peer}: {os_detail(cause)}")
        elif cause is None:
            self._event(PEER_GONE, f"{peer}: closed the connection")
        else:
            self._event(PEER_GONE, f"{peer}: {os_detail(cause)}")
        self._lost = True
        self._drop()

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
        except OSError as exc:
            self._lose(exc)
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
                    cause: OSError | None = None
                except (ConnectionResetError, TimeoutError) as exc:
                    chunk, cause = b"", exc
                rx_ns = time.monotonic_ns()
                if not chunk:  # the peer closed, or reset the connection
                    self._lose(cause)
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


def _show(peer: tuple[str, int] | None) -> str:
    return "?" if peer is None else f"{peer[0]}:{peer[1]}"


def open(url: str, role: str | None = None) -> TcpTransport:
    """Open a TCP endpoint by URL (`role` changes nothing: see the grammar above).

    Raises UrlError for a bad URL, OSError naming the URL if it cannot connect or listen.
    """
    check_role(role)
    return TcpTransport(url)
