"""Runs matched by content: real traffic through the link, or watched on both sides of it.

    radarbench bench --replay site.pcap --send udp://127.0.0.1:8600 --recv udp://127.0.0.1:8700
    radarbench bench --tap-in udp://239.1.1.1:8600 --tap-out udp://239.1.1.2:8600 --duration 60
    radarbench match input.pcap output.pcap --report run.json

Three ways to get the two sides of a device, one matcher (radarbench.bench.content):

- replay (loop mode): the data blocks of a recording leave on its recorded timing (or at a
  constant rate, or looped; radarbench.bench.replay) from a sender process; a receiver process
  hands every message it gets to this process whole. The "in" side is what left, stamped
  with its actual send time; latency is also taken from the intended time (coordinated
  omission corrected), as for probes.
- tap (live): two receivers, one on the device's input (a mirror port, the feed's multicast
  group), one on its output; the bench sends nothing. Nobody scheduled what it sees, so the
  latency is corrected for nothing: both figures are input arrival to output arrival.
- match (offline): two recordings made at either side (radarbench.rigs.recordings), merged
  by their own timestamps.

Each record of the in side ends as exactly one of received, modified (decodable, values
changed), late or lost; the out side adds duplicated, reordered and records that match
nothing. The report's `content` section has the keys, the item changes (how often, by how
much in the item's unit and in LSBs), per-side decode errors and, for a replay, the replay's
timing error (recorded against actual inter-departure times).
"""
from __future__ import annotations

import heapq
import multiprocessing as mp
import os
import time
from collections import deque
from dataclasses import asdict
from multiprocessing.connection import wait as wait_any
from typing import Any, Iterable, Iterator

from hdrh.histogram import HdrHistogram

from radarbench.bench.clock import wall_minus_mono_ns
from radarbench.bench.content import ContentMatcher, parse_match_keys as parse_content_keys
from radarbench.bench.engine import (
    _CTL_SLOTS,
    _INTERRUPT_DRAIN_MAX_NS,
    _RX_STOP,
    _SENDER_DONE,
    _START_MARGIN_NS,
    _STOP,
    NS_PER_S,
    BenchConfig,
    BenchReport,
    ConfigError,
    _attach_health,
    _faults_of,
    _line_bytes,
    _line_rate,
    _open,
    _prepare,
    _quiet_gap_ns,
    _receiver_main,
    _share_by_threads,
    _utc_now,
    blocked_write_ns,
    open_pair,
    plumbing,
    start_pair,
    stop_pair,
)
from radarbench.bench.health import SenderLag, assess, cpu_pressure_us, late_send_ns, pressure_share
from radarbench.bench.match import FAILED, ReceiverLog, SendBatch
from radarbench.bench.progress import Progress
from radarbench.bench.report import Fault, Report, Status
from radarbench.bench.source import (
    TIME_ITEMS, age_ns, clock_warning, counted_age_ns, receiver_clock, time_lsb_ns,
)
from radarbench.bench.stats import HIGHEST_NS, RunStats
from radarbench.codecs.asterix import DecodeError, iter_decode
from radarbench.rigs import lifeline

# Time the out side may run ahead of the in side, or follow it, before a record that
# matches nothing is decided (lost, unmatched): late_after plus this.
WINDOW_MARGIN_NS = 1_000_000_000
_BATCH_NS = 100_000_000
_FAR_NS = 1 << 62


# --------------------------------------------------------------------------- the two sides


def _conversion_text(conversion: Any) -> dict[str, Any] | None:
    return None if conversion is None else asdict(conversion)


def decode_all(payload: bytes, editions: dict[int, str] | None) -> tuple[list[Any], list[DecodeError]]:
    """The records of a frame and the errors met, whatever the bytes: a broken block header
    (a LEN past the end) ends the frame with an error instead of raising (iter_decode raises
    it, since nothing after it can be found; a bit flip in LEN crashed a run and hung it)."""
    errors: list[DecodeError] = []
    records: list[Any] = []
    try:
        for rec in iter_decode(payload, editions=editions, errors=errors):
            records.append(rec)
    except DecodeError as exc:
        errors.append(exc)
    return records, errors


class DataAge:
    """Data age on one side of a tap or a match: the wall-clock time a record was seen minus
    the time of day inside it (I048/140, I062/070, I034/030, I021/073...: source.TIME_ITEMS),
    across midnight; a record stamped after it was seen by at most its time item's LSB counts
    0, beyond that it counts in `negative` and has no age (radarbench.bench.source's rules)."""

    def __init__(self) -> None:
        self.hist = HdrHistogram(1_000, HIGHEST_NS, 2)
        self.negative = 0
        self.worst_ns = 0
        self.lsb_ns = 0

    def add(self, rec: Any, wall_ns: int) -> None:
        tod = rec.items.get(TIME_ITEMS.get(rec.category, ""))
        if not isinstance(tod, (int, float)) or isinstance(tod, bool):
            return
        lsb = time_lsb_ns(rec.category, rec.edition)
        age = age_ns(wall_ns, float(tod))
        counted = counted_age_ns(age, lsb)
        if counted is None:
            self.negative += 1
            if age < self.worst_ns:
                self.worst_ns, self.lsb_ns = age, lsb
            return
        self.hist.record_value(min(max(counted, 1_000), HIGHEST_NS - 1))

    def section(self) -> dict[str, Any]:
        h = self.hist
        n = h.get_total_count()
        out: dict[str, Any] = {"count": n}
        if n:
            out.update({k: round(h.get_value_at_percentile(p) / 1e3, 3) for k, p in (("p50_us", 50), ("p99_us", 99))})
            out["max_us"] = round(h.get_max_value() / 1e3, 3)
        out["negative_beyond_lsb"] = self.negative
        return out


