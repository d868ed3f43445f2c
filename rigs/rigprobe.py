"""Probe a rig's endpoints and devices without disturbing a live rig: `radarbench rig check`.

A probe opens only what can be opened and closed again unnoticed, and sends nothing. Each URL
is probed for the role it is opened for: a device's in to receive, its out to send; a [bench]
endpoint as the bench uses it; another endpoint as the other side of the devices that use it.

- udp receiver: binds the port as the transport does (alone on a unicast port: one already
  taken, by another program or by this rig already up, fails) and joins the group;
  udp sender: opens the socket on its interface and asks the kernel for a route to the peer.
- serial://DEVICE: the device exists, opens with the URL's settings, and is closed again.
- pty://PATH, pcap recording: the directory exists and is writable.
- pcap replay: the file opens and starts with a capture's magic number.
- tcp, rfc2217, socket clients: the host resolves (no connection: a terminal server or a
  TCP peer may serve one client at a time, and a probe would take its place);
  tcp listener: the port can be bound.
- A place one of the rig's own devices creates (a pty link, a listener) is not there until
  `rig up`: the probe says which device makes it and checks that device's side instead.
"""
from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from radarbench.rigs.rigfile import Rig
from radarbench.rigs.transports import UrlError, os_detail
from radarbench.rigs.transports import open as open_transport
from radarbench.rigs.urlcheck import check_url, url_options

_PCAP_MAGIC = {b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
               b"\x0a\x0d\x0d\x0a"}  # pcap (us, ns; both byte orders) and pcapng


@dataclass(frozen=True)
class ProbeResult:
    """One line of `rig check`: what was probed, whether it passed, and what was done."""

    what: str      # "endpoint" or "device"
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.what} {self.name}: {self.detail}"


class _Fail(Exception):
    pass


