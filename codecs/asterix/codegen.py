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

from typing import Any, Callable

from radarbench.codecs.asterix import spec as S
from radarbench.codecs.asterix.errors import EMPTY_RECORD, DecodeError

# Set bits of a FSPEC octet (FX excluded), as 0-based positions within its 7 FRNs.
BITS7: tuple[tuple[int, ...], ...] = tuple(
    tuple(k for k in range(7) if octet & (0x80 >> k)) for octet in range(256)
)

# Set bits of a fixed primary subfield octet (8 presence bits, no FX), 0-based.
BITS8: tuple[tuple[int, ...], ...] = tuple(
    tuple(k for k in range(8) if octet & (0x80 >> k)) for octet in range(256)
)

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


def _bad(cat: int, item: str, p: int, reason: str) -> DecodeError:
    return DecodeError(reason, category=cat, item=item, offset=p)


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


class _Gen(_Source):
    """Writes the source of one category edition's decoders."""

    def __init__(self, category: S.Category) -> None:
        super().__init__(category, {
            "_short": _short, "_spare": _spare, "_bad": _bad, "EMPTY_RECORD": EMPTY_RECORD, "BITS7": BITS7, "BITS8": BITS8,
            "CAT": category.number, "DecodeError": DecodeError, "_lookup": _lookup,
            "_expfail": _expansion_failure,
        })
        self.record_arg = needs_record(category)
        self.R = ", R" if self.record_arg else ""

    def dep_key(self, dep: S.Depends, path: tuple[str, ...], local: dict[str, str], R: str = "R") -> list[str]:
        """Expressions of the dependency values of ``dep`` declared at ``path`` (its own name
        last), given the sibling expressions ``local``; "None" where a value is not there."""
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

    @staticmethod
    def read_int(n: int, at: str = "p") -> str:
        if n == 1:
            return f"b[{at}]"
        if n == 2:
            return f"(b[{at}] << 8 | b[{at} + 1])"
        return f"int.from_bytes(b[{at}:{at} + {n}], 'big')"

    def element_expr(self, node: S.Element, raw: str) -> str:
        bits = node.bits
        if isinstance(node, S.Quantity):
            base = f"(({raw}) ^ {1 << (bits - 1)}) - {1 << (bits - 1)}" if node.signed else raw
            return f"({base}) * {node.lsb!r}"
        if isinstance(node, S._StringElement):
            return f"{self.const(node.to_value, 'STR')}({raw})"
        if node.signed:
            return f"((({raw}) ^ {1 << (bits - 1)}) - {1 << (bits - 1)})"
        return raw

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
            return self.element_expr(node, raw)
        if isinstance(node, S.Group):
            parts = []
            local = {}
            o = off
            for fname, sub in node.fields:
                expr = self.fields(out, sub, o, total, item, var,
                                   path + (fname,) if fname is not None else path, local)
                if fname is not None:
                    if not expr.isidentifier():
                        tmp = self.name("x")
                        out.append(f"{tmp} = {expr}")
                        expr = tmp
                    local[fname] = expr
                    parts.append(f"{fname!r}: {expr}")
                o += sub.bits
            return "{" + ", ".join(parts) + "}"
        if isinstance(node, S.Depends):
            keys = self.dep_key(node, path, local or {})
            tmp = self.name("x")
            if node.paths is None:
                # the older single-sibling form: compare the sibling itself, case by case
                sel, conds = keys[0], [(f"{keys[0]} == {k[0]!r}", c) for k, c in node.keyed.items()]
            else:
                sel = self.name("k")
                out.append(f"{sel} = {keys[0]}" if len(keys) == 1 else f"{sel} = ({', '.join(keys)})")
                conds = [(f"{sel} == {(k[0] if len(keys) == 1 else k)!r}", c) for k, c in node.keyed.items()]
            first = True
            for cond, case in conds + [(None, node.default)]:
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

    # ---------------------------------------------------------------- variations
    def variation(self, node: Any, item: str) -> str:
        """Emit a function that decodes ``node``; return its name."""
        fn = self.name("d")
        body: list[str] = []
        if getattr(node, "bitlevel", False):
            n = node.bits // 8
            body += [
                f"q = p + {n}",
                f"if q > e: raise _short(CAT, {item!r}, p, {n}, e)",
                f"v = {self.read_int(n)}",
            ]
            expr = self.fields(body, node, 0, node.bits, item)
            body.append(f"return {expr}, q")
        elif isinstance(node, S.Extended):
            body.append("d = {}")
            indent = ""
            nparts = len(node.parts)
            for i, part in enumerate(node.parts):
                n = node.part_octets(i)
                has_fx = node.fx_last or i < nparts - 1
                total = n * 8
                body += [
                    f"{indent}q = p + {n}",
                    f"{indent}if q > e: raise _short(CAT, {item!r}, p, {n}, e)",
                    f"{indent}v = {self.read_int(n)}",
                ]
                stmts: list[str] = []
                grp = S.Group.__new__(S.Group)  # a view of the part as a group, for fields()
                grp.fields, grp.bits = part, sum(s.bits for _, s in part)
                expr = self.fields(stmts, grp, 0, total, item)
                body += [indent + s for s in stmts]
                body.append(f"{indent}d.update({expr})")
                body.append(f"{indent}p = q")
                if not has_fx:
                    break
                if i == nparts - 1:
                    body.append(f"{indent}if v & 1: raise _bad(CAT, {item!r}, p - 1, "
                                f"'FX bit set in the last octet the specification defines')")
                else:
                    body.append(f"{indent}if v & 1:")
                    indent += "    "
            body.append("return d, p")
        elif isinstance(node, S.Repetitive):
            r = node.rep
            body += [
                f"if p + {r} > e: raise _short(CAT, {item!r}, p, {r}, e)",
                f"c = {self.read_int(r)}",
                f"p += {r}",
                "out = []",
            ]
            sub = node.sub
            if getattr(sub, "bitlevel", False):
                n = sub.bits // 8
                body += [
                    f"if p + c * {n} > e: raise _short(CAT, {item!r}, p, c * {n}, e)",
                    "for _ in range(c):",
                    f"    v = {self.read_int(n)}",
                ]
                stmts = []
                expr = self.fields(stmts, sub, 0, sub.bits, item)
                body += ["    " + s for s in stmts]
                body += [f"    out.append({expr})", f"    p += {n}"]
            else:
                subfn = self.variation(sub, item)
                body += ["for _ in range(c):", f"    x, p = {subfn}(b, p, e, W{self.R})", "    out.append(x)"]
            body.append("return out, p")
        elif isinstance(node, S.RepetitiveFX):
            sub = node.sub
            n = (sub.bits + 1) // 8
            body += [
                "out = []",
                "while True:",
                f"    q = p + {n}",
                f"    if q > e: raise _short(CAT, {item!r}, p, {n}, e)",
                f"    v = {self.read_int(n)}",
            ]
            stmts = []
            expr = self.fields(stmts, sub, 0, n * 8, item)
            body += ["    " + s for s in stmts]
            body += [f"    out.append({expr})", "    p = q", "    if not v & 1: return out, p"]
        elif isinstance(node, S.Compound):
            table = []
            for sub in node.subitems:
                if sub is None:
                    table.append(None)
                else:
                    sname, snode = sub
                    table.append((sname, self.variation(snode, f"{item}/{sname}")))  # name, resolved after exec
            tname = self.const(tuple(table), "SUBS")
            if node.fspec_octets is None:
                body += [
                    "present = []",
                    "i = 0",
                    "while True:",
                    f"    if p >= e: raise _short(CAT, {item!r}, p, 1, e)",
                    "    o = b[p]",
                    "    p += 1",
                    "    for k in BITS7[o]: present.append(i + k)",
                    "    i += 7",
                    "    if not o & 1: break",
                ]
            else:
                n = node.fspec_octets
                body += [
                    f"if p + {n} > e: raise _short(CAT, {item!r}, p, {n}, e)",
                    "present = []",
                    f"for j in range({n}):",
                    "    for k in BITS8[b[p + j]]: present.append(8 * j + k)",
                    f"p += {n}",
                ]
            body += [
                "d = {}",
                "for idx in present:",
                f"    ent = {tname}[idx] if idx < {len(table)} else None",
                f"    if ent is None: raise _bad(CAT, {item!r}, p, "
                f"'primary subfield bit %d is set but names no sub-item' % (idx + 1))",
                f"    d[ent[0]], p = ent[1](b, p, e, W{self.R})",
                "return d, p",
            ]
        elif isinstance(node, S.Explicit):
            body += [
                f"if p >= e: raise _short(CAT, {item!r}, p, 1, e)",
                "n = b[p]",
                f"if n < 1: raise _bad(CAT, {item!r}, p, 'explicit length octet is 0; it counts itself, so at least 1')",
                "q = p + n",
                f"if q > e: raise _short(CAT, {item!r}, p, n, e)",
            ]
            if node.expansion is None:
                body.append("return b[p + 1:q].hex(), q")
            else:
                exp = node.expansion
                efn = self.variation(exp.compound, item)
                ek = self.const(exp, "EXP")
                body += [
                    "X = None if W is None else []",
                    "try:",
                    f"    x, r = {efn}(b, p + 1, q, X{self.R})",
                    f"    if r != q: raise _bad(CAT, {item!r}, r, '%d octet(s) left over' % (q - r))",
                    "except DecodeError as exc:",
                    f"    return _expfail(exc, W, CAT, {item!r}, p, {ek}, b[p + 1:q]), q",
                    "if X: W.extend(X)",
                    "return x, q",
                ]
        else:
            raise TypeError(f"item {item}: no code generator for {node!r}")
        self.lines.append(f"def {fn}(b, p, e, W{self.R}):")
        self.lines += ["    " + ln for ln in body]
        self.lines.append("")
        return fn

    # ---------------------------------------------------------------- record
    def record(self) -> None:
        cat = self.cat
        uap_tables = {}
        fns: dict[int, str] = {}
        for uname, uap in cat.uaps.items():
            table = []
            for it in uap:
                if it is None:
                    table.append(None)
                elif isinstance(it, S.Rfs):
                    table.append(("RFS", None))  # bound to this UAP's table after exec
                else:
                    if id(it) not in fns:
                        fns[id(it)] = self.variation(it.variation, it.key)
                    table.append((it.key, fns[id(it)]))
            uap_tables[uname] = tuple(table)
        self.uap_tables = uap_tables
        sel = cat.select
        call = "ent[1](b, p, e, W, items)" if self.record_arg else "ent[1](b, p, e, W)"
        if cat.has_rfs:
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
        self.lines += [
            "def decode_record(b, p, e, W):",
        ]
        if sel is not None and sel.default is None:
            self.lines.append("    p0 = p")
        self.lines += [
            "    fs = []",
            "    i = 0",
            "    while True:",
            "        if p >= e: raise _short(CAT, 'FSPEC', p, 1, e)",
            "        o = b[p]",
            "        p += 1",
            "        if o & 254:",
            "            for k in BITS7[o]: fs.append(i + k)",
            "        i += 7",
            "        if not o & 1: break",
            "    if not fs:",
            "        if W is None: raise _bad(CAT, 'FSPEC', p - 1, 'FSPEC announces no item')",
            "        W.append('CAT%03d item FSPEC at byte offset %d: %s' % (CAT, p - 1, EMPTY_RECORD))",
            "        return {}, p",
        ]
        if sel is not None:
            self.ns["SELECT"] = sel
            if sel.default is None:
                self.lines.append(f"    if {cat.select_index} not in fs: raise _bad(CAT, 'FSPEC', p0, "
                                  f"{sel.absent(cat.number)!r})")
        self.lines += [
            "    items = {}",
            f"    uap = UAPS[{cat.default_uap!r}]",
            "    for idx in fs:",
            "        ent = uap[idx] if idx < len(uap) else None",
            "        if ent is None:",
            "            raise _bad(CAT, 'FSPEC', p, 'FSPEC sets FRN %d, which the UAP does not define' % (idx + 1))",
        ]
        if sel is None:
            self.lines.append(f"        items[ent[0]], p = {call}")
        else:
            self.lines += [
                f"        if idx == {cat.select_index}:",
                "            at = p",
                f"            items[ent[0]], p = {call}",
                "            x = items[ent[0]]",
                "            u = SELECT.choose(x)",
                f"            if u is None: raise _bad(CAT, {sel.label!r}, at, SELECT.no_fit(CAT, x))",
                "            uap = UAPS[u]",
                "        else:",
                f"            items[ent[0]], p = {call}",
            ]
        self.lines += ["    return items, p", ""]

    def build(self) -> tuple[str, RecordDecoder]:
        self.record()
        src = "\n".join(self.lines)
        code = compile(src, f"<radarbench CAT{self.cat.number:03d} {self.cat.edition}>", "exec")
        exec(code, self.ns)
        self.resolve_tables()
        uaps: dict[str, tuple] = {}
        for uname, table in self.uap_tables.items():
            rows: list = [None if t is None or t[1] is None else (t[0], self.ns[t[1]]) for t in table]
            for i, t in enumerate(table):
                if t is not None and t[1] is None:
                    rows[i] = ("RFS", _rfs_decoder(self.ns["decode_rfs"], rows))
            uaps[uname] = tuple(rows)
        self.ns["UAPS"] = uaps
        return src, self.ns["decode_record"]


