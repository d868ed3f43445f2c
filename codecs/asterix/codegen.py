"""The fast path: straight-line Python generated from a category's declarations.

Construct's interpreter (the reference, :mod:`record`) costs ~150 us a CAT048 record; the
same declarations turned into plain Python functions (one per item, fields cut out of one
integer with shifts and masks) cost a few microseconds. Nothing here decides a layout: every
offset, width, LSB and name is read from the declaration objects of :mod:`spec`, and the tests
hold this path to the reference on every vector.

Generated decoders have the signature ``f(b, p, e, W) -> (value, p)``: ``b`` the whole input,
``p`` where the item starts, ``e`` where the data block ends, ``W`` the warnings list (None in
strict mode). Offsets in errors are therefore offsets into the caller's input.
"""
from __future__ import annotations

import linecache
import re
import struct
import sys
from typing import Any, Callable

from radarbench.codecs.asterix import spec as S
from radarbench.codecs.asterix.errors import EMPTY_RECORD, FSPEC_ZERO_OCTET, PRIMARY_ZERO_OCTET, DecodeError

# Set bits of a FSPEC octet (FX excluded), as 0-based positions within its 7 FRNs.
BITS7: tuple[tuple[int, ...], ...] = tuple(
    tuple(k for k in range(7) if octet & (0x80 >> k)) for octet in range(256)
)

# Set bits of a fixed primary subfield octet (8 presence bits, no FX), 0-based.
BITS8: tuple[tuple[int, ...], ...] = tuple(
    tuple(k for k in range(8) if octet & (0x80 >> k)) for octet in range(256)
)

# String kinds by table: every 12-bit chunk as 4 octal digits (a Mode-3/A code is one lookup)
# or as 2 ICAO 6-bit characters (a callsign is four), instead of a call per character.
OCTAL4: tuple[str, ...] = tuple(f"{i:04o}" for i in range(4096))
ICAO2: tuple[str, ...] = tuple(S.ICAO6_CHARS[i >> 6] + S.ICAO6_CHARS[i & 63] for i in range(4096))

# Big-endian 4- and 8-octet reads in place (bounds are checked before any read).
_U4 = struct.Struct(">I").unpack_from
_U8 = struct.Struct(">Q").unpack_from
_U6 = struct.Struct(">HI").unpack_from

# Octet tables: for a run of sub-fields inside one octet, the dict of their values for each
# of the 256 octet values, computed once with the very expression the code would evaluate;
# the decoder copies one (a table lookup and one dict merge instead of a shift, a mask and a
# store a field). Shared by every edition with the same layout (keyed by that expression).
_OCTET_TABLES: dict[str, tuple[dict[str, Any], ...]] = {}
GROUP_CACHE_BITS = 16  # groups this wide or narrower (of octet tables, or with a quantity) keep their dicts
GROUP_CACHE_SIZE = 4096
STRING_CACHE_SIZE = 4096  # callsigns kept by their raw bits (see element_expr)
TABLE_MIN_FIELDS = 3   # fewer named fields in an octet: the plain expressions are cheaper


def _octet_table(expr: str) -> tuple[dict[str, Any], ...]:
    table = _OCTET_TABLES.get(expr)
    if table is None:
        f = eval(f"lambda v: {expr}", {"OCT4": OCTAL4, "ICAO2": ICAO2, "ICAO1": S.ICAO6_CHARS})
        table = _OCTET_TABLES[expr] = tuple(f(v) for v in range(256))
    return table


RecordDecoder = Callable[[bytes, int, int, Any], "tuple[dict[str, Any], int]"]


def _walk_depends(node: Any, path: tuple[str, ...]) -> Any:
    """(path of the node, Depends) for every Depends inside ``node`` declared at ``path``."""
    if isinstance(node, S.Depends):
        yield path, node
        for case in list(node.keyed.values()) + [node.default]:
            yield from _walk_depends(case, path)
    elif isinstance(node, S.Group):
        for name, sub in node.fields:
            if name is not None:
                yield from _walk_depends(sub, path + (name,))
    elif isinstance(node, S.Extended):
        for part in node.parts:
            for name, sub in part:
                if name is not None:
                    yield from _walk_depends(sub, path + (name,))
    elif isinstance(node, (S.Repetitive, S.RepetitiveFX)):
        yield from _walk_depends(node.sub, path)
    elif isinstance(node, S.Compound):
        for sub in node.subitems:
            if sub is not None:
                yield from _walk_depends(sub[1], path + (sub[0],))
    elif isinstance(node, S.Explicit) and node.expansion is not None:
        yield from _walk_depends(node.expansion.compound, path)


def needs_record(category: S.Category) -> bool:
    """Whether some Depends of the category looks at another top-level item of the record
    (then the generated functions get the record's items as an extra argument ``R``)."""
    for it in category.items.values():
        for path, dep in _walk_depends(it.variation, (it.key,)):
            if dep.paths is not None and any(d[0] != path[0] for d in dep.paths):
                return True
    return False


def _lookup(value: Any, names: tuple[str, ...]) -> Any:
    for n in names:
        if value.__class__ is not dict:
            return None
        value = value.get(n)
    return value


def _expansion_failure(exc: DecodeError, W: list | None, cat: int, item: str, p: int, expansion: S.Expansion,
                       data: bytes) -> str:
    """RE contents that do not parse as the expansion: strict raises, lenient warns and keeps hex."""
    message = S.expansion_message(expansion, S.expansion_detail(exc))
    if W is None:
        raise DecodeError(message, category=cat, item=item, offset=p)
    W.append(S.expansion_warning(cat, item, p, message))
    return data.hex()


def _short(cat: int, item: str, p: int, n: int, e: int) -> DecodeError:
    left = max(e - p, 0)
    return DecodeError(
        f"needs {n} octet{'s' if n != 1 else ''}, the data block has {left} left",
        category=cat, item=item, offset=p,
    )


def _spare(W: list | None, cat: int, item: str, p: int, bits: int) -> None:
    msg = f"non-zero spare bits ({bits:#x})"
    if W is None:
        raise DecodeError(msg + " (strict mode)", category=cat, item=item, offset=p)
    W.append(f"CAT{cat:03d} item {item} at byte offset {p}: {msg}")


def _zero_last(W: list | None, cat: int, item: str, p: int) -> None:
    """A compound's primary subfield that ends in an octet 00 at ``p`` (errors.PRIMARY_ZERO_OCTET):
    strict mode raises, lenient mode warns, as the reference (spec.Compound) does."""
    if W is None:
        raise DecodeError(PRIMARY_ZERO_OCTET + " (strict mode)", category=cat, item=item, offset=p)
    W.append(f"CAT{cat:03d} item {item} at byte offset {p}: {PRIMARY_ZERO_OCTET}")


def _bad(cat: int, item: str, p: int, reason: str) -> DecodeError:
    return DecodeError(reason, category=cat, item=item, offset=p)


def _fspec_rest(b: bytes, p: int, e: int, base: int, cat: int, label: str) -> tuple[int, int | None]:
    """FX-chained presence octets past those a layout defines (``base``: the index of their
    first bit): (p past them, the first bit set in them or None). They are all read before
    any item, as the reference reads a FSPEC."""
    first = None
    while True:
        if p >= e:
            raise _short(cat, label, p, 1, e)
        o = b[p]
        p += 1
        if first is None and o & 254:
            first = base + BITS7[o][0]
        base += 7
        if not o & 1:
            return p, first


class _Source:
    """Lines of generated source and the namespace they run in, with fresh names for both."""

    def __init__(self, category: S.Category, ns: dict[str, Any]) -> None:
        self.cat = category
        self.lines: list[str] = []
        self.ns = ns
        self.n = 0

    def name(self, stem: str) -> str:
        self.n += 1
        return f"{stem}_{self.n}"

    def const(self, obj: Any, stem: str = "K") -> str:
        nm = self.name(stem)
        self.ns[nm] = obj
        return nm

    def resolve_tables(self) -> None:
        """Tables of (name, function name) built before exec now point at the functions."""
        for key, val in list(self.ns.items()):
            if key.startswith("SUBS_"):
                self.ns[key] = tuple(None if t is None else (t[0], self.ns[t[1]]) for t in val)
            elif key.startswith("SUBE_"):
                self.ns[key] = {name: (i, bit, self.ns[f]) for name, (i, bit, f) in val.items()}

    def dep_key(self, dep: S.Depends, path: tuple[str, ...], local: dict[str, str], R: str | None = None) -> list[str]:
        """Expressions of the dependency values of ``dep`` declared at ``path`` (its own name
        last), given the sibling expressions ``local``; "None" where a value is not there."""
        R = R or getattr(self, "Rname", "R")
        if dep.paths is None:
            return [local.get(dep.on, "None")]
        out = []
        for d in dep.paths:
            if d[0] != path[0]:  # an earlier top-level item (needs_record made R an argument)
                head = f"{R}.get({d[0]!r})"
                out.append(head if len(d) == 1 else f"_lookup({head}, {d[1:]!r})")
            elif d[:-1] == path[:-1]:
                out.append(local.get(d[-1], "None"))
            else:
                out.append("None")
        return out

    def dep_conds(self, out: list[str], dep: S.Depends, path: tuple[str, ...],
                  local: dict[str, str]) -> list[tuple[str | None, Any]]:
        """(condition, case) for each case of ``dep`` then (None, its default), the selector
        assigned in ``out`` first where it is not a bare sibling (decoder and encoder alike)."""
        keys = self.dep_key(dep, path, local)
        if dep.paths is None:
            # the older single-sibling form: compare the sibling itself, case by case
            conds = [(f"{keys[0]} == {k[0]!r}", c) for k, c in dep.keyed.items()]
        else:
            sel = self.name("k")
            out.append(f"{sel} = {keys[0]}" if len(keys) == 1 else f"{sel} = ({', '.join(keys)})")
            conds = [(f"{sel} == {(k[0] if len(keys) == 1 else k)!r}", c) for k, c in dep.keyed.items()]
        return conds + [(None, dep.default)]


