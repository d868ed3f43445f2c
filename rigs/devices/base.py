"""What every emulated device shares: lifecycle, counters, ready and stop handling.

A device opens its endpoints (transports by URL), says it is ready, then works until it is
asked to stop (or its duration runs out), closes its endpoints and reports what it sent,
received and dropped. It runs either in-process (tests):

    dev = Echo("loop://a")
    dev.start()            # returns once the endpoints are open; raises if they cannot open
    ...
    summary = dev.stop()   # {"device": "echo", "sent": .., "received": .., "dropped": .., ...}

or as its own process (`radarbench emulate KIND`, see :func:`serve`): it prints ``ready`` on a
line of its own once its endpoints are open, stops on SIGINT, SIGTERM or SIGHUP, and prints
its summary as one line of JSON. A device started by a rig also stops when the rig dies
(radarbench.rigs.lifeline, armed in radarbench.rigs.devices.cli).

A subclass implements `open()` (open endpoints), `step()` (one bounded slice of work, that
returns within about STEP_S so that a stop request is seen quickly) and `close()`.
"""
from __future__ import annotations

import json
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # typing.Self is 3.11+; the package supports 3.10
    from typing_extensions import Self

from radarbench.rigs.transports import Transport
from radarbench.rigs.transports import open as open_url

# Longest a step() may block: how long a stop request may wait to be seen.
STEP_S = 0.05


class DeviceError(RuntimeError):
    """A device failed while running (its endpoints failed, or its work raised)."""


class LogFileError(OSError):
    """A device's log file cannot be written: "cannot write the log PATH: why" (not an
    endpoint's error, so the command line says so rather than "cannot open an endpoint")."""


