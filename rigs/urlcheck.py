"""Check a transport URL without opening anything, and say what it points at.

A rig file is checked long before anything may be opened (and `rig check` must not disturb a
live rig). Each transport module parses its URL apart from opening it (its ``parse``), so the
checks here are the transports' own, and an error reads exactly as ``open()`` would raise it.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from radarbench.rigs.transports import module_for


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


def check_url(url: str) -> Where:
    """Validate `url` as the transport for its scheme would, without opening it.

    Returns where it points. Raises UrlError (one line, with the expected form) for an
    unknown scheme or a bad or unknown option.
    """
    o = module_for(url).parse(url)
    scheme = url.partition("://")[0]
    if scheme == "udp":
        return Where(scheme, o.listen, ("udp", o.host or "0.0.0.0", o.port))
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


__all__ = ["Where", "check_url", "url_options", "url_parts"]
