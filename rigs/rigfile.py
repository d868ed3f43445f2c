"""Rig files: one TOML file names the endpoints and devices of one bench set-up.

    description = "serial line to LAN, emulated"

    [endpoints]                      # name = URL: places the bench (or a test) opens
    gw_in = "serial://{run_dir}/gw-line?baud=115200&framing=hdlc&pace=1"
    lan   = "udp://239.255.48.2:8601?listen=1&iface=127.0.0.1"

    [devices.gw]                     # an emulated device: `radarbench emulate KIND --OPTION ...`
    kind = "gateway"
    in   = "pty://{gw_in.path}?baud=115200&framing=hdlc"
    out  = "udp://{lan.host}:{lan.port}?iface=127.0.0.1"

    [bench]                          # what `radarbench run` measures, and its CI limits
    send = "gw_in"                   # endpoint names or URLs
    recv = "lan"
    rate = 200
    duration = 10
    max_lost = 0
    max_p99_ms = 50
    editions = {62 = "1.19"}         # decode what arrives with these editions (optional)

A device's options are the flags of `radarbench emulate KIND` without their dashes
(`false_plots` for --false-plots), plus `kind` and optional `after = ["name", ...]` and
`ready_timeout` (seconds); a gateway's `editions = {48 = "1.31"}` is its `--edition 48=1.31`. In endpoint URLs and device options, `{run_dir}` is a private
directory made for each start of the rig (pty links live there), `{port:LABEL}` a port free
on this machine when the rig starts (the same for every use of LABEL), so that two runs of
one rig file on one machine do not hear each other; `{NAME}` is endpoint NAME's URL and
`{NAME.host}`, `{NAME.port}`, `{NAME.path}` its parts; `{{` and `}}` are braces.

Every error is one RigError line that names the file and the key:
`loopback.toml: devices.gw.kind: unknown device kind 'gatewy'; expected one of radar, echo,
gateway, impair`. Loading checks every URL with the transports' own parser and opens nothing.
"""
from __future__ import annotations

import importlib
import os
import re
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the 3.10 packaging test
    import tomli as tomllib

from radarbench.rigs.devices import KINDS
from radarbench.rigs.editionopts import as_options, editions_from_table
from radarbench.rigs.transports import Transport, UrlError
from radarbench.rigs.transports import open as open_transport
from radarbench.rigs.urlcheck import Where, check_url, hears_itself, url_parts

# Stand-in for {run_dir} while a rig is checked but not started: URLs must parse, and no
# directory is made for them.
_CHECK_RUN_DIR = "/run-dir-of-the-rig"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_REF = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_PARTS = ("url", "host", "port", "path")
DEFAULT_READY_TIMEOUT_S = 15.0


class RigError(ValueError):
    """A rig file that cannot be used; one line naming the file and the key."""


# --------------------------------------------------------------------------- device options


@dataclass(frozen=True)
class Option:
    """One option of a device kind: its TOML type, the device class's keyword, and flags.

    role: for a URL option, what the device opens it for ("recv" for --in, "send" for --out).
    """

    kind: type
    kwarg: str
    url: bool = False
    required: bool = False
    flag: str = ""
    role: str | None = None

    def cli_flag(self, name: str) -> str:
        return self.flag or "--" + name.replace("_", "-")


def _common(opts: dict[str, Option]) -> dict[str, Option]:
    opts["duration"] = Option(float, "duration_s")
    return opts


def _site(sic: int) -> dict[str, Option]:
    return {"sac": Option(int, "sac"), "sic": Option(int, "sic"),
            "lat": Option(float, "lat_deg"), "lon": Option(float, "lon_deg")}


