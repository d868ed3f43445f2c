"""Impair: a link emulator from --in to --out that logs the ground truth of what it did.

    radarbench emulate impair --in udp://:8600 --out udp://127.0.0.1:8700 \\
        --delay 20 --jitter 5 --loss 0.01 --duplicate 0.001 --reorder 0.01 --seed 1 --log truth.jsonl

For each message received, in order:
1. loss: dropped with probability `loss` (Bernoulli), or by a Gilbert-Elliott chain
   (`loss_model="gilbert"`: state good -> bad with p_gb, bad -> good with p_bg, checked before
   each message; lost with `loss` in the good state and `loss_bad` in the bad one);
2. duplication: sent twice with probability `duplicate`;
3. corruption: `corrupt_bits` random bits of the payload flipped with probability `corrupt`
   (every copy carries the same damage);
4. delay: `delay_ms` plus a uniform jitter in [-jitter_ms, +jitter_ms] (never below zero),
   after a serialisation delay at `rate_bps` (a line that sends one message at a time);
5. reordering: with probability `reorder` the message is held back and sent just after the
   next message to leave (or after `HOLD_MAX_S` if none comes, or at stop).

Copies are kept in a heap by due time, so the delay does not limit throughput. The log
(JSON Lines, one line per received message, in arrival order) holds index, fate (dropped,
corrupted, duplicated, reordered or delivered: the first that applies), copies sent,
delay_ms (scheduled, of the first copy; null if dropped), bytes, tag (the SP item's hex of a
CAT048 message, else null) and the flags duplicated / corrupted / reordered. Summed over the
log, `copies` is what the far end should receive. Each line is written through as the
message's fate is decided (line-buffered: one write per message), so the log on disk is what
the impairer did up to the moment it died, SIGKILL included. A log that cannot be opened is a
LogFileError ("cannot write the log PATH: why").
"""
from __future__ import annotations

import heapq
import json
import random
import time
from typing import IO, Any

from radarbench.codecs.asterix import DecodeError, decode
from radarbench.rigs.devices.base import STEP_S, Device, LogFileError, close_all, open_endpoint
from radarbench.rigs.transports import Transport
from radarbench.rigs.transports.base import os_detail

HOLD_MAX_S = 1.0     # a reordered message waits at most this long for a message to overtake it
LOSS_MODELS = ("bernoulli", "gilbert")


def _probability(name: str, p: float) -> float:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be a probability in 0..1, not {p}")
    return p


def probe_tag(data: bytes) -> str | None:
    """The hex of the SP item of the first CAT048 record in `data`, or None."""
    if not data or data[0] != 48:
        return None
    try:
        for rec in decode(data):
            if rec.category == 48 and "SP" in rec.items:
                sp = rec.items["SP"]
                return sp if isinstance(sp, str) else None
    except DecodeError:
        return None
    return None


