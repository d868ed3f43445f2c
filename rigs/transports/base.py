"""What every transport offers, and the URL parsing they share.

A transport moves messages between the bench and one endpoint named by a URL (see
`radarbench.rigs.transports.open`). Whatever the medium, it is used the same way:

    with open_url("udp://239.1.1.1:8600?iface=127.0.0.1&listen=1") as t:
        msg = t.recv(timeout=1.0)      # Message or None
        t.send(data)

A message is a datagram (udp, pcap), a data block (tcp, serial with raw framing) or a frame's
payload (serial with hdlc framing).
"""
from __future__ import annotations

import io
import re
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Callable, TypeVar
from urllib.parse import SplitResult, parse_qsl, urlsplit

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Message:
    """One received message.

    rx_ns: time.monotonic_ns() when the transport got it (the bench's one clock).
    rx_kernel_ns: wall-clock (CLOCK_REALTIME) ns stamped by the kernel on arrival, where the
    medium gives one (UDP with SO_TIMESTAMPNS; the capture time for pcap replay), else None.
    source: where it came from ((host, port) for networks), or None.
    """

    data: bytes
    rx_ns: int
    rx_kernel_ns: int | None = None
    source: Any = None


class UrlError(ValueError):
    """A transport URL that cannot be used: unknown scheme, unknown or invalid option."""


class TransportError(OSError):
    """A transport cannot do what was asked (no peer yet, read-only medium, closed)."""


# The roles an endpoint is opened for: "recv" (the bench's --recv, a device's --in, a rig
# endpoint the bench receives on), "send" (--send, --out), or None (not said: the URL alone
# decides, as `listen=` says).
ROLES = ("send", "recv")


def check_role(role: str | None) -> None:
    """Raise ValueError unless `role` is "send", "recv" or None."""
    if role is not None and role not in ROLES:
        raise ValueError(f"role {role!r}: expected one of {', '.join(ROLES)} or None")


_ERRNO_PREFIX = re.compile(r"^\[Errno -?\d+\] ")


def named_error(url: str, problem: str, exc: OSError) -> OSError:
    """An OSError of `exc`'s type and errno whose message is "URL: problem", one line.

    `problem` should say what failed (e.g. "127.0.0.1:9000 is already in use"); the URL is put
    in front so that whoever prints it names the endpoint. str() of the result is exactly the
    message (strerror stays unset, so no "[Errno N]" prefix).
    """
    text = f"{url}: {problem}"
    try:
        err = type(exc)(text)
    except Exception:  # noqa: BLE001 - an OSError subclass with a constructor of its own
        err = OSError(text)
    if not isinstance(err, OSError):  # pragma: no cover - type(exc) is an OSError subclass
        err = OSError(text)
    err.errno = exc.errno
    return err


def os_detail(exc: BaseException) -> str:
    """`exc`'s message without the "[Errno N] " prefix (strerror and file name kept)."""
    return _ERRNO_PREFIX.sub("", str(exc)) or type(exc).__name__


class Transport(ABC):
    """One endpoint, opened from a URL.

    line_rate_bps: the line's bit rate for serial lines (None for networks).
    bytes_per_s: octets per second the line carries, counting start, parity and stop bits
    (baud / (1 + data + parity + stop)); None where there is no line rate.
    """

    url: str = ""
    line_rate_bps: int | None = None
    bytes_per_s: float | None = None
    closed: bool = False

    @abstractmethod
    def send(self, data: bytes) -> None:
        """Send one message. Raises TransportError if this end cannot send, OSError on I/O failure."""

    @abstractmethod
    def recv(self, timeout: float | None = None) -> Message | None:
        """Return the next message, waiting up to `timeout` seconds (None: for ever).

        Returns None when nothing arrived in time (or, for a finite source, at its end).
        Raises OSError on I/O failure.
        """

    def fileno(self) -> int:
        """A file descriptor that is readable when recv() may have something.

        Raises io.UnsupportedOperation where the medium has none.
        """
        raise io.UnsupportedOperation(f"{type(self).__name__} has no file descriptor")

    def close(self) -> None:
        """Release the endpoint; closing twice is harmless."""
        self.closed = True

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}{' closed' if self.closed else ''}>"


def deadline_ns(timeout: float | None) -> int | None:
    """The monotonic ns at which a wait of `timeout` seconds ends (None: never)."""
    return None if timeout is None else time.monotonic_ns() + int(max(timeout, 0.0) * 1e9)