# kind -> option -> how it is typed and passed. Names are `radarbench emulate KIND` flags.
DEVICE_OPTIONS: dict[str, dict[str, Option]] = {
    "radar": _common({
        "out": Option(str, "out_url", url=True, required=True, role="send"),
        "period": Option(float, "period_s"), "sectors": Option(int, "sectors"),
        "targets": Option(int, "targets"), "pd": Option(float, "pd"),
        "false_plots": Option(int, "false_plots"), "seed": Option(int, "seed"),
        **_site(1),
    }),
    "echo": _common({
        "in": Option(str, "in_url", url=True, required=True, role="recv"),
        "out": Option(str, "out_url", url=True, role="send"),
    }),
    "gateway": _common({
        "in": Option(str, "in_url", url=True, required=True, role="recv"),
        "out": Option(str, "out_url", url=True, required=True, role="send"),
        "to_category": Option(int, "to_category"),
        "editions": Option(dict, "editions", flag="--edition"),
        "bidir": Option(bool, "bidirectional"),
        **_site(100),
    }),
    "impair": _common({
        "in": Option(str, "in_url", url=True, required=True, role="recv"),
        "out": Option(str, "out_url", url=True, required=True, role="send"),
        "delay": Option(float, "delay_ms"), "jitter": Option(float, "jitter_ms"),
        "loss": Option(float, "loss"), "loss_model": Option(str, "loss_model"),
        "p_gb": Option(float, "p_gb"), "p_bg": Option(float, "p_bg"),
        "loss_bad": Option(float, "loss_bad"), "duplicate": Option(float, "duplicate"),
        "reorder": Option(float, "reorder"), "corrupt": Option(float, "corrupt"),
        "corrupt_bits": Option(int, "corrupt_bits"), "rate": Option(float, "rate_bps"),
        "seed": Option(int, "seed"), "log": Option(str, "log_path"),
        "modify": Option(float, "modify"), "modify_items": Option(str, "modify_items"),
        "editions": Option(dict, "editions", flag="--edition"),
    }),
}
_DEVICE_KEYS = ("kind", "after", "ready_timeout")

# [bench] keys -> type. Thresholds (max_*, min_*) gate `radarbench run` and CI.
BENCH_KEYS: dict[str, type | tuple[type, ...]] = {
    "send": str, "recv": str, "mode": str,
    "rate": (int, float), "duration": (int, float), "count": int, "warmup": (int, float),
    "records_per_block": int, "drain": (int, float), "late_after": (int, float),
    "burst": int, "match_keys": str, "editions": dict,
}
THRESHOLD_KEYS: dict[str, str] = {
    "max_p50_ms": "corrected p50 latency, ms",
    "max_p99_ms": "corrected p99 latency, ms",
    "max_p999_ms": "corrected p99.9 latency, ms",
    "max_max_ms": "corrected maximum latency, ms",
    "max_lost": "messages lost",
    "max_lost_ratio": "messages lost / sent (0..1)",
    "max_late": "messages late",
    "max_duplicated": "duplicates",
    "max_reordered": "messages reordered",
    "max_corrupted": "corrupted frames",
    "max_modified": "records modified (decodable, values changed)",
    "min_received": "messages received",
    "min_msgs_per_s": "received messages per second",
}
MODES = ("loop", "source", "sink")


@dataclass(frozen=True)
class DeviceSpec:
    """One emulated device of a rig: its kind and options as written (templates unresolved).

    after: devices that must be ready before this one starts (beside the automatic order);
    ready_timeout_s: how long `rig up` waits for its `ready` line.
    """

    name: str
    kind: str
    options: dict[str, Any]
    after: tuple[str, ...] = ()
    ready_timeout_s: float = DEFAULT_READY_TIMEOUT_S


