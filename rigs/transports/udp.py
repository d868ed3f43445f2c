# udp://HOST:PORT[?listen=0|1&iface=ADDR|NAME&ttl=N&loop=0|1&bind=ADDR&rcvbuf=BYTES]
#
# What the URL does follows the role it is opened for (transports.open(url, role)):
# role "recv" (the bench's --recv, a device's --in, a rig endpoint the bench receives on):
#   bind HOST:PORT and receive what is sent there, as socat, iperf and GStreamer do
#   (udp://:8600 is every address; bind=ADDR overrides the address bound); HOST a multicast
#   group: bind the group's port and join it on iface. send() replies to the last sender.
# role "send" (the bench's --send, a device's --out) or no role: send datagrams to HOST:PORT
#   from an ephemeral port (bind=ADDR picks the local address) and receive the replies that
#   come back to that port. The bench's --recv equal to its --send is that same socket.
# listen=1 / listen=0, when given, override the role: listen=1 binds HOST:PORT whatever the
#   role (a sender that waits to be spoken to, and replies); listen=0 makes a sending socket
#   even for role "recv" (an end that speaks first and hears only replies to its own port).
# A unicast HOST:PORT is bound exclusively (no SO_REUSEADDR): a port that another socket holds
#   is an OSError naming the URL, not two listeners of which one silently hears nothing.
#   Multicast listeners share group and port (SO_REUSEADDR): several on one host are normal.
# HOST a multicast group (224.0.0.0/4): the sender sends through iface with ttl (default 1)
#   and loop (default 1: local listeners hear it). iface is an interface's IPv4 address
#   (iface=10.0.0.5) or its name (iface=eth0, iface=lo); default: the kernel's choice. ttl on
#   a unicast sender sets IP_TTL (default: the system's). rcvbuf sets SO_RCVBUF. IPv4 only.
# Every socket counts the datagrams the kernel dropped because its receive queue was full
#   (SO_RXQ_OVFL): UdpTransport.rx_queue_drops.
"""UDP datagrams, unicast and multicast: one datagram is one message.

Received datagrams carry the kernel's receive time (SO_TIMESTAMPNS) as Message.rx_kernel_ns,
and the kernel's count of datagrams it dropped for want of queue space (SO_RXQ_OVFL) updates
UdpTransport.rx_queue_drops.
"""
from __future__ import annotations

import builtins
import errno
import fcntl
import ipaddress
import os
import socket
import struct
import time
from dataclasses import dataclass

from radarbench.rigs.transports.base import (
    Message, ParsedUrl, Transport, TransportError, UrlError, check_role, named_error, os_detail,
)

GRAMMAR = "udp://HOST:PORT[?listen=0|1&iface=ADDR|NAME&ttl=N&loop=0|1&bind=ADDR&rcvbuf=BYTES]"
MAX_DATAGRAM = 65535
# Linux values; the socket module does not export them all.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
# The receive queue a receiver that must not drop takes (widen_rcvbuf): the bench's receiver
# and the impairer's --in both read bursts a device released faster than Python parses them
WIDE_RCVBUF_BYTES = 8 << 20
_TIMESPEC = struct.Struct("@qq")  # struct timespec on 64-bit Linux: tv_sec, tv_nsec
_DROPS = struct.Struct("@I")      # SO_RXQ_OVFL: the socket's drop count (u32) when this datagram was queued
_IP_MREQN = struct.Struct("@4s4si")  # struct ip_mreqn: group, local address, interface index
_SIOCGIFADDR = 0x8915
_ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size) + socket.CMSG_SPACE(_DROPS.size)


@dataclass(frozen=True)
class UdpOptions:
    """A udp:// URL's parts, checked; names not yet resolved.

    listen: the URL binds HOST:PORT (from listen= if given, else from the role).
    """

    host: str
    port: int
    listen: bool
    iface: str | None
    ttl: int          # -1: not given
    loop: bool
    bind: str | None
    rcvbuf: int