def _writable_dir(path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        raise _Fail(f"directory {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _Fail(f"directory {folder} is not writable")
    if os.path.exists(path) and not os.path.islink(path):
        raise _Fail(f"{path} exists and is not a symbolic link")
    return folder


def _resolve(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, socket.AF_INET)
    except socket.gaierror as exc:
        raise _Fail(f"cannot resolve {host!r}: {exc.strerror}") from None
    return str(infos[0][4][0])


def probe_url(url: str, role: str | None = None) -> str:
    """Probe one resolved URL, opened for `role`, the way the module docstring says; what was
    done.

    Raises _Fail (internal) with the reason when the probe fails.
    """
    try:
        where = check_url(url, role)
    except UrlError as exc:
        raise _Fail(str(exc)) from None
    parts = urlsplit(url)
    scheme = where.scheme
    if scheme == "udp":
        try:
            with open_transport(url, role=role) as t:
                if where.listens:
                    host, port = t.local_address  # type: ignore[attr-defined]
                    joined = ""
                    if getattr(t, "multicast", False):
                        iface = url_options(url).get("iface", "the default interface")
                        joined = f", joined {parts.hostname} on {iface}"
                    return f"bound {host}:{port}{joined} (nothing received)"
                peer = t.peer  # type: ignore[attr-defined]
                # connect() on a UDP socket asks for a route and sends nothing.
                t.sock.connect(peer)  # type: ignore[attr-defined]
                local = t.sock.getsockname()  # type: ignore[attr-defined]
                return f"route to {peer[0]}:{peer[1]} from {local[0]} (nothing sent)"
        except UrlError as exc:  # an iface that names no interface
            raise _Fail(str(exc).removeprefix(f"{url}: ")) from None
        except OSError as exc:
            detail = os_detail(exc).removeprefix(f"{url}: ")
            if exc.errno == errno.EADDRINUSE:
                raise _Fail(f"{detail}; is this rig already up?") from None
            iface = url_options(url).get("iface")
            if where.listens and iface:
                hint = f" (is {iface} an address or interface of this machine?)"
                if "join" in detail:
                    raise _Fail(detail + hint) from None
                raise _Fail(f"cannot bind {parts.hostname}:{parts.port} and join on {iface}: {detail}{hint}") from None
            if detail.startswith("cannot"):
                raise _Fail(detail) from None
            raise _Fail(f"{'cannot bind' if where.listens else 'cannot send'}: {detail}") from None
    if scheme == "tcp":
        host, port = parts.hostname or "", parts.port or 0
        if where.listens:
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((host, port))
            except OSError as exc:
                taken = "; is this rig already up?" if exc.errno == errno.EADDRINUSE else ""
                raise _Fail(f"cannot bind {host or '*'}:{port}: {exc.strerror or exc}{taken}") from None
            return f"port {host or '*'}:{port} can be bound (not listened on)"
        addr = _resolve(host, port)
        return f"{host} resolves to {addr} (not connected: the peer may serve one client at a time)"
    if scheme in ("rfc2217", "socket"):
        addr = _resolve(parts.hostname or "", parts.port or 0)
        return f"{parts.hostname} resolves to {addr} (not connected: a terminal server may serve one client)"
    if scheme == "serial":
        device = parts.netloc + parts.path
        if not os.path.exists(device):
            raise _Fail(f"{device} does not exist")
        try:
            with open_transport(url, role=role) as t:
                rate = t.line_rate_bps
        except OSError as exc:
            raise _Fail(f"cannot open {device}: {os_detail(exc).removeprefix(f'{url}: ')}") from None
        return f"{device} opened at {rate} baud and closed (nothing sent)"
    if scheme == "pty":
        path = parts.netloc + parts.path
        folder = _writable_dir(path)
        return f"the link can be made in {folder} (nothing created)"
    if scheme == "pcap":
        path = parts.netloc + parts.path
        if where.listens:
            folder = _writable_dir(path)
            return f"a capture can be written in {folder}"
        try:
            with open(path, "rb") as f:
                magic = f.read(4)
        except OSError as exc:
            raise _Fail(f"cannot read {path}: {exc.strerror or exc}") from None
        if magic not in _PCAP_MAGIC:
            raise _Fail(f"{path} is not a pcap or pcapng capture")
        return f"{path} is a capture"
    return "in-process loopback, nothing to probe"


def _probe_or_defer(rig: Rig, url: str, role: str | None, owner: str | None) -> tuple[bool, str]:
    provider = None if check_url(url, role).listens else rig.provider_of(url, role)
    if provider is not None and provider != owner:
        kind = rig.devices[provider].kind
        return True, f"made by device {provider} ({kind}) at rig up"
    try:
        return True, probe_url(url, role)
    except _Fail as exc:
        return False, str(exc)


def probe_rig(rig: Rig) -> list[ProbeResult]:
    """Probe every endpoint, then every device (in start order) of `rig`, bound to a run dir,
    each URL for the role it is opened for (Rig.endpoint_role, Rig.device_endpoints).

    Never raises for a failed probe: each result says ok or FAIL with the reason.
    """
    results: list[ProbeResult] = []
    for name in rig.endpoints:
        url = rig.url(name)
        role = rig.endpoint_role(name)
        ok, detail = _probe_or_defer(rig, url, role, None)
        # The role changes what opening does for udp:// only.
        shown = f" (opened to {'receive' if role == 'recv' else 'send'})" if role and url.startswith("udp:") else ""
        results.append(ProbeResult("endpoint", name, ok, f"{url}{shown}: {detail}"))
    for name in rig.start_order():
        spec = rig.devices[name]
        parts: list[str] = []
        ok = True
        for key, url, role in rig.device_endpoints(name):
            good, detail = _probe_or_defer(rig, url, role, name)
            ok &= good
            parts.append(f"{key}: {detail}")
        results.append(ProbeResult("device", name, ok, f"{spec.kind}: " + "; ".join(parts)))
    return results


__all__ = ["ProbeResult", "probe_rig", "probe_url"]
