"""Transports: every endpoint by URL, one module per scheme.

    from radarbench.rigs.transports import open
    with open("tcp://127.0.0.1:8600") as t:
        t.send(block)
    with open("udp://127.0.0.1:8600", role="recv") as t:   # binds 127.0.0.1:8600
        msg = t.recv(timeout=1.0)

The role says what the caller opens the URL for: "recv" (the bench's --recv, a device's --in,
a rig endpoint the bench receives on) or "send" (--send, --out). A udp:// URL opened to
receive binds its HOST:PORT (or joins its group) without ?listen=1; opened to send, it sends.
Schemes where the role changes nothing (tcp: who connects is not who receives; serial, pty,
loop, pcap) accept and ignore it. Every OSError raised while opening names the URL.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from radarbench.rigs.transports.base import (
    ROLES, Message, Transport, TransportError, UrlError, check_role, named_error, os_detail,
)

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


def open(url: str, role: str | None = None) -> Transport:
    """Open the endpoint named by `url` for `role` ("send", "recv" or None), choosing the
    transport by its scheme (see the module docstring for what the role changes).

    Raises UrlError for an unknown scheme or a bad URL (also for an iface that names no
    interface); OSError if the endpoint cannot open (port in use, no such device, permission),
    its message starting with the URL; ValueError for an unknown role.
    """
    check_role(role)
    module = module_for(url)
    try:
        return module.open(url, role=role)  # type: ignore[no-any-return]
    except UrlError:
        raise
    except OSError as exc:
        if url in str(exc):
            raise
        raise named_error(url, os_detail(exc), exc) from exc


__all__ = ["Message", "ROLES", "SCHEMES", "Transport", "TransportError", "UrlError", "check_role", "module_for",
           "named_error", "open", "os_detail"]
