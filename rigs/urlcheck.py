"""Check a transport URL without opening anything, and say what it points at.

A rig file is checked long before anything may be opened (and `rig check` must not disturb a
live rig). Each transport module parses its URL apart from opening it (its ``parse``), so the
checks here are the transports' own, and an error reads exactly as ``open()`` would raise it.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from radarbench.rigs.transports import module_for, udp


def _is_multicast(host: str) -> bool:
    # A name is not resolved here (nothing is looked up while checking): only a dotted group.
    try:
        return ipaddress.IPv4Address(host).is_multicast
    except ValueError:
        return False


@dataclass(frozen=True)
class Where:
    """What a URL points at, for probing and for ordering a rig's devices.

    scheme: the URL's scheme; listens: True if opening it (for the role it was checked for)
    creates the place others reach (pty://, udp opened to receive or with listen=1, tcp with
    listen=1, pcap recording); key: the place itself (("line", path), ("udp", host, port),
    ("tcp", host, port), ("file", path), ("loop", name)); multicast: a udp:// group, where
    several listeners on one host are normal.
    """

    scheme: str
    listens: bool
    key: tuple[object, ...]
    multicast: bool = False

    def shares_port_with(self, other: Where) -> bool:
        """True if this listener and `other` would take the same unicast port: same scheme and
        port, and the same address or either one every address (0.0.0.0). Multicast groups,
        non-listeners, port 0 and places without a port never do."""
        if not (self.listens and other.listens) or self.multicast or other.multicast:
            return False
        if self.scheme not in ("udp", "tcp") or self.scheme != other.scheme or self.key[2] != other.key[2]:
            return False
        if self.key[2] == 0:  # port 0: each gets a free port of its own
            return False
        return self.key[1] == other.key[1] or "0.0.0.0" in (self.key[1], other.key[1])


def check_url(url: str, role: str | None = None) -> Where:
    """Validate `url` as the transport for its scheme would when opened for `role` ("send",
    "recv" or None; see radarbench.rigs.transports.open), without opening it.

    Returns where it points. Raises UrlError (one line, with the expected form) for an
    unknown scheme or a bad or unknown option.
    """
    scheme = url.partition("://")[0]
    if scheme == "udp":
        u = udp.parse(url, role)
        multicast = _is_multicast(u.host)
        return Where(scheme, u.listen, ("udp", u.host or "0.0.0.0", u.port), multicast)
    o = module_for(url).parse(url)
    if scheme == "tcp":
        return Where(scheme, o.listen, ("tcp", o.host or "0.0.0.0", o.port))
    if scheme in ("serial", "rfc2217", "socket"):
        target = o[0]
        if scheme == "serial":
            return Where(scheme, False, ("line", target))
        return Where(scheme, False, (scheme, target.split("://", 1)[1]))
    if scheme == "pty":
        return Where(scheme, True, ("line", o[0]))
    if scheme == "loop":
        return Where(scheme, False, ("loop", o[0]))
    return Where(scheme, o.write, ("file", o.path))  # pcap


def url_parts(url: str) -> dict[str, str]:
    """The parts a rig file may refer to as {NAME.part}: url, host, port, path.

    host and port are empty for URLs without them; path is what follows 'scheme://' up to
    the options (a device or file name).
    """
    parts = urlsplit(url)
    try:
        port = "" if parts.port is None else str(parts.port)
    except ValueError:
        port = ""
    path = parts.netloc + parts.path if parts.scheme in ("serial", "pty", "pcap", "loop") else parts.path
    return {"url": url, "host": parts.hostname or "", "port": port, "path": path}


def url_options(url: str) -> dict[str, str]:
    """The query options of `url` as a dict (last one wins); {} if it has none."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def hears_itself(send_url: str, recv_url: str) -> str | None:
    """Why a bench that sends to `send_url` and receives on `recv_url` would hear its own
    probes, or None: both the same UDP multicast group and port. A datagram sent to a group
    reaches every member on the host, the sender's own receiver included; on the loopback
    interface IP_MULTICAST_LOOP (loop=0) does not stop that (lo delivers it anyway), so the
    run would measure the host's loopback, not a link, and say OK with no device at all.
    Raises UrlError for a bad URL."""
    tx, rx = check_url(send_url, "send"), check_url(recv_url, "recv")
    if not (tx.multicast and rx.multicast and tx.key == rx.key):
        return None
    return (f"the bench would send to and receive on the same multicast group {tx.key[1]}:{tx.key[2]}, "
            f"and hear its own probes (loop=0 does not prevent it on the loopback interface): "
            f"a device must be between, receiving on one group or port and sending on another")


__all__ = ["Where", "check_url", "hears_itself", "url_options", "url_parts"]


def _loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def runs_here(url: str) -> str | None:
    """Why the device at the far end of ``url`` must run on this host (it then shares this
    host's CPUs with the bench), or None when nothing says so (a real serial port, another
    address). Loopback addresses and pseudo-terminals are this host's by definition; the
    in-process ``loop://`` is the bench's own. Never raises: a URL that does not parse says
    nothing."""
    try:
        where = check_url(url)
    except Exception:
        return None
    if where.scheme in ("udp", "tcp") and len(where.key) > 1 and _loopback(where.key[1]):
        return f"{url} is a loopback address"
    if where.scheme == "loop":
        return f"{url} runs inside the bench"
    if where.key and where.key[0] == "line":
        if where.scheme == "pty":
            return f"{url} is a pseudo-terminal of this host"
        try:
            real = os.path.realpath(str(where.key[1]))
        except (OSError, ValueError):
            return None
        if real.startswith("/dev/pts/") or real == "/dev/ptmx":
            return f"{url} is a pseudo-terminal of this host ({real})"
    return None
