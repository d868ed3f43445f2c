"""Matching by content: the records seen at a device's input against those seen at its output.

Pure and I/O-free, streaming, in bounded memory (issue 10). Where the bench wrote no tag
(a replayed recording, a tap on a live device, two recordings made at either side), a record
that came out is matched to the one that went in by its key items, the fields that identify
a record of its category (:data:`DEFAULT_KEYS`, overridable with :func:`parse_match_keys`),
and the two are then compared item by item.

Definitions (DESIGN.md, "Accounting is exact"): every record seen on side "in" ends as
exactly one of

- received: an out record of its key paired with it, values equal, out - in <= late_after;
- modified: paired, but values differ (outside the ignored items and the tolerances); its
  latency is still reported (``on_pair``), and :meth:`ContentMatcher.item_changes` says
  which elements changed, how often and by how much;
- late: paired, values equal, later than late_after;
- lost: nothing paired with it within window_ns.

An out record that pairs with nothing is duplicated if its key was paired within the window
and its content equals what arrived for that pairing, else unmatched_out. reordered: RFC
4737's singleton test, in the out side's order, on the in side's order index of each pairing
(an index below the highest one paired before it). A sent key that repeats is matched in
order (FIFO per key), preferring among the waiting records of a key the oldest whose content
equals the arrival (for keys that do not identify one record: "010 + time of day" of a
category that sends several records a time stamp).

A record without its key items counts as unkeyed and is keyed by its whole content instead
(a changed unkeyed record is then lost, and its out copy unmatched: there is nothing else to
know it by).

Time: t_ns is whatever clock both sides share (the bench's monotonic clock live, capture
times offline). "Now" is the newest time seen on either side or given to ``advance``; an in
record older than now - window_ns is decided (lost), an out record that arrived before its in
record (the out side ran ahead, or the recordings' clocks differ) waits as long, and the
history of recent pairings (for duplicates) is kept as long. State is therefore bounded by
(records a second on both sides) x window.
"""
from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from radarbench.codecs.asterix import Record
from radarbench.codecs.asterix.identity import (  # noqa: F401  (re-exported: the bench's names)
    DEFAULT_KEYS, DEFAULT_KEYS_TEXT, MISSING, KeyRule, Path, category_items, freeze, spec_or_none,
    parse_match_keys, time_key_rule,
)
from radarbench.codecs.asterix.spec import (
    Compound, Depends, Explicit, Extended, Group, Quantity, Repetitive, RepetitiveFX, Signed, Unsigned,
)

NM_M = 1852.0
TOD_S = 86400.0

# ---------------------------------------------------------------------------------- keys

# ---------------------------------------------------------------------------------- changes

_PATH_RE = re.compile(r"^I\d{3}(/[A-Za-z0-9_]+(\[\d+\])?)*$")
_PATH_FORM = "I048/200, I048/040/RHO, I048/250[0]/BDS1"
MAX_CHANGE_PATHS = 1024
MAX_EXAMPLES = 3


def _check_paths(paths: Iterable[str], what: str) -> tuple[str, ...]:
    """The element paths, checked: their form, and that the category declares the item in
    some edition (a path naming nothing would silently change nothing)."""
    out = []
    for p in paths:
        if not isinstance(p, str) or not _PATH_RE.match(p) or p.count("/") < 1:
            raise ValueError(f"{what}: {p!r} is not an element path; expected a form like {_PATH_FORM}")
        cat_text, _, rest = p.partition("/")
        item = re.split(r"[/\[]", rest, maxsplit=1)[0]
        known = category_items(int(cat_text[1:]))
        if known is None:
            raise ValueError(f"{what}: {p!r}: radarbench declares no edition of CAT{int(cat_text[1:]):03d}")
        if item not in known:
            raise ValueError(f"{what}: {p!r}: no edition of CAT{int(cat_text[1:]):03d} has an item {item}")
        out.append(p)
    return tuple(out)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "[")


def _child(node: Any, name: str) -> Any:
    """The declaration of sub-field or sub-item ``name`` of ``node`` (None if not found)."""
    if isinstance(node, Explicit):
        node = node.expansion.compound if node.expansion is not None else None
    if isinstance(node, Group):
        for n, sub in node.fields:
            if n == name:
                return sub
    elif isinstance(node, Extended):
        for part in node.parts:
            for n, sub in part:
                if n == name:
                    return sub
    elif isinstance(node, Compound):
        for s in node.subitems:
            if s is not None and s[0] == name:
                return s[1]
    return None


def _scale(node: Any) -> tuple[str, float] | None:
    """(unit, lsb) of a numeric element: a Quantity's, or ("", 1) for counts; else None."""
    if isinstance(node, Quantity):
        return node.unit, node.lsb
    if isinstance(node, (Unsigned, Signed)):
        return "", 1.0
    return None


@lru_cache(maxsize=256)
def element_scale(cat: int, edition: str | None, names: Path) -> tuple[str, float] | None:
    """(unit, lsb) of the element at ``names`` (item then sub-fields) of a category edition,
    from its declaration; None if it is not a number (or not declared)."""
    spec = spec_or_none(cat, edition)
    if spec is None or names[0] not in spec.items:
        return None
    node = spec.items[names[0]].variation
    for n in names[1:]:
        node = _child(node, n)
    return _scale(node)


