"""Transports: every endpoint by URL, one module per scheme.

    from radarbench.rigs.transports import open
    with open("tcp://127.0.0.1:8600") as t:
        t.send(block)
"""
from __future__ import annotations

import importlib

from radarbench.rigs.transports.base import Message, Transport, TransportError, UrlError

# scheme -> module that opens it (each has open(url) and its URL grammar at the top)
SCHEMES: dict[str, str] = {
    "udp": "udp",
    "tcp": "tcp",
    "serial": "serial",
    "rfc2217": "serial",
    "socket": "serial",
    "pty": "pty",
    "loop": "loop",
    "pcap": "pcap",
}


def open(url: str) -> Transport:
    """Open the endpoint named by `url`, choosing the transport by its scheme.

    Raises UrlError for an unknown scheme or a bad URL; OSError if the endpoint cannot open.
    """
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise UrlError(
            f"{url!r}: unknown scheme {scheme if sep else '(none)'!r}; expected one of "
            + ", ".join(f"{s}://" for s in SCHEMES)
        )
    module = importlib.import_module(f"radarbench.rigs.transports.{SCHEMES[scheme]}")
    return module.open(url)  # type: ignore[no-any-return]


__all__ = ["Message", "SCHEMES", "Transport", "TransportError", "UrlError", "open"]