@dataclass(frozen=True)
class BenchSection:
    """The [bench] section: what to measure (endpoint names or URLs, settings) and the limits.

    settings: the BENCH_KEYS given (besides send/recv/mode); thresholds: the THRESHOLD_KEYS.
    """

    send: str | None = None
    recv: str | None = None
    mode: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Rig:
    """A loaded, validated rig file.

    path: the file as it was named (for messages); endpoints: name -> URL template;
    devices: name -> DeviceSpec, in file order; bench: the [bench] section or None;
    run_dir: the directory `{run_dir}` stands for once the rig is started (None before).
    """

    path: str
    description: str
    endpoints: dict[str, str]
    devices: dict[str, DeviceSpec]
    bench: BenchSection | None
    run_dir: str | None = None
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The file's stem: `loopback` for rigs/examples/loopback.toml."""
        return Path(self.path).stem

    @property
    def uses_run_dir(self) -> bool:
        """True if some URL or option refers to {run_dir}."""
        texts = list(self.endpoints.values()) + [
            v for d in self.devices.values() for v in d.options.values() if isinstance(v, str)]
        return any("{run_dir}" in t for t in texts)

    def port_labels(self) -> list[str]:
        """The LABELs of the `{port:LABEL}` references, in order of first use."""
        texts = list(self.endpoints.values()) + [
            v for d in self.devices.values() for v in d.options.values() if isinstance(v, str)]
        labels: list[str] = []
        for t in texts:
            for m in _REF.finditer(t):
                ref = m.group(1) or ""
                if ref.startswith("port:") and ref[5:] not in labels:
                    labels.append(ref[5:])
        return labels

    def with_run_dir(self, run_dir: str, ports: dict[str, int] | None = None) -> Rig:
        """This rig with `{run_dir}` standing for `run_dir`, and each `{port:LABEL}` for a
        port free on this machine now (or as given in `ports`). Raises OSError if no free
        port can be had."""
        chosen = dict(ports) if ports is not None else {label: free_port() for label in self.port_labels()}
        return replace(self, run_dir=run_dir, ports=chosen)

    def _error(self, key: str, problem: str) -> RigError:
        return RigError(f"{self.path}: {key}: {problem}")

    def _expand(self, text: str, key: str, allow_endpoints: bool, run_dir: str | None = None) -> str:
        run_dir = run_dir or self.run_dir
        if run_dir is None and "{run_dir}" in text:
            raise self._error(key, "uses {run_dir}, which exists only once the rig is started "
                                   "(radarbench rig up / run)")

        def sub(m: re.Match[str]) -> str:
            token = m.group(0)
            if token in ("{{", "}}"):
                return token[0]
            ref = m.group(1)
            if ref == "run_dir":
                assert run_dir is not None
                return run_dir
            if ref.startswith("port:"):
                if ref[5:] not in self.ports:
                    raise self._error(key, f"{token} has no port yet: start the rig first")
                return str(self.ports[ref[5:]])
            name, _, part = ref.partition(".")
            if not allow_endpoints or name not in self.endpoints:
                where = ("; endpoints are " + ", ".join(sorted(self.endpoints))) if allow_endpoints \
                    and self.endpoints else ""
                raise self._error(key, f"unknown reference {token}{where}"
                                       + ("" if allow_endpoints else "; endpoint URLs may use {run_dir} and {port:LABEL} only"))
            part = part or "url"
            if part not in _PARTS:
                raise self._error(key, f"unknown part {part!r} in {token}; expected one of "
                                       + ", ".join(_PARTS))
            url = self._expand(self.endpoints[name], f"endpoints.{name}", False, run_dir)
            value = url_parts(url)[part]
            if not value:
                raise self._error(key, f"{token}: endpoint {name} has no {part}")
            return value

        return _REF.sub(sub, text)

    def url(self, name_or_url: str) -> str:
        """Endpoint NAME's URL, or a URL (with `{...}` references) resolved.

        Raises RigError for an unknown name or reference, or {run_dir} before the rig starts.
        """
        if "://" in name_or_url:
            return self._expand(name_or_url, "url", True)
        if name_or_url not in self.endpoints:
            known = ", ".join(sorted(self.endpoints)) or "none"
            raise RigError(f"{self.path}: no endpoint {name_or_url!r}; endpoints are {known}")
        return self._expand(self.endpoints[name_or_url], f"endpoints.{name_or_url}", False)

    def device_options(self, name: str) -> dict[str, Any]:
        """Device NAME's options with every reference resolved. Raises RigError."""
        spec = self.devices[name]
        return {k: self._expand(v, f"devices.{name}.{k}", True) if isinstance(v, str) else v
                for k, v in spec.options.items()}

    def device_argv(self, name: str) -> list[str]:
        """The `radarbench emulate` arguments (after the program name) for device NAME."""
        spec = self.devices[name]
        argv = ["emulate", spec.kind]
        schema = DEVICE_OPTIONS[spec.kind]
        for key, value in self.device_options(name).items():
            opt = schema[key]
            if opt.kind is bool:
                if value:
                    argv.append(opt.cli_flag(key))
                continue
            if opt.kind is dict:  # editions: --edition CAT=ED, repeated
                for text in as_options(value):
                    argv += [opt.cli_flag(key), text]
                continue
            argv += [opt.cli_flag(key), str(value)]
        return argv

    def device_urls(self, name: str) -> dict[str, str]:
        """Device NAME's URL options (in, out), resolved."""
        schema = DEVICE_OPTIONS[self.devices[name].kind]
        return {k: v for k, v in self.device_options(name).items() if schema[k].url}

    def device_endpoints(self, name: str) -> list[tuple[str, str, str | None]]:
        """Device NAME's URL options as (option, resolved URL, role the device opens it for:
        "recv" for in, "send" for out)."""
        schema = DEVICE_OPTIONS[self.devices[name].kind]
        return [(k, u, schema[k].role) for k, u in self.device_urls(name).items()]

    def bench_endpoints(self) -> list[tuple[str, str, str]]:
        """The [bench] endpoints as (key, resolved URL, role the bench opens it for): bench.recv
        is opened to receive, bench.send to send; a recv equal to send is the bench's sending
        socket (the replies come back on it), one entry with role "send". [] without [bench]."""
        if self.bench is None:
            return []
        out: list[tuple[str, str, str]] = []
        if self.bench.send:
            out.append(("bench.send", self.url(self.bench.send), "send"))
        if self.bench.recv and self.bench.recv != self.bench.send:
            out.append(("bench.recv", self.url(self.bench.recv), "recv"))
        return out

    def endpoint_role(self, name: str) -> str | None:
        """What endpoint NAME is opened for: as [bench] uses it ("recv" for its recv, "send" for
        its send, or for both at once); else the other side of the devices that use the place
        it points at ("recv" if a device sends there, "send" if one receives there); None if
        nothing tells (then the URL alone decides, as listen= says)."""
        if self.bench is not None and name in (self.bench.send, self.bench.recv):
            return "recv" if self.bench.recv == name and self.bench.send != name else "send"
        rig = self if self.run_dir else _stand_in(self)
        try:
            here = check_url(rig.url(name))
        except UrlError:
            return None
        for device in self.devices:
            for _, url, role in rig.device_endpoints(device):
                if role is not None and _same_place(check_url(url, role), here):
                    return "recv" if role == "send" else "send"
        return None

    def open(self, name: str) -> Transport:
        """Open endpoint NAME for the role it plays in this rig (endpoint_role): the way the
        bench would, e.g. a multicast endpoint the bench receives on joins its group.

        Raises RigError for an unknown name, UrlError or OSError (naming the URL) as
        radarbench.rigs.transports.open does.
        """
        return open_transport(self.url(name), role=self.endpoint_role(name))

    def check_receivers(self) -> None:
        """Refuse two receivers on one unicast endpoint: two devices (or a device and the
        bench) that would bind the same UDP or TCP port (the same address, or one of them every
        address). Only one of them would hear what is sent there. Multicast groups are shared
        by design and pass. Raises RigError naming both and the endpoint."""
        rig = self if self.run_dir else _stand_in(self)
        seen: list[tuple[str, str, str, Where]] = []  # (key, who, url, where)
        places = [(f"devices.{d}.{k}", f"device {d}", u, r) for d in self.devices
                  for k, u, r in rig.device_endpoints(d)]
        places += [(k, "the bench", u, r) for k, u, r in rig.bench_endpoints()]
        for key, who, url, role in places:
            where = check_url(url, role)
            for key0, who0, url0, where0 in seen:
                if where.shares_port_with(where0):
                    same = f"as {who0} does ({key0})" if url == url0 else \
                        f"the port {who0} receives on ({key0}: {url0})"
                    raise self._error(key, f"{who} receives on {url}, {same}: two receivers on one "
                                           f"unicast {where.scheme} port, and only one of them would "
                                           f"hear what is sent there")
            seen.append((key, who, url, where))

    def check_bench_hears_a_device(self) -> None:
        """Refuse a [bench] that sends to and receives on one multicast group and port: it
        would hear its own probes, with or without a device (see urlcheck.hears_itself).
        Raises RigError naming bench.recv."""
        if self.bench is None or not (self.bench.send and self.bench.recv):
            return
        rig = self if self.run_dir else _stand_in(self)
        why = hears_itself(rig.url(self.bench.send), rig.url(self.bench.recv))
        if why is not None:
            raise self._error("bench.recv", why)

    def start_order(self) -> list[str]:
        """Device names in the order to start them: downstream first.

        A device that opens a place another device only reaches (a pty whose link another
        opens as serial://, a UDP port another sends to, a TCP listener) starts first, so that
        receivers exist before senders; `after` adds explicit constraints; file order breaks
        ties. Raises RigError for a cycle.
        """
        rig = self if self.run_dir else _stand_in(self)
        wheres: dict[str, list[Where]] = {}
        for name in self.devices:
            wheres[name] = [check_url(u, role) for _, u, role in rig.device_endpoints(name)]
        before: dict[str, set[str]] = {name: set(self.devices[name].after) for name in self.devices}
        for name, ws in wheres.items():
            for w in ws:
                if w.listens:
                    continue
                provider = _provider(wheres, w)
                if provider is not None and provider != name:
                    before[name].add(provider)
        order: list[str] = []
        pending = list(self.devices)
        while pending:
            for name in pending:
                if before[name] <= set(order):
                    order.append(name)
                    pending.remove(name)
                    break
            else:
                raise RigError(f"{self.path}: devices: start order has a cycle among "
                               + ", ".join(pending))
        return order

    def provider_of(self, url: str, role: str | None = None) -> str | None:
        """The device that opens the place `url` (opened for `role`) reaches (a pty, a
        listener), or None."""
        try:
            where = check_url(url, role)
        except UrlError:
            return None
        rig = self if self.run_dir else _stand_in(self)
        wheres = {name: [check_url(u, r) for _, u, r in rig.device_endpoints(name)] for name in self.devices}
        return _provider(wheres, where)


