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
# A connection quiet for this long has its waiting block judged on what has arrived
# (StreamDecoder.flush), so that a bogus header does not hold the real blocks behind it until
# more traffic comes. On a LAN a block's segments follow each other within microseconds; the
# longest pause inside one comes from a peer that writes a block in pieces with Nagle on
# (this end sets TCP_NODELAY; a radar's server may not): its next piece waits for our delayed
# ACK, 40 ms to 200 ms on Linux and Windows. Flushing in such a pause is harmless but for rare
# cases (flush gives a waiting block up only when a chain of whole blocks it can vouch for
# ends exactly at the last octet received: see codecs/asterix/stream.py).
IDLE_FLUSH_S = 0.25
# take_events() kinds
CONNECTION_RESET = "connection reset"
PEER_GONE = "peer gone"
RECONNECTED = "reconnected"
Event = tuple[int, str, str]  # (time.monotonic_ns(), kind, detail)
_Held = tuple[socket.socket, int, "tuple[str, int] | None"]  # a connection in use: socket, generation, peer


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

    Threads: one thread may send while another receives (the bench does so when --send is
    --recv). The connection state (conn, peer, the reconnect schedule, sockets to close) is
    guarded by one lock that is never held across a blocking call: send() and recv() take a
    reference to the current socket under the lock and do their I/O outside it. The thread
    that sees the peer go records it and drops the connection; a socket another thread is
    still using is shut down at once (which wakes that thread's select or recv) and closed
    when the last user lets go, so its descriptor is never reused under a reader. A recv() on
    a connection another thread dropped waits for the reconnect (up to its timeout); a send()
    on it raises the OSError that dropped it.

    Reconnecting (client): the first attempt after a loss is at once (a peer that reset and
    accepts again is back in a moment), then attempts are paced RETRY_FIRST_S, doubling up to
    RETRY_MAX_S apart, each bounded by connect_timeout, one at a time whichever thread asks.
    Between attempts send() raises the last attempt's error at once (an open-loop sender must
    not block) and recv() waits for the next attempt, then raises it if it failed: a dead peer
    is a stream of errors (one fault episode to the end), never a connect() per message.
    """

    RETRY_FIRST_S = 0.05
    RETRY_MAX_S = 1.0

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
        self._events_lock = threading.Lock()
        # Connection state; see the class docstring. A Condition so that a recv() waiting for
        # another thread's reconnect wakes as soon as it is made.
        self._cond = threading.Condition(threading.Lock())
        self._gen = 0  # bumped by every new connection
        self._rx_gen = 0  # the connection the deframer's partial block came from
        self.idle_flush_s = IDLE_FLUSH_S
        self._flush_due_ns: int | None = None  # when to flush, while octets wait in the deframer
        self._last_rx_ns = 0
        self._users: dict[socket.socket, int] = {}  # sockets in use outside the lock, and by how many
        self._retired: list[socket.socket] = []  # dropped, to close once unused
        self._connecting = False  # a thread is connecting (outside the lock)
        self._next_attempt_ns = 0  # no connect attempt before this (client)
        self._retry_s = 0.0  # the pause after the next failed attempt (0: none failed yet)
        self._last_error: OSError | None = None  # why the last connect attempt failed, or the loss
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
            self.listener.setblocking(False)  # two threads may race to accept: the loser must not block
        else:
            sock = self._dial()  # the first connection: its failure is the caller's error
            with self._cond:
                self._adopt(sock, sock.getpeername())

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

    # -- connection state; methods named _locked_* are called with self._cond held

    def _dial(self) -> socket.socket:
        """One connect attempt (no lock held). Raises OSError naming the URL."""
        try:
            return socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        except OSError as exc:
            raise named_error(self.url, f"cannot connect to {self.host}:{self.port}: {os_detail(exc)}", exc) from None

    def _adopt(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        # with self._cond held
        # Small data blocks must leave now, not wait for Nagle to batch them.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self.conn, self.peer = sock, peer
        self.connections += 1
        self._gen += 1  # the receiver resets its deframer: a half block from the last peer is not this one's
        self._retry_s = 0.0
        self._last_error = None
        if self._lost:
            self._lost = False
            self._event(RECONNECTED, f"{_show(peer)}: connection {self.connections}")
        self._cond.notify_all()

    def _locked_drop(self, sock: socket.socket | None = None) -> None:
        """Drop `sock` (default: the current connection) if it is still the current one: shut
        it down now (waking a thread blocked on it), close it once no thread uses it."""
        sock = self.conn if sock is None else sock
        if sock is None or sock is not self.conn:
            return
        self.conn = None
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already reset or closed by the peer
        if self._users.get(sock):
            self._retired.append(sock)
        else:
            sock.close()

    def _drop(self) -> None:
        """Hang up the current connection (no event: this end chose to)."""
        with self._cond:
            self._locked_drop()

    def _hold(self) -> _Held | None:
        # with self._cond held: the current connection, marked in use, or None
        sock = self.conn
        if sock is None:
            return None
        self._users[sock] = self._users.get(sock, 0) + 1
        return sock, self._gen, self.peer

    def _release(self, sock: socket.socket) -> None:
        with self._cond:
            n = self._users.pop(sock) - 1
            if n:
                self._users[sock] = n
            elif sock in self._retired:
                self._retired.remove(sock)
                sock.close()

    def _lose(self, sock: socket.socket, cause: BaseException | None) -> bool:
        """The peer of `sock` went (`cause` the error, None for an orderly close): record it
        and drop the connection, so that the next call reconnects (or accepts the next peer).
        False if `sock` was no longer the connection (another thread saw the loss first)."""
        with self._cond:
            if sock is not self.conn:
                return False
            peer = _show(self.peer)
            if isinstance(cause, ConnectionResetError):
                self._event(CONNECTION_RESET, f"{peer}: {os_detail(cause)}")
            elif cause is None:
                self._event(PEER_GONE, f"{peer}: closed the connection")
            else:
                self._event(PEER_GONE, f"{peer}: {os_detail(cause)}")
            if isinstance(cause, OSError):
                self._last_error = named_error(self.url, f"{peer}: {os_detail(cause)}", cause)
            else:
                self._last_error = named_error(self.url, f"{peer}: closed the connection",
                                               BrokenPipeError(errno.EPIPE, "closed"))
            self._lost = True
            self._next_attempt_ns = 0  # the first attempt after a loss is at once
            self._retry_s = 0.0
            self._locked_drop(sock)
            self._cond.notify_all()
            return True

    def _again(self) -> OSError:
        # with self._cond held: the error a caller gets while there is no connection
        err = self._last_error
        if err is None:
            return TransportError(f"{self.url}: not connected")
        return named_error(self.url, str(err).removeprefix(f"{self.url}: "), err)

    def _try_connect(self) -> None:
        """(client, lock held on entry and exit) One paced attempt, the lock released while
        it connects. Raises its OSError if it failed."""
        self._connecting = True
        self._cond.release()
        try:
            try:
                sock = self._dial()
                peer = sock.getpeername()
            except OSError as exc:
                failed: OSError | None = exc
            else:
                failed = None
        finally:
            self._cond.acquire()
            self._connecting = False
        if self.closed:
            if failed is None:
                sock.close()
            self._cond.notify_all()
            raise TransportError(f"{self.url}: closed")
        if failed is not None:
            self._lost = True
            self._last_error = failed
            self._retry_s = min(max(self._retry_s * 2, self.RETRY_FIRST_S), self.RETRY_MAX_S)
            self._next_attempt_ns = time.monotonic_ns() + int(self._retry_s * 1e9)
            self._cond.notify_all()
            raise named_error(self.url, str(failed).removeprefix(f"{self.url}: "), failed)
        self._adopt(sock, peer)

    def _locked_accept(self) -> bool:
        # (listener, lock held) take a waiting peer if there is one
        assert self.listener is not None
        try:
            sock, peer = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return False
        self._adopt(sock, peer)
        return True

    def _acquire(self, wait_s: float | None, sending: bool) -> _Held | None:
        """The current connection, marked in use (release it with _release), getting one if
        there is none: a client connects (paced, see the class docstring), a listener accepts.
        None if none came within wait_s. Raises OSError (a failed connect, or for a sender the
        error that ended the connection until the next attempt is due), TransportError if
        closed or listening with no peer and sending."""
        end = deadline_ns(wait_s)
        listener = self.listener
        with self._cond:
            while True:
                if self.closed:
                    raise TransportError(f"{self.url}: closed")
                held = self._hold()
                if held is not None:
                    return held
                if listener is not None:
                    if self._locked_accept():
                        continue
                    if sending:
                        raise TransportError(f"{self.url}: no peer connected")
                    left = remaining_s(end)
                    if left is not None and left <= 0:
                        return None
                    # wait for a peer outside the lock (another thread may accept it first)
                    self._cond.release()
                    try:
                        select.select([listener], [], [], min(left, 0.05) if left is not None else 0.05)
                    except (OSError, ValueError):
                        pass  # closed under us: the loop says so
                    finally:
                        self._cond.acquire()
                    continue
                now = time.monotonic_ns()
                if not self._connecting and now >= self._next_attempt_ns:
                    self._try_connect()
                    continue
                if sending:
                    raise self._again()  # not due yet, or another thread is at it: fail at once
                # wait for the next attempt (ours or the other thread's), up to wait_s
                due_ns = self._next_attempt_ns if not self._connecting else now + int(self.connect_timeout_s * 1e9)
                wake_ns = due_ns if end is None else min(due_ns, end)
                if wake_ns > now:
                    self._cond.wait((wake_ns - now) / 1e9)
                    continue
                # the wait is over and there is still no connection
                raise self._again()

    def send(self, data: bytes) -> None:
        """Send whole data blocks to the peer (connecting again if it went away and an
        attempt is due).

        Raises ValueError if `data` is not whole data blocks, TransportError if listening with
        no peer connected, OSError if the connection fails or is down.
        """
        data = self.framer.encode(data)
        held = self._acquire(0, sending=True)
        assert held is not None
        sock = held[0]
        try:
            sock.sendall(data)
        except OSError as exc:
            self._lose(sock, exc)
            raise
        finally:
            self._release(sock)

    def recv(self, timeout: float | None = None) -> Message | None:
        """Return the next data block, or None after `timeout` seconds.

        A peer that closes is dropped (and, when listening, the next one accepted); a client
        returns None then, and connects again on a later call (paced: see the class
        docstring). Raises OSError if connecting fails, or if no connection came back within
        `timeout` after an earlier failure.
        """
        end = deadline_ns(timeout)
        while not self._pending:
            held = self._acquire(remaining_s(end), sending=False)
            if held is None:
                return None
            sock, gen, peer = held
            wait_s = remaining_s(end)
            due = self._flush_due_ns if gen == self._rx_gen else None
            if due is not None:  # octets wait in the splitter: wake when the connection is quiet
                quiet_s = max(0.0, (due - time.monotonic_ns()) / 1e9)
                wait_s = quiet_s if wait_s is None else min(wait_s, quiet_s)
            try:
                try:
                    ready, _, _ = select.select([sock], [], [], wait_s)
                    chunk = sock.recv(READ_SIZE) if ready else None
                    cause: OSError | None = None
                except (ConnectionResetError, TimeoutError) as exc:
                    chunk, cause = b"", exc
                except (OSError, ValueError) as exc:
                    if sock is self.conn and isinstance(exc, OSError):
                        raise
                    # another thread dropped this connection under us (it recorded the
                    # loss): wait for the next one
                    continue
            finally:
                self._release(sock)
            rx_ns = time.monotonic_ns()
            if chunk is None:
                if due is not None and rx_ns >= due:
                    self._flush_due_ns = None  # once per quiet spell
                    # stamped when their last octet arrived: the wait was the splitter's
                    for block in self.deframer.flush():
                        self._pending.append(Message(block, self._last_rx_ns, None, peer))
                    continue
                if end is not None and rx_ns >= end:
                    return None
                continue
            if not chunk:  # the peer closed, or reset the connection
                self._lose(sock, cause)
                if self.listener is None:
                    return None  # reconnect at the next call, not in a tight loop now
                continue
            if gen != self._rx_gen:
                self._rx_gen = gen
                self.deframer.reset()  # a half block from the last peer is not the start of this one's
            for block in self.deframer.feed(chunk):
                self._pending.append(Message(block, rx_ns, None, peer))
            self._last_rx_ns = rx_ns
            self._flush_due_ns = rx_ns + int(self.idle_flush_s * 1e9) if self.deframer.buffered else None
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
        with self._cond:
            if self.closed:
                return
            self.closed = True
            self._locked_drop()
            if self.listener is not None:
                self.listener.close()
            self._cond.notify_all()


def _show(peer: tuple[str, int] | None) -> str:
    return "?" if peer is None else f"{peer[0]}:{peer[1]}"


def open(url: str, role: str | None = None) -> TcpTransport:
    """Open a TCP endpoint by URL (`role` changes nothing: see the grammar above).

    Raises UrlError for a bad URL, OSError naming the URL if it cannot connect or listen.
    """
    check_role(role)
    return TcpTransport(url)
