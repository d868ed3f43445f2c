"""Check a transport URL without opening anything, and say what it points at.

`radarbench.rigs.transports.open(url)` parses a URL and opens it in one go; a rig file is
checked long before anything may be opened (and `rig check` must not disturb a live rig). The
checks here take each scheme's options with the transports' own parser (ParsedUrl, the
modules' GRAMMAR strings and take_line_settings), in the same order and with the same limits,
so an error reads exactly as `open()` would have raised it; tests/rig/test_rigfile.py holds
the two to the same messages.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from radarbench.rigs.transports import SCHEMES, UrlError
from radarbench.rigs.transports.base import ParsedUrl
from radarbench.rigs.transports.line import LINE_OPTIONS, take_line_settings

_GRAMMARS = {
    "udp": "udp://HOST:PORT[?listen=0|1&iface=ADDR&ttl=N&loop=0|1&bind=ADDR&rcvbuf=BYTES]",
    "tcp": "tcp://HOST:PORT[?listen=0|1&cats=N,N...&connect_timeout=S]",
    "serial": f"serial://DEVICE[?{LINE_OPTIONS}&rtscts=0|1&xonxoff=0|1]",
    "rfc2217": f"rfc2217://HOST:PORT[?{LINE_OPTIONS}&rtscts=0|1&xonxoff=0|1]",
    "socket": f"socket://HOST:PORT[?{LINE_OPTIONS}]",
    "pty": f"pty://PATH[?{LINE_OPTIONS}]",
    "loop": "loop://[NAME][?maxsize=N]",
    "pcap": "pcap://PATH[?speed=X | ?write=1&src=ADDR:PORT&dst=ADDR:PORT]",
}


@dataclass(frozen=True)
class Where:
    """What a URL points at, for probing and for ordering a rig's devices.

    scheme: the URL's scheme; listens: True if opening it creates the place others reach
    (pty://, udp/tcp with listen=1, pcap recording); key: the place itself
    (("line", path), ("udp", host, port), ("tcp", host, port), ("file", path), ("loop", name)).
    """

    scheme: str
    listens: bool
    key: tuple[object, ...]


def _ipv4_literal(u: ParsedUrl, name: str, value: str) -> None:
    # Names are left for the probe to resolve: a check must not wait on DNS. A bad dotted
    # quad is bad, not a name to look up (as in udp.py).
    if value.replace(".", "").isdigit():
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise u.error(f"{name} {value!r} is not an IPv4 address or a resolvable name") from None


def _categories(s: str) -> frozenset[int]:
    cats = frozenset(int(c) for c in s.split(","))
    if not cats or not all(0 <= c <= 255 for c in cats):
        raise ValueError
    return cats


def _addr(s: str) -> tuple[str, int]:
    host, _, port = s.rpartition(":")
    p = int(port)
    if not 0 <= p <= 65535:
        raise ValueError
    return str(ipaddress.IPv4Address(host)), p


def check_url(url: str) -> Where:
    """Validate `url` as the transport for its scheme would, without opening it.

    Returns where it points. Raises UrlError (one line, with the expected form) for an
    unknown scheme or a bad or unknown option.
    """
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise UrlError(
            f"{url!r}: unknown scheme {scheme if sep else '(none)'!r}; expected one of "
            + ", ".join(f"{s}://" for s in SCHEMES)
        )
    u = ParsedUrl(url, _GRAMMARS[scheme])
    if scheme == "udp":
        host, port = u.host_port(host_required=False)
        listen = u.take_bool("listen", False)
        iface = u.take_str("iface", None)
        u.take_int("ttl", -1, lo=0, hi=255)
        u.take_bool("loop", True)
        bind = u.take_str("bind", None)
        u.take_int("rcvbuf", 0, lo=0)
        u.done()
        if not host and not listen:
            raise u.error("a sender needs a HOST to send to")
        if port == 0 and not listen:
            raise u.error("a sender needs a PORT other than 0")
        for name, value in (("HOST", host), ("iface", iface), ("bind", bind)):
            if value:
                _ipv4_literal(u, name, value)
        return Where(scheme, listen, ("udp", host or "0.0.0.0", port))
    if scheme == "tcp":
        host, port = u.host_port(host_required=False)
        listen = u.take_bool("listen", False)
        u.take("cats", None, _categories, "a comma-separated list of categories 0..255")
        u.take_float("connect_timeout", 5.0)
        u.done()
        if not listen and (not host or port == 0):
            raise u.error("connecting needs a HOST and a PORT other than 0")
        return Where(scheme, listen, ("tcp", host or "0.0.0.0", port))
    if scheme in ("serial", "rfc2217", "socket"):
        take_line_settings(u, pace_default=False)
        if scheme == "serial":
            target = u.path()
        else:
            host, port = u.host_port()
            target = f"{host}:{port}"
        if scheme != "socket":
            u.take_bool("rtscts", False)
            u.take_bool("xonxoff", False)
        u.done()
        key = ("line", target) if scheme == "serial" else (scheme, target)
        return Where(scheme, False, key)
    if scheme == "pty":
        path = u.path()
        take_line_settings(u, pace_default=True)
        u.done()
        return Where(scheme, True, ("line", path))
    if scheme == "loop":
        name = (u.parts.netloc + u.parts.path) or None
        u.take_int("maxsize", 0, lo=0)
        u.done()
        return Where(scheme, False, ("loop", name))
    # pcap
    path = u.path()
    write = u.take_bool("write", False)
    if write:
        u.take("src", None, _addr, "an IPv4 ADDR:PORT")
        u.take("dst", None, _addr, "an IPv4 ADDR:PORT")
    else:
        u.take_float("speed", 1.0)
    u.done()
    return Where(scheme, write, ("file", path))


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


__all__ = ["Where", "check_url", "url_options", "url_parts"]