def _same_place(a: Where, b: Where) -> bool:
    """True if `a` and `b` point at one place (a UDP/TCP port on every address included)."""
    ka, kb = _norm_key(a.key), _norm_key(b.key)
    if ka == kb:
        return True
    return (ka[0] in ("udp", "tcp") and ka[0] == kb[0] and ka[2] == kb[2]
            and "0.0.0.0" in (ka[1], kb[1]))


def _provider(wheres: dict[str, list[Where]], reached: Where) -> str | None:
    """The first device (in file order) that creates the place `reached` points at."""
    for name, ws in wheres.items():
        for w in ws:
            if w.listens and _same_place(w, reached):
                return name
    return None


def free_port() -> int:
    """A port number that is free for both UDP and TCP on this machine right now.

    Raises OSError if none is found in a few tries.
    """
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("", 0))
            port = int(u.getsockname()[1])
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                    t.bind(("", port))
            except OSError:
                continue
            return port
    raise OSError("no free port found for {port:LABEL}")


def _stand_in(rig: Rig) -> Rig:
    # For checks before a start: a fixed directory and ports, so URLs parse and nothing is made.
    ports = {label: 8600 + i for i, label in enumerate(rig.port_labels())}
    return rig.with_run_dir(_CHECK_RUN_DIR, ports)