class ContentFeed:
    """Decodes what each side saw and feeds the content matcher and the run's statistics.

    in side: `on_in(payload, t_ns, intended_ns)`: every record of the payload was sent (or
    seen at the device's input) at t_ns, meant for intended_ns (= t_ns when nothing was
    scheduled). out side: `on_out(payload, t_ns)`. `advance(now_ns)` decides what is older
    than the matcher's window; `finish()` decides the rest. `stats` (RunStats) then holds
    sent == received + modified + late + lost.
    """

    def __init__(self, *, start_ns: int, late_after_ns: int, editions: dict[int, str] | None,
                 drain_ns: int = 0,
                 keys: str | None = None, ignore: Iterable[str] = (), conversion: Any = None,
                 tolerances: dict[str, float] | None = None,
                 categories: Iterable[int] | None = None) -> None:
        self.start_ns = start_ns
        self.late_after_ns = late_after_ns
        # How long a record waits for its other side: as long as the run listens (drain) or
        # counts an arrival on time (late_after), and as long again, at least a second: an
        # arrival in there is late, never lost (a link with 1.5 s of delay under a 0.5 s
        # late-after was NO DATA, every record lost and its copy unmatched).
        self.window_ns = max(late_after_ns, drain_ns) + max(WINDOW_MARGIN_NS, late_after_ns)
        self.editions = editions or None
        self.stats = RunStats(start_ns=start_ns)
        self.keys_text = keys
        try:
            self.matcher = ContentMatcher(
                late_after_ns=late_after_ns, window_ns=self.window_ns,
                keys=parse_content_keys(keys) if keys else None, ignore=tuple(ignore),
                tolerances=tolerances, conversion=conversion, on_pair=self._pair,
                on_lost=self._lost, outside=self._outside)
        except ValueError as exc:  # --ignore-items, --tolerance, --convert: the user's words
            text = str(exc)
            for word, option in (("ignore: ", "--ignore-items "), ("tolerances: ", "--tolerance ")):
                if text.startswith(word):
                    text = option + text[len(word):]
            raise ConfigError(text) from None
        # The categories accounted for (None: all). With a conversion and no choice, its source
        # category alone: a device that turns plots into tracks carries nothing else by design.
        conv = self.matcher.conversion
        if categories is None and conv is not None:
            categories = (conv.source,)
        self.categories = frozenset(categories) if categories is not None else None
        self.out_categories = (self.categories | {conv.target}) if self.categories is not None and conv is not None \
            else self.categories
        self.not_accounted: dict[str, dict[int, int]] = {"in": {}, "out": {}}
        # intended send time by actual one (the matcher times records by the actual time);
        # a bounded map: entries leave once older than the window.
        self._intended: dict[int, int] = {}
        self._intended_order: deque[int] = deque()
        self.frames = {"in": 0, "out": 0}
        self.records = {"in": 0, "out": 0}
        self.decode_errors = {"in": 0, "out": 0}
        self.first_errors: dict[str, list[str]] = {"in": [], "out": []}
        self.recorders: dict[str, SideRecorder | None] = {"in": None, "out": None}
        # frames that did not decode, by hash, with their times (oldest first), waiting for
        # their twin on the other side; decided in time order when the window passes
        self._broken_in: dict[int, deque[int]] = {}
        self._broken_out: dict[int, deque[int]] = {}
        self._broken_order: deque[tuple[int, int, str, str]] = deque()
        self.carried_undecodable = 0
        self.negative = 0
        self.negative_worst_ns = 0
        # Data age per side: wall ns = t_ns + this (None: no data age, e.g. a replay, whose
        # records carry the recording's times of day).
        self.wall_offset_ns: int | None = None
        self.age = {"in": DataAge(), "out": DataAge()}
        self.live_clock = True  # data age against this host's clock (False: recordings' stamps)
        self.newest_out_ns = start_ns
        # A tap or two recordings: the edges of the window are not the device's (see _outside).
        self.edges = False
        self.in_end_ns: int | None = None   # when the in side stopped (None: its newest record)
        self.newest_in_ns = start_ns

    # -- feeding

    def _records(self, side: str, payload: bytes, t_ns: int, record: bool = True) -> list[Any]:
        self.frames[side] += 1
        recorder = self.recorders[side]
        if recorder is not None and record:
            recorder.add(payload, t_ns)
        records, errors = decode_all(payload, self.editions)
        if errors:
            self.decode_errors[side] += len(errors)
            if len(self.first_errors[side]) < 5:
                self.first_errors[side].append(str(errors[0]))
            # Damage already in what went in (a recording's broken block): the same bytes
            # coming out are the device carrying them unchanged, not the link's damage. Either
            # side may be handed over first; an out frame waits the window for its twin.
            h = hash(bytes(payload))
            if side == "in":
                waiting = self._broken_out.get(h)
                if waiting:
                    waiting.popleft()
                    if not waiting:
                        del self._broken_out[h]
                    self.carried_undecodable += 1
                else:
                    self._broken_in.setdefault(h, deque()).append(t_ns)
                    self._broken_order.append((t_ns, h, "in", ""))
            elif self._broken_in.get(h):
                twins = self._broken_in[h]
                twins.popleft()
                if not twins:
                    del self._broken_in[h]
                self.carried_undecodable += 1
            else:
                self._broken_out.setdefault(h, deque()).append(t_ns)
                self._broken_order.append((t_ns, h, "out", str(errors[0])))
        self.records[side] += len(records)
        if self.wall_offset_ns is not None:
            wall = t_ns + self.wall_offset_ns
            age = self.age[side]
            for rec in records:
                age.add(rec, wall)
        wanted = self.categories if side == "in" else self.out_categories
        if wanted is not None:
            skipped = self.not_accounted[side]
            kept = []
            for rec in records:
                if rec.category in wanted:
                    kept.append(rec)
                else:
                    skipped[rec.category] = skipped.get(rec.category, 0) + 1
            records = kept
        return records

    def on_in(self, payload: bytes, t_ns: int, intended_ns: int | None = None) -> None:
        records = self._records("in", payload, t_ns)
        if not records:
            return
        intended = t_ns if intended_ns is None else intended_ns
        if intended != t_ns:
            self._intended[t_ns] = intended
            self._intended_order.append(t_ns)
        share = len(payload) // len(records)
        if t_ns > self.newest_in_ns:
            self.newest_in_ns = t_ns
        for rec in records:
            self.stats.on_sent(intended, t_ns)
            self.matcher.on_in(rec, t_ns, share)

    def on_out(self, payload: bytes, t_ns: int) -> None:
        records = self._records("out", payload, t_ns)
        if not records:
            return
        share = len(payload) // len(records)
        if t_ns > self.newest_out_ns:
            self.newest_out_ns = t_ns
        for rec in records:
            self.matcher.on_out(rec, t_ns, share)

    def _settle_broken(self, horizon_ns: int) -> None:
        order = self._broken_order
        while order and order[0][0] < horizon_ns:
            t_ns, h, side, reason = order.popleft()
            if side == "in":
                twins = self._broken_in.get(h)
                if twins and twins[0] == t_ns:  # still unclaimed: no copy of it came out
                    twins.popleft()
                    if not twins:
                        del self._broken_in[h]
                continue
            waiting = self._broken_out.get(h)
            if not waiting or waiting[0] != t_ns:
                continue  # its twin came: carried unchanged
            waiting.popleft()
            if not waiting:
                del self._broken_out[h]
            self.stats.on_decode_error()
            self.stats.on_corrupted()
            self.matcher.on_corrupted("out", t_ns, reason)

    def advance(self, now_ns: int) -> None:
        """Decide every record older than now_ns minus the window (both sides have handed over
        everything up to now_ns)."""
        self._settle_broken(now_ns - self.window_ns)
        self.matcher.advance(now_ns)
        old = now_ns - 2 * self.window_ns
        order = self._intended_order
        while order and order[0] < old:
            self._intended.pop(order.popleft(), None)
        self._sync_counts()

    def finish(self) -> None:
        self._settle_broken(_FAR_NS)
        self.matcher.finish()
        self._sync_counts()

    # -- what the matcher decided

    def _pair(self, in_t_ns: int, out_t_ns: int, nbytes: int, kind: str) -> None:
        if out_t_ns < in_t_ns:
            # Out before in: two recordings' clocks disagree (or a tap's two receivers stamp
            # differently). Counted and said; the latency figures clamp it at 0.
            self.negative += 1
            self.negative_worst_ns = max(self.negative_worst_ns, in_t_ns - out_t_ns)
        intended = self._intended.get(in_t_ns, in_t_ns)
        if kind == "received":
            self.stats.on_received(intended, in_t_ns, out_t_ns, nbytes)
        elif kind == "modified":
            self.stats.on_modified(intended, in_t_ns, out_t_ns, nbytes)
        else:
            self.stats.on_late(intended, in_t_ns, out_t_ns, nbytes)

    def _outside(self, out_t_ns: int) -> bool:
        # A tap sees the output of input it never saw: what was in flight when it started,
        # and what came in after its input side stopped. Such records that pair with nothing
        # are counted apart (outside the window), not as output that matches no input.
        if not self.edges:
            return False
        in_end = self.in_end_ns if self.in_end_ns is not None else self.newest_in_ns
        return out_t_ns < self.start_ns + self.late_after_ns or out_t_ns > in_end

    def _lost(self, in_t_ns: int) -> None:
        self.stats.on_lost(self._intended.get(in_t_ns, in_t_ns))

    def _sync_counts(self) -> None:
        # Duplicates and reordering are the matcher's findings; the stats count them too.
        c = self.matcher.counts
        self.stats.counts.duplicated = c["duplicated"]
        self.stats.counts.reordered = c["reordered"]

    def section(self) -> dict[str, Any]:
        """The report's `content` section."""
        c = self.matcher.counts
        out: dict[str, Any] = {
            "keys": self.keys_text or "default",
            "conversion": _conversion_text(self.matcher.conversion),
            "frames": dict(self.frames),
            "records": dict(self.records),
            "decode_errors": dict(self.decode_errors),
            "undecodable_carried_unchanged": self.carried_undecodable,
            "first_decode_errors": {k: v for k, v in self.first_errors.items() if v},
            "unmatched_out": c["unmatched_out"],
            "unkeyed": c["unkeyed"],
            "unkeyed_out": c["unkeyed_out"],
            "out_outside_window": c["outside"],
            "corrupted": {"in": c["corrupted_in"], "out": c["corrupted_out"]},
            "item_changes": self.matcher.item_changes(),
            "categories": sorted(self.categories) if self.categories is not None else "all",
            "not_accounted": {side: {str(c): n for c, n in sorted(v.items())}
                              for side, v in self.not_accounted.items() if v},
            **self._data_age(),
            "negative_latency": self.negative,
            "negative_latency_worst_us": round(self.negative_worst_ns / 1e3, 3),
        }
        warnings = out.setdefault("warnings", [])
        paired = c["received"] + c["modified"] + c["late"]
        if self.negative:
            warnings.append(
                f"{self.negative:,} of {paired:,} records came out before they went in (worst by "
                f"{self.negative_worst_ns / 1e6:,.3f} ms): IN and OUT swapped, or the two clocks "
                "disagree; their latency is taken as 0")
        if self.edges and self.in_end_ns is None and \
                self.newest_in_ns - self.newest_out_ns > self.window_ns and c["lost"]:
            # Two recordings: the output's ends long before the input's. Its records count
            # lost (a device that died); if the output recorder stopped early, they are not.
            warnings.append(
                f"the output recording ends {(self.newest_in_ns - self.newest_out_ns) / 1e9:,.1f} s before "
                "the input's: input records after its end count lost (a device that stopped); if the "
                "recorder stopped early, they are not")
        if c["outside"]:
            # Matched to nothing and in no count of sent: said, not set aside in silence (a
            # cut input recording had 92 of 162 output records here and the run read OK).
            where = ("stamped in the input recording's first --late-after or after its last "
                     "record" if self.in_end_ns is None else
                     "in flight when the tap started, or after its input side stopped")
            warnings.append(f"{c['outside']:,} output record(s) outside the window ({where}): "
                            "matched to nothing, counted in out_outside_window only")
        if not warnings:
            del out["warnings"]
        return out

    def _data_age(self) -> dict[str, Any]:
        if self.wall_offset_ns is None:
            return {}
        out: dict[str, Any] = {"data_age": {side: a.section() for side, a in self.age.items()}}
        clock = receiver_clock() if self.live_clock else {"clocksource": "the recordings' time stamps"}
        out["clock"] = clock
        warnings = [f"{side} side: " + clock_warning(a.negative, a.worst_ns, a.lsb_ns, clock)
                    for side, a in self.age.items() if a.negative]
        if warnings:
            out["warnings"] = warnings
        return out

    def live(self, now_ns: int, t0_ns: int) -> dict[str, Any]:
        c = self.stats.counts
        hist = self.stats.latency.corrected
        p99 = hist.get_value_at_percentile(99.0) / 1e6 if hist.get_total_count() else None
        return {"t_s": round((now_ns - t0_ns) / NS_PER_S), "sent": c.sent, "received": c.received,
                "modified": c.modified, "lost": c.lost, "late": c.late,
                "unmatched_out": self.matcher.counts.get("unmatched_out", 0),
                "p99_ms": None if p99 is None else round(p99, 3)}