def _walk(a: Any, b: Any, node: Any, path: str, names: Path, top: Any, siblings: Any,
          out: list) -> None:
    """Append (path, from, to, declaration) for each leaf where ``a`` and ``b`` differ."""
    if a == b:
        return
    if isinstance(node, Depends):
        node = node.pick(node.key_from(siblings if isinstance(siblings, dict) else {}, top, names))
    ta, tb = type(a), type(b)
    if ta is dict and tb is dict:
        for k in list(a) + [k for k in b if k not in a]:
            _walk(a.get(k, MISSING), b.get(k, MISSING), _child(node, k), f"{path}/{k}",
                  names + (k,), top, a, out)
    elif ta is list and tb is list:
        sub = node.sub if isinstance(node, (Repetitive, RepetitiveFX)) else None
        for i in range(max(len(a), len(b))):
            _walk(a[i] if i < len(a) else MISSING, b[i] if i < len(b) else MISSING, sub,
                  f"{path}[{i}]", names, top, a, out)
    else:
        out.append((path, a, b, node))


def _number(v: Any) -> bool:
    return (type(v) is int or type(v) is float)


def _lsbs(diff: float, lsb: float) -> float | int:
    x = diff / lsb
    r = round(x)
    return r if abs(x - r) < 1e-6 else round(x, 3)


class ItemChanges:
    """Changed elements of modified records: per path, count, largest difference (numbers)
    and a few examples. At most MAX_CHANGE_PATHS paths (further ones count in ``other``)."""

    def __init__(self) -> None:
        self._by: dict[str, dict[str, Any]] = {}
        self.other = 0

    def add(self, path: str, frm: Any, to: Any, diff: float | None, scale: tuple[str, float] | None) -> None:
        e = self._by.get(path)
        if e is None:
            if len(self._by) >= MAX_CHANGE_PATHS:
                self.other += 1
                return
            unit, lsb = scale if scale is not None else (None, None)
            e = self._by[path] = {"path": path, "count": 0, "max_abs": None, "unit": unit, "lsb": lsb,
                                  "max_lsbs": None, "examples": []}
        e["count"] += 1
        if diff is not None and (e["max_abs"] is None or diff > e["max_abs"]):
            e["max_abs"] = diff
            if e["lsb"]:
                e["max_lsbs"] = _lsbs(diff, e["lsb"])
        if len(e["examples"]) < MAX_EXAMPLES:
            e["examples"].append({"from": None if frm is MISSING else frm, "to": None if to is MISSING else to})

    def rows(self) -> list[dict[str, Any]]:
        return sorted(({**e, "examples": list(e["examples"])} for e in self._by.values()),
                      key=lambda e: (-e["count"], e["path"]))


class _Compare:
    """Item-by-item comparison of a pair under the ignored paths and tolerances."""

    def __init__(self, ignore: tuple[str, ...], tolerances: Mapping[str, float]) -> None:
        self.ignore = ignore
        self.tolerances = dict(tolerances)
        self._rules: dict[str, tuple[bool, float | None]] = {}

    def rule(self, path: str) -> tuple[bool, float | None]:
        """(ignored, tolerance) of an element path (the longest matching prefix's tolerance)."""
        r = self._rules.get(path)
        if r is None:
            ignored = any(_under(path, p) for p in self.ignore)
            tol, best = None, -1
            for p, t in self.tolerances.items():
                if _under(path, p) and len(p) > best:
                    tol, best = t, len(p)
            r = (ignored, tol)
            if len(self._rules) < 4096:
                self._rules[path] = r
        return r

    def changes(self, rec_in: Record, items_out: Mapping[str, Any]) -> list[tuple]:
        """(path, from, to, diff or None, scale or None) of every change that counts."""
        cat = rec_in.category
        spec = spec_or_none(cat, rec_in.edition)
        a = rec_in.items
        raw: list[tuple] = []
        for k in list(a) + [k for k in items_out if k not in a]:
            node = spec.items[k].variation if spec is not None and k in spec.items else None
            _walk(a.get(k, MISSING), items_out.get(k, MISSING), node, f"I{cat:03d}/{k}", (k,), a, a, raw)
        out = []
        for path, frm, to, node in raw:
            ignored, tol = self.rule(path)
            if ignored:
                continue
            scale = _scale(node)
            diff = abs(to - frm) if scale is not None and _number(frm) and _number(to) else None
            if diff is not None and tol is not None and diff <= tol:
                continue
            out.append((path, frm, to, diff, scale if diff is not None else None))
        return out


# ---------------------------------------------------------------------------------- conversion

_CONV_FORM = "48->62[,time_s=S][,position_m=M][,velocity_m_s=V][,flight_level=FL][,gate_time_s=S][,gate_position_m=M]"