def _norm_key(key: tuple[object, ...]) -> tuple[object, ...]:
    # A pty link and the serial:// that opens it may spell the path differently.
    if key[0] in ("line", "file") and isinstance(key[1], str):
        return (key[0], os.path.normpath(os.path.abspath(key[1])))
    return key


# --------------------------------------------------------------------------- loading


class _Loader:
    """Validates one parsed TOML document; every error names the file and the key."""

    def __init__(self, path: str) -> None:
        self.path = path

    def error(self, key: str, problem: str) -> RigError:
        return RigError(f"{self.path}: {key}: {problem}")

    def table(self, doc: dict[str, Any], key: str, allowed: tuple[str, ...] | None) -> None:
        if allowed is None:
            return
        for k in doc:
            if k not in allowed:
                raise self.error(f"{key}.{k}" if key else k,
                                 f"unknown key; expected one of {', '.join(allowed)}")

    def typed(self, value: Any, kind: type | tuple[type, ...], key: str) -> Any:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # TOML integers are fine where a float is expected; booleans are not numbers here.
        if float in kinds and int not in kinds and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, bool) and bool not in kinds:
            ok = False
        else:
            ok = isinstance(value, kinds)
        if not ok:
            names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
            want = " or ".join(names.get(k, k.__name__) for k in kinds)
            raise self.error(key, f"expected {want}, not {value!r}")
        return value

    def editions(self, value: Any, key: str) -> dict[int, str]:
        """An `editions = {48 = "1.31"}` table, every edition known. Raises RigError."""
        try:
            return editions_from_table(value, key)
        except ValueError as exc:
            raise RigError(f"{self.path}: {exc}") from None

    def name(self, name: str, key: str) -> None:
        if not _NAME.match(name):
            raise self.error(key, "names are letters, digits, '_' and '-', starting with a letter")

    def load(self, doc: dict[str, Any]) -> Rig:
        self.table(doc, "", ("description", "endpoints", "devices", "bench"))
        description = self.typed(doc.get("description", ""), str, "description")
        endpoints = self.endpoints(doc.get("endpoints", {}))
        raw_devices = doc.get("devices", {})
        if not isinstance(raw_devices, dict):
            raise self.error("devices", "expected a table of [devices.NAME] tables")
        devices = {name: self.device(name, spec) for name, spec in raw_devices.items()}
        for name, spec in devices.items():
            for other in spec.after:
                if other not in devices or other == name:
                    raise self.error(f"devices.{name}.after", f"no other device {other!r}; devices are "
                                     + ", ".join(devices))
        bench = self.bench(doc["bench"]) if "bench" in doc else None
        rig = Rig(self.path, description, endpoints, devices, bench)
        self.resolve(rig)
        return rig

    def endpoints(self, raw: Any) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise self.error("endpoints", "expected a table of NAME = \"URL\"")
        out: dict[str, str] = {}
        for name, url in raw.items():
            key = f"endpoints.{name}"
            self.name(name, key)
            out[name] = self.typed(url, str, key)
        return out

    def device(self, name: str, raw: Any) -> DeviceSpec:
        key = f"devices.{name}"
        self.name(name, key)
        if not isinstance(raw, dict):
            raise self.error(key, "expected a table with kind = \"...\" and the device's options")
        if "kind" not in raw:
            raise self.error(f"{key}.kind", "missing; expected one of " + ", ".join(KINDS))
        kind = self.typed(raw["kind"], str, f"{key}.kind")
        if kind not in DEVICE_OPTIONS:
            raise self.error(f"{key}.kind", f"unknown device kind {kind!r}; expected one of "
                             + ", ".join(DEVICE_OPTIONS))
        schema = DEVICE_OPTIONS[kind]
        options: dict[str, Any] = {}
        for k, v in raw.items():
            if k in _DEVICE_KEYS:
                continue
            if k not in schema:
                raise self.error(f"{key}.{k}", f"unknown option of a {kind}; expected one of "
                                 + ", ".join(list(_DEVICE_KEYS) + list(schema)))
            if schema[k].kind is dict:
                options[k] = self.editions(v, f"{key}.{k}")
                continue
            options[k] = self.typed(v, schema[k].kind, f"{key}.{k}")
        for k, opt in schema.items():
            if opt.required and k not in options:
                raise self.error(f"{key}.{k}", f"missing; a {kind} needs it")
        after = raw.get("after", [])
        if isinstance(after, str):
            after = [after]
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            raise self.error(f"{key}.after", "expected a list of device names")
        timeout = self.typed(raw.get("ready_timeout", DEFAULT_READY_TIMEOUT_S), float,
                             f"{key}.ready_timeout")
        if not timeout > 0:
            raise self.error(f"{key}.ready_timeout", "must be > 0 s")
        return DeviceSpec(name, kind, options, tuple(after), timeout)

    def bench(self, raw: Any) -> BenchSection:
        if not isinstance(raw, dict):
            raise self.error("bench", "expected a table")
        self.table(raw, "bench", tuple(BENCH_KEYS) + tuple(THRESHOLD_KEYS))
        settings: dict[str, Any] = {}
        thresholds: dict[str, float] = {}
        for k, v in raw.items():
            key = f"bench.{k}"
            if k in THRESHOLD_KEYS:
                v = self.typed(v, (int, float), key)
                if v < 0:
                    raise self.error(key, f"must be >= 0, not {v}")
                thresholds[k] = v
                continue
            if k == "editions":
                settings[k] = self.editions(v, key)
                continue
            v = self.typed(v, BENCH_KEYS[k], key)
            if k in ("rate", "duration", "late_after") and not v > 0:
                raise self.error(key, f"must be > 0, not {v}")
            if k in ("count", "records_per_block", "burst") and v < 1:
                raise self.error(key, f"must be >= 1, not {v}")
            if k in ("warmup", "drain") and v < 0:
                raise self.error(key, f"must be >= 0, not {v}")
            settings[k] = v
        send, recv, mode = settings.pop("send", None), settings.pop("recv", None), settings.pop("mode", None)
        if mode is not None and mode not in MODES:
            raise self.error("bench.mode", f"unknown mode {mode!r}; expected one of " + ", ".join(MODES))
        implied = "loop" if send and recv else "source" if recv else "sink" if send else None
        if implied is None:
            raise self.error("bench", "give send, recv or both (endpoint names or URLs)")
        if mode is not None and mode != implied:
            raise self.error("bench.mode", f"mode {mode!r} does not fit the endpoints given "
                                           f"(send and recv: loop; recv alone: source; send alone: sink)")
        if "count" in settings and "duration" in settings:
            raise self.error("bench.count", "give duration or count, not both")
        return BenchSection(send, recv, mode or implied, settings, thresholds)

    def resolve(self, rig: Rig) -> None:
        """Resolve every reference and check every URL (with a stand-in {run_dir}), each for
        the role it is opened for; refuse two receivers on one unicast port."""
        checking = _stand_in(rig)
        for name in rig.endpoints:
            # Its role is known once the devices are checked: first the form (a receiver's
            # rules are the looser: HOST may be empty), then the role's own rules below.
            self.check(checking.url(name), f"endpoints.{name}", "recv")
        for name, spec in rig.devices.items():
            resolved = checking.device_options(name)
            for k, v in resolved.items():
                option = DEVICE_OPTIONS[spec.kind][k]
                if option.url:
                    self.check(v, f"devices.{name}.{k}", option.role)
            self.settings(spec, resolved)
        for name in rig.endpoints:
            self.check(checking.url(name), f"endpoints.{name}", checking.endpoint_role(name))
        if rig.bench is not None:
            for k in ("send", "recv"):
                ref = getattr(rig.bench, k)
                if ref is None:
                    continue
                if "://" not in ref and ref not in rig.endpoints:
                    raise self.error(f"bench.{k}", f"no endpoint {ref!r}; endpoints are "
                                     + (", ".join(rig.endpoints) or "none") + " (or give a URL)")
                if "://" in ref:
                    role = "send" if k == "send" or ref == rig.bench.send else "recv"
                    self.check(checking._expand(ref, f"bench.{k}", True), f"bench.{k}", role)
        checking.check_receivers()
        checking.check_bench_hears_a_device()
        checking.start_order()

    def check(self, url: str, key: str, role: str | None) -> None:
        try:
            check_url(url, role)
        except UrlError as exc:
            raise self.error(key, str(exc)) from None

    def settings(self, spec: DeviceSpec, resolved: dict[str, Any]) -> None:
        """Build the device object (it opens nothing until started) to check value ranges."""
        module, cls_name = KINDS[spec.kind]
        cls: Callable[..., Any] = getattr(importlib.import_module(f"radarbench.rigs.devices.{module}"), cls_name)
        schema = DEVICE_OPTIONS[spec.kind]
        kwargs = {schema[k].kwarg: v for k, v in resolved.items()}
        try:
            cls(**kwargs)
        except ValueError as exc:
            raise self.error(f"devices.{spec.name}", str(exc)) from None