def _rfs_decoder(decode_rfs: Callable, table: list) -> Callable:
    """The RFS slot of one UAP: its FRNs name items of that UAP (``table``, completed later)."""
    def dec(b: bytes, p: int, e: int, W: Any, R: Any = None) -> Any:
        return decode_rfs(b, p, e, W, table, R)
    return dec


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


class _EncGen(_Source):
    """Writes the source of one category edition's encoders."""

    def __init__(self, category: S.Category) -> None:
        super().__init__(category, {"Fallback": Fallback, "_lookup": _lookup})
        self.record_arg = needs_record(category)
        self.R = ", R" if self.record_arg else ""

    def raw_of(self, out: list[str], node: Any, val: str) -> str:
        """Statements checking ``val`` for element ``node``; returns the raw-integer expression."""
        r = self.name("r")
        bits = node.bits
        if isinstance(node, S.Quantity):
            out.append(f"if {val}.__class__ is not int and {val}.__class__ is not float: raise Fallback")
            out.append(f"{r} = round({val} / {node.lsb!r})")
        elif isinstance(node, S._StringElement):
            out.append(f"{r} = {self.const(node.from_value, 'STR')}({val}, '')")
            return r
        else:
            out.append(f"if {val}.__class__ is not int: raise Fallback")
            out.append(f"{r} = {val}")
        if node.signed:
            h = 1 << (bits - 1)
            out.append(f"if not {-h} <= {r} < {h}: raise Fallback")
            return f"({r} & {(1 << bits) - 1})"
        out.append(f"if not 0 <= {r} < {1 << bits}: raise Fallback")
        return r

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
            keys = _Gen.dep_key(self, node, path, local or {})
            if node.paths is None:
                sel, conds = keys[0], [(f"{keys[0]} == {k[0]!r}", c) for k, c in node.keyed.items()]
            else:
                sel = self.name("k")
                out.append(f"{sel} = {keys[0]}" if len(keys) == 1 else f"{sel} = ({', '.join(keys)})")
                conds = [(f"{sel} == {(k[0] if len(keys) == 1 else k)!r}", c) for k, c in node.keyed.items()]
            first = True
            for cond, case in conds + [(None, node.default)]:
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

    def variation(self, node: Any, path: tuple[str, ...] = ()) -> str:
        fn = self.name("e")
        body: list[str] = []
        if getattr(node, "bitlevel", False):
            body.append("a = 0")
            self.pack(body, node, "v", "a", path)
            body.append(f"out += a.to_bytes({node.bits // 8}, 'big')")
        elif isinstance(node, S.Extended):
            body.append("if v.__class__ is not dict: raise Fallback")
            nparts = len(node.parts)
            conds = []
            for i in range(nparts - 1, 0, -1):
                names = node.names[i]
                conds.append((i, " or ".join(f"{n!r} in v" for n in names) or "False"))
            first = True
            for i, cond in conds:
                body.append(f"{'if' if first else 'elif'} {cond}: last = {i}")
                first = False
            body.append("else: last = 0" if conds else "last = 0")
            counts = [sum(len(node.names[j]) for j in range(i + 1)) for i in range(nparts)]
            body.append(f"if len(v) != {self.const(tuple(counts), 'CNT')}[last]: raise Fallback")
            for i, part in enumerate(node.parts):
                has_fx = node.fx_last or i < nparts - 1
                stmts: list[str] = ["a = 0"]
                local = {n: f"v.get({n!r})" for n in node.names[i]}
                for fname, sub in part:
                    if fname is None:
                        self.pack(stmts, sub, "None", "a", path, local)
                    else:
                        x = self.name("v")
                        stmts.append(f"{x} = v[{fname!r}]")
                        self.pack(stmts, sub, x, "a", path + (fname,), local)
                n = node.part_octets(i)
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
                stmts = ["a = 0"]
                self.pack(stmts, node.sub, "x", "a", path)
                stmts.append(f"out += a.to_bytes({node.sub.bits // 8}, 'big')")
                body.append("for x in v:")
                body += ["    " + s for s in stmts]
            else:
                body += ["for x in v:", f"    {sub}(x, out{self.R})"]
        elif isinstance(node, S.RepetitiveFX):
            n = (node.sub.bits + 1) // 8
            body.append("if v.__class__ is not list or not v: raise Fallback")
            body.append("k = len(v) - 1")
            stmts = ["a = 0"]
            self.pack(stmts, node.sub, "x", "a", path)
            stmts.append("a = (a << 1) | (1 if i < k else 0)")
            stmts.append(f"out += a.to_bytes({n}, 'big')")
            body.append("for i, x in enumerate(v):")
            body += ["    " + s for s in stmts]
        elif isinstance(node, S.Compound):
            subs = []
            for sub in node.subitems:
                subs.append(None if sub is None else (sub[0], self.variation(sub[1], path + (sub[0],))))
            body.append("if v.__class__ is not dict or not v: raise Fallback")
            body.append("frns = []")
            body.append("m = 0")
            for i, sub in enumerate(subs):
                if sub is None:
                    continue
                body.append(f"if {sub[0]!r} in v: frns.append({i}); m += 1")
            body.append("if m != len(v): raise Fallback")
            if node.fspec_octets is None:
                body.append("out += _fspec(frns)")
            else:
                body.append(f"out += _ffspec(frns, {node.fspec_octets})")
            body.append(f"fns = {self.const(tuple(subs), 'SUBS')}")
            body.append("for i in frns:")
            body.append("    name, f = fns[i]")
            body.append(f"    f(v[name], out{self.R})")
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
        call = "ent[1](items[ent[0]], out, items)" if self.record_arg else "ent[1](items[ent[0]], out)"
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
        lines = ["def encode_record(items):",
                 "    if items.__class__ is not dict or not items: raise Fallback"]
        if cat.select is not None:
            self.ns["_uap_name"] = _uap_chooser(cat)
            lines.append("    ENTRIES = BY_UAP[_uap_name(items)]")
        lines += [
            "    out = bytearray()",
            "    frns = []",
            "    for i, ent in ENTRIES:",
            "        if ent[0] in items:",
            "            frns.append(i)",
            f"            {call}",
            "    if len(frns) != len(items): raise Fallback",
            "    return _fspec(frns) + out",
            "",
        ]
        self.lines += lines
        src = "\n".join(self.lines)
        exec(compile(src, f"<radarbench encode CAT{cat.number:03d} {cat.edition}>", "exec"), self.ns)
        self.resolve_tables()
        by_uap = {}
        for uname, rows in tables.items():
            entries = []
            frn_of = {}
            for i, t in enumerate(rows):
                if t is None:
                    continue
                if t[1] is None:
                    entries.append((i, ("RFS", _rfs_encoder(self.ns["encode_rfs"], frn_of))))
                else:
                    f = self.ns[t[1]]
                    entries.append((i, (t[0], f)))
                    frn_of[t[0]] = (i + 1, f)
            by_uap[uname] = tuple(entries)
        self.ns["BY_UAP"] = by_uap
        self.ns["ENTRIES"] = by_uap[cat.default_uap]
        return src, self.ns["encode_record"]


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