@dataclass(frozen=True, slots=True)
class Conversion:
    """A device that turns CAT048 plots into CAT062 tracks (``emulate gateway --to-category
    62``; :func:`radarbench.rigs.devices.gateway.plot_to_track` gives the mapping).

    A plot pairs with a track of the same Mode 3/A code where both have one (else the same
    SP where both have one) whose time of day is within ``gate_time_s`` and position within
    ``gate_position_m``; the nearest (position, then time) wins. The pair is then compared
    field by field; one outside its tolerance makes it modified, naming the CAT062 element:

    - I062/070 time of track information vs I048/140: ``time_s`` (s);
    - I062/100 X/Y vs I048/040 polar (or I048/042) position, in metres from the site:
      ``position_m`` (distance);
    - I062/185 VX/VY vs I048/200 ground speed and heading: ``velocity_m_s`` (vector difference);
    - I062/136 vs I048/090 FL: ``flight_level``;
    - I062/060 MODE3A vs I048/070, I062/SP vs I048/SP, I062/245 CHR vs I048/240, I062/380 ADR
      vs I048/220: equal.

    The track's SAC/SIC and track number are the converter's own and are not compared, nor
    are items the plot does not map (I062/105 needs the site's position: not compared).

    Defaults are what the gateway's own rounding keeps, with room, and no more: it copies
    I048/140 into I062/070 bit for bit (both 1/128 s), so ``time_s`` is one LSB (1/128 s); it
    rounds X and Y to I062/100's 0.5 m LSB (<= 0.36 m off), so ``position_m`` is 1 m (a plot's
    own range LSB is 1852/256 = 7.2 m: one LSB of range error shows); it rounds VX/VY to
    I062/185's 0.25 m/s (<= 0.18 m/s off), so ``velocity_m_s`` is 0.5 m/s; FL is copied
    (both 1/4 FL): 0. The gates only choose candidates: 2 s (well under a scan) and 1 NM.
    """

    name: str = "48->62"
    time_s: float = 1 / 128
    position_m: float = 1.0
    velocity_m_s: float = 0.5
    flight_level: float = 0.0
    gate_time_s: float = 2.0
    gate_position_m: float = 1852.0

    source = 48
    target = 62

    def __post_init__(self) -> None:
        if self.name != "48->62":
            raise ValueError(f"conversion: {self.name!r} is not a known profile; expected {_CONV_FORM}")
        for f in fields(self)[1:]:
            v = getattr(self, f.name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not v >= 0 or v == math.inf:
                raise ValueError(f"conversion: {f.name}={v!r} must be a finite number >= 0")
        if self.gate_time_s < self.time_s or self.gate_position_m < self.position_m:
            raise ValueError("conversion: a gate must be at least its tolerance "
                             f"(gate_time_s {self.gate_time_s} >= time_s {self.time_s}, "
                             f"gate_position_m {self.gate_position_m} >= position_m {self.position_m})")
        if self.gate_time_s <= 0:
            raise ValueError("conversion: gate_time_s must be > 0")

    # -- views: (time of day s | None, x m | None, y m | None, mode 3/A | None, SP | None)

    @staticmethod
    def plot_view(items: Mapping[str, Any]) -> tuple:
        tod = items.get("140")
        x = y = None
        pos = items.get("040")
        if pos is not None:
            rho_m, th = pos["RHO"] * NM_M, math.radians(pos["THETA"])
            x, y = rho_m * math.sin(th), rho_m * math.cos(th)
        elif "042" in items:
            x, y = items["042"]["X"] * NM_M, items["042"]["Y"] * NM_M
        m3a = items.get("070")
        return tod, x, y, m3a.get("MODE3A") if m3a is not None else None, items.get("SP")

    @staticmethod
    def track_view(items: Mapping[str, Any]) -> tuple:
        pos = items.get("100")
        m3a = items.get("060")
        return (items.get("070"), pos.get("X") if pos is not None else None,
                pos.get("Y") if pos is not None else None,
                m3a.get("MODE3A") if m3a is not None else None, items.get("SP"))

    def score(self, plot: tuple, track: tuple) -> tuple[float, float] | None:
        """(distance m, |dt| s) if the two may be one target, else None."""
        if plot[3] is not None and track[3] is not None:
            if plot[3] != track[3]:
                return None
        elif plot[4] is not None and track[4] is not None and plot[4] != track[4]:
            return None
        dt = 0.0
        if plot[0] is not None and track[0] is not None:
            dt = abs(_tod_diff(plot[0], track[0]))
            if dt > self.gate_time_s:
                return None
        dist = 0.0
        if plot[1] is not None and track[1] is not None:
            dist = math.hypot(track[1] - plot[1], track[2] - plot[2])
            if dist > self.gate_position_m:
                return None
        return dist, dt

    def changes(self, plot_items: Mapping[str, Any], track: Record, pv: tuple, tv: tuple) -> list[tuple]:
        """(path, from, to, diff or None, scale or None) of each mapped field out of tolerance."""
        t = track.items
        ed = track.edition
        out: list[tuple] = []
        if pv[0] is not None:
            if tv[0] is None:
                out.append(("I062/070", pv[0], None, None, None))
            else:
                d = abs(_tod_diff(pv[0], tv[0]))
                if d > self.time_s:
                    out.append(("I062/070", pv[0], tv[0], d, element_scale(62, ed, ("070",))))
        if pv[1] is not None:
            frm = {"X": round(pv[1], 3), "Y": round(pv[2], 3)}
            if tv[1] is None:
                out.append(("I062/100", frm, None, None, None))
            else:
                d = math.hypot(tv[1] - pv[1], tv[2] - pv[2])
                if d > self.position_m:
                    out.append(("I062/100", frm, t["100"], d, element_scale(62, ed, ("100", "X"))))
        v = plot_items.get("200")
        if v is not None:
            sp_m_s, hdg = v["GSP"] * NM_M, math.radians(v["HDG"])
            vx, vy = sp_m_s * math.sin(hdg), sp_m_s * math.cos(hdg)
            frm = {"VX": round(vx, 3), "VY": round(vy, 3)}
            tr = t.get("185")
            if tr is None:
                out.append(("I062/185", frm, None, None, None))
            else:
                d = math.hypot(tr["VX"] - vx, tr["VY"] - vy)
                if d > self.velocity_m_s:
                    out.append(("I062/185", frm, tr, d, element_scale(62, ed, ("185", "VX"))))
        fl = plot_items.get("090")
        if fl is not None:
            to = t.get("136")
            if to is None:
                out.append(("I062/136", fl["FL"], None, None, None))
            elif abs(to - fl["FL"]) > self.flight_level:
                out.append(("I062/136", fl["FL"], to, abs(to - fl["FL"]), element_scale(62, ed, ("136",))))
        for path, frm, to in (
            ("I062/060/MODE3A", pv[3], tv[3]),
            ("I062/SP", pv[4], tv[4]),
            ("I062/245/CHR", plot_items.get("240"), (t.get("245") or {}).get("CHR")),
            ("I062/380/ADR", plot_items.get("220"), (t.get("380") or {}).get("ADR")),
        ):
            if frm is not None and frm != to:
                out.append((path, frm, to, None, None))
        return out


def parse_conversion(text: str) -> Conversion:
    """A Conversion from ``"48->62"`` or ``"48->62,position_m=5,time_s=0.5"``; ValueError
    naming the bad part and the expected form."""
    parts = [p.strip() for p in text.split(",")]
    if not parts or parts[0].replace(" ", "") != "48->62":
        raise ValueError(f"conversion: {parts[0] if parts else text!r} is not a known profile; expected {_CONV_FORM}")
    names = {f.name for f in fields(Conversion)} - {"name"}
    over: dict[str, float] = {}
    for p in parts[1:]:
        k, sep, v = p.partition("=")
        k = k.strip()
        if not sep or k not in names:
            raise ValueError(f"conversion: {p!r} is not a setting; expected {_CONV_FORM}")
        try:
            over[k] = float(v)
        except ValueError:
            raise ValueError(f"conversion: {p!r}: {v.strip()!r} is not a number") from None
    return replace(Conversion(), **over)


def _tod_diff(a: float, b: float) -> float:
    """b - a in seconds, across midnight (in -43200 .. 43200)."""
    d = (b - a) % TOD_S
    return d - TOD_S if d > TOD_S / 2 else d


class _SlotIndex:
    """Waiting entries indexed by time of day in slots of one gate width (and untimed ones)."""

    def __init__(self, width_s: float) -> None:
        self.width = width_s
        self.n = max(1, math.ceil(TOD_S / width_s))
        self.slots: dict[int, list] = {}
        self.untimed: list = []
        self.size = 0

    def _slot(self, tod: float) -> int:
        return int((tod % TOD_S) // self.width) % self.n

    def add(self, entry: Any, tod: float | None) -> None:
        if tod is None:
            self.untimed.append(entry)
        else:
            self.slots.setdefault(self._slot(tod), []).append(entry)
        self.size += 1

    def remove(self, entry: Any, tod: float | None) -> None:
        if tod is None:
            self.untimed.remove(entry)
        else:
            s = self._slot(tod)
            lst = self.slots[s]
            lst.remove(entry)
            if not lst:
                del self.slots[s]
        self.size -= 1

    def near(self, tod: float | None) -> Iterable[Any]:
        if tod is None:
            for lst in self.slots.values():
                yield from lst
        else:
            s = self._slot(tod)
            for k in {(s - 1) % self.n, s, (s + 1) % self.n}:
                yield from self.slots.get(k, ())
        yield from self.untimed


# ---------------------------------------------------------------------------------- matcher


class _In:
    __slots__ = ("t_ns", "index", "rec", "nbytes", "key", "done", "view")

    def __init__(self, t_ns: int, index: int, rec: Record, nbytes: int, key: Any, view: Any = None) -> None:
        self.t_ns = t_ns
        self.index = index
        self.rec = rec
        self.nbytes = nbytes
        self.key = key
        self.done = False
        self.view = view


class _Out:
    __slots__ = ("t_ns", "rec", "nbytes", "key", "done", "cell", "view")

    def __init__(self, t_ns: int, rec: Record, nbytes: int, key: Any, cell: list, view: Any = None) -> None:
        self.t_ns = t_ns
        self.rec = rec
        self.nbytes = nbytes
        self.key = key
        self.done = False
        self.cell = cell   # [in index | None (undecided) | -1 (paired with nothing)] for reordering
        self.view = view


RECENT_PER_KEY = 4   # pairings of one key remembered for duplicate detection
KINDS = ("received", "late", "modified")   # on_pair's kind
# An out record waits instead of pairing with a waiting in record whose latency would be this
# far from the mean latency seen (x the mean, and at least the minimum), while the in side has
# not reported up to its arrival (ContentMatcher._implausible).
PLAUSIBLE_FACTOR = 10
PLAUSIBLE_MIN_NS = 50_000_000


class ContentMatcher:
    """Matches records seen at a device's input ("in") to those seen at its output ("out")
    by content, as both sides go (see the module docstring for the definitions).

    late_after_ns: a pairing later than this (out - in) is late; window_ns (>= late_after_ns):
    how long an in record waits for its out record (and an out record for its in record, and
    a pairing is remembered for duplicates); keys: {category: KeyRule} (or the text
    :func:`parse_match_keys` reads) overriding :data:`DEFAULT_KEYS`; ignore: element paths
    ("I048/130", "I048/040/RHO") whose changes do not count; tolerances: {element path: largest
    absolute difference, in the element's unit, that still counts as equal}; conversion: a
    :class:`Conversion` (in records of its source category pair with out records of its
    target category by it, and only by it; other categories by keys; ``ignore`` applies to
    its fields, ``tolerances`` do not: it has its own); on_pair(in_t_ns, out_t_ns, nbytes,
    kind): called for each pairing, kind one of "received", "late", "modified" (nbytes: the
    out record's, as given to on_out); on_lost(in_t_ns): called for each in record decided
    lost; outside(out_t_ns): True for a time at which the out side may carry records whose in
    record was never seen (the edges of a tap's window): such an out record that pairs with
    nothing counts `outside`, not unmatched_out; outside_in(in_t_ns): the same for in records
    (two feeds compared over one window: a record at its edges whose copy fell outside it
    counts `outside_in`, not lost).

    Raises ValueError for a bad setting (the message names it).
    """

    def __init__(self, *, late_after_ns: int, window_ns: int, keys: Mapping[int, KeyRule] | str | None = None,
                 ignore: Iterable[str] = (), tolerances: Mapping[str, float] | None = None,
                 conversion: Conversion | str | None = None,
                 on_pair: Callable[[int, int, int, str], None] | None = None,
                 on_lost: Callable[[int], None] | None = None,
                 outside: Callable[[int], bool] | None = None,
                 outside_in: Callable[[int], bool] | None = None) -> None:
        if not isinstance(window_ns, int) or window_ns <= 0:
            raise ValueError(f"window_ns must be a positive number of nanoseconds, not {window_ns!r}")
        if not isinstance(late_after_ns, int) or not 0 <= late_after_ns <= window_ns:
            raise ValueError(f"late_after_ns must be 0..window_ns ({window_ns}), not {late_after_ns!r}")
        self.late_after_ns = late_after_ns
        self.window_ns = window_ns
        if isinstance(keys, str):
            keys = parse_match_keys(keys)
        self.keys: dict[int, KeyRule | None] = {**DEFAULT_KEYS, **(keys or {})}
        tolerances = dict(tolerances or {})
        _check_paths(tolerances, "tolerances")
        for p, t in tolerances.items():
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not t >= 0:
                raise ValueError(f"tolerances: {p}: {t!r} is not a number >= 0")
        self._compare = _Compare(_check_paths(ignore, "ignore"), tolerances)
        if isinstance(conversion, str):
            conversion = parse_conversion(conversion)
        self.conversion = conversion
        self.on_pair = on_pair
        self.on_lost = on_lost
        self.outside = outside
        self.outside_in = outside_in
        # How far the in side has reported (its own clock; None: as far as the newest time
        # seen, as when both sides come merged in time order). Set by a live run's parent.
        self.in_upto_ns: int | None = None
        self._deferred: list[_Out] = []  # see _settle_deferred
        self._latency_mean: float | None = None  # of recent pairings, ns (see _nearest)
        # Whether a record's own time moves "now" (expiring what is older than now - window).
        # True when both sides come merged in time order (two recordings); a live run sets it
        # False and calls advance() with the time both sides have reported up to: there the
        # in side runs ahead of the out side by a batch or more, and a parent that fell
        # behind would otherwise expire in records as lost whose out records sat unread in
        # its pipe (a 5 min looped replay through echo lost 132 records and took 5,544
        # pairings for reordered that way).
        self.tick_on_records = True
        self._changes = ItemChanges()
        self.now_ns: int | None = None
        # what waits: in records by key (FIFO), out records that came before their in record
        self._pending: dict[Any, deque[_In]] = {}
        self._early: dict[Any, deque[_Out]] = {}
        self._in_fifo: deque[_In] = deque()
        self._out_fifo: deque[_Out] = deque()
        # recent pairings for duplicates: key -> [(pairing t_ns, out items), ...]; expiry queue
        self._recent: dict[Any, list[tuple[int, dict]]] = {}
        self._recent_fifo: deque[tuple[int, Any]] = deque()
        # reordering, judged in the out side's order: cells of out records not yet decided
        self._order: deque[list] = deque()
        self._highest = -1
        if conversion is not None:
            self._conv_in = _SlotIndex(conversion.gate_time_s)
            self._conv_early = _SlotIndex(conversion.gate_time_s)
        self.c = dict.fromkeys(
            ("sent", "received", "modified", "late", "lost", "duplicated", "reordered", "unmatched_out",
             "unkeyed", "unkeyed_out", "out", "outside", "outside_in", "corrupted", "corrupted_in",
             "corrupted_out"), 0)
        self.corrupted_examples: list[tuple[str, int, str]] = []
        self.finished = False

    # ------------------------------------------------------------------ results

    @property
    def counts(self) -> dict[str, int]:
        """sent, received, modified, late, lost, duplicated, reordered, unmatched_out,
        unkeyed (in records without their key items), unkeyed_out, out (records seen on the
        out side), outside (out records at times ``outside`` names that paired with
        nothing), corrupted (= corrupted_in + corrupted_out), pending (in records not yet
        decided: sent == received + modified + late + lost + outside_in + pending), pending_out."""
        out = dict(self.c)
        paired = out["received"] + out["modified"] + out["late"]
        out["pending"] = out["sent"] - paired - out["lost"] - out["outside_in"]
        out["pending_out"] = out["out"] - paired - out["duplicated"] - out["unmatched_out"] - out["outside"]
        return out

    def item_changes(self) -> list[dict[str, Any]]:
        """Per changed element of the modified pairs, most frequent first: {"path":
        "I048/040/RHO", "count", "max_abs" (in "unit"; None if not a number), "unit", "lsb"
        (from the category edition's declaration), "max_lsbs" (max_abs / lsb), "examples":
        [{"from", "to"}, ...] (at most MAX_EXAMPLES)}. Paths of repetitive items carry the
        index: "I048/250[0]/BDS1"."""
        return self._changes.rows()

    def state_size(self) -> dict[str, int]:
        """Sizes of what the matcher holds (for tests and health: bounded by rate x window)."""
        size = {"pending_keys": len(self._pending), "early_keys": len(self._early),
                "in_fifo": len(self._in_fifo), "out_fifo": len(self._out_fifo),
                "recent_keys": len(self._recent), "recent_fifo": len(self._recent_fifo),
                "order": len(self._order), "deferred": len(self._deferred)}
        if self.conversion is not None:
            size["conv_in"] = self._conv_in.size
            size["conv_early"] = self._conv_early.size
        return size

    # ------------------------------------------------------------------ feeding

    def _key(self, rec: Record) -> Any:
        rule = self.keys.get(rec.category, MISSING)
        if rule is MISSING:   # a category the table does not name: 010 + its time item
            rule = self.keys[rec.category] = time_key_rule(rec.category, rec.edition)
        k = rule.key(rec.items) if rule is not None else None
        if k is None:
            return None
        return (rec.category,) + k

    def on_in(self, rec: Record, t_ns: int, nbytes: int = 0) -> None:
        """A record seen on the in side at t_ns (nbytes: its share of the frame's size)."""
        if self.tick_on_records:
            self._tick(t_ns)
        c = self.c
        index = c["sent"]
        c["sent"] = index + 1
        conv = self.conversion
        if conv is not None and rec.category == conv.source:
            view = conv.plot_view(rec.items)
            entry = _In(t_ns, index, rec, nbytes, None, view)
            best = self._best(self._conv_early.near(view[0]), lambda o: conv.score(view, o.view))
            if best is not None:
                self._conv_early.remove(best, best.view[0])
                best.done = True
                self._pair(entry, best.rec, best.t_ns, best.nbytes, best.cell, best.view)
                return
            self._conv_in.add(entry, view[0])
            self._in_fifo.append(entry)
            return
        key = self._key(rec)
        if key is None:
            c["unkeyed"] += 1
            key = ("content", rec.category, freeze(rec.items))
        entry = _In(t_ns, index, rec, nbytes, key)
        early = self._early.get(key)
        len_early = 0
        if early:
            lat = self._latency_mean
            cands: Any = early
            if lat is not None:
                # An out record much earlier than this one's time plus the latency seen is a
                # copy of an earlier send (a looped recording's lap before): not a candidate.
                # One much later is this record, late (a busy device held it): it pairs, as it
                # does when the in record is handed over first (on_out); refusing it counted a
                # record lost and its copy outside when a live tap's out side came first.
                # Filtered before _nearest prefers equal content: a stale second copy of the
                # lap before, equal, was chosen over this lap's modified copy, then refused,
                # and the record counted lost (looped replays under load).
                floor = t_ns + lat - self._spread_ns()
                cands = [o for o in early if o.t_ns >= floor]
            len_early = len(cands)
            if not cands:
                early = None
            else:
                out = cands[0] if len_early == 1 else self._nearest(cands, rec.items, None if lat is None else t_ns + int(lat))
        if early:
            early.remove(out)
            if not early:
                del self._early[key]
            out.done = True
            self._pair(entry, out.rec, out.t_ns, out.nbytes, out.cell, unambiguous=len_early == 1)
            return
        q = self._pending.get(key)
        if q is None:
            self._pending[key] = deque((entry,))
        else:
            q.append(entry)
        self._in_fifo.append(entry)

    def on_out(self, rec: Record, t_ns: int, nbytes: int = 0) -> None:
        """A record seen on the out side at t_ns (nbytes: its share of the frame's size)."""
        if self.tick_on_records:
            self._tick(t_ns)
        c = self.c
        c["out"] += 1
        cell: list = [None]
        conv = self.conversion
        if conv is not None and rec.category == conv.target:
            view = conv.track_view(rec.items)
            best = self._best(self._conv_in.near(view[0]), lambda e: conv.score(e.view, view))
            if best is not None:
                self._conv_in.remove(best, best.view[0])
                best.done = True
                self._order_push(cell)
                self._pair(best, rec, t_ns, nbytes, cell, view)
                return
            key = self._key(rec)
            key = key if key is not None else ("content", rec.category, freeze(rec.items))
            if self._in_done_by(t_ns) and self._duplicate(key, rec.items):
                return
            out = _Out(t_ns, rec, nbytes, key, cell, view)
            self._order_push(cell)
            self._conv_early.add(out, view[0])
            self._out_fifo.append(out)
            return
        key = self._key(rec)
        if key is None:
            c["unkeyed_out"] += 1
            key = ("content", rec.category, freeze(rec.items))
        q = self._pending.get(key)
        len_q = len(q) if q else 0
        if q:
            lat = self._latency_mean
            entry = q[0] if len(q) == 1 else self._nearest(q, rec.items, None if lat is None else t_ns - int(lat))
        deferred = False
        if q and self._implausible(entry, t_ns):
            if not self._in_done_by(t_ns):
                q = None  # its own in record is not reported yet: wait for it (below)
                deferred = True
            elif self._duplicate(key, rec.items):
                return  # a second copy of a recent pairing, not a very late first one
        if q:
            if entry is q[0]:
                q.popleft()
            else:
                q.remove(entry)
            if not q:
                del self._pending[key]
            entry.done = True
            self._order_push(cell)
            self._pair(entry, rec, t_ns, nbytes, cell, unambiguous=len_q == 1)
            return
        if self._in_done_by(t_ns) and self._duplicate(key, rec.items):
            return
        out = _Out(t_ns, rec, nbytes, key, cell)
        self._order_push(cell)
        e = self._early.get(key)
        if e is None:
            self._early[key] = deque((out,))
        else:
            e.append(out)
        self._out_fifo.append(out)
        if deferred:
            self._deferred.append(out)

    def _settle_deferred(self) -> None:
        """Out records that found a waiting in record of their key only at an implausible
        latency while the in side had not reported up to them (they waited for their own in
        record, a later send of the same key): once the in side is past them and none came,
        they are that waiting record's copy, late, as on_out pairs them when the in side is
        already past. (They waited to the window's end instead: a held, modified record of a
        looped replay counted lost, and its copy unmatched, in runs under load.)"""
        keep = []
        for o in self._deferred:
            if o.done:
                continue
            if not self._in_done_by(o.t_ns):
                keep.append(o)
                continue
            q = self._pending.get(o.key)
            if not q:
                continue  # nothing waits for it: it stays an early out record to its expiry
            lat = self._latency_mean
            entry = q[0] if len(q) == 1 else self._nearest(q, o.rec.items, None if lat is None else o.t_ns - int(lat))
            early = self._early[o.key]
            early.remove(o)
            if not early:
                del self._early[o.key]
            o.done = True
            if self._duplicate(o.key, o.rec.items):
                o.cell[0] = -1  # a second copy of a recent pairing: it pairs with nothing
                self._judge_order()
                continue
            len_q = len(q)
            q.remove(entry)
            if not q:
                del self._pending[o.key]
            entry.done = True
            self._pair(entry, o.rec, o.t_ns, o.nbytes, o.cell, unambiguous=len_q == 1)
        self._deferred = keep

    def on_corrupted(self, side: str, t_ns: int, reason: str) -> None:
        """A frame seen on ``side`` ("in" or "out") at t_ns that did not decode. Raises
        ValueError for another side."""
        if side not in ("in", "out"):
            raise ValueError(f"side must be 'in' or 'out', not {side!r}")
        if self.tick_on_records:
            self._tick(t_ns)
        self.c["corrupted"] += 1
        self.c["corrupted_" + side] += 1
        if len(self.corrupted_examples) < MAX_EXAMPLES:
            self.corrupted_examples.append((side, t_ns, reason))

    def advance(self, now_ns: int) -> None:
        """The shared clock reads now_ns: everything older than now - window is decided."""
        if self._deferred:
            self._settle_deferred()
        self._tick(now_ns)

    def finish(self) -> None:
        """Both sides are done: every in record still waiting is lost, every out record still
        waiting is duplicated or unmatched_out. Idempotent."""
        self.in_upto_ns = None
        if self._deferred:
            self._settle_deferred()
        self._expire(1 << 62)
        self.finished = True

    # ------------------------------------------------------------------ inside

    @staticmethod
    def _best(candidates: Iterable[Any], score: Callable[[Any], Any]) -> Any:
        best, best_s = None, None
        for e in candidates:
            s = score(e)
            if s is not None and (best_s is None or s < best_s
                                  or (s == best_s and e.t_ns < best.t_ns)):
                best, best_s = e, s
        return best

    def _order_push(self, cell: list) -> None:
        # every out record that may pair takes its place in the out side's order; the pair
        # is judged once every out record before it is decided
        self._order.append(cell)

    def _judge_order(self) -> None:
        order = self._order
        c = self.c
        while order and order[0][0] is not None:
            i = order.popleft()[0]
            if i < 0:
                continue
            if i < self._highest:
                c["reordered"] += 1
            else:
                self._highest = i

    def _implausible(self, entry: _In, out_t_ns: int) -> bool:
        """Pairing this out record with `entry` would take a latency far from the one seen
        (by more than PLAUSIBLE_FACTOR times it and PLAUSIBLE_MIN_NS). While the in side has
        not yet reported up to the arrival, its own in record (the same record sent again, a
        recording's next lap) is likelier still to come, so the out record waits for it; once
        the in side is past the arrival, an out record equal to a recent pairing is its
        duplicate, and otherwise the best candidate is taken whatever its latency (a late
        record is late, not lost)."""
        lat = self._latency_mean
        if lat is None:
            return False
        return abs((out_t_ns - entry.t_ns) - lat) > self._spread_ns()

    def _pair(self, entry: _In, out_rec: Record, out_t_ns: int, nbytes: int, cell: list,
              out_view: tuple | None = None, unambiguous: bool = True) -> None:
        c = self.c
        conv = self.conversion
        if out_view is not None and conv is not None:
            changes = conv.changes(entry.rec.items, out_rec, entry.view, out_view)
            changes = [ch for ch in changes if not self._compare.rule(ch[0])[0]]
        elif entry.rec.items == out_rec.items:
            changes = ()
        else:
            changes = self._compare.changes(entry.rec, out_rec.items)
        latency = out_t_ns - entry.t_ns
        if unambiguous:  # only pairings that had one candidate teach the latency
            m = self._latency_mean
            self._latency_mean = float(latency) if m is None else m + (latency - m) / 16
        if changes:
            kind = "modified"
            add = self._changes.add
            for path, frm, to, diff, scale in changes:
                add(path, frm, to, diff, scale)
        elif latency > self.late_after_ns:
            kind = "late"
        else:
            kind = "received"
        c[kind] += 1
        # reordering, in the out side's order
        cell[0] = entry.index
        self._judge_order()
        # remembered for duplicates
        # (from the later of the two times: a second copy that arrived before the in record
        # waits until its own time + window, and must still find this pairing then)
        key = entry.key if entry.key is not None else self._out_key(out_rec)
        t_pair = out_t_ns if out_t_ns > entry.t_ns else entry.t_ns
        r = self._recent.get(key)
        if r is None:
            self._recent[key] = [(t_pair, out_rec.items)]
        else:
            r.append((t_pair, out_rec.items))
            if len(r) > RECENT_PER_KEY:
                del r[0]
        self._recent_fifo.append((t_pair, key))
        if self.on_pair is not None:
            self.on_pair(entry.t_ns, out_t_ns, nbytes, kind)

    def _out_key(self, rec: Record) -> Any:
        key = self._key(rec)
        return key if key is not None else ("content", rec.category, freeze(rec.items))

    def _nearest(self, waiting: Iterable[Any], items: Any, expected_ns: int | None) -> Any:
        """Of the records waiting under one key, the one to pair: of those whose content
        equals (else all of them), in order (the oldest) among those whose time is plausible
        (within the plausible spread, _spread_ns, of `expected_ns`: the other side's time less,
        or plus, the latency seen so far), else the one nearest `expected_ns`; the oldest
        before any latency is known (expected_ns None).

        Oldest-first alone failed where a key repeats often: a recording replayed in laps
        shorter than the window sends the same records again each lap, and one lost record
        made every later copy pair with the lap before (2,684 records through 5 % loss: 97
        late and 1,327 reordered, none real). Nearest alone failed on a burst: empty records
        of one key sent 14 ms apart came back together 28 ms late, and the later one took the
        first copy (6 reordered through an echo)."""
        same = [e for e in waiting if e.rec.items == items]
        pool = same or list(waiting)
        if expected_ns is None:  # no latency seen yet: in order, the oldest
            return min(pool, key=lambda e: e.t_ns)
        spread = self._spread_ns()
        plausible = [e for e in pool if abs(e.t_ns - expected_ns) <= spread]
        if plausible:
            return min(plausible, key=lambda e: e.t_ns)
        return min(pool, key=lambda e: (abs(e.t_ns - expected_ns), e.t_ns))

    def _spread_ns(self) -> float:
        lat = self._latency_mean or 0.0
        return max(PLAUSIBLE_FACTOR * abs(lat), PLAUSIBLE_MIN_NS)

    def _in_done_by(self, t_ns: int) -> bool:
        # Has the in side handed over everything it saw up to t_ns? Then an out record with no
        # waiting in record, equal to a recent pairing, is a second copy. Otherwise its own in
        # record may still come (a live run's in side reports in batches, behind the out side:
        # a recording's key sent twice, A and B feed, was seen taken for a duplicate and its
        # in record then counted lost): it waits as an early out record, and is judged a
        # duplicate at its expiry if nothing paired with it.
        return self.in_upto_ns is None or self.in_upto_ns >= t_ns

    def _duplicate(self, key: Any, items: Mapping[str, Any]) -> bool:
        r = self._recent.get(key)
        if r is not None and any(it == items for _, it in r):
            self.c["duplicated"] += 1
            return True
        return False

    def _tick(self, t_ns: int) -> None:
        now = self.now_ns
        if now is None or t_ns > now:
            self.now_ns = t_ns
            self._expire(t_ns - self.window_ns)

    def _expire(self, horizon_ns: int) -> None:
        """Decide every in record, early out record and remembered pairing older than
        horizon_ns."""
        c = self.c
        fifo = self._in_fifo
        while fifo and (fifo[0].done or fifo[0].t_ns < horizon_ns):
            e = fifo.popleft()
            if e.done:
                continue
            e.done = True
            if self.outside_in is not None and self.outside_in(e.t_ns):
                c["outside_in"] += 1
            else:
                c["lost"] += 1
                if self.on_lost is not None:
                    self.on_lost(e.t_ns)
            if e.key is None:
                self._conv_in.remove(e, e.view[0])
            else:
                q = self._pending[e.key]
                if q[0] is e:
                    q.popleft()
                else:
                    q.remove(e)
                if not q:
                    del self._pending[e.key]
        ofifo = self._out_fifo
        while ofifo and (ofifo[0].done or ofifo[0].t_ns < horizon_ns):
            o = ofifo.popleft()
            if o.done:
                continue
            o.done = True
            if o.view is not None:
                self._conv_early.remove(o, o.view[0])
            else:
                q2 = self._early[o.key]
                if q2[0] is o:
                    q2.popleft()
                else:
                    q2.remove(o)
                if not q2:
                    del self._early[o.key]
            if not self._duplicate(o.key, o.rec.items):
                if self.outside is not None and self.outside(o.t_ns):
                    c["outside"] += 1
                else:
                    c["unmatched_out"] += 1
            o.cell[0] = -1
            self._judge_order()
        rfifo = self._recent_fifo
        while rfifo and rfifo[0][0] < horizon_ns:
            t, key = rfifo.popleft()
            r = self._recent.get(key)
            if r is not None:
                while r and r[0][0] <= t:
                    del r[0]
                if not r:
                    del self._recent[key]


__all__ = ["ContentMatcher", "Conversion", "DEFAULT_KEYS", "DEFAULT_KEYS_TEXT", "ItemChanges", "KINDS", "KeyRule",
           "element_scale", "parse_conversion", "parse_match_keys", "time_key_rule"]