class Device(ABC):
    """One emulated device. Counters are written by the device's own thread only.

    sent / received / dropped count messages; `extra` holds device-specific counters that go
    into the summary beside them.
    """

    kind: str = "device"

    def __init__(self, duration_s: float | None = None) -> None:
        self.duration_s = duration_s
        self.sent = 0
        self.received = 0
        self.dropped = 0
        self.extra: dict[str, Any] = {}
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._started_ns: int | None = None
        self._stopped_ns: int | None = None

    # --------------------------------------------------------------- what subclasses write

    @abstractmethod
    def open(self) -> None:
        """Open the device's endpoints. Raises UrlError or OSError if one cannot open."""

    @abstractmethod
    def step(self) -> None:
        """Do one bounded slice of work (returning within about STEP_S)."""

    def finish(self) -> None:
        """Called once after the last step, before close(): flush what is pending."""

    @abstractmethod
    def close(self) -> None:
        """Close the endpoints; must be safe after a partial open()."""

    # --------------------------------------------------------------- lifecycle

    @property
    def stopping(self) -> bool:
        """True once a stop was requested (or the duration ran out)."""
        return self._stop.is_set()

    def request_stop(self) -> None:
        """Ask the device to stop; safe from a signal handler or another thread."""
        self._stop.set()

    def wait_s(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early on a stop request; True if stopping."""
        return self._stop.wait(max(0.0, seconds))

    def run(self, on_ready: Callable[[], None] | None = None) -> dict[str, Any]:
        """Open, signal ready, work until stopped or the duration ends, close; the summary.

        Raises UrlError or OSError if the endpoints cannot open (nothing is left open), and
        whatever step() raises (after closing).
        """
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        try:
            self._started_ns = time.monotonic_ns()
            end_ns = None if self.duration_s is None else self._started_ns + int(self.duration_s * 1e9)
            self._ready.set()
            if on_ready is not None:
                on_ready()
            while not self._stop.is_set():
                if end_ns is not None and time.monotonic_ns() >= end_ns:
                    break
                self.step()
            self.finish()
        finally:
            self._stopped_ns = time.monotonic_ns()
            self._stop.set()
            self.close()
        return self.summary()

    def start(self, timeout_s: float = 10.0) -> None:
        """Run in a background thread; return once the endpoints are open.

        Raises DeviceError (with the cause chained) if the device failed before it was ready,
        TimeoutError if it was not ready within `timeout_s`.
        """
        if self._thread is not None:
            raise DeviceError(f"{self.kind} already started")
        self._thread = threading.Thread(target=self._thread_main, name=f"emulate-{self.kind}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._ready.wait(0.01):
            if self._error is not None or not self._thread.is_alive():
                self._thread.join()
                raise DeviceError(f"{self.kind} failed to start: {self._error!r}") from self._error
            if time.monotonic() > deadline:
                self.request_stop()
                raise TimeoutError(f"{self.kind} not ready after {timeout_s} s")

    def _thread_main(self) -> None:
        try:
            self.run()
        except BaseException as exc:  # noqa: BLE001 - handed to start()/stop() in the caller's thread
            self._error = exc

    def stop(self, timeout_s: float = 10.0) -> dict[str, Any]:
        """Stop a device started with start(), wait for it, and return its summary.

        Raises DeviceError if it failed while running, TimeoutError if it does not stop.
        """
        self.request_stop()
        return self.join(timeout_s)

    def join(self, timeout_s: float | None = None) -> dict[str, Any]:
        """Wait for a started device to end by itself (its duration); its summary.

        Raises DeviceError if it failed while running, TimeoutError if it does not end in time.
        """
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                raise TimeoutError(f"{self.kind} did not stop within {timeout_s} s")
        if self._error is not None:
            raise DeviceError(f"{self.kind} failed: {self._error!r}") from self._error
        return self.summary()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --------------------------------------------------------------- reporting

    @property
    def elapsed_s(self) -> float:
        """Seconds from ready to stop (or to now while running); 0 before start."""
        if self._started_ns is None:
            return 0.0
        end = self._stopped_ns if self._stopped_ns is not None else time.monotonic_ns()
        return (end - self._started_ns) / 1e9

    def summary(self) -> dict[str, Any]:
        """What the device did: device, sent, received, dropped, elapsed_s and its extras."""
        out: dict[str, Any] = {
            "device": self.kind,
            "sent": self.sent,
            "received": self.received,
            "dropped": self.dropped,
            "elapsed_s": round(self.elapsed_s, 6),
        }
        out.update(self.extra)
        return out


def open_endpoint(url: str, opened: list[Transport], role: str | None = None) -> Transport:
    """Open `url` for `role` ("recv" for a device's --in, "send" for its --out; see
    radarbench.rigs.transports.open) and remember it in `opened` (so close_all can release it).

    Raises UrlError for a bad URL, OSError naming the URL if it cannot open (a port in use).
    """
    t = open_url(url, role=role)
    opened.append(t)
    return t


def close_all(opened: list[Transport]) -> None:
    """Close every transport in `opened` (ignoring errors: we are shutting down) and clear it."""
    while opened:
        t = opened.pop()
        try:
            t.close()
        except OSError:
            pass


def serve(device: Device, out: IO[str] | None = None) -> dict[str, Any]:
    """Run `device` in this process until SIGINT, SIGTERM or its duration; print its summary.

    Prints ``ready`` (flushed) once the endpoints are open and the summary as one JSON line at
    the end. Must be called from the main thread (signal handlers). Raises what run() raises.
    """
    stream = out if out is not None else sys.stdout

    def on_signal(signum: int, frame: FrameType | None) -> None:
        device.request_stop()

    # SIGHUP too (the terminal of a device started by hand closed), unless the device was
    # started with it ignored (nohup).
    stop_on = [signal.SIGINT, signal.SIGTERM]
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        stop_on.append(signal.SIGHUP)
    previous = {s: signal.signal(s, on_signal) for s in stop_on}
    try:
        def ready() -> None:
            print("ready", file=stream, flush=True)
        summary = device.run(on_ready=ready)
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    try:
        print(json.dumps(summary, separators=(",", ":")), file=stream, flush=True)
    except BrokenPipeError:
        pass  # whoever started the device is gone (a rig that was killed): nobody to tell
    return summary
