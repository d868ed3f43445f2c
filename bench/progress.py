"""Live progress of a bench run: one line a second, to the terminal and/or as JSON Lines.

On a terminal the line is redrawn in place with rich; elsewhere (a CI log, a pipe) it is
printed as plain text, one line a second; `quiet` prints nothing. `--json-stream FILE|-`
writes the same lines as JSON objects for other tools, whatever the terminal mode.
"""
from __future__ import annotations

import json
import os
import sys
from typing import IO, TYPE_CHECKING, Any, Literal

from radarbench.bench.outfile import open_without_waiting

if TYPE_CHECKING:  # typing.Self is 3.11+; the package supports 3.10
    from typing_extensions import Self

Mode = Literal["auto", "tty", "plain", "quiet"]


def _fmt(line: dict[str, Any]) -> str:
    p99 = line.get("p99_ms")
    parts = [f"t={line.get('t_s', 0)}s"]
    if "rate_msgs_per_s" in line:
        parts.append(f"{line['rate_msgs_per_s']:,.0f}/s")
    for key, label in (("sent", "sent"), ("received", "rcvd"), ("records", "records"),
                       ("lost", "lost"), ("late", "late"), ("corrupted", "corrupt"),
                       ("decode_errors", "dec.err")):
        # Rare figures only when they happened: the line must fit an 80-column terminal.
        if key in line and (line[key] or key in ("sent", "received", "lost")):
            parts.append(f"{label} {line[key]:,}")
    if p99 is not None:
        parts.append(f"p99 so far {p99:,.3f} ms")
    if line.get("phase"):
        parts.append(str(line["phase"]))
    return "  ".join(parts)


class Progress:
    """Writes progress lines. Use as a context manager; call `update(line)` once a second.

    mode: auto (rich on a TTY stderr, plain lines otherwise), tty, plain or quiet;
    json_stream: a path, "-" for stdout, or None. Raises OSError if the stream cannot open.
    """

    def __init__(self, mode: Mode = "auto", json_stream: str | None = None) -> None:
        if mode == "auto":
            mode = "tty" if sys.stderr.isatty() else "plain"
        self.mode = mode
        self._json: IO[str] | None = None
        self._own_json = False
        if json_stream == "-":
            self._json = sys.stdout
        elif json_stream:
            # Open for the whole run (closed in close()), so no with-block; a FIFO nobody
            # reads fails (ENXIO) rather than holding the run before it starts, for ever.
            fd = open_without_waiting(json_stream, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            self._json = os.fdopen(fd, "a", encoding="utf-8")  # noqa: SIM115
            self._own_json = True
        self._json_name = json_stream
        self._live: Any = None

    def __enter__(self) -> Self:
        if self.mode == "tty":
            from rich.console import Console
            from rich.live import Live

            # No auto-refresh thread: the engine forks its sender and receiver, and a fork
            # taken while a refresh thread holds the console lock would inherit it held.
            self._live = Live("", console=Console(stderr=True), auto_refresh=False,
                              transient=False)
            self._live.__enter__()
        return self

    def update(self, line: dict[str, Any]) -> None:
        """Show one line (a dict of figures) and stream it as JSON."""
        if self._json is not None:
            try:
                self._json.write(json.dumps(line) + "\n")
                self._json.flush()
            except OSError as exc:
                # Its reader went, or its device is full: the stream ends, the run does not
                # (a FIFO whose reader left ended the run with status 0 and no report).
                self._json_failed(exc)
        if self.mode == "tty" and self._live is not None:
            self._live.update(_fmt(line), refresh=True)
        elif self.mode == "plain":
            print(_fmt(line), file=sys.stderr, flush=True)

    def _json_failed(self, exc: OSError) -> None:
        stream, self._json = self._json, None
        if self._own_json and stream is not None:
            try:
                stream.close()
            except OSError:
                pass
        name = "standard output" if self._json_name == "-" else self._json_name
        why = "its reader went away" if isinstance(exc, BrokenPipeError) else exc.strerror or str(exc)
        try:
            print(f"radarbench: --json-stream {name}: {why}; the stream stops, the run goes on",
                  file=sys.stderr, flush=True)
        except OSError:
            pass

    def note(self, text: str) -> None:
        """A one-off message (a phase of --find-max, a fault), never in the JSON stream."""
        if self.mode == "quiet":
            return
        if self._live is not None:
            self._live.console.print(text)
        else:
            print(text, file=sys.stderr, flush=True)

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
            self._live = None
        if self._own_json and self._json is not None:
            try:
                self._json.close()
            except OSError:
                pass
        self._json = None
