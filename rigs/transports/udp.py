# udp://HOST:PORT[?listen=0|1&iface=ADDR&ttl=N&loop=0|1&bind=ADDR&rcvbuf=BYTES]
#
# listen=0 (default): send datagrams to HOST:PORT from an ephemeral port (bind=ADDR picks the
#   local address) and receive the replies that come back to it.
# listen=1: bind HOST:PORT and receive (HOST may be empty: udp://:8600?listen=1 is every
#   address; bind=ADDR overrides the address bound); send() replies to the last sender.
# HOST a multicast group (224.0.0.0/4): the listener joins it on iface (default: the kernel's
#   choice); the sender sends through iface with ttl (default 1) and loop (default 1: local
#   listeners hear it). ttl on a unicast sender sets IP_TTL (default: the system's).
#   rcvbuf sets SO_RCVBUF. IPv4 only.
"""UDP datagrams, unicast and multicast: one datagram is one message.

Received datagrams carry the kernel's receive time (SO_TIMESTAMPNS) as Message.rx_kernel_ns.
"""
from __future__ import annotations

import ipaddress
import socket
import struct
import time
from dataclasses import dataclass

from radarbench.rigs.transports.base import Message, ParsedUrl, Transport, TransportError, UrlError

GRAMMAR = "udp://HOST:PORT[?listen=0|1&iface=ADDR&ttl=N&loop=0|1&bind=ADDR&rcvbuf=BYTES]"
MAX_DATAGRAM = 65535
# Linux values; the socket module does not export them.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
_TIMESPEC = struct.Struct("@qq")  # struct timespec on 64-bit Linux: tv_sec, tv_nsec


@dataclass(frozen=True)
class UdpOptions:
    """A udp:// URL's parts, checked; names not yet resolved."""

    host: str
    port: int
    listen: bool
    iface: str | None
    ttl: int          # -1: not given
    loop: bool
    bind: str | None
    rcvbuf: int


def parse(url: str) -> UdpOptions:
    """The options of a udp:// URL, checked without opening or resolving anything.

    Raises UrlError (one line, with the expected form).
    """
    u = ParsedUrl(url, GRAMMAR)
    host, port = u.host_port(host_required=False)
    listen = u.take_bool("listen", False)
    iface = u.take_str("iface", None)
    ttl = u.take_int("ttl", -1, lo=0, hi=255)
    loop = u.take_bool("loop", True)
    bind = u.take_str("bind", None)
    rcvbuf = u.take_int("rcvbuf", 0, lo=0)
    u.done()
    if not host and not listen:
        raise u.error("a sender needs a HOST to send to")
    if port == 0 and not listen:
        raise u.error("a sender needs a PORT other than 0")
    for name, value in (("HOST", host), ("iface", iface), ("bind", bind)):
        if value and value.replace(".", "").isdigit():  # a bad dotted quad is bad, not a name
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                raise _not_ipv4(u, name, value) from None
    return UdpOptions(host, port, listen, iface, ttl, loop, bind, rcvbuf)


def _not_ipv4(u: ParsedUrl, name: str, value: str) -> UrlError:
    return u.error(f"{name} {value!r} is not an IPv4 address or a resolvable name")


def _ipv4(url: str, name: str, value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(socket.gethostbyname(value)))
    except (OSError, ValueError):
        raise _not_ipv4(ParsedUrl(url, GRAMMAR), name, value) from None


class UdpTransport(Transport):
    """A UDP socket that sends to, or listens on, HOST:PORT."""

    def __init__(self, url: str) -> None:
        o = parse(url)
        self.listen = o.listen
        host, port, ttl, loop, rcvbuf = o.host, o.port, o.ttl, o.loop, o.rcvbuf
        group = _ipv4(url, "HOST", host) if host else "0.0.0.0"
        iface_addr = _ipv4(url, "iface", o.iface) if o.iface else None
        bind_addr = _ipv4(url, "bind", o.bind) if o.bind else None
        self.multicast = ipaddress.IPv4Address(group).is_multicast

        self.url = url
        self._rcvbuf_given = bool(rcvbuf)
        self.peer: tuple[str, int] | None = None if self.listen else (group, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            if rcvbuf:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                self.kernel_stamps = True
            except OSError:  # not Linux: no kernel stamps, rx_kernel_ns stays None
                self.kernel_stamps = False
            if self.listen:
                # Several listeners (bench and a Wireshark-like tap, or two benches) may share
                # a multicast group and port on one host.
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                # Binding the group (not 0.0.0.0) keeps out other groups on the same port.
                self.sock.bind((bind_addr or group, port))
                if self.multicast:
                    mreq = socket.inet_aton(group) + socket.inet_aton(iface_addr or "0.0.0.0")
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            else:
                self.sock.bind((bind_addr or "0.0.0.0", 0))
                if self.multicast:
                    # TTL 1 by default: radar feeds must not leak off the lab segment.
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1 if ttl < 0 else ttl)
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, int(loop))
                    if iface_addr:
                        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface_addr))
                elif ttl >= 0:  # unicast keeps the system's TTL unless told
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        except BaseException:
            self.sock.close()
            raise

    def hear_unreachable(self) -> None:
        """Connect a unicast sender to its peer, so that ICMP port unreachable comes back as
        ConnectionRefusedError on a later send or recv (an unconnected socket never hears
        of it on Linux). Listeners and multicast senders are left as they are. The socket
        then receives from its peer only."""
        if self.listen or self.multicast or self.peer is None:
            return
        try:
            self.sock.connect(self.peer)
        except OSError:
            pass

    def widen_rcvbuf(self, nbytes: int) -> None:
        """Take a receive buffer of ``nbytes`` (past rmem_max where privileged), unless the
        URL chose rcvbuf; as much as the system allows otherwise."""
        if self._rcvbuf_given:
            return
        for option in (_SO_RCVBUFFORCE, socket.SO_RCVBUF):
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, option, nbytes)
                return
            except OSError:
                continue

    @property
    def local_address(self) -> tuple[str, int]:
        """The (address, port) this socket is bound to."""
        return self.sock.getsockname()  # type: ignore[no-any-return]

    def send(self, data: bytes) -> None:
        """Send one datagram to HOST:PORT (or, when listening, to the last sender).

        Raises TransportError if a listener has heard nobody yet, OSError if sending fails.
        """
        if self.peer is None:
            raise TransportError(f"{self.url}: nobody to reply to yet")
        self.sock.sendto(data, self.peer)

    def recv(self, timeout: float | None = None) -> Message | None:
        """Return the next datagram, or None after `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            data, anc, _flags, source = self.sock.recvmsg(MAX_DATAGRAM, 64)
        except (socket.timeout, BlockingIOError):
            return None
        rx_ns = time.monotonic_ns()
        kernel_ns = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= _TIMESPEC.size:
                sec, nsec = _TIMESPEC.unpack_from(payload)
                kernel_ns = sec * 1_000_000_000 + nsec
        if self.listen:
            self.peer = source
        return Message(data, rx_ns, kernel_ns, source)

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sock.close()


def open(url: str) -> UdpTransport:
    """Open a UDP endpoint by URL. Raises UrlError for a bad URL, OSError if the socket fails."""
    return UdpTransport(url)