class SideRecorder:
    """Records one side of a content run to a pcap (`--record-in`, `--record-out`): each
    message as one UDP datagram stamped with the run's own time of it (actual send or
    arrival, monotonic, turned into UTC), so that `radarbench match` of the two files gives
    the run's figures again. Port 8600 (Wireshark's ASTERIX port): the files open decoded."""

    def __init__(self, path: str, option: str, dst_port: int) -> None:
        from radarbench.rigs.transports.pcap import PcapRecorder

        try:
            self.rec = PcapRecorder(f"pcap://{path}?write=1", path, ("127.0.0.1", 8600),
                                    ("127.0.0.1", dst_port))
        except OSError as exc:
            raise ConfigError(f"{option} {path}: cannot write there: {exc.strerror or exc}") from None
        self.option = option
        self.path = path
        self.offset_ns = wall_minus_mono_ns()
        self.error: str | None = None

    def add(self, data: bytes, mono_ns: int) -> None:
        if self.error is None:
            try:
                self.rec.record(bytes(data), mono_ns + self.offset_ns)
            except (OSError, ValueError) as exc:  # a full disk: said in the report, the run goes on
                self.error = f"{self.option} {self.path}: {exc}"

    def close(self) -> None:
        try:
            self.rec.close()
        except OSError as exc:
            self.error = self.error or f"{self.option} {self.path}: {exc}"


