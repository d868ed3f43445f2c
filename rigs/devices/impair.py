"""Impair: a link emulator from --in to --out that logs the ground truth of what it did.

    radarbench emulate impair --in udp://:8600 --out udp://127.0.0.1:8700 \\
        --delay 20 --jitter 5 --loss 0.01 --duplicate 0.001 --reorder 0.01 --modify 0.01 \\
        --seed 1 --log truth.jsonl

For each message received, in order:
1. loss: dropped with probability `loss` (Bernoulli), or by a Gilbert-Elliott chain
   (`loss_model="gilbert"`: state good -> bad with p_gb, bad -> good with p_bg, checked before
   each message; lost with `loss` in the good state and `loss_bad` in the bad one);
2. duplication: sent twice with probability `duplicate`;
3. modification: with probability `modify`, one record of the message (picked at random among
   its decoded records that have a candidate item) gets one element of one item changed, and
   is encoded again in place (see "Modification" below); every copy carries the same change;
4. corruption: `corrupt_bits` random bits of the payload flipped with probability `corrupt`
   (every copy carries the same damage);
5. delay: `delay_ms` plus a uniform jitter in [-jitter_ms, +jitter_ms] (never below zero),
   after a serialisation delay at `rate_bps` (a line that sends one message at a time);
6. reordering: with probability `reorder` the message is held back and sent just after the
   next message to leave (or after `HOLD_MAX_S` if none comes, or at stop).

Modification comes before corruption because they model two different faults: a device on
the path that rewrites content into a well-formed message (a gateway with a bug), then a line
that damages bytes. Done the other way round, the impairer would decode damaged bytes (most do
not decode: nothing to modify) or re-encode the damage into a well-formed message, and the
difference between what went in and what came out would no longer be the one item the log
names. When both hit one message, the fate is "corrupted" and the line still says what was
modified before the line damaged it.

Modification: the candidates are the items present in the record except SP and RE (never
FSPEC, never the probe tag) and, unless `modify_items` names items, except the bench's
default content keys (KEY_ITEMS, from radarbench.codecs.asterix.identity: CAT048 010 140 040
161, CAT062 010 040 070, CAT034 010 000 030, CAT021 010 080 071 073 030), so that the record is still found by its keys and counted as
modified rather than lost. With `modify_items` (["I048/200", ...]) only those items are
candidates, keys included. One element of the item (a leaf of its groups, extensions,
compound sub-items and repetitions; not an explicit or Depends element) is changed: a number
by 1 to 3 LSBs (a 1-bit field flipped), a table value to another value of its table, one
octal digit or one character of a string. The record is encoded again with the edition it was
decoded with and put back in its data block (LEN corrected if the length changed, which a
fixed-size element does not do); the result is decoded again and must differ from the
original in that element and nowhere else, or another element is tried. A message that does
not decode, or has no candidate, leaves unchanged and is counted in `modify_skipped`.

Copies are kept in a heap by due time, so the delay does not limit throughput. The log
(JSON Lines, one line per received message, in arrival order) holds index, fate (the first
that applies of: dropped, corrupted, modified, duplicated, reordered, delivered), copies sent,
delay_ms (scheduled, of the first copy; null if dropped), bytes, tag (the SP item's hex of the
first CAT048, CAT062 or CAT034 record that has one, else null), the flags duplicated /
corrupted / reordered, and `modified`: null, or what was changed, as
``{"record": i, "item": "I048/200", "path": "I048/200/GSP", "from": x, "to": y}`` (i: the
0-based index of the record in the message; path: item, sub-fields and, in a repetition, the
0-based repetition index; from / to: the decoded values, in the item's unit). A message drawn
for modification that could not be modified has `"modify_skipped": "why"`. Summed over the
log, `copies` is what the far end should receive. Each line reaches the file before the
first copy of its message leaves (and whenever --in is drained), so the log on disk holds
every message passed on before the impairer died, SIGKILL included (the line of a message it
dropped may wait for the end of the burst it came in). A log that cannot be opened is a
LogFileError ("cannot write the log PATH: why").

Keeping up while it logs: a burst that arrives while the impairer is busy waits in --in's
receive queue, and what does not fit there is dropped by the kernel before the impairer sees
it, so no line of the log can show it. Logging (and modifying) decode each message, and the
first decode of a category builds its decoder (~30 ms a category): at the first message of a
burst sent back to back, half of 500 datagrams overflowed the system's default queue (~210 kB)
while the CAT034 and CAT048 decoders were built. So the decoders of the probe categories are
built at open(), before `ready`; --in's receive queue is widened (rigs.transports.udp's
WIDE_RCVBUF_BYTES, unless its URL sets rcvbuf=); the log is written in batches (every line written before the first copy of
its message leaves, and whenever --in is drained, so the SIGKILL promise above holds); and
what the kernel dropped at --in all the same is read at stop (refresh_rx_queue_drops: a drop
after the last datagram read shows in no later datagram's SO_RXQ_OVFL count) and reported as
the summary's rx_queue_drops.
"""
from __future__ import annotations

