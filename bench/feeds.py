"""Redundant feeds: two feeds of the same data (an A/B pair) compared record by record.

    radarbench match site.pcap site.pcap --feeds --filter-in src=10.17.58.183 --filter-out src=10.17.58.184
    radarbench bench --tap-in udp://232.1.1.31:21131 --tap-out udp://232.2.1.31:22131 --feeds --duration 60

A radar site sends each plot twice, on two networks, so that a consumer loses nothing when
one fails. What an engineer must know about such a pair: how much each feed lost (the records
only the other one carried), which feed delivered each record first and by how much, and
for how long one feed was silent while the other went on (a feed that stopped).

Records are paired by content (radarbench.bench.content: the same keys as a tap), whichever
feed brings them first. In the report's counts: sent = distinct records (either feed),
received = records both feeds carried, lost = records only one feed carried (split per feed
in the `feeds` section); latency is the lead of the first feed over the second for each
record both carried. A silence of one feed during which the other delivered GAP_FRAMES
frames or more is a feed gap: a fault episode of side "feed A" / "feed B", and a row of the
section's gaps. A record at the edges of the watch (within the feeds' skew of the later
feed's first frame or the earlier one's last) whose copy fell outside it is neither feed's
loss: it counts `at_the_edges`, apart.
"""
from __future__ import annotations

import heapq
from typing import Any

from hdrh.histogram import HdrHistogram

from radarbench.bench.content import ContentMatcher, parse_match_keys
from radarbench.bench.content_run import decode_all
from radarbench.bench.engine import NS_PER_S, ConfigError
from radarbench.bench.faults import Episode
from radarbench.bench.stats import HIGHEST_NS, RunStats

# Frames the other feed delivers during a silence for it to count as a feed gap (the feed
# stopped), rather than a few datagrams lost in a row: with 20 % random loss, 7 in a row
# happen once in ~80,000 frames. At a radar's 32 sector messages a second: 0.25 s.
GAP_FRAMES = 8
# The least skew between two feeds taken for the edges of their watch (see FeedPair._edge).
EDGE_MIN_NS = 5_000_000
# Lead histograms: ns, 1 us to HIGHEST_NS, 2 significant digits.
_LOWEST_NS = 1_000


class _Silence:
    """One feed's silences: how many frames the other feed delivered since this one's last."""

    def __init__(self) -> None:
        self.last_ns: int | None = None
        self.other_frames = 0
        self.gaps: list[tuple[int, int | None, int]] = []  # (from, to or None: never resumed, other's frames)

    def frame(self, t_ns: int) -> None:
        if self.last_ns is not None and self.other_frames >= GAP_FRAMES:
            self.gaps.append((self.last_ns, t_ns, self.other_frames))
        self.last_ns = t_ns
        self.other_frames = 0

    def finish(self, end_ns: int, first_other_ns: int | None) -> None:
        if self.other_frames >= GAP_FRAMES:
            # silent to the end (or from the start: it never delivered anything)
            self.gaps.append((self.last_ns if self.last_ns is not None else (first_other_ns or end_ns),
                              None, self.other_frames))


