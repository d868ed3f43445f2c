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
from radarbench.codecs.asterix.errors import DecodeError

# Set bits of a FSPEC octet (FX excluded), as 0-based positions within its 7 FRNs.
BITS7: tuple[tuple[int, ...], ...] = tuple(
    tuple(k for k in range(7) if octet & (0x80 >> k)) for octet in range(256)
)

RecordDecoder = Callable[[bytes, int, int, Any], "tuple[dict[str, Any], int]"]


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
            "_short": _short, "_spare": _spare, "_bad": _bad, "BITS7": BITS7,
            "CAT": category.number, "DecodeError": DecodeError,
        })

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

    def fields(self, out: list[str], node: Any, off: int, total: int, item: str, var: str = "v") -> str:
        """Emit statements for a bit-level node at bit offset ``off`` of a ``total``-bit value
        held in ``var``; return the expression of its value."""
        width = node.bits
        shift = total - off - width
        mask = (1 << width) - 1
        if shift:
            raw = f"({var} >> {shift}) & {mask}" if off else f"{var} >> {shift}"
        else:
            raw = f"{var} & {mask}" if off else var
        if isinstance(node, S.Spare):
            out.append(f"if {var} & {mask << shift}: _spare(W, CAT, {item!r}, p, ({raw}))")
            return ""
        if isinstance(node, S.Element):
            return self.element_expr(node, raw)
        if isinstance(node, S.Group):
            parts = []
            local: dict[str, str] = {}
            o = off
            for fname, sub in node.fields:
                if isinstance(sub, S.Depends):
                    tmp = self.name("x")
                    sel = local[sub.on]
                    first = True
                    for val, case in sub.cases.items():
                        kw = "if" if first else "elif"
                        out.append(f"{kw} {sel} == {val!r}: {tmp} = {self.fields_inline(case, o, total, var)}")
                        first = False
                    out.append(f"else: {tmp} = {self.fields_inline(sub.default, o, total, var)}")
                    expr = tmp
                else:
                    expr = self.fields(out, sub, o, total, item, var)
                    if fname is not None:
                        tmp = self.name("x")
                        out.append(f"{tmp} = {expr}")
                        expr = tmp
                if fname is not None:
                    local[fname] = expr
                    parts.append(f"{fname!r}: {expr}")
                o += sub.bits
            return "{" + ", ".join(parts) + "}"
        if isinstance(node, S.Depends):
            raise TypeError(f"item {item}: Depends must sit inside a Group")
        raise TypeError(f"item {item}: cannot generate bit-level code for {node!r}")

    def fields_inline(self, node: S.Element, off: int, total: int, var: str) -> str:
        tmp: list[str] = []
        expr = self.fields(tmp, node, off, total, "?", var)
        assert not tmp
        return expr

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
                body += ["for _ in range(c):", f"    x, p = {subfn}(b, p, e, W)", "    out.append(x)"]
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
                "d = {}",
                "for idx in present:",
                f"    ent = {tname}[idx] if idx < {len(table)} else None",
                f"    if ent is None: raise _bad(CAT, {item!r}, p, "
                f"'primary subfield bit %d is set but names no sub-item' % (idx + 1))",
                "    d[ent[0]], p = ent[1](b, p, e, W)",
                "return d, p",
            ]
        elif isinstance(node, S.Explicit):
            body += [
                f"if p >= e: raise _short(CAT, {item!r}, p, 1, e)",
                "n = b[p]",
                f"if n < 1: raise _bad(CAT, {item!r}, p, 'explicit length octet is 0; it counts itself, so at least 1')",
                "q = p + n",
                f"if q > e: raise _short(CAT, {item!r}, p, n, e)",
                "return b[p + 1:q].hex(), q",
            ]
        else:
            raise TypeError(f"item {item}: no code generator for {node!r}")
        self.lines.append(f"def {fn}(b, p, e, W):")
        self.lines += ["    " + ln for ln in body]
        self.lines.append("")
        return fn

    # ---------------------------------------------------------------- record
    def record(self) -> None:
        cat = self.cat
        uap_tables = {}
        for uname, uap in cat.uaps.items():
            uap_tables[uname] = tuple(
                None if it is None else (it.key, self.variation(it.variation, it.key)) for it in uap
            )
        self.uap_tables = uap_tables
        multi = cat.select is not None
        self.lines += [
            "def decode_record(b, p, e, W):",
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
            "    if not fs: raise _bad(CAT, 'FSPEC', p - 1, 'FSPEC announces no item')",
            "    items = {}",
            f"    uap = UAPS[{cat.default_uap!r}]",
            "    for idx in fs:",
            "        ent = uap[idx] if idx < len(uap) else None",
            "        if ent is None:",
            "            raise _bad(CAT, 'FSPEC', p, 'FSPEC sets FRN %d, which the UAP does not define' % (idx + 1))",
            "        items[ent[0]], p = ent[1](b, p, e, W)",
        ]
        if multi:
            self.ns["SELECT"] = cat.select
            self.lines += [
                f"        if idx == {cat.select_index}: uap = UAPS[SELECT.choose(items[{cat.select.item!r}])]",
            ]
        self.lines += ["    return items, p", ""]

    def build(self) -> tuple[str, RecordDecoder]:
        self.record()
        src = "\n".join(self.lines)
        code = compile(src, f"<radarbench CAT{self.cat.number:03d} {self.cat.edition}>", "exec")
        exec(code, self.ns)
        self.resolve_tables()
        self.ns["UAPS"] = {
            uname: tuple(None if t is None else (t[0], self.ns[t[1]]) for t in table)
            for uname, table in self.uap_tables.items()
        }
        return src, self.ns["decode_record"]


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
        super().__init__(category, {"Fallback": Fallback})

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

    def pack(self, out: list[str], node: Any, val: str, acc: str) -> None:
        """Statements shifting the bits of ``node`` (value ``val``) into integer ``acc``."""
        if isinstance(node, S.Spare):
            out.append(f"{acc} <<= {node.bits}")
        elif isinstance(node, S.Element):
            raw = self.raw_of(out, node, val)
            out.append(f"{acc} = ({acc} << {node.bits}) | {raw}")
        elif isinstance(node, S.Group):
            self.group(out, node.fields, val, acc)
        else:
            raise TypeError(f"no bit-level encoder for {node!r}")

    def group(self, out: list[str], fields: list, val: str, acc: str) -> None:
        names = [n for n, _ in fields if n]
        out.append(f"if {val}.__class__ is not dict or len({val}) != {len(names)}: raise Fallback")
        for fname, sub in fields:
            if isinstance(sub, S.Depends):
                sel = f"{val}[{sub.on!r}]"
                v = self.name("v")
                out.append(f"{v} = {val}[{fname!r}]")
                first = True
                for case_val, case in list(sub.cases.items()) + [(None, sub.default)]:
                    stmts: list[str] = []
                    self.pack(stmts, case, v, acc)
                    head = "else:" if case_val is None else f"{'if' if first else 'elif'} {sel} == {case_val!r}:"
                    out.append(head)
                    out += ["    " + s for s in stmts]
                    first = False
            elif fname is None:
                self.pack(out, sub, "None", acc)
            else:
                v = self.name("v")
                out.append(f"{v} = {val}[{fname!r}]")
                self.pack(out, sub, v, acc)

    def variation(self, node: Any) -> str:
        fn = self.name("e")
        body: list[str] = []
        if getattr(node, "bitlevel", False):
            body.append("a = 0")
            self.pack(body, node, "v", "a")
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
                for fname, sub in part:
                    if isinstance(sub, S.Depends):
                        raise TypeError("Depends inside an Extended part is not supported by the encoder generator")
                    if fname is None:
                        self.pack(stmts, sub, "None", "a")
                    else:
                        x = self.name("v")
                        stmts.append(f"{x} = v[{fname!r}]")
                        self.pack(stmts, sub, x, "a")
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
            sub = self.variation(node.sub) if not getattr(node.sub, "bitlevel", False) else None
            body.append(f"if v.__class__ is not list or len(v) >= {1 << (8 * node.rep)}: raise Fallback")
            body.append(f"out += len(v).to_bytes({node.rep}, 'big')")
            if sub is None:
                stmts = ["a = 0"]
                self.pack(stmts, node.sub, "x", "a")
                stmts.append(f"out += a.to_bytes({node.sub.bits // 8}, 'big')")
                body.append("for x in v:")
                body += ["    " + s for s in stmts]
            else:
                body += ["for x in v:", f"    {sub}(x, out)"]
        elif isinstance(node, S.RepetitiveFX):
            n = (node.sub.bits + 1) // 8
            body.append("if v.__class__ is not list or not v: raise Fallback")
            body.append("k = len(v) - 1")
            stmts = ["a = 0"]
            self.pack(stmts, node.sub, "x", "a")
            stmts.append("a = (a << 1) | (1 if i < k else 0)")
            stmts.append(f"out += a.to_bytes({n}, 'big')")
            body.append("for i, x in enumerate(v):")
            body += ["    " + s for s in stmts]
        elif isinstance(node, S.Compound):
            subs = []
            for sub in node.subitems:
                subs.append(None if sub is None else (sub[0], self.variation(sub[1])))
            body.append("if v.__class__ is not dict or not v: raise Fallback")
            body.append("frns = []")
            body.append("m = 0")
            for i, sub in enumerate(subs):
                if sub is None:
                    continue
                body.append(f"if {sub[0]!r} in v: frns.append({i}); m += 1")
            body.append("if m != len(v): raise Fallback")
            body.append("out += _fspec(frns)")
            body.append(f"fns = {self.const(tuple(subs), 'SUBS')}")
            body.append("for i in frns:")
            body.append("    name, f = fns[i]")
            body.append("    f(v[name], out)")
        elif isinstance(node, S.Explicit):
            body += [
                "if v.__class__ is not str: raise Fallback",
                "d = bytes.fromhex(v)",
                "if len(d) > 254: raise Fallback",
                "out.append(len(d) + 1)",
                "out += d",
            ]
        else:
            raise TypeError(f"no encoder generator for {node!r}")
        self.lines.append(f"def {fn}(v, out):")
        self.lines += ["    " + ln for ln in body]
        self.lines.append("")
        return fn

    def build(self) -> tuple[str, RecordEncoder]:
        cat = self.cat
        self.ns["_fspec"] = S.fspec_bytes
        if cat.select is not None:
            # Several UAPs: the reference chooses; not worth a second generated path yet.
            def enc(items: dict) -> bytes:
                raise Fallback
            return "", enc
        table = tuple(None if it is None else (it.key, self.variation(it.variation)) for it in cat.uap)
        self.lines += [
            "def encode_record(items):",
            "    if items.__class__ is not dict or not items: raise Fallback",
            "    out = bytearray()",
            "    frns = []",
            "    for i, ent in ENTRIES:",
            "        if ent[0] in items:",
            "            frns.append(i)",
            "            ent[1](items[ent[0]], out)",
            "    if len(frns) != len(items): raise Fallback",
            "    return _fspec(frns) + out",
            "",
        ]
        src = "\n".join(self.lines)
        exec(compile(src, f"<radarbench encode CAT{cat.number:03d} {cat.edition}>", "exec"), self.ns)
        self.resolve_tables()
        self.ns["ENTRIES"] = tuple((i, (t[0], self.ns[t[1]])) for i, t in enumerate(table) if t is not None)
        return src, self.ns["encode_record"]


def generate_encoder(category: S.Category) -> tuple[str, RecordEncoder]:
    """Source and record encoder for ``category``: ``encoder(items) -> bytes`` (FSPEC + items).

    Raises :class:`Fallback` for any value it does not take; see the note above.
    """
    return _EncGen(category).build()