def load_rig(path: str | os.PathLike[str]) -> Rig:
    """Read and validate the rig file at `path`.

    Raises RigError (one line naming the file and the key) for a file that cannot be read,
    is not TOML, or does not describe a usable rig.
    """
    shown = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RigError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    return loads_rig(data.decode("utf-8", errors="replace"), shown)


def loads_rig(text: str, path: str = "<rig>") -> Rig:
    """Validate the rig file `text`, naming it `path` in errors. Raises RigError."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RigError(f"{path}: not valid TOML: {exc}") from None
    return _Loader(path).load(doc)


def example_path(name: str) -> Path:
    """The installed path of a shipped example rig (`loopback`, `lab`, `impaired`).

    Raises RigError if there is no such example.
    """
    from importlib.resources import files

    stem = name.removesuffix(".toml")
    resource = files("radarbench.rigs").joinpath("examples", f"{stem}.toml")
    path = Path(str(resource))
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.toml"))) or "none"
        raise RigError(f"no example rig {stem!r}; examples are {known}")
    return path


__all__ = [
    "DEVICE_OPTIONS",
    "MODES",
    "THRESHOLD_KEYS",
    "BenchSection",
    "DeviceSpec",
    "Rig",
    "RigError",
    "example_path",
    "load_rig",
    "loads_rig",
]