import copy
import errno
import fcntl
import heapq
import json
import os
import random
import re
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from radarbench.codecs.asterix import DecodeError, EncodeError, category_spec, decode, encode_record, split_blocks
from radarbench.codecs.asterix.editions import resolve
from radarbench.codecs.asterix.identity import element_path, key_items
from radarbench.codecs.asterix.spec import (
    Ascii, Bds, Compound, Element, Extended, Group, Icao6, Octal, Quantity, Repetitive, RepetitiveFX, Table,
)
from radarbench.rigs.devices.base import STEP_S, Device, LogFileError, close_all, open_endpoint
from radarbench.rigs.transports import Transport
from radarbench.rigs.transports.base import os_detail

# At stop, what waits at --in is still read for at most this long (a flood that goes on
# past the stop is not waited for).
STOP_DRAIN_S = 1.0
# At stop, copies still delayed are sent when due if that is within this (else at once, and
# counted in the summary's released_early)
STOP_DELAY_WAIT_S = 2.0  # within rigup.STOP_TIMEOUT_S (5 s) with the drain (1 s)
HOLD_MAX_S = 1.0     # a reordered message waits at most this long for a message to overtake it
LOSS_MODELS = ("bernoulli", "gilbert")
# Categories whose records the bench sends as probes (the tag in SP): the log's `tag`.
PROBE_CATEGORIES = (48, 62, 34)
# The items of the default keys that identify a record (radarbench.codecs.asterix.identity,
# which the bench's content matching keys on; every alternative of a category together): not
# modified unless asked by name, so that a modified record is still found by its keys.
KEY_ITEMS: dict[int, frozenset[str]] = {c: key_items(c) for c in (48, 62, 34, 21)}
# Never modified, even by name: the special-purpose field (the probe tag) and the reserved
# expansion field (no declaration of its own in the category edition).
NEVER_MODIFIED = frozenset({"SP", "RE"})
# Elements tried (encode, decode, compare) before a message is passed on unmodified.
MODIFY_TRIES = 16
_ITEM_NAME = re.compile(r"I(\d{3})/([0-9A-Z]+)")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _probability(name: str, p: float) -> float:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be a probability in 0..1, not {p}")
    return p


def probe_tag(data: bytes, editions: Mapping[int, str] | None = None) -> str | None:
    """The hex of the SP item of the first CAT048, CAT062 or CAT034 record in `data` that has
    one, or None (also for a message that does not decode)."""
    if not data or data[0] not in PROBE_CATEGORIES:
        return None
    try:
        for rec in decode(data, editions=editions):
            if rec.category in PROBE_CATEGORIES and "SP" in rec.items:
                sp = rec.items["SP"]
                return sp if isinstance(sp, str) else None
    except DecodeError:
        return None
    return None


# --------------------------------------------------------------------------- modification


def parse_modify_items(names: str | Iterable[str] | None,
                       editions: Mapping[int, str] | None = None) -> dict[int, frozenset[str]] | None:
    """'I048/200,I048/090' (or a list of such names) -> {48: frozenset({'200', '090'})}; None
    for None or an empty list (the default candidates).

    Raises ValueError naming the first bad name: not of the form I048/200, a category with no
    declaration, an item its edition (the default, or the one in `editions`) does not have,
    or SP / RE, which are never modified.
    """
    if names is None:
        return None
    parts = [n.strip() for n in (names.split(",") if isinstance(names, str) else names)]
    parts = [n for n in parts if n]
    if not parts:
        return None
    chosen = resolve(editions)
    out: dict[int, set[str]] = {}
    for name in parts:
        m = _ITEM_NAME.fullmatch(name)
        if m is None:
            raise ValueError(f"--modify-items: {name!r} is not an item name; expected names such as I048/200")
        cat, key = int(m.group(1)), m.group(2)
        if key in NEVER_MODIFIED:
            raise ValueError(f"--modify-items: {name}: {key} is never modified (the probe tag, the expansion field)")
        if cat not in chosen:
            raise ValueError(f"--modify-items: {name}: no declaration of CAT{cat:03d}")
        if key not in category_spec(cat, chosen[cat]).items:
            raise ValueError(f"--modify-items: {name}: CAT{cat:03d} edition {chosen[cat]} has no item {key}")
        out.setdefault(cat, set()).add(key)
    return {cat: frozenset(keys) for cat, keys in out.items()}