class FeedPair:
    """Feed A (`on_in`) against feed B (`on_out`): the interface of content_run.ContentFeed, so
    that a tap and `radarbench match` run it the same way.

    window_ns: how long a record seen on one feed waits for its copy on the other before it
    counts as carried by one feed only. Raises ConfigError for bad --match-keys."""

    def __init__(self, *, start_ns: int, window_ns: int, editions: dict[int, str] | None,
                 keys: str | None = None) -> None:
        self.start_ns = start_ns
        self.editions = editions or None
        self.window_ns = window_ns
        try:
            self.matcher = ContentMatcher(late_after_ns=window_ns, window_ns=window_ns,
                                          keys=parse_match_keys(keys) if keys else None,
                                          on_pair=self._pair, outside=self._edge, outside_in=self._edge)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.matcher.tick_on_records = False  # advance() moves the clock, in time order
        self.stats = RunStats(start_ns=start_ns)
        self.lead = {"A": HdrHistogram(_LOWEST_NS, HIGHEST_NS, 2), "B": HdrHistogram(_LOWEST_NS, HIGHEST_NS, 2)}
        self.first = {"A": 0, "B": 0, "same": 0}
        self.frames = {"A": 0, "B": 0}
        self.records = {"A": 0, "B": 0}
        self.decode_errors = {"A": 0, "B": 0}
        self.silence = {"A": _Silence(), "B": _Silence()}
        self.first_ns: dict[str, int | None] = {"A": None, "B": None}
        self.last_ns: dict[str, int] = {"A": 0, "B": 0}
        self.newest_ns = start_ns
        self.recorders: dict[str, Any] = {"in": None, "out": None}
        self.end_ns: int | None = None  # when both feeds stop being watched (None: the newest record)
        self._frames: list[tuple[int, str]] = []  # (t_ns, feed) not yet judged for silences

    def _edge(self, t_ns: int) -> bool:
        # A record whose copy on the other feed may have come before that feed was watched
        # (or recorded), or after it stopped, is neither feed's loss: within the skew between
        # the feeds (twice the median lead, at least EDGE_MIN_NS) of the later first frame or
        # of the earlier last frame.
        firsts = [t for t in self.first_ns.values() if t is not None]
        if len(firsts) < 2:
            return True  # one feed carried nothing: nothing to compare (NO DATA says so)
        # the typical lead, not the largest: one late frame on a busy host must not widen the
        # edges over real losses (4 datagrams B dropped at the start were taken for edges)
        skew = max(2 * max(h.get_value_at_percentile(50) for h in self.lead.values()), EDGE_MIN_NS)
        end = min(self.last_ns.values())
        if self.end_ns is not None:
            end = min(end, self.end_ns)
        return t_ns < max(firsts) + skew or t_ns > end - skew

    def _frame(self, feed: str, payload: bytes, t_ns: int) -> list[Any]:
        self.frames[feed] += 1
        recorder = self.recorders["in" if feed == "A" else "out"]
        if recorder is not None:
            recorder.add(payload, t_ns)
        if self.first_ns[feed] is None:
            self.first_ns[feed] = t_ns
        self.last_ns[feed] = max(self.last_ns[feed], t_ns)
        # Silences are judged in time order: a live tap hands each feed's frames over in
        # batches, so frames wait here until both feeds have reported past them (advance).
        heapq.heappush(self._frames, (t_ns, feed))
        self.newest_ns = max(self.newest_ns, t_ns)
        records, errors = decode_all(payload, self.editions)
        if errors:
            self.decode_errors[feed] += len(errors)
            self.stats.on_decode_error()
        self.records[feed] += len(records)
        return records

    def on_in(self, payload: bytes, t_ns: int, intended_ns: int | None = None) -> None:
        for rec in self._frame("A", payload, t_ns):
            self.matcher.on_in(rec, t_ns, 0)

    def on_out(self, payload: bytes, t_ns: int) -> None:
        for rec in self._frame("B", payload, t_ns):
            self.matcher.on_out(rec, t_ns, 0)

    def _pair(self, a_ns: int, b_ns: int, nbytes: int, kind: str) -> None:
        lead = b_ns - a_ns
        if lead == 0:
            self.first["same"] += 1
        else:
            who = "A" if lead > 0 else "B"
            self.first[who] += 1
            self.lead[who].record_value(min(max(abs(lead), _LOWEST_NS), HIGHEST_NS - 1))
        first, second = min(a_ns, b_ns), max(a_ns, b_ns)
        self.stats.on_received(first, first, second, nbytes)

    def _silences_upto(self, now_ns: int) -> None:
        frames = self._frames
        while frames and frames[0][0] <= now_ns:
            t_ns, feed = heapq.heappop(frames)
            self.silence[feed].frame(t_ns)
            self.silence["B" if feed == "A" else "A"].other_frames += 1

    def advance(self, now_ns: int) -> None:
        """Both feeds have reported everything up to now_ns."""
        self._silences_upto(now_ns)
        self.matcher.advance(now_ns)

    def finish(self) -> None:
        self._silences_upto(1 << 62)
        self.matcher.finish()
        end = self.newest_ns
        for feed, other in (("A", "B"), ("B", "A")):
            self.silence[feed].finish(end, self.first_ns[other])
        c = self.matcher.counts
        counts = self.stats.counts
        # distinct records: both carried (paired) + only A (lost) + only B (unmatched)
        counts.lost = c["lost"] + c["unmatched_out"]
        counts.sent = counts.received + counts.lost
        counts.duplicated = c["duplicated"]
        counts.reordered = c["reordered"]

    def episodes(self) -> list[Episode]:
        """The feed gaps as fault episodes (side "feed A" / "feed B")."""
        out = []
        for feed in ("A", "B"):
            for start, end, frames in self.silence[feed].gaps:
                stop = end if end is not None else self.newest_ns
                out.append(Episode(f"feed {feed}", "feed_gap",
                                   f"silent while the other feed delivered {frames} frames"
                                   + ("" if end is not None else " (to the end)"),
                                   start, stop, stop, 1))
        return out

    def section(self) -> dict[str, Any]:
        """The report's `feeds` section."""
        c = self.matcher.counts
        both = c["received"] + c["late"] + c["modified"]
        distinct = both + c["lost"] + c["unmatched_out"]

        def lead(h: HdrHistogram) -> dict[str, Any]:
            n = h.get_total_count()
            return {"count": n, **({k: round(h.get_value_at_percentile(p) / 1e3, 3)
                                    for k, p in (("p50_us", 50), ("p99_us", 99))} if n else {}),
                    "max_us": round(h.get_max_value() / 1e3, 3) if n else None}

        def gaps(feed: str) -> list[dict[str, Any]]:
            return [{"from_s": round((s - self.start_ns) / NS_PER_S, 6),
                     "length_s": round(((e if e is not None else self.newest_ns) - s) / NS_PER_S, 6),
                     "resumed": e is not None, "other_frames": n}
                    for s, e, n in self.silence[feed].gaps]

        per_feed = {}
        for feed, only_other in (("A", c["unmatched_out"]), ("B", c["lost"])):
            per_feed[feed] = {
                "frames": self.frames[feed], "records": self.records[feed],
                "decode_errors": self.decode_errors[feed],
                "only_this_feed": c["lost"] if feed == "A" else c["unmatched_out"],
                "missed": only_other,  # records only the other feed carried
                "loss": round(only_other / distinct, 6) if distinct else None,
                "first": self.first[feed], "lead": lead(self.lead[feed]),
                "gaps": gaps(feed),
            }
        return {"distinct_records": distinct, "both": both, "same_time": self.first["same"],
                "at_the_edges": c["outside"] + c["outside_in"],
                "duplicated_within": c["duplicated"], "modified_copies": c["modified"],
                "window_s": self.window_ns / NS_PER_S, "A": per_feed["A"], "B": per_feed["B"]}

    def live(self, now_ns: int, t0_ns: int) -> dict[str, Any]:
        c = self.matcher.counts
        return {"t_s": round((now_ns - t0_ns) / NS_PER_S), "A": self.records["A"], "B": self.records["B"],
                "both": c["received"] + c["late"] + c["modified"], "only_A": c["lost"],
                "only_B": c["unmatched_out"]}