def parse(url: str, role: str | None = None) -> UdpOptions:
    """The options of a udp:// URL opened for `role`, checked without opening or resolving
    anything (an iface name is looked up at open).

    Raises UrlError (one line, with the expected form); ValueError for an unknown role.
    """
    check_role(role)
    u = ParsedUrl(url, GRAMMAR)
    host, port = u.host_port(host_required=False)
    listen = u.take_bool("listen", role == "recv")
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


def _interface(url: str, iface: str) -> tuple[str, int]:
    """(IPv4 address, interface index) of `iface`: an interface name (its index, and its first
    IPv4 address, so that datagrams leave from it; 0.0.0.0 if it has none) or an address
    (index 0). Raises UrlError naming the URL and the interface if it is
    neither an interface of this machine nor an IPv4 address or resolvable name."""
    try:
        index = socket.if_nametoindex(iface)
    except OSError:
        index = 0
    if index:
        return _interface_address(iface), index
    try:
        return str(ipaddress.IPv4Address(socket.gethostbyname(iface))), 0
    except (OSError, ValueError):
        try:
            names = ", ".join(name for _, name in socket.if_nameindex())
        except OSError:  # pragma: no cover - no interface list on this system
            names = "?"
        raise UrlError(f"{url}: iface {iface!r} is neither a network interface of this machine "
                       f"({names}) nor an IPv4 address") from None


def _interface_address(name: str) -> str:
    """The first IPv4 address of interface `name` (SIOCGIFADDR), or 0.0.0.0 if it has none."""
    request = struct.pack("256s", name.encode()[:15])
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            reply = fcntl.ioctl(s.fileno(), _SIOCGIFADDR, request)
    except OSError:
        return "0.0.0.0"
    return socket.inet_ntoa(reply[20:24])  # struct ifreq: name[16], sockaddr_in (family, port, addr)


def _ip_mreqn(group: str, address: str, index: int) -> bytes:
    return _IP_MREQN.pack(socket.inet_aton(group), socket.inet_aton(address), index)