def _leaves(node: Any, value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Element]]:
    """(path, element) of every element with a value in `value`, the decoded value of the
    declaration `node`: through groups, extensions, compounds and repetitions. Explicit and
    Depends elements are left out (no fixed meaning to change by an LSB)."""
    if isinstance(node, Element):
        yield path, node
    elif isinstance(node, Group):
        if isinstance(value, dict):
            for name, sub in node.fields:
                if name is not None and name in value:
                    yield from _leaves(sub, value[name], path + (name,))
    elif isinstance(node, Extended):
        if isinstance(value, dict):
            for part in node.parts:
                for name, sub in part:
                    if name is not None and name in value:
                        yield from _leaves(sub, value[name], path + (name,))
    elif isinstance(node, Compound):
        if isinstance(value, dict):
            for entry in node.subitems:
                if entry is not None and entry[0] in value:
                    yield from _leaves(entry[1], value[entry[0]], path + (entry[0],))
    elif isinstance(node, (Repetitive, RepetitiveFX)):
        if isinstance(value, list):
            for i, v in enumerate(value):
                yield from _leaves(node.sub, v, path + (i,))


def _changed(node: Element, value: Any, rng: random.Random) -> Any:
    """Another value of the element: a number 1 to 3 LSBs away (a 1-bit field flipped), a
    table value another of its table, one octal digit or character replaced; None if none."""
    if isinstance(node, (Octal, Icao6, Ascii)):
        if not isinstance(value, str) or not value:
            return None
        i = rng.randrange(len(value))
        alphabet = "01234567" if isinstance(node, Octal) else _LETTERS
        return value[:i] + rng.choice([c for c in alphabet if c != value[i]]) + value[i + 1:]
    if isinstance(node, Table) and len(node.table) >= 2 and value in node.table:
        return rng.choice([k for k in node.table if k != value])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    raw = round(value / node.lsb) if isinstance(node, Quantity) else value
    if not isinstance(raw, int):
        return None
    if node.bits == 1:
        new = raw ^ 1
    else:
        lo, hi = (-(1 << (node.bits - 1)), (1 << (node.bits - 1)) - 1) if node.signed else (0, (1 << node.bits) - 1)
        # A 64-bit BDS register keeps its address (the low octet): the message bits change.
        step = rng.randint(1, 3) << (8 if isinstance(node, Bds) and node.bits == 64 else 0)
        new = raw + step if raw + step <= hi else raw - step
        if not lo <= new <= hi:
            return None
    return new * node.lsb if isinstance(node, Quantity) else new