def remaining_s(deadline: int | None) -> float | None:
    """Seconds left until `deadline` (never negative), None if there is none."""
    return None if deadline is None else max(0.0, (deadline - time.monotonic_ns()) / 1e9)


class ParsedUrl:
    """A transport URL split up, with its options consumed one by one and checked.

    grammar: the scheme's expected form, e.g. "udp://HOST:PORT[?iface=ADDR&ttl=N]". Every
    error is a UrlError whose one line names the form before the options, the problem and the
    whole expected form. Call `done()` after taking every option: what is left is unknown.
    """

    def __init__(self, url: str, grammar: str) -> None:
        self.url = url
        self.grammar = grammar
        self.form = grammar.split("[?", 1)[0]
        try:
            self.parts: SplitResult = urlsplit(url)
            pairs = parse_qsl(self.parts.query, keep_blank_values=True, strict_parsing=bool(self.parts.query))
        except ValueError as e:
            raise self.error(f"cannot parse {url!r} ({e})") from None
        self.options: dict[str, str] = {}
        for key, value in pairs:
            if key in self.options:
                raise self.error(f"option {key!r} given twice")
            self.options[key] = value

    def error(self, problem: str) -> UrlError:
        """Return (not raise) a UrlError for `problem`, in the one-line house form."""
        return UrlError(f"{self.form}: {problem}; expected {self.grammar}")

    @property
    def scheme(self) -> str:
        return self.parts.scheme

    def host_port(self, host_required: bool = True) -> tuple[str, int]:
        """HOST and PORT of a network URL. Raises UrlError if either is missing or invalid."""
        try:
            host, port = self.parts.hostname or "", self.parts.port
        except ValueError as e:
            raise self.error(f"bad port in {self.url!r} ({e})") from None
        if port is None:
            raise self.error(f"no port in {self.url!r}")
        if host_required and not host:
            raise self.error(f"no host in {self.url!r}")
        if self.parts.path not in ("", "/"):
            raise self.error(f"unexpected path {self.parts.path!r}")
        return host, port

    def path(self) -> str:
        """Everything after 'scheme://' up to the options: a device or file name.

        Raises UrlError if it is empty.
        """
        p = self.parts.netloc + self.parts.path
        if not p:
            raise self.error(f"no path in {self.url!r}")
        return p

    def take(self, name: str, default: T, convert: Callable[[str], T], what: str) -> T:
        """Remove option `name` and return it converted, or `default` if absent.

        Raises UrlError naming the option and `what` it should be if conversion fails.
        """
        if name not in self.options:
            return default
        raw = self.options.pop(name)
        try:
            return convert(raw)
        except (ValueError, TypeError):
            raise self.error(f"option {name}={raw!r} is not {what}") from None

    def take_int(self, name: str, default: int, lo: int | None = None, hi: int | None = None) -> int:
        """Integer option within [lo, hi]. Raises UrlError."""
        def conv(s: str) -> int:
            v = int(s, 0)
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                raise ValueError
            return v
        span = f" in {lo}..{hi}" if lo is not None and hi is not None else (f" >= {lo}" if lo is not None else "")
        return self.take(name, default, conv, f"an integer{span}")

    def take_float(self, name: str, default: float, lo: float = 0.0) -> float:
        """Float option >= lo. Raises UrlError."""
        def conv(s: str) -> float:
            v = float(s)
            if not v >= lo or v == float("inf"):
                raise ValueError
            return v
        return self.take(name, default, conv, f"a number >= {lo:g}")

    def take_bool(self, name: str, default: bool) -> bool:
        """0|1 option. Raises UrlError."""
        def conv(s: str) -> bool:
            if s not in ("0", "1"):
                raise ValueError
            return s == "1"
        return self.take(name, default, conv, "0 or 1")

    def take_choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        """Option that must be one of `choices`. Raises UrlError."""
        def conv(s: str) -> str:
            if s not in choices:
                raise ValueError
            return s
        return self.take(name, default, conv, "one of " + "|".join(choices))

    def take_str(self, name: str, default: str | None) -> str | None:
        """Option taken as text (non-empty). Raises UrlError."""
        def conv(s: str) -> str:
            if not s:
                raise ValueError
            return s
        return self.take(name, default, conv, "a non-empty value")

    def done(self) -> None:
        """Raise UrlError if an option was given that nobody took."""
        if self.options:
            raise self.error(f"unknown option {next(iter(self.options))!r}")