class _Gen(_Source):
    """Writes the source of one category edition's decoders.

    One function per UAP (``decode_record``; several UAPs: one branch per UAP after the
    selector item) tests the FSPEC bits in order and decodes each item present in line:
    fixed and extended items, repetitions of fixed parts and plain explicit items become
    statements of that function; compound items, RE expansions and repetitions of
    structured parts get a function of their own (compound sub-items are decoded in line
    there, the same way).
    """

    def __init__(self, category: S.Category) -> None:
        super().__init__(category, {
            "_short": _short, "_spare": _spare, "_zero_last": _zero_last, "_bad": _bad, "EMPTY_RECORD": EMPTY_RECORD, "FSPEC_ZERO_OCTET": FSPEC_ZERO_OCTET, "BITS7": BITS7, "BITS8": BITS8,
            "CAT": category.number, "DecodeError": DecodeError, "_lookup": _lookup,
            "_expfail": _expansion_failure, "_fspec_rest": _fspec_rest,
            "OCT4": OCTAL4, "ICAO2": ICAO2, "ICAO1": S.ICAO6_CHARS,
            "U4": _U4, "U6": _U6, "U8": _U8,
        })
        self.record_arg = needs_record(category)
        self.R = ", R" if self.record_arg else ""
        self.Rname = "R"     # the name of the record's items in the code being written
        self.funcs: dict[tuple[int, str], str] = {}
        self.table_names: dict[str, str] = {}   # octet tables by the dict display they hold

    @property
    def rarg(self) -> str:
        """The record argument of a call from the code being written (empty if none is needed)."""
        return f", {self.Rname}" if self.record_arg else ""

    @staticmethod
    def read_int(n: int, at: str = "p") -> str:
        if n == 1:
            return f"b[{at}]"
        if n == 2:
            return f"(b[{at}] << 8 | b[{at} + 1])"
        if n in (4, 8):  # a precompiled struct reads in place: half the time of a slice and a call
            return f"U{n}(b, {at})[0]"
        if n in (3, 7):
            # one octet wider, from the octet before, masked (~55 ns against ~75 for three
            # subscripts, ~90 for a slice and int.from_bytes). That octet is always there: an
            # item's value follows at least its FSPEC (a record's, a compound's) or an octet
            # of its own (a count, an earlier part or repetition) in the same buffer.
            return f"U{n + 1}(b, {at} - 1)[0] & {(1 << 8 * n) - 1}"
        return f"int.from_bytes(b[{at}:{at} + {n}], 'big')"

    def read_v(self, n: int) -> list[str]:
        """Statements reading the ``n``-octet value at ``p`` into ``v``."""
        if n == 6:  # two reads in place and a shift: faster than a slice and int.from_bytes
            return ["v = U6(b, p)", "v = v[0] << 32 | v[1]"]
        return [f"v = {self.read_int(n)}"]

    def element_expr(self, out: list[str], node: S.Element, raw: str) -> str:
        bits = node.bits
        if isinstance(node, S.Quantity):
            base = f"(({raw}) ^ {1 << (bits - 1)}) - {1 << (bits - 1)}" if node.signed else raw
            return f"({base}) * {node.lsb!r}"
        if isinstance(node, S.Octal):
            # the digits are the octal notation of the raw bits, zero-padded
            return f"OCT4[{raw}]" if node.chars == 4 else f"format({raw}, '0{node.chars}o')"
        if isinstance(node, S.Icao6):
            n = node.chars
            if n <= 2:
                return f"ICAO{n}[{raw}]"
            if raw.isidentifier():
                t = raw
            else:
                t = self.name("s")
                out.append(f"{t} = {raw}")
            parts = []
            for j in range(n // 2):  # two characters (12 bits) a lookup, from the top
                shift = 6 * n - 12 * (j + 1)
                parts.append(f"ICAO2[{t} >> {shift} & 4095]" if j and shift else f"ICAO2[{t} & 4095]" if j
                             else f"ICAO2[{t} >> {shift}]" if shift else f"ICAO2[{t}]")
            if n % 2:
                parts.append(f"ICAO1[{t} & 63]")
            built = "f'" + "".join("{" + x + "}" for x in parts) + "'"  # one string built, not n/2 - 1
            if n < 4:
                return built
            # A callsign (I048/240: 8 characters) is built in ~115 ns; kept by its raw bits,
            # it costs a lookup (~20 ns). Strings are immutable, so records may share one. A
            # target keeps its callsign for its whole flight: real data repeats few values;
            # at most STRING_CACHE_SIZE are kept, so random input costs a failed lookup.
            return self.kept(out, t, built, STRING_CACHE_SIZE, "s", copy=False)
        if isinstance(node, S.Ascii):
            return f"({raw}).to_bytes({node.chars}, 'big').decode('latin-1')"
        if isinstance(node, S._StringElement):
            return f"{self.const(node.to_value, 'STR')}({raw})"
        if node.signed:
            return f"((({raw}) ^ {1 << (bits - 1)}) - {1 << (bits - 1)})"
        return raw

    def group_pairs(self, out: list[str], fields: list, off: int, total: int, item: str, var: str,
                    path: tuple[str, ...]) -> list[tuple[str, str]]:
        """Emit statements for the sub-fields of a group at bit ``off``; return (name, variable)
        of each named one (each held in a variable of its own, so ``var`` may be reused)."""
        pairs = []
        local: dict[str, str] = {}
        o = off
        for fname, sub in fields:
            expr = self.fields(out, sub, o, total, item, var, path + (fname,) if fname is not None else path, local)
            if fname is not None:
                if not expr.isidentifier() or expr == var:
                    tmp = self.name("x")
                    out.append(f"{tmp} = {expr}")
                    expr = tmp
                local[fname] = expr
                pairs.append((fname, expr))
            o += sub.bits
        return pairs

    def octet_pieces(self, out: list[str], fields: list, off: int, total: int, item: str, var: str,
                     path: tuple[str, ...]) -> list[tuple[str | None, str]] | None:
        """The entries of a dict display of the sub-fields of a group at bit ``off`` of the
        ``total``-bit value ``var``, an octet table for each run of them inside one octet:
        (None, table lookup) or (name, expression), in declaration order; spare checks are
        emitted into ``out``. None (nothing emitted) where the group is not made of plain
        elements, or no octet holds enough of them."""
        if total % 8 or not all(isinstance(sub, (S.Element, S.Spare)) for _, sub in fields):
            return None
        runs: list[tuple[int | None, list]] = []  # (its octet, fields): runs of fields in one octet
        o = off
        for fname, sub in fields:
            octet = o // 8 if (o + sub.bits - 1) // 8 == o // 8 else None  # None: it straddles two
            if runs and octet is not None and runs[-1][0] == octet:
                runs[-1][1].append((fname, sub, o))
            else:
                runs.append((octet, [(fname, sub, o)]))
            o += sub.bits
        tables = {}
        for r, (octet, run) in enumerate(runs):
            named = [(n, sub, o) for n, sub, o in run if n is not None]
            if octet is None or len(named) < TABLE_MIN_FIELDS:
                continue
            tmp: list[str] = []
            exprs = [f"{n!r}: {self.fields(tmp, sub, o - 8 * octet, 8, item, 'v', path + (n,), {})}" for n, sub, o in named]
            body = "{" + ", ".join(exprs) + "}"
            if tmp or re.search(r"\b[A-Z]+_\d+\b", body):
                continue  # needs statements or a constant of this edition: no table
            tables[r] = (self.table_name(body), total - 8 * octet - 8)
        if not tables:
            return None
        pieces: list[tuple[str | None, str]] = []
        for r, (_, run) in enumerate(runs):
            if r in tables:
                name, shift = tables[r]
                raw = var if total == 8 else f"{var} >> {shift}" if shift + 8 == total else \
                    f"{var} & 255" if not shift else f"({var} >> {shift}) & 255"
                for fname, sub, o in run:  # the spare checks of the octet, in place
                    if fname is None:
                        self.fields(out, sub, o, total, item, var, path, {})
                pieces.append((None, f"{name}[{raw}]"))
                continue
            for fname, sub, o in run:
                expr = self.fields(out, sub, o, total, item, var, path + (fname,) if fname is not None else path, {})
                if fname is not None:
                    pieces.append((fname, expr))
        return pieces

    def table_name(self, body: str) -> str:
        """The namespace name of the octet table of the dict display ``body`` (over ``v``)."""
        if body not in self.table_names:
            self.table_names[body] = self.const(_octet_table(body), "T")
        return self.table_names[body]

    def kept(self, out: list[str], raw: str, expr: str, size: int, prefix: str, copy: bool) -> str:
        """Emit a lookup of a value kept by its raw bits ``raw``, and ``expr``, which makes it
        on a miss; return the variable that holds it (with ``copy``, a dict: the record's own
        copy, never the kept one). ``expr`` must be a function of those bits alone (spare
        checks, emitted before, still run every time). Real data repeats few values; at most
        ``size`` are kept, so random input costs a failed lookup."""
        cache = self.const({}, "C")
        tmp = self.name(prefix)
        out += [
            f"{tmp} = {cache}.get({raw})",
            f"if {tmp} is None:",
            f"    {tmp} = {expr}",
            f"    if len({cache}) < {size}: {cache}[{raw}] = {tmp}{'.copy()' if copy else ''}",
        ]
        if copy:
            out.append(f"else: {tmp} = {tmp}.copy()")
        return tmp

    @staticmethod
    def display(pieces: list[tuple[str | None, str]]) -> str:
        """A dict display of ``pieces`` (a lone table lookup: a copy of the table's dict)."""
        if len(pieces) == 1 and pieces[0][0] is None:
            return f"{pieces[0][1]}.copy()"
        return "{" + ", ".join(f"**{x}" if k is None else f"{k!r}: {x}" for k, x in pieces) + "}"

    def fields(self, out: list[str], node: Any, off: int, total: int, item: str, var: str = "v",
               path: tuple[str, ...] | None = None, local: dict[str, str] | None = None) -> str:
        """Emit statements for a bit-level node at bit offset ``off`` of a ``total``-bit value
        held in ``var``; return the expression of its value. ``path``: the node's names from
        the record root (the variation's path when None); ``local``: expressions of the
        siblings decoded before it (for Depends)."""
        if path is None:
            path = tuple(item.split("/"))
        width = node.bits
        shift = total - off - width
        mask = (1 << width) - 1
        if shift:
            raw = f"({var} >> {shift}) & {mask}" if off else f"{var} >> {shift}"
        else:
            raw = f"{var} & {mask}" if off else var
        if isinstance(node, S.Spare):
            out.append(f"if {var} & {mask << shift}: _spare(W, CAT, {'/'.join(path)!r}, p, ({raw}))")
            return ""
        if isinstance(node, S.Element):
            return self.element_expr(out, node, raw)
        if isinstance(node, S.Group):
            pieces = self.octet_pieces(out, node.fields, off, total, item, var, path)
            if pieces is not None:
                if sum(k is None for k, _ in pieces) >= 2 and width <= GROUP_CACHE_BITS:
                    # Two octet tables or more: merging them costs ~190 ns; the group's dict,
                    # kept by its raw bits (see kept), a lookup and a copy (~80 ns)
                    return self.kept(out, raw, self.display(pieces), GROUP_CACHE_SIZE, "c", copy=True)
                if len(pieces) > 1 and pieces[0][0] is None and all(k is not None for k, _ in pieces[1:]):
                    # a table's dict and fields after it: its copy, then a store a field
                    # (~75 ns for one field against ~115 for the display {**T[..], 'K': x})
                    tmp = self.name("d")
                    out.append(f"{tmp} = {pieces[0][1]}.copy()")
                    out += [f"{tmp}[{k!r}] = {x}" for k, x in pieces[1:]]
                    return tmp
                return self.display(pieces)
            if not any(isinstance(sub, S.Depends) for _, sub in node.fields):
                # nothing refers to a sibling: each sub-field's expression goes in the literal
                parts = []
                o = off
                for fname, sub in node.fields:
                    expr = self.fields(out, sub, o, total, item, var, path + (fname,) if fname is not None else path, {})
                    if fname is not None:
                        parts.append(f"{fname!r}: {expr}")
                    o += sub.bits
                literal = "{" + ", ".join(parts) + "}"
                if (width <= GROUP_CACHE_BITS and len(parts) >= 3
                        and all(isinstance(sub, (S.Element, S.Spare)) for _, sub in node.fields)
                        and any(isinstance(sub, S.Quantity) for _, sub in node.fields)):
                    # a scaled quantity among them (I048/090: V, G, FL): the literal takes
                    # ~120 ns, the kept dict's copy ~60 (a flight level repeats for minutes).
                    # Plain elements only: a shallow copy must not share a nested dict.
                    return self.kept(out, raw, literal, GROUP_CACHE_SIZE, "c", copy=True)
                return literal
            pairs = self.group_pairs(out, node.fields, off, total, item, var, path)
            return "{" + ", ".join(f"{k!r}: {x}" for k, x in pairs) + "}"
        if isinstance(node, S.Depends):
            tmp = self.name("x")
            first = True
            for cond, case in self.dep_conds(out, node, path, local or {}):
                stmts: list[str] = []
                expr = self.fields(stmts, case, off, total, item, var, path, local)
                head = "else:" if cond is None else f"{'if' if first else 'elif'} {cond}:"
                if stmts:
                    out.append(head)
                    out += ["    " + st for st in stmts]
                    out.append(f"    {tmp} = {expr}")
                else:
                    out.append(f"{head} {tmp} = {expr}")
                first = False
            return tmp
        raise TypeError(f"item {item}: cannot generate bit-level code for {node!r}")

    # ---------------------------------------------------------------- items in line
    def inline(self, out: list[str], node: Any, item: str, target: str) -> None:
        """Emit statements that decode ``node`` at ``p`` into ``target`` and move ``p`` past it."""
        if getattr(node, "bitlevel", False):
            n = node.bits // 8
            out += [
                f"q = p + {n}",
                f"if q > e: raise _short(CAT, {item!r}, p, {n}, e)",
                *self.read_v(n),
            ]
            expr = self.fields(out, node, 0, node.bits, item)
            out += [f"{target} = {expr}", "p = q"]
        elif isinstance(node, S.Extended):
            self.extended(out, node, item, target)
        elif isinstance(node, S.Repetitive) and getattr(node.sub, "bitlevel", False):
            r, sub = node.rep, node.sub
            n = sub.bits // 8
            lst = self.name("rep")
            out += [
                f"if p + {r} > e: raise _short(CAT, {item!r}, p, {r}, e)",
                f"c = {self.read_int(r)}",
                f"p += {r}",
                f"q = p + c * {n}",
                f"if q > e: raise _short(CAT, {item!r}, p, c * {n}, e)",
                f"{lst} = []",
                "while p < q:  # (no range object: most counts are 0 to 2)",
                *("    " + ln for ln in self.read_v(n)),
            ]
            stmts: list[str] = []
            expr = self.fields(stmts, sub, 0, sub.bits, item)
            out += ["    " + s for s in stmts]
            out += [f"    {lst}.append({expr})", f"    p += {n}", f"{target} = {lst}"]
        elif isinstance(node, S.RepetitiveFX):
            sub = node.sub
            n = (sub.bits + 1) // 8
            lst = self.name("rep")
            out += [
                f"{lst} = []",
                "while True:",
                f"    q = p + {n}",
                f"    if q > e: raise _short(CAT, {item!r}, p, {n}, e)",
                *("    " + ln for ln in self.read_v(n)),
            ]
            stmts = []
            expr = self.fields(stmts, sub, 0, n * 8, item)
            out += ["    " + s for s in stmts]
            out += [f"    {lst}.append({expr})", "    p = q", "    if not v & 1: break", f"{target} = {lst}"]
        elif isinstance(node, S.Explicit) and node.expansion is None:
            out += [
                f"if p >= e: raise _short(CAT, {item!r}, p, 1, e)",
                "c = b[p]",
                f"if c < 1: raise _bad(CAT, {item!r}, p, 'explicit length octet is 0; it counts itself, so at least 1')",
                "q = p + c",
                f"if q > e: raise _short(CAT, {item!r}, p, c, e)",
                f"{target} = b[p + 1:q].hex()",
                "p = q",
            ]
        else:
            out.append(f"{target}, p = {self.function(node, item)}(b, p, e, W{self.rarg})")

    def extended(self, out: list[str], node: S.Extended, item: str, target: str) -> None:
        """FX-chained parts: each part's sub-fields into variables, then one dict literal of the
        parts present (a dict the size it needs, keys in declaration order)."""
        path = tuple(item.split("/"))
        nparts = len(node.parts)
        pairs: list[tuple[str | None, str]] = []
        indent = ""
        for i, part in enumerate(node.parts):
            n = node.part_octets(i)
            has_fx = node.fx_last or i < nparts - 1
            stmts = [
                f"q = p + {n}",
                f"if q > e: raise _short(CAT, {item!r}, p, {n}, e)",
                *self.read_v(n),
            ]
            pieces = self.octet_pieces(stmts, part, 0, n * 8, item, "v", path)
            if pieces is None:
                pairs += self.group_pairs(stmts, part, 0, n * 8, item, "v", path)
            else:  # each entry in a variable of its own: v is read again for the next part
                for k, x in pieces:
                    if not x.isidentifier() or x == "v":
                        tmp = self.name("t" if k is None else "x")
                        stmts.append(f"{tmp} = {x}")
                        x = tmp
                    pairs.append((k, x))
            stmts.append("p = q")
            out += [indent + s for s in stmts]
            lit = self.display(pairs)
            if not has_fx:
                out.append(f"{indent}{target} = {lit}")
                return
            if i == nparts - 1:
                out.append(f"{indent}if v & 1: raise _bad(CAT, {item!r}, p - 1, "
                           f"'FX bit set in the last octet the specification defines')")
                out.append(f"{indent}{target} = {lit}")
                return
            out.append(f"{indent}if not v & 1: {target} = {lit}")
            out.append(f"{indent}else:")
            indent += "    "

    # ---------------------------------------------------------------- presence bits
    def read_fspec(self, out: list[str], k: int, label: str) -> None:
        """Emit the reading of an FX-chained FSPEC whose layout spans ``k`` octets: o1..ok
        (0 when absent), and ``xf``: the first bit set in octets past those (None if none)."""
        out += [f"if p >= e: raise _short(CAT, {label!r}, p, 1, e)", "o1 = b[p]", "p += 1"]
        if k > 1:
            out.append(" = ".join(f"o{j}" for j in range(2, k + 1)) + " = 0")
        out.append("xf = None")
        indent = ""
        for j in range(2, k + 1):
            out.append(f"{indent}if o{j - 1} & 1:")
            indent += "    "
            out += [f"{indent}if p >= e: raise _short(CAT, {label!r}, p, 1, e)", f"{indent}o{j} = b[p]", f"{indent}p += 1"]
        out.append(f"{indent}if o{k} & 1: p, xf = _fspec_rest(b, p, e, {7 * k}, CAT, {label!r})")

    @staticmethod
    def bit(i: int, per_octet: int) -> str:
        """The test of presence bit ``i`` (0-based) of o1, o2..."""
        return f"o{i // per_octet + 1} & {0x80 >> (i % per_octet):#04x}"

    def slots(self, out: list[str], slots: list, first: int, per_octet: int, label: str, target: str,
              undefined: str, rfs: dict[int, str] | None = None, comment: bool = True) -> None:
        """Emit, in order, the decoding of each slot from ``first`` on whose presence bit is set
        (``target % name`` receives it); a set bit of a spare slot raises ``undefined % FRN``.

        The slots of an octet past the first sit under ``if oK:``, so an FSPEC octet of zeros
        (CAT048's fourth, in most plots) costs one test, not seven."""
        for k in range(first // per_octet, -(-len(slots) // per_octet)):
            lo, hi = max(first, k * per_octet), min(len(slots), (k + 1) * per_octet)
            guard = k > 0 and any(x is not None for x in slots[lo:hi])
            group: list[str] = [] if guard else out
            for i in range(lo, hi):
                s = slots[i]
                test = self.bit(i, per_octet)
                if s is None:
                    group.append(f"if {test}: raise _bad(CAT, {label!r}, p, {undefined % (i + 1)!r})")
                elif isinstance(s, S.Rfs):
                    group.append(f"if {test}: {target % 'RFS'}, p = {rfs[i]}(b, p, e, W{self.rarg})")
                else:
                    key, node = (s.key, s.variation) if isinstance(s, S.Item) else s
                    where = f"{label}/{key}" if isinstance(s, tuple) else key
                    title = f"  # I{self.cat.number:03d}/{key} {s.title}" if comment and isinstance(s, S.Item) else ""
                    group.append(f"if {test}:{title}")
                    body: list[str] = []
                    self.inline(body, node, where, target % key)
                    group += ["    " + ln for ln in body]
            if guard:
                out.append(f"if o{k + 1}:")
                out += ["    " + ln for ln in group]

    def rest_undefined(self, out: list[str], n: int, k: int, per_octet: int, label: str, undefined: str) -> None:
        """Set bits past the ``n`` defined slots, in ``k`` octets and beyond them (``xf``)."""
        for i in range(n, k * per_octet):
            out.append(f"if {self.bit(i, per_octet)}: raise _bad(CAT, {label!r}, p, {undefined % (i + 1)!r})")
        if per_octet == 7:
            out.append(f"if xf is not None: raise _bad(CAT, {label!r}, p, {undefined!r} % (xf + 1))")

    # ---------------------------------------------------------------- functions
    def function(self, node: Any, item: str) -> str:
        """The name of a function ``f(b, p, e, W[, R]) -> (value, p)`` decoding ``node``."""
        key = (id(node), item)
        if key in self.funcs:
            return self.funcs[key]
        fn = self.name("decode_" + re.sub(r"\W", "_", item))
        self.funcs[key] = fn
        saved, self.Rname = self.Rname, "R"
        body: list[str] = []
        if isinstance(node, S.Compound):
            subs = node.subitems
            undefined = "primary subfield bit %d is set but names no sub-item"
            if node.fspec_octets is None:
                k = max(1, -(-len(subs) // 7))
                self.read_fspec(body, k, item)
                body.append(f"if o1 & 1 and not b[p - 1]: _zero_last(W, CAT, {item!r}, p - 1)")
                per = 7
            else:
                per, k = 8, node.fspec_octets
                body.append(f"if p + {k} > e: raise _short(CAT, {item!r}, p, {k}, e)")
                body += [f"o{j + 1} = b[p + {j}]" for j in range(k)]
                body.append(f"p += {k}")
            body.append("d = {}")
            self.slots(body, list(subs), 0, per, item, "d[%r]", undefined)
            self.rest_undefined(body, len(subs), k, per, item, undefined)
            body.append("return d, p")
        elif isinstance(node, S.Explicit) and node.expansion is not None:
            exp = node.expansion
            efn = self.function(exp.compound, item)
            ek = self.const(exp, "EXP")
            body += [
                f"if p >= e: raise _short(CAT, {item!r}, p, 1, e)",
                "n = b[p]",
                f"if n < 1: raise _bad(CAT, {item!r}, p, 'explicit length octet is 0; it counts itself, so at least 1')",
                "q = p + n",
                f"if q > e: raise _short(CAT, {item!r}, p, n, e)",
                "X = None if W is None else []",
                "try:",
                f"    x, r = {efn}(b, p + 1, q, X{self.R})",
                f"    if r != q: raise _bad(CAT, {item!r}, r, '%d octet(s) left over' % (q - r))",
                "except DecodeError as exc:",
                f"    return _expfail(exc, W, CAT, {item!r}, p, {ek}, b[p + 1:q]), q",
                "if X: W.extend(X)",
                "return x, q",
            ]
        elif isinstance(node, S.Repetitive) and not getattr(node.sub, "bitlevel", False):
            r = node.rep
            subfn = self.function(node.sub, item)
            body += [
                f"if p + {r} > e: raise _short(CAT, {item!r}, p, {r}, e)",
                f"c = {self.read_int(r)}",
                f"p += {r}",
                "out = []",
                "for _ in range(c):",
                f"    x, p = {subfn}(b, p, e, W{self.R})",
                "    out.append(x)",
                "return out, p",
            ]
        elif isinstance(node, (S.Compound, S.Explicit, S.Repetitive, S.RepetitiveFX, S.Extended)) \
                or getattr(node, "bitlevel", False):
            self.inline(body, node, item, "x")
            body.append("return x, p")
        else:
            raise TypeError(f"item {item}: no code generator for {node!r}")
        self.Rname = saved
        self.lines.append(f"def {fn}(b, p, e, W{self.R}):")
        self.lines += ["    " + ln for ln in body]
        self.lines.append("")
        return fn

    # ---------------------------------------------------------------- record
    def record(self) -> None:
        cat = self.cat
        uaps = cat.uaps
        # per-item functions serve random field sequencing (an item by its FRN)
        self.uap_tables: dict[str, tuple] = {}
        self.rfs_names: dict[str, dict[int, str]] = {}
        if cat.has_rfs:
            for uname, uap in uaps.items():
                table = []
                for it in uap:
                    if it is None:
                        table.append(None)
                    elif isinstance(it, S.Rfs):
                        table.append(("RFS", None))  # bound to this UAP's table after exec
                    else:
                        table.append((it.key, self.function(it.variation, it.key)))
                self.uap_tables[uname] = tuple(table)
                self.rfs_names[uname] = {i: f"RFS_{len(self.rfs_names) + 1}" for i, it in enumerate(uap)
                                         if isinstance(it, S.Rfs)}
            rcall = "ent[1](b, p + 1, e, W, R)" if self.record_arg else "ent[1](b, p + 1, e, W)"
            self.lines += [
                "def decode_rfs(b, p, e, W, U, R):",
                "    if p >= e: raise _short(CAT, 'RFS', p, 1, e)",
                "    c = b[p]",
                "    p += 1",
                "    out = []",
                "    for k in range(c):",
                "        if p >= e: raise _short(CAT, 'RFS', p, 1, e)",
                "        f = b[p]",
                "        ent = U[f - 1] if 1 <= f <= len(U) else None",
                "        if ent is None or ent[0] == 'RFS':",
                "            raise _bad(CAT, 'RFS', p, 'RFS field %d: FRN %d names no item of the UAP' % (k + 1, f))",
                f"        x, p = {rcall}",
                "        out.append({ent[0]: x})",
                "    return out, p",
                "",
            ]
        sel = cat.select
        self.Rname = "items"
        k = max(1, -(-max(len(u) for u in uaps.values()) // 7))
        undefined = "FSPEC sets FRN %d, which the UAP does not define"
        body: list[str] = []
        if sel is not None and sel.default is None:
            body.append("p0 = p")
        self.read_fspec(body, k, "FSPEC")
        body += [
            f"if not ({' | '.join(f'o{j}' for j in range(1, k + 1))}) & 254 and xf is None:",
            "    if W is None: raise _bad(CAT, 'FSPEC', p - 1, 'FSPEC announces no item')",
            "    W.append('CAT%03d item FSPEC at byte offset %d: %s' % (CAT, p - 1, EMPTY_RECORD))",
            "    return {}, p",
            "if not b[p - 1] and o1 & 1:",
            "    if W is None: raise _bad(CAT, 'FSPEC', p - 1, FSPEC_ZERO_OCTET)",
            "    W.append('CAT%03d item FSPEC at byte offset %d: %s' % (CAT, p - 1, FSPEC_ZERO_OCTET))",
        ]
        if sel is None:
            uap = cat.uap
            body.append("items = {}")
            self.slots(body, uap, 0, 7, "FSPEC", "items[%r]", undefined, self.rfs_names.get(cat.default_uap))
            self.rest_undefined(body, len(uap), k, 7, "FSPEC", undefined)
            body.append("return items, p")
        else:
            self.ns["SELECT"] = sel
            cut = cat.select_index
            if sel.default is None:
                body.append(f"if not {self.bit(cut, 7)}: raise _bad(CAT, 'FSPEC', p0, {sel.absent(cat.number)!r})")
            head = cat.uap[:cut + 1]
            body += ["items = {}", f"u = {cat.default_uap!r}"]
            self.slots(body, head[:cut], 0, 7, "FSPEC", "items[%r]", undefined, self.rfs_names.get(cat.default_uap))
            it = head[cut]
            body.append(f"if {self.bit(cut, 7)}:  # I{cat.number:03d}/{it.key}: chooses the UAP")
            stmts = ["at = p"]
            self.inline(stmts, it.variation, it.key, f"items[{it.key!r}]")
            stmts += [
                f"xs = items[{it.key!r}]",
                "u = SELECT.choose(xs)",
                f"if u is None: raise _bad(CAT, {sel.label!r}, at, SELECT.no_fit(CAT, xs))",
            ]
            body += ["    " + s for s in stmts]
            names = list(uaps)
            for n_, uname in enumerate(names):
                uap = uaps[uname]
                body.append(f"{'if' if n_ == 0 else 'elif'} u == {uname!r}:" if n_ < len(names) - 1 else "else:")
                stmts = []
                self.slots(stmts, uap, cut + 1, 7, "FSPEC", "items[%r]", undefined, self.rfs_names.get(uname))
                self.rest_undefined(stmts, len(uap), k, 7, "FSPEC", undefined)
                body += ["    " + s for s in stmts]
            body.append("return items, p")
        self.lines.append("def decode_record(b, p, e, W):")
        self.lines += ["    " + ln for ln in body]
        self.lines.append("")

    def build(self) -> tuple[str, RecordDecoder]:
        self.record()
        src = _header(self.cat, "decoder") + "\n".join(self.lines) + "\n"
        name = _register(src, f"<radarbench CAT{self.cat.number:03d} {self.cat.edition}>")
        exec(compile(src, name, "exec"), self.ns)
        self.resolve_tables()
        for uname, table in self.uap_tables.items():
            rows: list = [None if t is None or t[1] is None else (t[0], self.ns[t[1]]) for t in table]
            for i, t in enumerate(table):
                if t is not None and t[1] is None:
                    rows[i] = ("RFS", _rfs_decoder(self.ns["decode_rfs"], rows))
                    self.ns[self.rfs_names[uname][i]] = rows[i][1]
        return src, self.ns["decode_record"]


def _rfs_decoder(decode_rfs: Callable, table: list) -> Callable:
    """The RFS slot of one UAP: its FRNs name items of that UAP (``table``, completed later)."""
    def dec(b: bytes, p: int, e: int, W: Any, R: Any = None) -> Any:
        return decode_rfs(b, p, e, W, table, R)
    return dec


def _header(category: S.Category, what: str) -> str:
    return (f"# CAT{category.number:03d} {category.edition} {what}, generated by radarbench.codecs.asterix.codegen\n"
            f"# from the declarations of {category.title!r}; regenerated at each start, not edited.\n\n")


def _register(src: str, name: str) -> str:
    """Put generated source where tracebacks, pdb and profilers look for a file's lines."""
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    return name


def generate(category: S.Category) -> tuple[str, RecordDecoder]:
    """Source and record decoder for ``category``: ``decoder(b, p, e, W) -> (items, p)``."""
    return _Gen(category).build()


# =========================================================================== encoding
#
# Generated encoders take the values and append octets to ``out``. They validate types and
# ranges only as far as needed never to write wrong bytes; on anything unexpected they raise,
# and the caller re-encodes the record through the Construct reference, which either builds
# it (an unusual but valid value) or raises the EncodeError that names the item and reason.
# So both paths give the same bytes and the same errors, and the generated code stays short.


class Fallback(Exception):
    """The generated encoder declines a value; the reference encoder decides."""


RecordEncoder = Callable[[dict], bytes]


OCTAL4_CODE: dict[str, int] = {s: i for i, s in enumerate(OCTAL4)}
ICAO2_CODE: dict[str, int] = {s: i for i, s in enumerate(ICAO2)}
ICAO1_CODE: dict[str, int] = {s: i for i, s in enumerate(S.ICAO6_CHARS)}


def _icao6_code(value: Any, chars: int) -> int:
    """The bits of a string of ICAO 6-bit characters, padded with spaces, two characters a
    lookup; Fallback where the reference would raise (not a string, too long, a character
    outside the set)."""
    if value.__class__ is not str or len(value) > chars:
        raise Fallback
    if len(value) < chars:
        value = value.ljust(chars)
    try:
        r = 0
        for i in range(0, chars - 1, 2):
            r = r << 12 | ICAO2_CODE[value[i:i + 2]]
        if chars % 2:
            r = r << 6 | ICAO1_CODE[value[-1]]
    except KeyError:
        raise Fallback from None
    return r


def _icao6_memo(value: Any, chars: int, memo: dict) -> int:
    """:func:`_icao6_code`, kept in ``memo`` by string (at most 4,096 strings, of class str)."""
    r = _icao6_code(value, chars)
    if len(memo) < 4096 and value.__class__ is str:
        memo[value] = r
    return r


def _ascii_code(value: Any, chars: int) -> int:
    """The bits of a string of 8-bit characters, padded with spaces; Fallback where the
    reference would raise."""
    if value.__class__ is not str or len(value) > chars:
        raise Fallback
    try:
        return int.from_bytes(value.ljust(chars).encode("latin-1"), "big")
    except UnicodeEncodeError:
        raise Fallback from None


def _paren(expr: str) -> str:
    """``expr`` ready for an attribute access: a bare name as it is, anything else in parentheses."""
    return expr if expr.isidentifier() else f"({expr})"


class _Flat:
    """What one bit-level part of an item needs, gathered before it is written out: the
    subscripts (``reads``), the names that must be ints (``ints``) or numbers (``nums``), the
    scaling and string statements (``post``), the unsigned raws by width (``widths``), other
    range expressions that must be 0 (``ranges``), and (raw expression or None for spare
    bits, width) from the most significant (``terms``)."""

    def __init__(self) -> None:
        self.reads: list[str] = []
        self.ints: list[str] = []
        self.nums: list[str] = []
        self.post: list[str] = []
        self.widths: dict[int, list[str]] = {}
        self.ranges: list[str] = []
        self.terms: list[tuple[str | None, int]] = []


class _EncGen(_Source):
    """Writes the source of one category edition's encoders."""

    def __init__(self, category: S.Category) -> None:
        super().__init__(category, {"Fallback": Fallback, "_lookup": _lookup, "OCT4_CODE": OCTAL4_CODE,
                                    "_icao6_code": _icao6_code, "_icao6_memo": _icao6_memo, "_ascii_code": _ascii_code, "NUM": (int, float)})
        self.record_arg = needs_record(category)
        self.R = ", R" if self.record_arg else ""
        self.bodies: dict[str, list[str]] = {}   # encoder bodies with no return, by function

    def raw_of(self, out: list[str], node: Any, val: str) -> str:
        """Statements checking ``val`` for element ``node``; returns the raw-integer expression.

        An unsigned ``b``-bit value is in range when ``x >> b`` is 0 (negative values shift
        to -1); a signed one when ``(x + 2**(b-1)) >> b`` is.
        """
        bits = node.bits
        h = 1 << (bits - 1)
        if isinstance(node, S._StringElement):
            r = self.name("r")
            if isinstance(node, S.Octal) and node.chars == 4:
                out.append(f"{r} = OCT4_CODE.get({val}) if {val}.__class__ is str else None")
                out.append(f"if {r} is None: raise Fallback")
            elif isinstance(node, S.Icao6):
                # callsigns repeat record after record: their codes are kept by string (only a
                # str is looked up: a subclass may be equal to a string it does not spell)
                memo = self.const({}, "ICAO")
                out.append(f"{r} = {memo}.get({val}) if {val}.__class__ is str else None")
                out.append(f"if {r} is None: {r} = _icao6_memo({val}, {node.chars}, {memo})")
            elif isinstance(node, S.Ascii):
                out.append(f"{r} = _ascii_code({val}, {node.chars})")
            else:
                out.append(f"{r} = {self.const(node.from_value, 'STR')}({val}, '')")
            return r
        if isinstance(node, S.Quantity):
            r = self.name("r")
            out.append(f"if {val}.__class__ is not int and {val}.__class__ is not float: raise Fallback")
            out.append(f"{r} = round({val} / {node.lsb!r})")
            if node.signed:
                out.append(f"if ({r} + {h}) >> {bits}: raise Fallback")
                return f"({r} & {(1 << bits) - 1})"
            out.append(f"if {r} >> {bits}: raise Fallback")
            return r
        if node.signed:
            out.append(f"if {val}.__class__ is not int or ({val} + {h}) >> {bits}: raise Fallback")
            return f"({val} & {(1 << bits) - 1})"
        out.append(f"if {val}.__class__ is not int or {val} >> {bits}: raise Fallback")
        return val

    @staticmethod
    def flat_ok(node: Any) -> bool:
        """Whether a bit-level node packs as one expression: elements, spares and groups of
        them (a Depends chooses its layout by value: it goes through :meth:`pack`)."""
        if isinstance(node, (S.Spare, S.Element)):
            return True
        if isinstance(node, S.Group):
            return all(_EncGen.flat_ok(sub) and (n is not None or isinstance(sub, S.Spare)) for n, sub in node.fields)
        return False

    def flat_fields(self, F: _Flat, fields: list, val: str, check: bool) -> None:
        """Adds the named ``fields`` of the dict ``val`` to ``F`` (``check``: that ``val`` is a
        dict of exactly those names)."""
        if check:
            names = [n for n, _ in fields if n]
            F.reads.append(f"if {val}.__class__ is not dict or len({val}) != {len(names)}: raise Fallback")
        for fname, sub in fields:
            if fname is None:
                F.terms.append((None, sub.bits))
            else:
                x = self.name("v")
                F.reads.append(f"{x} = {val}[{fname!r}]")
                self.flat_node(F, sub, x)

    def flat_node(self, F: _Flat, node: Any, val: str) -> None:
        if isinstance(node, S.Spare):
            F.terms.append((None, node.bits))
        elif isinstance(node, S.Group):
            self.flat_fields(F, node.fields, val, True)
        else:
            F.terms.append((self.flat_element(F, node, val), node.bits))

    def flat_element(self, F: _Flat, node: S.Element, val: str) -> str:
        """The raw-integer expression of element ``node`` of value ``val``; its checks go to
        ``F``. As :meth:`raw_of`, but class checks, scaling and range checks are gathered so
        that each is one test for the whole item (unsigned fields of one width share one
        shift: ``(a | b) >> 1`` is 0 only when both are 0 or 1)."""
        bits = node.bits
        h = 1 << (bits - 1)
        if isinstance(node, S._StringElement):
            return self.raw_of(F.post, node, val)
        if isinstance(node, S.Quantity):
            r = self.name("r")
            F.nums.append(val)
            F.post.append(f"{r} = round({val} / {node.lsb!r})")
            if node.signed:
                F.ranges.append(f"({r} + {h}) >> {bits}")
                return f"({r} & {(1 << bits) - 1})"
            F.widths.setdefault(bits, []).append(r)
            return r
        F.ints.append(val)
        if node.signed:
            F.ranges.append(f"({val} + {h}) >> {bits}")
            return f"({val} & {(1 << bits) - 1})"
        F.widths.setdefault(bits, []).append(val)
        return val

    @staticmethod
    def flat_emit(out: list[str], F: _Flat) -> str:
        """Appends ``F``'s statements to ``out``; returns the expression of the packed bits."""
        out += F.reads
        checks = [f"{x}.__class__ is not int" for x in F.ints] + [f"{x}.__class__ not in NUM" for x in F.nums]
        if checks:
            out.append(f"if {' or '.join(checks)}: raise Fallback")
        out += F.post
        ranges = [(f"({' | '.join(xs)}) >> {b}" if len(xs) > 1 else f"{xs[0]} >> {b}") for b, xs in F.widths.items()]
        ranges += F.ranges
        if ranges:
            out.append(f"if {' or '.join(ranges)}: raise Fallback")
        shift = sum(b for _, b in F.terms)
        parts = []
        for e, b in F.terms:
            shift -= b
            if e is not None:
                parts.append(f"{e} << {shift}" if shift else e)
        return " | ".join(parts) or "0"

    def pack(self, out: list[str], node: Any, val: str, acc: str, path: tuple[str, ...] = (),
             local: dict[str, str] | None = None) -> None:
        """Statements shifting the bits of ``node`` (value ``val``, declared at ``path``) into
        integer ``acc``; ``local``: expressions of its siblings' values (for Depends)."""
        if isinstance(node, S.Spare):
            out.append(f"{acc} <<= {node.bits}")
        elif isinstance(node, S.Element):
            raw = self.raw_of(out, node, val)
            out.append(f"{acc} = ({acc} << {node.bits}) | {raw}")
        elif isinstance(node, S.Group):
            self.group(out, node.fields, val, acc, path)
        elif isinstance(node, S.Depends):
            first = True
            for cond, case in self.dep_conds(out, node, path, local or {}):
                stmts: list[str] = []
                self.pack(stmts, case, val, acc, path, local)
                out.append("else:" if cond is None else f"{'if' if first else 'elif'} {cond}:")
                out += ["    " + st for st in stmts]
                first = False
        else:
            raise TypeError(f"no bit-level encoder for {node!r}")

    def group(self, out: list[str], fields: list, val: str, acc: str, path: tuple[str, ...] = (),
              check: bool = True) -> None:
        names = [n for n, _ in fields if n]
        if check:
            out.append(f"if {val}.__class__ is not dict or len({val}) != {len(names)}: raise Fallback")
        local = {n: f"{val}.get({n!r})" for n in names}
        for fname, sub in fields:
            if fname is None:
                self.pack(out, sub, "None", acc, path, local)
            else:
                v = self.name("v")
                out.append(f"{v} = {val}[{fname!r}]")
                self.pack(out, sub, v, acc, path + (fname,), local)

    def bits_of(self, node: Any, val: str, path: tuple[str, ...], octets: int, fx: str | None = None) -> list[str]:
        """Statements appending the ``octets`` octets of bit-level ``node`` (value ``val``) to
        ``out``, then an FX bit (``fx``, an expression) if given."""
        stmts: list[str] = []
        if self.flat_ok(node):
            F = _Flat()
            self.flat_node(F, node, val)
            if fx is not None:
                F.terms.append((fx, 1))
            stmts.append(f"out += {_paren(self.flat_emit(stmts, F))}.to_bytes({octets}, 'big')")
            return stmts
        stmts.append("a = 0")
        self.pack(stmts, node, val, "a", path)
        if fx is not None:
            stmts.append(f"a = (a << 1) | {fx}")
        stmts.append(f"out += a.to_bytes({octets}, 'big')")
        return stmts

    def variation(self, node: Any, path: tuple[str, ...] = ()) -> str:
        fn = self.name("encode_" + re.sub(r"\W", "_", "_".join(path) or "value"))
        body: list[str] = []
        if getattr(node, "bitlevel", False):
            body += self.bits_of(node, "v", path, node.bits // 8)
        elif isinstance(node, S.Extended):
            body.append("if v.__class__ is not dict: raise Fallback")
            nparts = len(node.parts)
            counts = [sum(len(node.names[j]) for j in range(i + 1)) for i in range(nparts)]
            if len(set(counts)) == nparts:
                # each number of sub-fields names one last part; a missing name is a KeyError,
                # which encode_record turns into a Fallback
                body.append(f"last = {self.const({c: i for i, c in enumerate(counts)}, 'LAST')}.get(len(v))")
                body.append("if last is None: raise Fallback")
                conds = None
            else:
                conds = []
            if conds is not None:
                for i in range(nparts - 1, 0, -1):
                    names = node.names[i]
                    conds.append((i, " or ".join(f"{n!r} in v" for n in names) or "False"))
                first = True
                for i, cond in conds:
                    body.append(f"{'if' if first else 'elif'} {cond}: last = {i}")
                    first = False
                body.append("else: last = 0" if conds else "last = 0")
                body.append(f"if len(v) != {self.const(tuple(counts), 'CNT')}[last]: raise Fallback")
            for i, part in enumerate(node.parts):
                has_fx = node.fx_last or i < nparts - 1
                stmts: list[str] = []
                n = node.part_octets(i)
                if all(self.flat_ok(sub) and (fname is not None or isinstance(sub, S.Spare)) for fname, sub in part):
                    F = _Flat()
                    self.flat_fields(F, part, "v", False)
                    if has_fx:
                        F.terms.append((f"(1 if last > {i} else 0)", 1))
                    stmts.append(f"out += {_paren(self.flat_emit(stmts, F))}.to_bytes({n}, 'big')")
                else:
                    stmts.append("a = 0")
                    local = {n: f"v.get({n!r})" for n in node.names[i]}
                    for fname, sub in part:
                        if fname is None:
                            self.pack(stmts, sub, "None", "a", path, local)
                        else:
                            x = self.name("v")
                            stmts.append(f"{x} = v[{fname!r}]")
                            self.pack(stmts, sub, x, "a", path + (fname,), local)
                    if has_fx:
                        stmts.append(f"a = (a << 1) | (1 if last > {i} else 0)")
                    stmts.append(f"out += a.to_bytes({n}, 'big')")
                if i == 0:
                    body += stmts
                else:
                    body.append(f"if last >= {i}:")
                    body += ["    " + s for s in stmts]
        elif isinstance(node, S.Repetitive):
            sub = self.variation(node.sub, path) if not getattr(node.sub, "bitlevel", False) else None
            body.append(f"if v.__class__ is not list or len(v) >= {1 << (8 * node.rep)}: raise Fallback")
            body.append(f"out += len(v).to_bytes({node.rep}, 'big')")
            if sub is None:
                stmts = self.bits_of(node.sub, "x", path, node.sub.bits // 8)
                body.append("for x in v:")
                body += ["    " + s for s in stmts]
            else:
                body += ["for x in v:", f"    {sub}(x, out{self.R})"]
        elif isinstance(node, S.RepetitiveFX):
            n = (node.sub.bits + 1) // 8
            body.append("if v.__class__ is not list or not v: raise Fallback")
            body.append("k = len(v) - 1")
            stmts = self.bits_of(node.sub, "x", path, n, fx="(1 if i < k else 0)")
            body.append("for i, x in enumerate(v):")
            body += ["    " + s for s in stmts]
        elif isinstance(node, S.Compound):
            # walks the sub-items given, as the record walks its items; the primary subfield
            # goes in front of them once the last is known
            subs = {}
            if node.fspec_octets is None:
                k = max(1, -(-len(node.subitems) // 7))
                fin = tuple((sum(1 << (8 * (k - 1 - j)) for j in range(i // 7)), 8 * (k - 1 - i // 7), i // 7 + 1)
                            for i in range(7 * k))
                bits = [1 << (8 * (k - 1 - i // 7) + 7 - i % 7) for i in range(len(node.subitems))]
            else:
                k = node.fspec_octets
                fin = tuple((0, 0, k) for _ in range(8 * k))
                bits = [1 << (8 * (k - 1 - i // 8) + 7 - i % 8) for i in range(len(node.subitems))]
            for i, sub in enumerate(node.subitems):
                if sub is not None:
                    subs[sub[0]] = (i, bits[i], self.variation(sub[1], path + (sub[0],)))
            table = self.const(subs, "SUBE")
            fin_name = self.const(fin, "FIN")
            # straight-line over the sub-items in declaration order, each taken in line where
            # it can be (upper-case names: sub-item bodies use lower-case ones); sub-items
            # the declaration does not name leave the count short, and the walk below decides
            walk = fn + "_walk"
            body += [
                "if v.__class__ is not dict or not v: raise Fallback",
                "C = v",
                "AT = len(out)",
                "FS = 0",
                "LAST = -1",
                "N = 0",
            ]
            for name, (i, bit, sfn) in subs.items():
                body += [f"v = C.get({name!r})", "if v is not None:"]
                if sfn in self.bodies:
                    body += ["    " + ln for ln in self.bodies[sfn]]
                else:
                    body.append(f"    {sfn}(v, out{self.R})")
                body += [f"    FS |= {bit:#x}", f"    LAST = {i}", "    N += 1"]
            body += [
                "if N != len(C):",
                "    del out[AT:]",
                f"    return {walk}(C, out{self.R})",
                f"M, SH, NN = {fin_name}[LAST]",
                "out[AT:AT] = ((FS | M) >> SH).to_bytes(NN, 'big')",
            ]
            wbody = [
                "if v.__class__ is not dict or not v: raise Fallback",
                "at = len(out)",
                "fs = 0",
                "last = -1",
                "for key, x in v.items():",
                f"    ent = {table}.get(key)",
                "    if ent is None: raise Fallback",
                "    i, bit, f = ent",
                "    if i < last:  # not in declaration order: again, in order",
                "        del out[at:]",
                f"        return {walk}(dict(sorted(v.items(), key=lambda kv: {table}[kv[0]][0])), out{self.R})",
                "    last = i",
                "    fs |= bit",
                f"    f(x, out{self.R})",
                f"m, s, n = {fin_name}[last]",
                "out[at:at] = ((fs | m) >> s).to_bytes(n, 'big')",
            ]
            self.lines.append(f"def {walk}(v, out{self.R}):")
            self.lines += ["    " + ln for ln in wbody]
            self.lines.append("")
        elif isinstance(node, S.Explicit):
            if node.expansion is not None:
                efn = self.variation(node.expansion.compound, path)
                body += [
                    "if v.__class__ is dict:",
                    "    d = bytearray()",
                    f"    {efn}(v, d{self.R})",
                    "elif v.__class__ is not str: raise Fallback",
                    "else: d = bytes.fromhex(v)",
                ]
            else:
                body += [
                    "if v.__class__ is not str: raise Fallback",
                    "d = bytes.fromhex(v)",
                ]
            body += [
                "if len(d) > 254: raise Fallback",
                "out.append(len(d) + 1)",
                "out += d",
            ]
        else:
            raise TypeError(f"no encoder generator for {node!r}")
        if not any(ln.lstrip().startswith("return") for ln in body):
            self.bodies[fn] = body  # the record may take it in line
        self.lines.append(f"def {fn}(v, out{self.R}):")
        self.lines += ["    " + ln for ln in body]
        self.lines.append("")
        return fn

    def build(self) -> tuple[str, RecordEncoder]:
        cat = self.cat
        self.ns["_fspec"] = S.fspec_bytes
        self.ns["_ffspec"] = S.fixed_fspec_bytes
        fns: dict[int, str] = {}
        tables: dict[str, tuple] = {}
        for uname, uap in cat.uaps.items():
            rows = []
            for it in uap:
                if it is None:
                    rows.append(None)
                elif isinstance(it, S.Rfs):
                    rows.append(("RFS", None))
                else:
                    if id(it) not in fns:
                        fns[id(it)] = self.variation(it.variation, (it.key,))
                    rows.append((it.key, fns[id(it)]))
            tables[uname] = tuple(rows)
        if cat.has_rfs:
            rcall = "f(x, out, R)" if self.record_arg else "f(x, out)"
            self.lines += [
                "def encode_rfs(v, out, U, R):",
                "    if v.__class__ is not list or len(v) > 255: raise Fallback",
                "    out.append(len(v))",
                "    for fld in v:",
                "        if fld.__class__ is not dict or len(fld) != 1: raise Fallback",
                "        for key, x in fld.items():",
                "            frn, f = U[key]",
                "            out.append(frn)",
                f"            {rcall}",
                "",
            ]
        # The record walks the items it is given (not every slot of the UAP): each key names
        # its slot (index, its FSPEC bit in a K-octet integer, its encoder); items in UAP order
        # (as decoded) go straight out, others are put in order first.
        k = max(1, -(-max(len(u) for u in cat.uaps.values()) // 7))
        call = "f(v, out, items)" if self.record_arg else "f(v, out)"
        walk = [
            "    out = bytearray()",
            "    fs = 0",
            "    last = -1",
            "    for key, v in pairs:",
            "        ent = E.get(key)",
            "        if ent is None: raise Fallback",
            "        i, bit, f = ent",
            "        if i < last: return None",
            "        last = i",
            "        fs |= bit",
            f"        {call}",
            "    m, s, n = FINISH[last]",
            "    return ((fs | m) >> s).to_bytes(n, 'big') + out",
        ]
        choose = "    E = BY_UAP[_uap_name(items)]" if cat.select is not None else "    E = ITEMS"
        self.lines += ["def encode_in_order(items, pairs, E):"] + walk + [""]
        if cat.select is None and not cat.has_rfs:
            # one UAP, no RFS: straight-line, slot by slot in UAP order (a lookup a slot
            # instead of a walk step and a table entry an item; any key order gives the UAP's);
            # a key the UAP does not name leaves the count short: the walk then declines it
            # (upper-case names: item encoders taken in line use lower-case ones)
            body = ["    out = bytearray()", "    FS = 0", "    LAST = -1", "    N = 0", "    G = items.get"]
            for i, t in enumerate(tables[cat.default_uap]):
                if t is None:
                    continue
                bit = 1 << (8 * (k - 1 - i // 7) + 7 - i % 7)
                body += [f"    v = G({t[0]!r})", "    if v is not None:"]
                if t[1] in self.bodies and not self.record_arg:  # in line: a call less an item
                    body += ["        " + ln for ln in self.bodies[t[1]]]
                else:
                    body.append(f"        {t[1]}(v, out, items)" if self.record_arg else f"        {t[1]}(v, out)")
                body += [f"        FS |= {bit:#x}", f"        LAST = {i}", "        N += 1"]
            body += [
                "    if N != len(items): return encode_in_order(items, items.items(), ITEMS)",
                "    M, SH, N = FINISH[LAST]",
                "    return ((FS | M) >> SH).to_bytes(N, 'big') + out",
            ]
            self.lines += ["def encode_straight(items):"] + body + [""]
        straight = cat.select is None and not cat.has_rfs
        if straight:
            # a record whose items (names, in order) were seen before is encoded by a function
            # made for exactly those items (see _ShapeEncoders), if there is one
            head = [
                "    E = ITEMS",
                "    keys = tuple(items)",
                "    f = SHAPES.get(keys)",
                "    try:",
                "        if f is not None: return f(items)",
                "        out = encode_straight(items)",
            ]
        else:
            head = [choose, "    try:", "        out = encode_in_order(items, items.items(), E)"]
        self.lines += [
            "def encode_record(items):",
            "    if items.__class__ is not dict or not items: raise Fallback",
            *head,
            "        if out is None:  # not in UAP order",
            "            out = encode_in_order(items, sorted(items.items(), key=lambda kv: E[kv[0]][0] if kv[0] in E else -1), E)",
            "    except Fallback:",
            "        raise",
            "    except Exception:  # a value of a shape the encoders do not expect (a missing key...)",
            "        raise Fallback from None",
            *(["    SEEN(keys)"] if straight else []),
            "    return out",
            "",
        ]
        if cat.select is not None:
            self.ns["_uap_name"] = _uap_chooser(cat)
        src = _header(cat, "encoder") + "\n".join(self.lines) + "\n"
        name = _register(src, f"<radarbench encode CAT{cat.number:03d} {cat.edition}>")
        exec(compile(src, name, "exec"), self.ns)
        self.resolve_tables()
        self.ns["FINISH"] = tuple(
            (sum(1 << (8 * (k - 1 - j)) for j in range(i // 7)), 8 * (k - 1 - i // 7), i // 7 + 1) for i in range(7 * k))
        by_uap = {}
        for uname, rows in tables.items():
            entries: dict[str, tuple] = {}
            frn_of = {}
            for i, t in enumerate(rows):
                if t is None:
                    continue
                bit = 1 << (8 * (k - 1 - i // 7) + 7 - i % 7)
                if t[1] is None:
                    entries["RFS"] = (i, bit, _rfs_encoder(self.ns["encode_rfs"], frn_of))
                else:
                    f = self.ns[t[1]]
                    entries[t[0]] = (i, bit, f)
                    frn_of[t[0]] = (i + 1, f)
            by_uap[uname] = entries
        self.ns["BY_UAP"] = by_uap
        self.ns["ITEMS"] = by_uap[cat.default_uap]
        if straight:
            shapes = _ShapeEncoders(self, tables[cat.default_uap], k)
            self.ns["SHAPES"] = shapes.made
            self.ns["SEEN"] = shapes.seen
        return src, self.ns["encode_record"]


# A shape function's fixed-size write, at the top level of the function
_WRITE = re.compile(r"^    out \+= (.+)\.to_bytes\((\d+), 'big'\)$")
_CONTINUED = re.compile(r"^    (else\b|elif\b|except\b|finally\b)")
_USES_OUT = re.compile(r"\bout\b")
# struct codes and the expressions over a value ({}) that write it on n octets, big-endian
_PACK_PARTS: dict[int, tuple[tuple[str, str], ...]] = {
    1: (("B", "{}"),), 2: (("H", "{}"),), 3: (("B", "{} >> 16"), ("H", "{} & 65535")),
    4: (("I", "{}"),), 5: (("B", "{} >> 32"), ("I", "{} & 4294967295")),
    6: (("H", "{} >> 32"), ("I", "{} & 4294967295")),
    7: (("B", "{} >> 48"), ("H", "{} >> 32 & 65535"), ("I", "{} & 4294967295")), 8: (("Q", "{}"),),
}


class _ShapeEncoders:
    """Record encoders made for one set of items, in UAP order (a record's "shape").

    A radar sends records of a few shapes over and over; for one encoded ``AFTER`` times the
    straight-line way this makes a function (about 1 ms of compiling) that takes the values
    in one unpacking, starts from the FSPEC as a constant, and encodes each item in line: no
    per-slot lookup, no FSPEC arithmetic. At most ``MAX_MADE`` are made and ``MAX_SEEN``
    shapes counted per edition (records of other shapes go the straight-line way). Each
    function's source is registered under ``<radarbench encode CATnnn ED shape N>`` for
    tracebacks and profilers, and kept in ``sources`` by shape.

    (Made for the decoder the same way, by FSPEC, such functions gained nothing measurable:
    a presence test costs little beside an item's decoding.)
    """

    AFTER = 4
    MAX_MADE = 256
    MAX_SEEN = 4096

    def __init__(self, gen: _EncGen, rows: tuple, k: int) -> None:
        self.ns = gen.ns
        self.bodies = gen.bodies
        self.record_arg = gen.record_arg
        self.label = f"encode CAT{gen.cat.number:03d} {gen.cat.edition}"
        self.k = k
        self.slots = {t[0]: (i, t[1]) for i, t in enumerate(rows) if t is not None}
        self.made: dict[tuple, Callable] = {}
        self.sources: dict[tuple, str] = {}
        self.count: dict[tuple, int] = {}

    def seen(self, keys: tuple) -> None:
        """Called after a record of items ``keys`` was encoded the straight-line way."""
        n = self.count.get(keys, 0) + 1
        if n < self.AFTER:
            if n > 1 or len(self.count) < self.MAX_SEEN:
                self.count[keys] = n
            return
        del self.count[keys]
        if len(self.made) < self.MAX_MADE:
            f = self.make(keys)
            if f is not None:
                self.made[keys] = f

    def compile(self, keys: tuple, src: str, fname: str) -> Callable:
        """Function ``fname`` of ``src``, run in the edition's namespace."""
        name = _register(src, f"<radarbench {self.label} shape {len(self.made) + 1}>")
        local: dict[str, Any] = {}
        exec(compile(src, name, "exec"), self.ns, local)
        self.sources[keys] = src
        return local[fname]

    def make(self, keys: tuple) -> Callable | None:
        """The encoder of records with exactly ``keys`` in UAP order; None if they are not."""
        at = [self.slots.get(key) for key in keys]
        if None in at or any(a[0] >= b[0] for a, b in zip(at, at[1:])):
            return None
        k = self.k
        fs = sum(1 << (8 * (k - 1 - i // 7) + 7 - i % 7) for i, _ in at)
        last = at[-1][0]
        more = sum(1 << (8 * (k - 1 - j)) for j in range(last // 7))   # FX bits before the last octet
        fspec = ((fs | more) >> (8 * (k - 1 - last // 7))).to_bytes(last // 7 + 1, "big")
        names = [f"i{j}" for j in range(len(keys))]
        body = [f"    {', '.join(names)}, = items.values()", f"    out = bytearray({fspec!r})"]
        for name, (_, fn) in zip(names, at):
            if fn in self.bodies and not self.record_arg:
                body.append(f"    v = {name}")
                body += ["    " + ln for ln in self.bodies[fn]]
            else:
                body.append(f"    {fn}({name}, out, items)" if self.record_arg else f"    {fn}({name}, out)")
        body.append("    return bytes(out)")
        body = body[:2] + self.packed(body[2:])
        src = f"# items {', '.join(keys)}\ndef encode_shape(items):\n" + "\n".join(body) + "\n"
        return self.compile(keys, src, "encode_shape")

    def packed(self, lines: list[str]) -> list[str]:
        """``lines`` (a shape function's statements) with each run of its fixed-size writes,
        ``out += X.to_bytes(n, 'big')``, made one ``struct`` pack: each ``X`` is still
        evaluated where it was (into a variable of its own), and the run goes into ``out``
        before the first statement that uses ``out`` otherwise. A ``to_bytes`` and a
        bytearray append cost ~55 ns a write; one pack of 15 values ~125 ns against ~800.
        Values out of a field's range fail either way (OverflowError, struct.error): the
        caller falls back to the reference, which says what is wrong."""
        out: list[str] = []
        run: list[tuple[str, int]] = []   # (variable, octets) written since the last flush
        made = 0

        def flush() -> None:
            if not run:
                return
            fmt, args = ">", []
            for var, n in run:
                for code, expr in _PACK_PARTS[n]:
                    fmt += code
                    args.append(expr.format(var))
            name = f"PACK_{fmt[1:]}"
            if name not in self.ns:
                self.ns[name] = struct.Struct(fmt).pack
            out.append(f"    out += {name}({', '.join(args)})")
            run.clear()

        i = 0
        while i < len(lines):
            line = lines[i]
            m = _WRITE.match(line)
            if m is not None and int(m.group(2)) in _PACK_PARTS:
                made += 1
                var = f"w_{made}"
                out.append(f"    {var} = {m.group(1)}")
                run.append((var, int(m.group(2))))
                i += 1
                continue
            # the statement and what belongs to it: deeper lines, and else/elif/except/finally
            j = i + 1
            while j < len(lines) and (lines[j].startswith("     ") or _CONTINUED.match(lines[j])):
                j += 1
            if any(_USES_OUT.search(ln) for ln in lines[i:j]):
                flush()
            out += lines[i:j]
            i = j
        flush()
        return out


def _rfs_encoder(encode_rfs: Callable, frn_of: dict) -> Callable:
    def enc(v: Any, out: bytearray, R: Any = None) -> None:
        encode_rfs(v, out, frn_of, R)
    return enc


def _uap_chooser(category: S.Category) -> Callable[[dict], str]:
    """The UAP name for a record's items, as the reference chooses it (Fallback where the
    reference raises, so that it gives the error)."""
    sel = category.select
    key, default = sel.item, sel.default

    def choose(items: dict) -> str:
        if key not in items:
            if default is None:
                raise Fallback
            return default
        name = sel.choose(items[key])
        if name is None:
            raise Fallback
        return name
    return choose


def generate_encoder(category: S.Category) -> tuple[str, RecordEncoder]:
    """Source and record encoder for ``category``: ``encoder(items) -> bytes`` (FSPEC + items).

    Raises :class:`Fallback` for any value it does not take; see the note above.
    """
    return _EncGen(category).build()


# =========================================================================== reading it


def source(category: int, edition: str | None = None, *, encoder: bool = False) -> str:
    """The generated source of a category edition's decoder (``encoder=True``: its encoder),
    the default edition when none is given; KeyError if there is no such edition.

    It is the code that runs: the same text is compiled under the name tracebacks show
    (``<radarbench CAT048 1.32>``, ``<radarbench encode CAT048 1.32>``) and registered in
    :mod:`linecache`, so tracebacks, pdb and profilers show its lines.
    """
    from radarbench.codecs.asterix import editions

    spec = editions.load(category, edition or editions.DEFAULT_EDITIONS[category])
    return (generate_encoder(spec) if encoder else generate(spec))[0]


def main(argv: list[str] | None = None) -> int:
    """``python -m radarbench.codecs.asterix.codegen CAT [EDITION] [--encoder]``: print the source."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m radarbench.codecs.asterix.codegen",
                                 description="Print the Python source generated for a category edition.")
    ap.add_argument("category", type=int, help="category number, e.g. 48")
    ap.add_argument("edition", nargs="?", help="edition, e.g. 1.32 (default: the newest)")
    ap.add_argument("--encoder", action="store_true", help="the encoder's source instead of the decoder's")
    args = ap.parse_args(argv)
    try:
        text = source(args.category, args.edition, encoder=args.encoder)
    except KeyError:
        ap.error(f"no declaration of CAT{args.category:03d}" + (f" edition {args.edition}" if args.edition else ""))
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