class UdpTransport(Transport):
    """A UDP socket that sends to, or listens on, HOST:PORT (see the grammar above).

    listen: this socket is bound to HOST:PORT (else it sends to it from an ephemeral port);
    multicast: HOST is a group; rx_queue_drops: datagrams the kernel dropped on this socket
    because its receive queue was full, cumulative since it opened (from SO_RXQ_OVFL, as of
    the last datagram received; refresh_rx_queue_drops() reads the kernel's count now).
    """

    def __init__(self, url: str, role: str | None = None) -> None:
        o = parse(url, role)
        self.listen = o.listen
        host, port, ttl, loop, rcvbuf = o.host, o.port, o.ttl, o.loop, o.rcvbuf
        group = _ipv4(url, "HOST", host) if host else "0.0.0.0"
        iface_addr, iface_index = _interface(url, o.iface) if o.iface else ("0.0.0.0", 0)
        bind_addr = _ipv4(url, "bind", o.bind) if o.bind else None
        self.multicast = ipaddress.IPv4Address(group).is_multicast

        self.url = url
        self.rx_queue_drops = 0
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
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
                self.counts_drops = True
            except OSError:  # not Linux: rx_queue_drops stays 0 and says nothing
                self.counts_drops = False
            if self.listen:
                if self.multicast:
                    # Several listeners (bench and a Wireshark-like tap, or two benches) may
                    # share a multicast group and port on one host. Never on unicast: there the
                    # kernel gives each datagram to one of them, and the other hears nothing.
                    self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                # Binding the group (not 0.0.0.0) keeps out other groups on the same port.
                self._bind(bind_addr or group, port)
                if self.multicast:
                    shown = o.iface or "the default interface"
                    try:
                        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                                             _ip_mreqn(group, iface_addr, iface_index))
                    except OSError as exc:
                        raise named_error(url, f"cannot join {group} on {shown}: {os_detail(exc)}", exc) from None
            else:
                self._bind(bind_addr or "0.0.0.0", 0)
                if self.multicast:
                    # TTL 1 by default: radar feeds must not leak off the lab segment.
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1 if ttl < 0 else ttl)
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, int(loop))
                    if o.iface:
                        try:
                            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                                                 _ip_mreqn("0.0.0.0", iface_addr, iface_index))
                        except OSError as exc:
                            raise named_error(url, f"cannot send through {o.iface}: {os_detail(exc)}", exc) from None
                elif ttl >= 0:  # unicast keeps the system's TTL unless told
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        except BaseException:
            self.sock.close()
            raise

    def _bind(self, address: str, port: int) -> None:
        """Bind the socket; an OSError naming the URL (and saying "in use" when it is)."""
        try:
            self.sock.bind((address, port))
        except OSError as exc:
            where = f"{address}:{port}" if port else address
            if exc.errno == errno.EADDRINUSE:
                problem = f"{where} is already in use (another program or device receives there)"
            elif exc.errno == errno.EADDRNOTAVAIL:
                problem = f"cannot bind {where}: {address} is not an address of this machine"
            else:
                problem = f"cannot bind {where}: {os_detail(exc)}"
            raise named_error(self.url, problem, exc) from None

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

    def widen_rcvbuf(self, nbytes: int = WIDE_RCVBUF_BYTES) -> None:
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
            data, anc, _flags, source = self.sock.recvmsg(MAX_DATAGRAM, _ANCILLARY)
        except (socket.timeout, BlockingIOError):
            return None
        rx_ns = time.monotonic_ns()
        kernel_ns = None
        for level, kind, payload in anc:
            if level != socket.SOL_SOCKET:
                continue
            if kind == SO_TIMESTAMPNS and len(payload) >= _TIMESPEC.size:
                sec, nsec = _TIMESPEC.unpack_from(payload)
                kernel_ns = sec * 1_000_000_000 + nsec
            elif kind == SO_RXQ_OVFL and len(payload) >= _DROPS.size:
                # The count when this datagram was queued: drops after the last one queued
                # show on the next datagram (or in refresh_rx_queue_drops()).
                self.rx_queue_drops = max(self.rx_queue_drops, _DROPS.unpack_from(payload)[0])
        if self.listen:
            self.peer = source
        return Message(data, rx_ns, kernel_ns, source)

    def refresh_rx_queue_drops(self) -> int:
        """Read the kernel's drop count of this socket now (Linux /proc/net/udp), so that drops
        after the last datagram received count too; update and return rx_queue_drops.

        Cost: one read of /proc/net/udp (a line per UDP socket of the host); call it at the end
        of a run, not per datagram. Where /proc is missing, returns rx_queue_drops unchanged.
        """
        now = kernel_drops(self.sock)
        if now is not None:
            self.rx_queue_drops = max(self.rx_queue_drops, now)
        return self.rx_queue_drops

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sock.close()


def kernel_drops(sock: socket.socket) -> int | None:
    """The kernel's count of datagrams dropped on `sock` (the drops column of /proc/net/udp
    for its inode), or None where it cannot be read."""
    try:
        inode = str(os.fstat(sock.fileno()).st_ino)
        with builtins.open("/proc/net/udp", encoding="ascii") as f:
            next(f, None)
            for line in f:
                fields = line.split()
                if len(fields) >= 13 and fields[9] == inode:
                    return int(fields[-1])
    except (OSError, ValueError):
        return None
    return None


def open(url: str, role: str | None = None) -> UdpTransport:
    """Open a UDP endpoint by URL for `role` ("recv" binds, "send" or None sends; listen=
    overrides). Raises UrlError for a bad URL or an unknown iface, OSError naming the URL if
    the socket cannot bind or join (a unicast port in use included)."""
    return UdpTransport(url, role)