def _recorders(cfg: BenchConfig) -> tuple[SideRecorder | None, SideRecorder | None]:
    rin = SideRecorder(cfg.record_in, "--record-in", 8600) if cfg.record_in else None
    try:
        rout = SideRecorder(cfg.record_out, "--record-out", 8601) if cfg.record_out else None
    except BaseException:
        if rin is not None:
            rin.close()
        raise
    return rin, rout


# --------------------------------------------------------------------------- replay


class ReplayLoad:
    """A replay plan (radarbench.bench.replay) as the loop sender's schedule and payload
    source: what `_sender_main` asks of a Schedule (`count`, `offset_ns(i)`) and of a probe
    codec (`k`, `fill(i)`), with departures read one ahead and in order, so that a recording
    of any length streams through in constant memory. `fill(i)` is None past the end."""

    k = 1
    count = _FAR_NS  # not known up front: the sender stops at the first fill() of None

    def __init__(self, plan: Iterable[Any]) -> None:
        self._it = iter(plan)
        self._at = -1            # index of the departure `fill` handed out last
        self._cur: Any = None
        self._ahead: Any = None  # the departure after it, once peeked
        self._peeked = False
        self.error: str | None = None

    def _read(self) -> Any:
        # A recording that breaks further on (a capture cut short by a killed recorder) is
        # replayed up to the break: the departures end there, and `error` says why.
        if self.error is not None:
            return None
        try:
            return next(self._it, None)
        except ValueError as exc:  # RecordingError (a ValueError): the file breaks here
            self.error = str(exc)
            return None

    def _next(self) -> Any:
        if self._peeked:
            self._peeked = False
            return self._ahead
        return self._read()

    def fill(self, i: int) -> bytes | None:
        while self._at < i:
            self._cur = self._next()
            self._at += 1
            if self._cur is None:
                return None
        return self._cur.payload if self._cur is not None else None

    def departure(self, i: int) -> Any:
        """The Departure of send i (fill(i) first), None past the end."""
        self.fill(i)
        return self._cur

    def offset_ns(self, i: int) -> int:
        if i == self._at and self._cur is not None:
            return self._cur.offset_ns
        if i == self._at + 1:
            if not self._peeked:
                self._ahead = self._read()
                self._peeked = True
            return self._ahead.offset_ns if self._ahead is not None else _FAR_NS
        raise IndexError(f"replay departures are read in order: asked for {i} at {self._at}")


def _replay_plan(cfg: BenchConfig) -> Any:
    from radarbench.bench.replay import replay_plan

    return replay_plan(cfg.replay, fmt=cfg.replay_format, filter=cfg.replay_filter,
                       speed=cfg.speed if cfg.replay_rate is None else 1.0, rate=cfg.replay_rate, loop=cfg.loop,
                       duration_s=cfg.replay_duration_s)


def check_replay(cfg: BenchConfig) -> None:
    """Open the recording once before the run: ConfigError (one line) for a file that cannot
    be read, a filter that picks nothing, or a timing that cannot be kept."""
    from radarbench.rigs.recordings import RecordingError

    try:
        plan = _replay_plan(cfg)
        first = next(iter(plan), None)
    except (OSError, ValueError, RecordingError) as exc:
        text = str(exc)
        if text.startswith(f"{cfg.replay}: "):  # a RecordingError names the file itself
            text = text[len(cfg.replay) + 2:]
        raise ConfigError(f"--replay {cfg.replay}: {text}") from None
    if first is None:
        what = f" with --filter {cfg.replay_filter}" if cfg.replay_filter else ""
        raise ConfigError(f"--replay {cfg.replay}: no data blocks to send{what}")


