"""Transports: every endpoint by URL, one module per scheme.

    from radarbench.rigs.transports import open
    with open("tcp://127.0.0.1:8600") as t:
        t.send(block)
"""
from __future__ import annotations

import importlib
from types import ModuleType

from radarbench.rigs.transports.base import Message, Transport, TransportError, UrlError

# scheme -> module that opens it (each has parse(url), open(url) and its URL grammar at the top)
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


def module_for(url: str) -> ModuleType:
    """The transport module of `url`'s scheme (each has parse(url) and open(url)).

    Raises UrlError for a URL without a scheme or with an unknown one.
    """
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise UrlError(
            f"{url!r}: unknown scheme {scheme if sep else '(none)'!r}; expected one of "
            + ", ".join(f"{s}://" for s in SCHEMES)
        )
    return importlib.import_module(f"radarbench.rigs.transports.{SCHEMES[scheme]}")


def open(url: str) -> Transport:
    """Open the endpoint named by `url`, choosing the transport by its scheme.

    Raises UrlError for an unknown scheme or a bad URL; OSError if the endpoint cannot open.
    """
    return module_for(url).open(url)  # type: ignore[no-any-return]


__all__ = ["Message", "SCHEMES", "Transport", "TransportError", "UrlError", "module_for", "open"]