def _get(items: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        items = items[p]
    return items


def _with(items: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(items)
    parent = _get(out, path[:-1])
    parent[path[-1]] = value
    return out


def _candidates(category: int, items: Mapping[str, Any],
                allowed: Mapping[int, frozenset[str]] | None) -> list[str]:
    if allowed is not None:
        names = allowed.get(category, frozenset())
        return [k for k in items if k in names and k not in NEVER_MODIFIED]
    keys = KEY_ITEMS.get(category, frozenset())
    return [k for k in items if k not in keys and k not in NEVER_MODIFIED]


def modify_message(data: bytes, rng: random.Random,
                   allowed: Mapping[int, frozenset[str]] | None = None,
                   editions: Mapping[int, str] | None = None) -> tuple[bytes, dict[str, Any]] | str:
    """One element of one candidate item of one record of `data` changed (see the module
    docstring): (the new message, the log's `modified` entry), or why nothing was changed
    ("does not decode: ...", "no candidate item", "no element could be changed").

    allowed: {category: items} from parse_modify_items (None: the default candidates).
    The new message decodes, with `editions`, to the same records as `data` but for the one
    element (checked here by decoding it).
    """
    try:
        records = decode(data, editions=editions)
        blocks = list(split_blocks(data))
    except DecodeError as exc:
        return f"does not decode: {exc}"
    order = [i for i, r in enumerate(records) if _candidates(r.category, r.items, allowed)]
    if not order:
        return "no candidate item"
    rng.shuffle(order)
    tries = 0
    for i in order:
        rec = records[i]
        assert rec.offset is not None and rec.block is not None
        spec = category_spec(rec.category, rec.edition)
        block_at, _cat, end = blocks[rec.block]
        start = rec.offset
        if i + 1 < len(records) and records[i + 1].block == rec.block:
            end = records[i + 1].offset or end
        keys = _candidates(rec.category, rec.items, allowed)
        rng.shuffle(keys)
        for key in keys:
            leaves = list(_leaves(spec.items[key].variation, rec.items[key], (key,)))
            rng.shuffle(leaves)
            for path, node in leaves:
                tries += 1
                if tries > MODIFY_TRIES:
                    return "no element could be changed"
                got = _try_change(data, records, i, block_at, start, end, path, node, rng, editions)
                if got is not None:
                    return got
    return "no element could be changed"


def _try_change(data: bytes, records: list[Any], i: int, block_at: int, start: int, end: int,
                path: tuple[Any, ...],
                node: Element, rng: random.Random,
                editions: Mapping[int, str] | None) -> tuple[bytes, dict[str, Any]] | None:
    rec = records[i]
    old = _get(rec.items, path)
    new = _changed(node, old, rng)
    if new is None or new == old:
        return None
    items = _with(rec.items, path, new)
    try:
        body = encode_record(rec.category, items, rec.edition)
    except EncodeError:
        return None
    block_len = (data[block_at + 1] << 8 | data[block_at + 2]) + len(body) - (end - start)
    if block_len > 0xFFFF:
        return None
    out = bytearray(data[:start] + body + data[end:])
    out[block_at + 1:block_at + 3] = block_len.to_bytes(2, "big")
    out_b = bytes(out)
    # The claim the log makes must be the whole truth: decode what leaves, and compare.
    try:
        after = decode(out_b, editions=editions)
    except DecodeError:
        return None
    if len(after) != len(records):
        return None
    to = _get(after[i].items, path) if _has(after[i].items, path) else None
    if to is None or to == old:
        return None
    expected = [r.items if j != i else _with(r.items, path, to) for j, r in enumerate(records)]
    if [r.items for r in after] != expected:
        return None
    cat = rec.category
    return out_b, {"record": i, "item": f"I{cat:03d}/{path[0]}", "path": element_path(cat, path),
                   "from": old, "to": to}


def _has(items: Any, path: tuple[Any, ...]) -> bool:
    try:
        _get(items, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


class Impair(Device):
    """A one-way impaired link (see the module docstring).

    Counters: received, sent (copies that left), dropped (lost by the model), duplicated,
    corrupted, reordered, modified (messages with one element changed), modify_skipped (drawn
    for modification but not decodable or without a candidate item: passed on unchanged),
    send_errors (copies the --out endpoint refused), released_early (copies still delayed when
    it stopped, past STOP_DELAY_WAIT_S, sent at once: their log lines' delay_ms overstates
    theirs); in its summary, rx_queue_drops: datagrams
    the kernel dropped at --in before the impairer read them (its socket's receive queue was
    full: a burst faster than it reads), which its log cannot show (null where the transport
    does not count them).

    modify: probability of a modification; modify_items: item names ("I048/200,I048/090" or a
    list) to modify instead of the default candidates; editions: {category: edition} to decode
    (tag and modification) with, over the defaults.
    """

    kind = "impair"

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        inp = getattr(self, "_in", None)
        out["rx_queue_drops"] = getattr(inp, "rx_queue_drops", None) if inp is not None else None
        return out

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
        modify: float = 0.0,
        modify_items: str | Iterable[str] | None = None,
        editions: Mapping[int, str] | None = None,
        rate_bps: float | None = None,
        seed: int = 0,
        log_path: str | None = None,
        duration_s: float | None = None,
    ) -> None:
        """Raises ValueError for a setting out of range, an unknown edition or a bad item name."""
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
        self.modify = _probability("modify", modify)
        self.editions = dict(editions) if editions else None
        resolve(self.editions)  # an unknown edition is a ValueError now, not at the first message
        self.modify_items = parse_modify_items(modify_items, self.editions)
        self.rate_bps = rate_bps
        self.seed = seed
        self.log_path = log_path
        self._rng = random.Random(f"radarbench-impair-{seed}")
        # Modification draws from streams of its own: turning it on changes no other decision
        # (same seed, same losses), and which element changes does not shift which message does.
        self._modify_rng = random.Random(f"radarbench-impair-modify-{seed}")
        self._pick_rng = random.Random(f"radarbench-impair-pick-{seed}")
        self._bad = False                # Gilbert-Elliott state
        self._line_free_ns = 0           # when the emulated line has finished the last message
        self._heap: list[tuple[int, int, bytes]] = []   # (due_ns, order, payload)
        self._order = 0                  # ties broken by scheduling order
        # (hold deadline ns, its own due ns, payload) to reorder
        self._held: list[tuple[int, int, bytes]] = []
        self._index = 0
        self._log: IO[str] | None = None
        self._opened: list[Transport] = []
        self._in: Transport | None = None
        self._out: Transport | None = None
        self.extra.update(duplicated=0, corrupted=0, reordered=0, modified=0, modify_skipped=0, send_errors=0,
                          released_early=0)

    def open(self) -> None:
        if self.log_path:
            self._log = open_log(self.log_path)
        self._in = open_endpoint(self.in_url, self._opened, "recv")
        widen = getattr(self._in, "widen_rcvbuf", None)
        if widen is not None:  # a burst waits there while the impairer decodes and logs
            widen()
        self._out = open_endpoint(self.out_url, self._opened, "send")
        if self._log is not None or self.modify > 0:
            warm_decoders(self.editions)

    def close(self) -> None:
        refresh = getattr(self._in, "refresh_rx_queue_drops", None)
        if refresh is not None and not getattr(self._in, "closed", False):
            # SO_RXQ_OVFL rides on the next datagram queued: drops at the end of a burst (the
            # last datagrams of a run) show on none. Read the kernel's count now, before close.
            refresh()
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
                break
            msg = self._in.recv(0)
        self._flush_log()  # --in drained (or stopping): what was decided reaches the file

    def finish(self) -> None:
        """At stop: take the messages already waiting at --in (they came before the stop:
        closing the socket would discard them uncounted, in no log line), release held
        messages and send everything still queued, at once."""
        assert self._in is not None
        deadline_ns = time.monotonic_ns() + round(STOP_DRAIN_S * 1e9)
        while time.monotonic_ns() < deadline_ns and (msg := self._in.recv(0)) is not None:
            self._arrive(msg.data, msg.rx_ns)
        for _, due_ns, payload in self._held:
            self._push(max(due_ns, time.monotonic_ns()), payload)
        self._held.clear()
        # Copies still delayed leave when they are due, for at most STOP_DELAY_WAIT_S: the
        # log says each one's delay, and sending them all at once made that untrue (2 s
        # copies arrived 0.65 s after their send, logged "delivered", delay_ms 2000). What
        # is still queued after that leaves at once and is counted in released_early.
        wait_until_ns = time.monotonic_ns() + round(STOP_DELAY_WAIT_S * 1e9)
        while self._heap and self._heap[0][0] <= wait_until_ns:
            now = time.monotonic_ns()
            self._send_due(now)
            if self._heap:
                time.sleep(max(0.0, min((self._heap[0][0] - now) / 1e9, 0.05)))
        self.extra["released_early"] += len(self._heap)
        self._send_due(None)
        self._flush_log()

    def _send_due(self, now_ns: int | None) -> None:
        """Send every queued copy due by `now_ns` (None: all of them)."""
        assert self._out is not None
        heap = self._heap
        if heap and (now_ns is None or heap[0][0] <= now_ns):
            self._flush_log()  # a copy leaves only once its message's line is in the file
        while heap and (now_ns is None or heap[0][0] <= now_ns):
            _, _, payload = heapq.heappop(heap)
            try:
                self._out.send(payload)
                self.sent += 1
            except (OSError, ValueError):
                self.extra["send_errors"] += 1
        if self._held and now_ns is not None and self._held[0][0] <= now_ns:
            # Nobody came to overtake it: let it go, once its own delay is served (it left at
            # the hold's end, 1 s: 3 s copies arrived after 51-600 ms, logged delay_ms 3000)
            _, due_ns, payload = self._held.pop(0)
            self._push(max(due_ns, now_ns), payload)

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
        modify = self.modify > 0 and self._modify_rng.random() < self.modify
        record: dict[str, Any] = {"index": index, "fate": "dropped", "copies": 0, "delay_ms": None,
                                  "bytes": len(data)}
        if self._log is not None:
            record["tag"] = probe_tag(data, self.editions)
        if lost:
            self.dropped += 1
            self._write_log(record)
            return
        payload = data
        change: dict[str, Any] | None = None
        if modify:
            got = modify_message(data, self._pick_rng, self.modify_items, self.editions)
            if isinstance(got, str):
                self.extra["modify_skipped"] += 1
                record["modify_skipped"] = got
            else:
                payload, change = got
                self.extra["modified"] += 1
        if bad and payload:
            damaged = bytearray(payload)
            nbits = len(payload) * 8  # (drawn on the received length; the same unless modified)
            for bit in flips:
                bit %= nbits
                damaged[bit >> 3] ^= 0x80 >> (bit & 7)
            payload = bytes(damaged)
            self.extra["corrupted"] += 1
        copies = 2 if dup else 1
        if dup:
            self.extra["duplicated"] += 1
        # Serialisation at the line rate, then the propagation delay with its jitter.
        start_ns = max(rx_ns, self._line_free_ns)
        if self.rate_bps:
            start_ns += round(len(payload) * 8 / self.rate_bps * 1e9) * copies
            self._line_free_ns = start_ns
        due_ns = start_ns + round(max(0.0, self.delay_s + jitter_s) * 1e9)
        if held:
            self.extra["reordered"] += 1
            for _ in range(copies):
                self._held.append((rx_ns + round(HOLD_MAX_S * 1e9), due_ns, payload))
        else:
            for _ in range(copies):
                self._push(due_ns, payload)
            if self._held:
                # The messages held back leave just after this one.
                for _, own_due_ns, p in self._held:
                    self._push(max(due_ns, own_due_ns), p)
                self._held.clear()
        record.update(
            fate=("corrupted" if bad else "modified" if change else "duplicated" if dup
                  else "reordered" if held else "delivered"),
            copies=copies,
            delay_ms=round((due_ns - rx_ns) / 1e6, 3),
            duplicated=dup, corrupted=bad, reordered=held, modified=change,
        )
        self._write_log(record)

    def _write_log(self, record: dict[str, Any]) -> None:
        if self._log is not None:
            self._log.write(json.dumps(record, separators=(",", ":")) + "\n")

    def _flush_log(self) -> None:
        if self._log is not None:
            self._log.flush()


def warm_decoders(editions: Mapping[int, str] | None = None) -> None:
    """Build the decoders of PROBE_CATEGORIES (at `editions`, over the defaults) now: the
    first decode of a category builds its decoder, which took long enough at the first
    message of a burst for the kernel to drop half the burst at --in."""
    for cat in PROBE_CATEGORIES:
        try:
            decode(bytes((cat, 0, 4, 0)), editions=editions)  # one empty record
        except DecodeError:
            pass


def open_log(path: str) -> IO[str]:
    """Open the ground-truth log for writing, buffered: Impair flushes it before a copy
    leaves and whenever --in is drained, so the lines of every message passed on are in the
    file (the kernel), and a SIGKILL loses none of them.

    The log is held with an exclusive lock (flock) for the device's life, and emptied only
    once held: two runs of one rig file (impaired.toml's log is ./impaired-truth.jsonl), or
    two impairers given one --log, wrote into one file, which then held 2,000 lines of one
    run and none of the other. The second is refused instead; the lock ends with the
    process, SIGKILL included. Raises LogFileError (one line, naming the log)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        err = LogFileError(f"cannot write the log {path}: {exc.strerror or os_detail(exc)}")
        err.errno = exc.errno
        raise err from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            err = LogFileError(
                f"cannot write the log {path}: another impairer is writing it (another run of "
                "the same rig file from this folder, or another --log of the same file): give "
                "each its own log, or run from another folder")
            err.errno = errno.EBUSY
            raise err from None
        except OSError:
            pass  # a file system without flock: written unlocked, as before
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.ftruncate(fd, 0)
        return os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 16)
    except BaseException:
        os.close(fd)
        raise