class Backlog:
    """How far this (parent) process fell behind what the receiver had read: its clock minus
    the receiver's drained time, after each batch taken. Past half the run's late_after it
    may have decided records lost whose copies sat in its pipe: the bench was the
    bottleneck, and the verdict says so (health reason)."""

    def __init__(self, late_after_ns: int) -> None:
        self.late_after_ns = late_after_ns
        self.worst_ns = 0

    def add(self, behind_ns: int) -> None:
        if behind_ns > self.worst_ns:
            self.worst_ns = behind_ns

    def judge(self, health: dict[str, Any]) -> dict[str, Any]:
        health["matcher_backlog_ms"] = round(self.worst_ns / 1e6, 3)
        # The receiver reports every _BATCH_NS: up to two batches behind is its rhythm.
        if self.worst_ns > max(self.late_after_ns // 2, 3 * _BATCH_NS):
            health.setdefault("reasons", []).append(
                f"the bench's matching fell {self.worst_ns / 1e6:,.0f} ms behind what it had received "
                f"(bound {max(self.late_after_ns // 2, 3 * _BATCH_NS) / 1e6:,.0f} ms): it was the bottleneck")
            health["overloaded"] = True
        return health


class TimingError:
    """How far the replay's inter-departure times were from the recording's: per send,
    (actual - previous actual) - (intended - previous intended), kept as |error| in an HDR
    histogram (ns), and each send's lag behind its intended time."""

    def __init__(self) -> None:
        self.gap = HdrHistogram(1, HIGHEST_NS, 3)
        self.lag = HdrHistogram(1, HIGHEST_NS, 3)
        self._prev: tuple[int, int] | None = None

    def add(self, intended_ns: int, actual_ns: int) -> None:
        self.lag.record_value(min(max(actual_ns - intended_ns, 1), HIGHEST_NS - 1))
        if self._prev is not None:
            err = (actual_ns - self._prev[1]) - (intended_ns - self._prev[0])
            self.gap.record_value(min(max(abs(err), 1), HIGHEST_NS - 1))
        self._prev = (intended_ns, actual_ns)

    def skip(self) -> None:
        self._prev = None  # a failed send: the next gap is not a departure gap

    def section(self) -> dict[str, Any]:
        def us(h: HdrHistogram, p: float) -> float | None:
            return round(h.get_value_at_percentile(p) / 1e3, 3) if h.get_total_count() else None
        return {"inter_departure_error_us": {"p50": us(self.gap, 50), "p99": us(self.gap, 99),
                                             "max": round(self.gap.get_max_value() / 1e3, 3) if self.gap.get_total_count() else None,
                                             "count": self.gap.get_total_count()},
                "send_lag_us": {"p50": us(self.lag, 50), "p99": us(self.lag, 99)}}


def run_replay(cfg: BenchConfig, progress: Progress) -> BenchReport:
    """A loop run whose load is a recording (`cfg.replay`): its data blocks leave on the
    plan's schedule, what comes back is matched by content. Returns the report, whatever
    happens (Ctrl-C: status interrupted)."""
    assert cfg.send and cfg.recv and cfg.replay
    check_replay(cfg)
    parent_plan = ReplayLoad(_replay_plan(cfg))  # the parent's own copy of the sender's plan
    recorders = _recorders(cfg)
    try:
        tx, rx = open_pair(cfg)
    except BaseException:
        _close_recorders(recorders)
        raise
    threads = _share_by_threads(cfg.send, cfg.recv)
    ctx, ctl, (s_parent, s_child, r_parent, r_child) = plumbing()
    start_ns = time.monotonic_ns() + _START_MARGIN_NS
    started_at = _utc_now()
    pressure_before = cpu_pressure_us()
    feed = ContentFeed(start_ns=start_ns, late_after_ns=cfg.late_after_ns, editions=cfg.editions,
                       keys=cfg.content_keys, ignore=cfg.ignore_items,
                       conversion=cfg.conversion, tolerances=cfg.tolerances,
                       categories=cfg.categories,
                       drain_ns=int(cfg.drain_s * NS_PER_S))
    feed.recorders = {"in": recorders[0], "out": recorders[1]}
    feed.matcher.tick_on_records = False  # advance() alone moves the clock (see ContentMatcher)
    sends_per_s = max(cfg.replay_rate or 0.0, 1000.0)  # a recording's bursts: no schedule rate to trust
    quiet_gap = _quiet_gap_ns(sends_per_s)
    lag = SenderLag(late_send_ns(sends_per_s))
    timing = TimingError()
    backlog = Backlog(cfg.late_after_ns)
    load = ReplayLoad(_replay_plan(cfg))
    # The recording is opened and its first departures read now, not in the sender's first
    # timed send (a capture's reader takes milliseconds to start).
    load.fill(0)
    load.offset_ns(1)
    workers = start_pair(ctx, threads, tx, rx, load, load, start_ns, ctl,
                         (s_parent, s_child, r_parent, r_child), quiet_gap, blocked_write_ns(cfg.send))

    state: dict[str, Any] = {"sender": None, "receiver": None, "sends": 0, "failed": 0,
                             "rx_upto": start_ns, "tx_upto": start_ns, "laps": 0}
    feed.matcher.in_upto_ns = start_ns
    next_tick = start_ns + NS_PER_S

    def on_sends(batch: SendBatch) -> None:
        own = batch.own_ns
        for j, actual in enumerate(batch.actual_ns):
            i = batch.first + j
            dep = parent_plan.departure(i)
            if dep is None:
                break
            state["sends"] = i + 1
            state["laps"] = max(state["laps"], dep.lap + 1)
            intended = start_ns + dep.offset_ns
            if actual == FAILED:
                state["failed"] += 1
                timing.skip()
                for _ in feed._records("in", dep.payload, intended, record=False):  # it never left
                    feed.stats.on_sent(intended, None)
                    feed.stats.on_lost(intended)
                continue
            lag.add(intended, actual, own[j] if j < len(own) else None)
            timing.add(intended, actual)
            feed.on_in(dep.payload, actual, intended)

    def pump(wait_s: float) -> None:
        waiting = [c for c, key in ((s_parent, "sender"), (r_parent, "receiver")) if state[key] is None]
        for c in wait_any(waiting, timeout=wait_s):
            for _ in range(64):
                try:
                    item = c.recv()
                except EOFError:
                    if c is s_parent and state["sender"] is None:
                        state["sender"] = ("sender", [], {})
                    elif c is r_parent and state["receiver"] is None:
                        state["receiver"] = ("receiver", [], None, None, None, True)
                    break
                if isinstance(item, SendBatch):
                    on_sends(item)
                    state["tx_upto"] = max(state["tx_upto"], item.upto_ns)
                    feed.matcher.in_upto_ns = state["tx_upto"]
                elif isinstance(item, ReceiverLog):
                    for rx_ns, data in item.frames:
                        feed.on_out(data, rx_ns)
                    state["rx_upto"] = max(state["rx_upto"], item.upto_ns)
                elif item[0] == "sender":
                    state["sender"] = item
                    break
                else:
                    state["receiver"] = item
                    break
                if not c.poll():
                    break
        # Both sides have handed over everything up to here: the receiver up to its drained
        # time, the sender up to when it cut its last batch.
        sent_upto = _FAR_NS if state["sender"] is not None else state["tx_upto"]
        if state["sender"] is not None:
            feed.matcher.in_upto_ns = None
        feed.advance(min(state["rx_upto"], sent_upto))
        if state["receiver"] is None:
            backlog.add(time.monotonic_ns() - state["rx_upto"])

    def decide_drain(now: int) -> None:
        if state["sender"] is not None and not ctl[_RX_STOP]:
            ctl[_RX_STOP] = max(ctl[_SENDER_DONE], 1) + int(cfg.drain_s * NS_PER_S)
        if state["sender"] is not None and ctl[_RX_STOP] and feed.newest_out_ns > ctl[_SENDER_DONE]:
            # Arrivals still coming after the last send (a slow line's queue emptying): listen
            # drain_s past the newest, up to the matching window after the last send. A fixed
            # drain called 182 of 215 records lost on a 9600 baud line that lost none.
            want = min(feed.newest_out_ns + int(cfg.drain_s * NS_PER_S), ctl[_SENDER_DONE] + feed.window_ns)
            if want > ctl[_RX_STOP]:
                ctl[_RX_STOP] = want
        if state["sender"] is not None and ctl[_RX_STOP] and feed.matcher.counts["pending"] == 0 \
                and state["rx_upto"] > ctl[_SENDER_DONE]:
            ctl[_RX_STOP] = min(ctl[_RX_STOP], now)

    def tick(now: int) -> None:
        nonlocal next_tick
        if now >= next_tick:
            progress.update(feed.live(now, start_ns))
            next_tick += NS_PER_S * max(1, (now - next_tick) // NS_PER_S + 1)

    try:
        status: Status = "ok"
        try:
            while state["receiver"] is None:
                pump(0.05)
                now = time.monotonic_ns()
                decide_drain(now)
                tick(now)
        except KeyboardInterrupt:
            status = "interrupted"
            ctl[_STOP] = 1
            progress.note("interrupted: stopping the replay, draining for at most "
                          f"{min(cfg.drain_s, _INTERRUPT_DRAIN_MAX_NS / 1e9):g} s")
            deadline = time.monotonic_ns() + min(int(cfg.drain_s * NS_PER_S), _INTERRUPT_DRAIN_MAX_NS)
            try:
                while state["receiver"] is None:
                    now = time.monotonic_ns()
                    if not ctl[_RX_STOP] or ctl[_RX_STOP] > deadline:
                        ctl[_RX_STOP] = deadline
                    pump(0.05)
                    if now > deadline + 2 * NS_PER_S:
                        break
            except KeyboardInterrupt:
                pass
        ctl[_STOP] = 1
        ctl[_RX_STOP] = ctl[_RX_STOP] or time.monotonic_ns()
        end_wait = time.monotonic_ns() + 3 * NS_PER_S
        while (state["sender"] is None or state["receiver"] is None) and time.monotonic_ns() < end_wait:
            try:
                pump(0.05)
            except KeyboardInterrupt:
                break
    except BaseException:
        # Whatever ends the parent here (a bug, a signal the handlers did not take), the
        # children end with it: a replay that raised once waited forever on its sender.
        ctl[_STOP] = 1
        ctl[_RX_STOP] = 1
        for w in workers:
            if not threads and w.is_alive():
                w.kill()
        stop_pair(workers, threads, tx, rx, (s_parent, r_parent))
        _close_recorders(recorders)
        raise
    lifeline.hold()  # the measurement is over (engine.run_bench)
    stop_pair(workers, threads, tx, rx, (s_parent, r_parent))
    wall_ns = time.monotonic_ns() - start_ns
    feed.finish()
    recording = _close_recorders(recorders)

    _, tx_episodes, write_stats = state["sender"] or ("sender", [], {})
    _, rx_episodes, rx_wire, rx_lag, rx_drops, rx_stamped = \
        state["receiver"] or ("receiver", [], None, None, None, True)
    faults = _faults_of(list(tx_episodes) + list(rx_episodes), start_ns)
    if status == "ok" and faults:
        status = "fault"
    stats = feed.stats
    config = replay_config(cfg)
    line_rate = cfg.line_bytes_per_s or _line_rate(tx, rx)
    line_bytes = _line_bytes(tx, rx, write_stats.get("wire_bytes"), rx_wire, 1, 1)
    report = Report.from_stats(stats, duration_s=max(wall_ns, 0) / NS_PER_S, started_at=started_at,
                               config=config, latency_kind="one-way loop", faults=faults,
                               status=status, line_bytes_per_s=line_rate, line_bytes=line_bytes)
    report.throughput, _raw = stats.throughput(
        line_rate, line_bytes, line_side="rx" if getattr(rx, "bytes_per_s", None) else "tx")
    progress.update(feed.live(time.monotonic_ns(), start_ns))
    content = feed.section()
    content["replay"] = {"sends": state["sends"], "failed_sends": state["failed"], "laps": state["laps"],
                         **timing.section(), **_plan_facts(parent_plan)}
    if recording:
        content["recorded"] = recording
    if parent_plan.error:
        content["replay"]["recording_error"] = parent_plan.error
        content.setdefault("warnings", []).append(
            f"the recording breaks: {parent_plan.error}; replayed the {state['sends']:,} datagrams before it")
    out = BenchReport.of(report, content=content)
    lag_hist = HdrHistogram.decode(rx_lag) if rx_lag else None
    p50 = report.uncorrected.p50_us if report.uncorrected.measured else None
    _attach_health(out, backlog.judge(assess(
        sender=lag, sends_per_s=sends_per_s, late_after_ns=cfg.late_after_ns,
        rx_queue_drops=rx_drops, receiver_lag=lag_hist, receiver_stamped=rx_stamped,
        latency_p50_ns=None if p50 is None else p50 * 1000,
        host_cpu_pressure=pressure_share(pressure_before, cpu_pressure_us(), wall_ns))))
    return out


def _close_recorders(recorders: tuple[SideRecorder | None, ...]) -> dict[str, Any]:
    """Close the side recorders; what they wrote (or why not), for the report."""
    out: dict[str, Any] = {}
    for side, r in zip(("in", "out"), recorders):
        if r is not None:
            r.close()
            out[side] = {"file": r.path, "datagrams": r.rec.written, **({"error": r.error} if r.error else {})}
    return out


def _plan_facts(load: ReplayLoad) -> dict[str, Any]:
    # What the parent's copy of the plan learnt reading the recording (frames read, time
    # going backwards...): the ReplayPlan's own description.
    return {"recording": load._it.describe()}


def replay_config(cfg: BenchConfig) -> dict[str, Any]:
    """The report's config for a replay run: the recording and its timing instead of a
    probe schedule."""
    config = cfg.describe("loop")
    for key in ("rate", "category", "records_per_block", "editions", "schedule", "match_keys"):
        config.pop(key, None)
    config["load"] = "replay"
    config["replay"] = {"file": cfg.replay, "format": cfg.replay_format, "filter": cfg.replay_filter,
                        "speed": cfg.speed, "rate": cfg.replay_rate, "loop": cfg.loop}
    config["content_keys"] = cfg.content_keys
    if cfg.ignore_items:
        config["ignore_items"] = list(cfg.ignore_items)
    return config


def _two_sides(cfg: BenchConfig, start_ns: int) -> Any:
    """The analysis of a tap or a match: in against out (ContentFeed), or two feeds of the
    same data against each other (radarbench.bench.feeds.FeedPair, with cfg.feeds)."""
    if cfg.feeds:
        from radarbench.bench.feeds import FeedPair

        return FeedPair(start_ns=start_ns, window_ns=cfg.late_after_ns, editions=cfg.editions,
                        keys=cfg.content_keys)
    return ContentFeed(start_ns=start_ns, late_after_ns=cfg.late_after_ns, editions=cfg.editions,
                       keys=cfg.content_keys, ignore=cfg.ignore_items,
                       conversion=cfg.conversion, tolerances=cfg.tolerances, categories=cfg.categories,
                       drain_ns=int(cfg.drain_s * NS_PER_S))


def _sections(feed: Any) -> dict[str, Any]:
    return {"feeds": feed.section()} if hasattr(feed, "episodes") else {"content": feed.section()}


def _latency_kind(cfg: BenchConfig, where: str) -> str:
    if cfg.feeds:
        return "lead of whichever feed delivered first (A/B, per record both carried)"
    return f"input to output ({where}: nothing was scheduled, so corrected = uncorrected)"


# --------------------------------------------------------------------------- tap (live)

def run_tap(cfg: BenchConfig, progress: Progress) -> BenchReport:
    """Listen on a device's input (`cfg.tap_in`) and output (`cfg.tap_out`) for
    cfg.duration_s, sending nothing, and match what the output carried to what the input
    did. The output side listens `drain_s` longer, for what was in flight at the end."""
    assert cfg.tap_in and cfg.tap_out
    recorders = _recorders(cfg)
    try:
        rx_in = _open(cfg.tap_in, "--tap-in")
        try:
            rx_out = _open(cfg.tap_out, "--tap-out")
        except BaseException:
            rx_in.close()
            raise
    except BaseException:
        _close_recorders(recorders)
        raise
    for rx in (rx_in, rx_out):
        _prepare(rx, rx)
    ctx = mp.get_context("fork")
    ctl_in = ctx.Array("q", _CTL_SLOTS, lock=False)
    ctl_out = ctx.Array("q", _CTL_SLOTS, lock=False)
    i_parent, i_child = ctx.Pipe(duplex=False)
    o_parent, o_child = ctx.Pipe(duplex=False)
    start_ns = time.monotonic_ns() + _START_MARGIN_NS
    started_at = _utc_now()
    pressure_before = cpu_pressure_us()
    duration_ns = int(float(cfg.duration_s or 0) * NS_PER_S)
    ctl_in[_RX_STOP] = start_ns + duration_ns
    # The output side listens drain_s longer, for what was in flight; two feeds of the same
    # data are watched over one window.
    ctl_out[_RX_STOP] = start_ns + duration_ns + (0 if cfg.feeds else int(cfg.drain_s * NS_PER_S))
    feed = _two_sides(cfg, start_ns)
    feed.matcher.tick_on_records = False
    feed.edges = True
    feed.in_end_ns = start_ns + duration_ns
    if cfg.feeds:
        feed.end_ns = start_ns + duration_ns
    if isinstance(feed, ContentFeed):
        feed.wall_offset_ns = wall_minus_mono_ns()
    feed.recorders = {"in": recorders[0], "out": recorders[1]}
    me = os.getpid()
    quiet_gap = _quiet_gap_ns(1000.0)
    workers = [
        ctx.Process(target=_receiver_main, daemon=True,
                    args=(rx_in, None, ctl_in, i_child, False, me, (i_parent, o_parent, o_child), quiet_gap)),
        ctx.Process(target=_receiver_main, daemon=True,
                    args=(rx_out, None, ctl_out, o_child, False, me, (i_parent, i_child, o_parent), quiet_gap)),
    ]
    for w in workers:
        w.start()
    i_child.close()
    o_child.close()
    state: dict[str, Any] = {"in": None, "out": None, "in_upto": start_ns, "out_upto": start_ns}
    feed.matcher.in_upto_ns = start_ns
    next_tick = start_ns + NS_PER_S

    def pump(wait_s: float) -> None:
        waiting = [c for c, key in ((i_parent, "in"), (o_parent, "out")) if state[key] is None]
        for c in wait_any(waiting, timeout=wait_s):
            side = "in" if c is i_parent else "out"
            for _ in range(64):
                try:
                    item = c.recv()
                except EOFError:
                    state[side] = state[side] or ("receiver", [], None, None, None, True)
                    break
                if isinstance(item, ReceiverLog):
                    for rx_ns, data in item.frames:
                        if rx_ns >= start_ns:
                            (feed.on_in if side == "in" else feed.on_out)(data, rx_ns)
                    state[f"{side}_upto"] = max(state[f"{side}_upto"], item.upto_ns)
                    if side == "in":
                        feed.matcher.in_upto_ns = None if state["in"] is not None else state["in_upto"]
                else:
                    state[side] = item
                    break
                if not c.poll():
                    break
        in_upto = _FAR_NS if state["in"] is not None else state["in_upto"]
        if state["in"] is not None:
            feed.matcher.in_upto_ns = None
        feed.advance(min(in_upto, state["out_upto"]))

    try:
        status: Status = "ok"
        try:
            while state["in"] is None or state["out"] is None:
                pump(0.05)
                now = time.monotonic_ns()
                if now >= next_tick:
                    progress.update(feed.live(now, start_ns))
                    next_tick += NS_PER_S * max(1, (now - next_tick) // NS_PER_S + 1)
        except KeyboardInterrupt:
            status = "interrupted"
            now = time.monotonic_ns()
            ctl_in[_RX_STOP] = min(ctl_in[_RX_STOP], now)
            feed.in_end_ns = min(feed.in_end_ns, now)
            if cfg.feeds:
                feed.end_ns = now
                ctl_out[_RX_STOP] = min(ctl_out[_RX_STOP], now)
            ctl_out[_RX_STOP] = min(ctl_out[_RX_STOP], now + min(int(cfg.drain_s * NS_PER_S), _INTERRUPT_DRAIN_MAX_NS))
            progress.note("interrupted: stopping the taps")
            end_wait = time.monotonic_ns() + 3 * NS_PER_S
            try:
                while (state["in"] is None or state["out"] is None) and time.monotonic_ns() < end_wait:
                    pump(0.05)
            except KeyboardInterrupt:
                pass
    except BaseException:
        # Whatever ends the parent here (a bug, a signal the handlers did not take), the
        # children end with it: a replay that raised once waited forever on its sender.
        ctl_in[_RX_STOP] = ctl_out[_RX_STOP] = 1
        for w in workers:
            if w.is_alive():
                w.kill()
        rx_in.close()
        rx_out.close()
        _close_recorders(recorders)
        raise
    lifeline.hold()  # the measurement is over (engine.run_bench)
    for w in workers:
        w.join(timeout=1.0)
        if w.is_alive():
            w.kill()
    rx_in.close()
    rx_out.close()
    i_parent.close()
    o_parent.close()
    wall_ns = time.monotonic_ns() - start_ns
    feed.finish()
    recording = _close_recorders(recorders)
    results = [state[s] or ("receiver", [], None, None, None, True) for s in ("in", "out")]
    episodes = [ep for r in results for ep in r[1]] + (feed.episodes() if cfg.feeds else [])
    faults = _faults_of(episodes, start_ns)
    if status == "ok" and faults:
        status = "fault"
    config = tap_config(cfg, "live")
    report = Report.from_stats(feed.stats, duration_s=wall_ns / NS_PER_S, started_at=started_at,
                               config=config, latency_kind=_latency_kind(cfg, "tap"), faults=faults,
                               status=status)
    report.throughput, _raw = feed.stats.throughput()
    progress.update(feed.live(time.monotonic_ns(), start_ns))
    sections = _sections(feed)
    if recording:
        next(iter(sections.values()))["recorded"] = recording
    out = BenchReport.of(report, **sections)
    drops = [r[4] for r in results if r[4] is not None]
    lags = [HdrHistogram.decode(r[3]) for r in results if r[3]]
    lag_hist = lags[0] if lags else None
    for h in lags[1:]:
        lag_hist.add(h)
    _attach_health(out, assess(
        sender=None, sends_per_s=1000.0, late_after_ns=cfg.late_after_ns,
        rx_queue_drops=sum(drops) if drops else None, receiver_lag=lag_hist,
        receiver_stamped=all(r[5] for r in results),
        host_cpu_pressure=pressure_share(pressure_before, cpu_pressure_us(), wall_ns)))
    return out


def tap_config(cfg: BenchConfig, source: str, files: tuple[str, str] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"mode": "tap", "source": source, "feeds": cfg.feeds,
                              "tap_in": cfg.tap_in, "tap_out": cfg.tap_out,
                              "duration_s": cfg.duration_s, "drain_s": cfg.drain_s,
                              "late_after_s": cfg.late_after_ns / NS_PER_S,
                              "content_keys": cfg.content_keys}
    if files:
        config.update({"in_file": files[0], "out_file": files[1], "tap_in": None, "tap_out": None,
                       "duration_s": None, "drain_s": None})
    if cfg.ignore_items:
        config["ignore_items"] = list(cfg.ignore_items)
    if cfg.editions:
        config["decode_editions"] = {str(c): e for c, e in sorted(cfg.editions.items())}
    config.update(cfg.extra_config)
    return config


# --------------------------------------------------------------------------- match (offline)


def _timed(path: str, side: int, fmt: str, filt: Any, errors: list[Any],
           opened: list[Any] | None = None) -> Iterator[tuple[int, int, bytes]]:
    from radarbench.rigs.recordings import read_recording

    recording = read_recording(path, fmt=fmt, filter=filt, errors=errors)
    if opened is not None:
        opened.append(recording)
    for rec in recording:
        if rec.time_s is None:
            raise ConfigError(f"{path}: frame {rec.index} has no time stamp: a recording without "
                              "times (bare data blocks) cannot be matched in time")
        yield round(rec.time_s * NS_PER_S), side, rec.payload


def match_recordings(in_path: str, out_path: str, cfg: BenchConfig, *,
                     in_filter: str | None = None, out_filter: str | None = None,
                     fmt: str = "auto", progress: Progress | None = None) -> BenchReport:
    """Match two recordings made at a device's input and output, by their own timestamps:
    the same report as a tap run. ConfigError (one line) for a recording that cannot be
    read. Both recordings' clocks are taken as one: a record stamped at the output before
    the input is matched all the same (within the window) and counted in `negative_latency`."""
    from radarbench.rigs.recordings import RecordingError, parse_filter

    filters = []
    for option, text in (("--filter-in", in_filter), ("--filter-out", out_filter)):
        try:
            filters.append(parse_filter(text) if text else None)
        except ValueError as exc:
            raise ConfigError(f"{option} {text!r}: {exc}") from None
    errors: list[list[Any]] = [[], []]
    opened: list[list[Any]] = [[], []]
    streams = [_timed(in_path, 0, fmt, filters[0], errors[0], opened[0]),
               _timed(out_path, 1, fmt, filters[1], errors[1], opened[1])]
    merged = heapq.merge(*streams, key=lambda e: (e[0], e[1]))
    feed: ContentFeed | None = None
    seen = [False, False]
    first_ns = last_ns = 0
    side_last_ns = [0, 0]           # each side's last record read: where a damage shows
    errors_at_ns: list[list[int]] = [[], []]

    def stamp_errors() -> None:
        # a frame skipped (or a cut) since the last record of its side: stamp it there
        for e_side in (0, 1):
            while len(errors_at_ns[e_side]) < len(errors[e_side]):
                errors_at_ns[e_side].append(side_last_ns[e_side])

    next_advance = 0
    try:
        for t_ns, side, payload in merged:
            if feed is None:
                first_ns = t_ns
                feed = _two_sides(cfg, t_ns)
                feed.edges = True  # two recordings never start and stop at the same instant
                if isinstance(feed, ContentFeed):
                    feed.wall_offset_ns, feed.live_clock = 0, False  # the stamps are UTC already
                next_advance = t_ns + _BATCH_NS
            last_ns = max(last_ns, t_ns)
            seen[side] = True
            side_last_ns[side] = t_ns
            stamp_errors()
            if side == 0:
                feed.on_in(payload, t_ns)
            else:
                feed.on_out(payload, t_ns)
            if t_ns >= next_advance:
                feed.advance(t_ns)
                next_advance = t_ns + _BATCH_NS
    except (OSError, RecordingError) as exc:
        raise ConfigError(str(exc)) from None
    for path, option, text, side in ((in_path, "--filter-in", in_filter, 0), (out_path, "--filter-out", out_filter, 1)):
        if not seen[side]:
            picked = f" that {option} {text} picks" if text else ""
            raise ConfigError(f"nothing to match: no data blocks{picked} in {path}")
    feed.finish()
    stamp_errors()
    config = tap_config(cfg, "recordings", (in_path, out_path))
    config["filters"] = {"in": in_filter, "out": out_filter}
    faults = _faults_of(feed.episodes(), first_ns) if cfg.feeds else []
    faults += _recording_faults((in_path, out_path), errors, errors_at_ns, opened, first_ns)
    report = Report.from_stats(feed.stats, duration_s=(last_ns - first_ns) / NS_PER_S,
                               config=config, latency_kind=_latency_kind(cfg, "recorded timestamps"),
                               faults=faults, status="fault" if faults else "ok")
    report.throughput, _raw = feed.stats.throughput()
    sections = _sections(feed)
    skipped = {side: [str(x) for x in e[:20]] for side, e in zip(("in", "out"), errors) if e}
    if skipped:
        section = next(iter(sections.values()))
        section["skipped_frames"] = skipped
        section.setdefault("warnings", []).extend(
            f"{path}: {len(e):,} frame(s) not read: {e[0]}"
            for path, e in zip((in_path, out_path), errors) if e)
    return BenchReport.of(report, **sections)


def _recording_faults(paths: tuple[str, str], errors: list[list[Any]], at_ns: list[list[int]],
                      opened: list[list[Any]], first_ns: int) -> list[Fault]:
    """A fault for each side whose recording is damaged: a figure taken from a recording
    that could not be read whole is not established, so the verdict cannot be OK. A file cut
    short (reading stopped: everything after the cut is unknown, so its input counts nothing
    and the output after it matches nothing) is "recording cut short"; frames skipped
    whose framing still said where the next began, "recording damaged". At the time of the
    side's last record read before the first error."""
    faults = []
    for side, path, errs, when, recs in zip(("in", "out"), paths, errors, at_ns, opened):
        if not errs:
            continue
        stopped = any(r.unread.get("damaged frame, reading stopped") for r in recs)
        what = "IN" if side == "in" else "OUT"
        if stopped:
            kind = "recording cut short"
            detail = (f"{what} {path} is not read to its end ({errs[-1]}): its records after "
                      f"that point are unknown")
            if side == "in":
                detail += "; output stamped later is outside the window, not matched"
            else:
                detail += "; input after that point counts lost"
            if len(errs) > 1:
                detail += f"; {len(errs) - 1:,} damaged frame(s) skipped before it"
        else:
            kind = "recording damaged"
            detail = (f"{what} {path}: {len(errs):,} damaged frame(s) skipped, their records "
                      f"unknown; first: {errs[0]}")
        faults.append(Fault(t_s=round(max(when[0] - first_ns, 0) / 1e9, 6), kind=kind,
                            detail=detail, errors=len(errs), side=side))
    return faults