class Impair(Device):
    """A one-way impaired link (see the module docstring).

    Counters: received, sent (copies that left), dropped (lost by the model), duplicated,
    corrupted, reordered, send_errors (copies the --out endpoint refused).
    """

    kind = "impair"

    def __init__(
        self,
        in_url: str,
        out_url: str,
        *,
        delay_ms: float = 0.0,
        jitter_ms: float = 0.0,
        loss: float = 0.0,
        loss_model: str = "bernoulli",
        p_gb: float = 0.0,
        p_bg: float = 1.0,
        loss_bad: float = 1.0,
        duplicate: float = 0.0,
        reorder: float = 0.0,
        corrupt: float = 0.0,
        corrupt_bits: int = 1,
        rate_bps: float | None = None,
        seed: int = 0,
        log_path: str | None = None,
        duration_s: float | None = None,
    ) -> None:
        """Raises ValueError for a setting out of range."""
        super().__init__(duration_s)
        if delay_ms < 0 or jitter_ms < 0:
            raise ValueError("delay and jitter cannot be negative")
        if loss_model not in LOSS_MODELS:
            raise ValueError(f"loss model must be one of {', '.join(LOSS_MODELS)}, not {loss_model!r}")
        if rate_bps is not None and not rate_bps > 0:
            raise ValueError(f"rate must be > 0 bit/s, not {rate_bps}")
        if corrupt_bits < 1:
            raise ValueError("corrupt bits must be >= 1")
        self.in_url, self.out_url = in_url, out_url
        self.delay_s = delay_ms / 1e3
        self.jitter_s = jitter_ms / 1e3
        self.loss = _probability("loss", loss)
        self.loss_model = loss_model
        self.p_gb = _probability("p-gb", p_gb)
        self.p_bg = _probability("p-bg", p_bg)
        self.loss_bad = _probability("loss-bad", loss_bad)
        self.duplicate = _probability("duplicate", duplicate)
        self.reorder = _probability("reorder", reorder)
        self.corrupt = _probability("corrupt", corrupt)
        self.corrupt_bits = corrupt_bits
        self.rate_bps = rate_bps
        self.seed = seed
        self.log_path = log_path
        self._rng = random.Random(f"radarbench-impair-{seed}")
        self._bad = False                # Gilbert-Elliott state
        self._line_free_ns = 0           # when the emulated line has finished the last message
        self._heap: list[tuple[int, int, bytes]] = []   # (due_ns, order, payload)
        self._order = 0                  # ties broken by scheduling order
        self._held: list[tuple[int, bytes]] = []        # (hold deadline ns, payload) to reorder
        self._index = 0
        self._log: IO[str] | None = None
        self._opened: list[Transport] = []
        self._in: Transport | None = None
        self._out: Transport | None = None
        self.extra.update(duplicated=0, corrupted=0, reordered=0, send_errors=0)

    def open(self) -> None:
        if self.log_path:
            self._log = open_log(self.log_path)
        self._in = open_endpoint(self.in_url, self._opened, "recv")
        self._out = open_endpoint(self.out_url, self._opened, "send")

    def close(self) -> None:
        close_all(self._opened)
        if self._log is not None:
            self._log.close()
            self._log = None

    # --------------------------------------------------------------- the loop

    def step(self) -> None:
        assert self._in is not None
        now = time.monotonic_ns()
        self._send_due(now)
        wait_s = STEP_S
        if self._heap:
            wait_s = min(wait_s, max(0.0, (self._heap[0][0] - now) / 1e9))
        if self._held:
            wait_s = min(wait_s, max(0.0, (self._held[0][0] - now) / 1e9))
        msg = self._in.recv(wait_s)
        while msg is not None:
            self._arrive(msg.data, msg.rx_ns)
            # Serve what is due between arrivals, so a flood does not starve the sender.
            self._send_due(time.monotonic_ns())
            if self.stopping:
                return
            msg = self._in.recv(0)

    def finish(self) -> None:
        """At stop: release held messages and send everything still queued, at once."""
        for _, payload in self._held:
            self._push(time.monotonic_ns(), payload)
        self._held.clear()
        self._send_due(None)
        if self._log is not None:
            self._log.flush()

    def _send_due(self, now_ns: int | None) -> None:
        """Send every queued copy due by `now_ns` (None: all of them)."""
        assert self._out is not None
        heap = self._heap
        while heap and (now_ns is None or heap[0][0] <= now_ns):
            _, _, payload = heapq.heappop(heap)
            try:
                self._out.send(payload)
                self.sent += 1
            except (OSError, ValueError):
                self.extra["send_errors"] += 1
        if self._held and now_ns is not None and self._held[0][0] <= now_ns:
            # Nobody came to overtake it: let it go now.
            _, payload = self._held.pop(0)
            self._push(now_ns, payload)

    def _push(self, due_ns: int, payload: bytes) -> None:
        heapq.heappush(self._heap, (due_ns, self._order, payload))
        self._order += 1

    # --------------------------------------------------------------- one message's fate

    def _lost(self) -> bool:
        rng = self._rng
        if self.loss_model == "gilbert":
            if self._bad:
                if rng.random() < self.p_bg:
                    self._bad = False
            elif rng.random() < self.p_gb:
                self._bad = True
            return rng.random() < (self.loss_bad if self._bad else self.loss)
        return self.loss > 0 and rng.random() < self.loss

    def _arrive(self, data: bytes, rx_ns: int) -> None:
        rng = self._rng
        index = self._index
        self._index += 1
        self.received += 1
        # Draw every decision for every message, so that one setting does not shift the
        # random stream of the others (same seed, same losses whatever the duplicate rate).
        lost = self._lost()
        dup = rng.random() < self.duplicate
        bad = rng.random() < self.corrupt
        held = rng.random() < self.reorder
        jitter_s = rng.uniform(-self.jitter_s, self.jitter_s) if self.jitter_s else 0.0
        flips = [rng.randrange(max(1, len(data) * 8)) for _ in range(self.corrupt_bits)] if bad else []
        record: dict[str, Any] = {"index": index, "fate": "dropped", "copies": 0, "delay_ms": None,
                                  "bytes": len(data)}
        if self._log is not None:
            record["tag"] = probe_tag(data)
        if lost:
            self.dropped += 1
            self._write_log(record)
            return
        payload = data
        if bad and data:
            damaged = bytearray(data)
            for bit in flips:
                damaged[bit >> 3] ^= 0x80 >> (bit & 7)
            payload = bytes(damaged)
            self.extra["corrupted"] += 1
        copies = 2 if dup else 1
        if dup:
            self.extra["duplicated"] += 1
        # Serialisation at the line rate, then the propagation delay with its jitter.
        start_ns = max(rx_ns, self._line_free_ns)
        if self.rate_bps:
            start_ns += round(len(data) * 8 / self.rate_bps * 1e9) * copies
            self._line_free_ns = start_ns
        due_ns = start_ns + round(max(0.0, self.delay_s + jitter_s) * 1e9)
        if held:
            self.extra["reordered"] += 1
            for _ in range(copies):
                self._held.append((rx_ns + round(HOLD_MAX_S * 1e9), payload))
        else:
            for _ in range(copies):
                self._push(due_ns, payload)
            if self._held:
                # The messages held back leave just after this one.
                for _, p in self._held:
                    self._push(due_ns, p)
                self._held.clear()
        record.update(
            fate="corrupted" if bad else "duplicated" if dup else "reordered" if held else "delivered",
            copies=copies,
            delay_ms=round((due_ns - rx_ns) / 1e6, 3),
            duplicated=dup, corrupted=bad, reordered=held,
        )
        self._write_log(record)

    def _write_log(self, record: dict[str, Any]) -> None:
        if self._log is not None:
            self._log.write(json.dumps(record, separators=(",", ":")) + "\n")


def open_log(path: str) -> IO[str]:
    """Open the ground-truth log for writing, line-buffered: each message's line reaches the
    file (the kernel) when it is written, so a SIGKILL loses none. Raises LogFileError."""
    try:
        return open(path, "w", encoding="utf-8", buffering=1)
    except OSError as exc:
        err = LogFileError(f"cannot write the log {path}: {exc.strerror or os_detail(exc)}")
        err.errno = exc.errno
        raise err from None
