"""A reader of the asterix-specs ``.ast`` format: one category edition (or REF expansion) a file.

    from radarbench.codecs.asterix.astfile import read
    spec = read("specs/cat048/cat-1.32.ast")      # AstCategory (or AstRef for ref-*.ast)
    spec.items[0].name, spec.items[0].variation   # "010", Group(...)

The format is indented text (the structure is described in asterix-specs
``website/templates/struct.md``): a header (``asterix 048 "title"`` or ``ref 048 "title"``,
``edition``, ``date``), the items, then the UAP. Each node's children are the lines indented
below it. Prose blocks (``preamble``, ``definition``, ``description``, ``remark``) are skipped
whatever they hold: they are the specification's wording, not its structure.

Everything else is read into the small frozen dataclasses below. A number (an LSB or a
constraint) keeps its text as written (``180/2^25``) beside its exact value (a Fraction).
A malformed file raises :class:`AstError` naming ``file:line`` and what was expected there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Union

__all__ = [
    "AstError", "Number", "Constraint",
    "Raw", "Table", "Integer", "Quantity", "String", "Bds", "ContentCase", "Content",
    "Element", "Group", "Extended", "Repetitive", "Explicit", "Compound", "VariationCase",
    "Variation", "Item", "Spare", "Uap", "Uaps", "AstCategory", "AstRef",
    "read", "parse", "Rfs", "RFS",
]

PROSE = frozenset({"preamble", "definition", "description", "remark"})


class AstError(ValueError):
    """A file that does not follow the .ast format: ``path:line: what was expected``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


# --------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class Number:
    """An exact number as the specification writes it: ``1/2^7``, ``360/2^16``, ``25``, ``-90``."""

    text: str
    value: Fraction

    def python(self) -> str:
        """The same number as a Python expression (``^`` -> ``**``)."""
        return self.text.replace("^", "**")


_TERM = r"\d+(?:\.\d+)?(?:\^-?\d+)?"
_NUMBER_RE = re.compile(rf"-?{_TERM}(?:/{_TERM})?")


def _term(text: str) -> Fraction:
    base, _, exp = text.partition("^")
    value = Fraction(base)
    return value ** int(exp) if exp else value


def parse_number(text: str) -> Number | None:
    """A Number from its text, or None if the text is not one."""
    if not _NUMBER_RE.fullmatch(text):
        return None
    neg = text.startswith("-")
    num, _, den = text.lstrip("-").partition("/")
    value = _term(num) / (_term(den) if den else 1)
    return Number(text, -value if neg else value)


@dataclass(frozen=True)
class Constraint:
    """A bound on a value: ``op`` one of ``>= > <= <``."""

    op: str
    bound: Number


# --------------------------------------------------------------------------- contents


@dataclass(frozen=True)
class Raw:
    """Bits without a particular meaning (identifiers, addresses)."""


@dataclass(frozen=True)
class Table:
    """An unsigned value with the specification's text for each listed value."""

    rows: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Integer:
    signed: bool
    constraints: tuple[Constraint, ...] = ()


@dataclass(frozen=True)
class Quantity:
    """value = raw * lsb, in ``unit`` (verbatim from the specification: ``"°"``, ``"NM"``)."""

    signed: bool
    lsb: Number
    unit: str
    constraints: tuple[Constraint, ...] = ()


@dataclass(frozen=True)
class String:
    kind: str  # "ascii", "icao" or "octal"


@dataclass(frozen=True)
class Bds:
    """A Mode S BDS register: ``address`` None (``bds``: the address is in the data, 64 bits),
    ``"?"`` (``bds ?``: unknown, 56 bits) or the register (``bds 30``, 56 bits)."""

    address: str | None = None


Path_ = tuple[str, ...]


@dataclass(frozen=True)
class ContentCase:
    """A content that depends on other values: ``on`` paths from the record root
    (``("380", "IAS", "IM")``); ``cases`` keys are tuples of ints, one per path."""

    on: tuple[Path_, ...]
    cases: tuple[tuple[tuple[int, ...], "Content"], ...]
    default: "Content | None" = None


Content = Union[Raw, Table, Integer, Quantity, String, Bds, ContentCase]


# --------------------------------------------------------------------------- variations


@dataclass(frozen=True)
class Element:
    bits: int
    content: Content


@dataclass(frozen=True)
class Spare:
    bits: int


@dataclass(frozen=True)
class Item:
    """A named (sub-)item: its name, title and variation; ``line`` where it starts."""

    name: str
    title: str
    variation: "Variation"
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Group:
    items: tuple[Item | Spare, ...]


@dataclass(frozen=True)
class Extended:
    """Parts chained by FX bits: a ``-`` in the file ends a part; a last part without ``-``
    has no FX bit (``fx_last`` False)."""

    parts: tuple[tuple[Item | Spare, ...], ...]
    fx_last: bool = True


@dataclass(frozen=True)
class Repetitive:
    """``rep`` octets of count (``repetitive N``), or None for ``repetitive fx``."""

    rep: int | None
    variation: "Variation"


@dataclass(frozen=True)
class Explicit:
    kind: str | None = None  # None, "sp" or "re"


@dataclass(frozen=True)
class Compound:
    """Sub-items in presence-bit order, None for an empty slot (``-``). ``fspec_octets``: the
    fixed FSPEC size of ``compound N`` (REF files), None for the FX-chained kind."""

    items: tuple[Item | None, ...]
    fspec_octets: int | None = None


@dataclass(frozen=True)
class VariationCase:
    """A variation that depends on other values (I004/120/CC/CPC); as :class:`ContentCase`."""

    on: tuple[Path_, ...]
    cases: tuple[tuple[tuple[int, ...], "Variation"], ...]
    default: "Variation | None" = None


Variation = Union[Element, Group, Extended, Repetitive, Explicit, Compound, VariationCase]


# --------------------------------------------------------------------------- files


class Rfs:
    """The ``rfs`` slot of a UAP (Random Field Sequencing)."""

    _instance: "Rfs | None" = None

    def __new__(cls) -> "Rfs":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "RFS"


RFS = Rfs()

UapSlot = Union[str, None, Rfs]  # item name, None for "-", RFS


@dataclass(frozen=True)
class Uap:
    slots: tuple[UapSlot, ...]


@dataclass(frozen=True)
class Uaps:
    """Several UAPs (``uaps``/``variations``) and the item value that selects one."""

    variations: tuple[tuple[str, tuple[UapSlot, ...]], ...]
    on: Path_
    cases: tuple[tuple[int, str], ...]
    default: str | None = None


@dataclass(frozen=True)
class AstCategory:
    number: int
    title: str
    edition: str
    date: str
    items: tuple[Item, ...]
    uap: Uap | Uaps
    path: str = field(default="", compare=False)

    @property
    def edition_key(self) -> tuple[int, int]:
        return _edition_key(self.edition)


@dataclass(frozen=True)
class AstRef:
    number: int
    title: str
    edition: str
    date: str
    compound: Compound
    path: str = field(default="", compare=False)

    @property
    def edition_key(self) -> tuple[int, int]:
        return _edition_key(self.edition)


def _edition_key(edition: str) -> tuple[int, int]:
    major, _, minor = edition.partition(".")
    return int(major), int(minor)


# --------------------------------------------------------------------------- lines -> tree


@dataclass
class _Node:
    line: int
    indent: int
    text: str
    children: list["_Node"] = field(default_factory=list)


def _tree(text: str, path: str) -> list[_Node]:
    """Lines into a tree by indentation (blank lines dropped). Tabs are refused: the format
    indents with spaces and a tab's width would be a guess."""
    root = _Node(0, -1, "")
    stack = [root]
    for no, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped:
            continue
        lead = raw[:len(raw) - len(raw.lstrip())]
        indent = len(lead.expandtabs(8))
        while stack[-1].indent >= indent:
            stack.pop()
        in_prose = any(n.text in PROSE for n in stack[1:])
        if "\t" in lead and not in_prose:
            raise AstError(path, no, "a tab in the indentation; expected spaces")
        node = _Node(no, indent, stripped)
        stack[-1].children.append(node)
        stack.append(node)  # in a prose block, deeper lines attach below it and are never read
    return root.children


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def err(self, node: _Node | int, message: str) -> AstError:
        return AstError(self.path, node if isinstance(node, int) else node.line, message)

    def kids(self, node: _Node, what: str) -> list[_Node]:
        """The children of ``node`` without prose blocks; all at one indentation."""
        kids = [c for c in node.children if c.text not in PROSE]
        if kids:
            first = kids[0].indent
            for c in kids[1:]:
                if c.indent != first:
                    raise self.err(c, f"indentation {c.indent} differs from its siblings' ({first}) in {what}")
        return kids

    # ----------------------------------------------------------------- numbers, paths

    def number(self, node: _Node, text: str) -> Number:
        n = parse_number(text)
        if n is None:
            raise self.err(node, f"expected a number (like 25, 1/10, 360/2^16), got {text!r}")
        return n

    def integer(self, node: _Node, text: str, what: str) -> int:
        if not re.fullmatch(r"\d+", text):
            raise self.err(node, f"expected {what} (a whole number), got {text!r}")
        return int(text)

    def constraints(self, node: _Node, words: list[str]) -> tuple[Constraint, ...]:
        if len(words) % 2:
            raise self.err(node, f"expected constraints as pairs like '>= 0 <= 360', got {' '.join(words)!r}")
        out = []
        for op, value in zip(words[::2], words[1::2]):
            if op not in (">=", ">", "<=", "<"):
                raise self.err(node, f"expected a constraint operator (>=, >, <=, <), got {op!r}")
            out.append(Constraint(op, self.number(node, value)))
        return tuple(out)

    def paths(self, node: _Node, text: str) -> tuple[Path_, ...]:
        """``380/IAS/IM`` or ``(000, 120/CC/TID)``."""
        text = text.strip()
        if text.startswith("("):
            if not text.endswith(")"):
                raise self.err(node, f"expected a closing ')' in {text!r}")
            parts = [p.strip() for p in text[1:-1].split(",")]
        else:
            parts = [text]
        out = []
        for p in parts:
            names = tuple(p.split("/"))
            if not p or not all(re.fullmatch(r"[A-Za-z0-9]+", n) for n in names):
                raise self.err(node, f"expected an item path like 380/IAS/IM, got {p!r}")
            out.append(names)
        return tuple(out)

    def case_key(self, node: _Node, text: str, n: int) -> tuple[int, ...] | None:
        """``5:`` or ``(5, 1):`` -> (5,) / (5, 1); ``default:`` -> None."""
        if not text.endswith(":"):
            raise self.err(node, f"expected a case like '0:', '(5, 1):' or 'default:', got {text!r}")
        key = text[:-1].strip()
        if key == "default":
            return None
        if key.startswith("(") and key.endswith(")"):
            values = [v.strip() for v in key[1:-1].split(",")]
        else:
            values = [key]
        if not all(re.fullmatch(r"\d+", v) for v in values):
            raise self.err(node, f"expected a case value (a whole number) or a tuple of them, got {key!r}")
        if len(values) != n:
            raise self.err(node, f"expected {n} value(s) in the case key, one per path, got {key!r}")
        return tuple(int(v) for v in values)

    # ----------------------------------------------------------------- contents

    def one_child(self, node: _Node, what: str) -> _Node:
        kids = self.kids(node, node.text)
        if len(kids) != 1:
            where = kids[1] if len(kids) > 1 else node
            raise self.err(where, f"expected exactly one {what} under {node.text!r}, got {len(kids)}")
        return kids[0]

    def content(self, node: _Node) -> Content:
        words = node.text.split()
        head = words[0]
        if head == "raw" and len(words) == 1:
            self.no_children(node)
            return Raw()
        if head == "table" and len(words) == 1:
            rows = []
            seen = set()
            for row in self.kids(node, "table"):
                m = re.fullmatch(r"(\d+):\s*(.*)", row.text)
                if not m or not m.group(2):
                    raise self.err(row, f"expected a table row 'VALUE: text', got {row.text!r}")
                value = int(m.group(1))
                if value in seen:
                    raise self.err(row, f"table value {value} listed twice")
                seen.add(value)
                rows.append((value, m.group(2)))
            if not rows:
                raise self.err(node, "expected table rows 'VALUE: text' under 'table'")
            return Table(tuple(rows))
        if head in ("unsigned", "signed") and len(words) >= 2:
            self.no_children(node)
            signed = head == "signed"
            if words[1] == "integer":
                return Integer(signed, self.constraints(node, words[2:]))
            if words[1] == "quantity":
                m = re.fullmatch(r'(?:un)?signed quantity (\S+) "([^"]*)"\s*(.*)', node.text)
                if not m:
                    raise self.err(node, f'expected \'{head} quantity LSB "unit" [constraints]\', got {node.text!r}')
                return Quantity(signed, self.number(node, m.group(1)), m.group(2),
                                self.constraints(node, m.group(3).split()))
            raise self.err(node, f"expected '{head} integer' or '{head} quantity', got {node.text!r}")
        if head == "string":
            self.no_children(node)
            if len(words) != 2 or words[1] not in ("ascii", "icao", "octal"):
                raise self.err(node, f"expected 'string ascii', 'string icao' or 'string octal', got {node.text!r}")
            return String(words[1])
        if head == "bds":
            self.no_children(node)
            if len(words) == 1:
                return Bds(None)
            if len(words) == 2 and (words[1] == "?" or re.fullmatch(r"[0-9A-Fa-f]{2}", words[1])):
                return Bds(words[1])
            raise self.err(node, f"expected 'bds', 'bds ?' or 'bds XX' (a register), got {node.text!r}")
        if head == "case":
            on, cases, default = self.cases(node, self.content)
            return ContentCase(on, cases, default)
        raise self.err(node, "expected a content (raw, table, unsigned/signed integer or quantity, "
                             f"string, bds, case), got {node.text!r}")

    def cases(self, node: _Node, sub):  # type: ignore[no-untyped-def]
        on = self.paths(node, node.text[len("case"):])
        cases = []
        default = None
        seen = set()
        for row in self.kids(node, "case"):
            key = self.case_key(row, row.text, len(on))
            value = sub(self.one_child(row, "declaration"))
            if key is None:
                if default is not None:
                    raise self.err(row, "a second 'default:'")
                default = value
            else:
                if key in seen:
                    raise self.err(row, f"case {key} listed twice")
                seen.add(key)
                cases.append((key, value))
        if not cases:
            raise self.err(node, "expected cases ('0:', '(5, 1):') under 'case'")
        return on, tuple(cases), default

    def no_children(self, node: _Node) -> None:
        kids = self.kids(node, node.text)
        if kids:
            raise self.err(kids[0], f"expected nothing under {node.text!r}, got {kids[0].text!r}")

    # ----------------------------------------------------------------- variations

    def variation(self, node: _Node) -> Variation:
        words = node.text.split()
        head = words[0]
        if head == "element":
            if len(words) != 2:
                raise self.err(node, f"expected 'element BITS', got {node.text!r}")
            bits = self.integer(node, words[1], "the element's size in bits")
            if bits < 1:
                raise self.err(node, "an element needs at least 1 bit")
            return Element(bits, self.content(self.one_child(node, "content")))
        if head == "group" and len(words) == 1:
            items = tuple(self.subitem(c, allow_spare=True) for c in self.kids(node, "group"))
            if not items:
                raise self.err(node, "expected sub-items under 'group'")
            return Group(items)  # type: ignore[arg-type]
        if head == "extended" and len(words) == 1:
            parts: list[tuple[Item | Spare, ...]] = []
            cur: list[Item | Spare] = []
            for c in self.kids(node, "extended"):
                if c.text == "-":
                    if not cur:
                        raise self.err(c, "an FX mark '-' with no sub-items before it")
                    parts.append(tuple(cur))
                    cur = []
                else:
                    cur.append(self.subitem(c, allow_spare=True))  # type: ignore[arg-type]
            fx_last = not cur
            if cur:
                parts.append(tuple(cur))
            if not parts:
                raise self.err(node, "expected sub-items under 'extended'")
            return Extended(tuple(parts), fx_last)
        if head == "repetitive":
            if len(words) != 2:
                raise self.err(node, f"expected 'repetitive OCTETS' or 'repetitive fx', got {node.text!r}")
            rep = None if words[1] == "fx" else self.integer(node, words[1], "the count's size in octets or 'fx'")
            return Repetitive(rep, self.variation(self.one_child(node, "variation")))
        if head == "explicit":
            if len(words) > 2 or (len(words) == 2 and words[1] not in ("sp", "re")):
                raise self.err(node, f"expected 'explicit', 'explicit sp' or 'explicit re', got {node.text!r}")
            self.no_children(node)
            return Explicit(words[1] if len(words) == 2 else None)
        if head == "compound":
            return self.compound(node, words)
        if head == "case":
            on, cases, default = self.cases(node, self.variation)
            return VariationCase(on, cases, default)
        raise self.err(node, "expected a variation (element, group, extended, repetitive, explicit, "
                             f"compound, case), got {node.text!r}")

    def compound(self, node: _Node, words: list[str]) -> Compound:
        if len(words) > 2:
            raise self.err(node, f"expected 'compound', 'compound N' or 'compound fx', got {node.text!r}")
        octets = None
        if len(words) == 2 and words[1] != "fx":
            octets = self.integer(node, words[1], "the FSPEC size in octets or 'fx'")
        items: list[Item | None] = []
        for c in self.kids(node, "compound"):
            items.append(None if c.text == "-" else self.subitem(c, allow_spare=False))  # type: ignore[arg-type]
        if not any(items):
            raise self.err(node, "expected sub-items under 'compound'")
        if octets is not None and len(items) > 8 * octets:
            raise self.err(node, f"{len(items)} sub-items do not fit {octets} FSPEC octet(s)")
        return Compound(tuple(items), octets)

    def subitem(self, node: _Node, allow_spare: bool) -> Item | Spare:
        words = node.text.split()
        if words[0] == "spare":
            if not allow_spare:
                raise self.err(node, "a spare is not allowed here; expected a sub-item or '-'")
            if len(words) != 2:
                raise self.err(node, f"expected 'spare BITS', got {node.text!r}")
            self.no_children(node)
            return Spare(self.integer(node, words[1], "the spare's size in bits"))
        return self.item(node)

    def item(self, node: _Node) -> Item:
        m = re.fullmatch(r'([A-Za-z0-9]+) "([^"]*)"', node.text)
        if not m:
            raise self.err(node, f'expected an item \'NAME "Title"\', got {node.text!r}')
        kids = self.kids(node, f"item {m.group(1)}")
        if len(kids) != 1:
            where = kids[1] if len(kids) > 1 else node
            raise self.err(where, f"expected one variation under item {m.group(1)}, got {len(kids)} declarations")
        return Item(m.group(1), m.group(2), self.variation(kids[0]), node.line)

    # ----------------------------------------------------------------- files

    def header(self, nodes: list[_Node], kind: str) -> tuple[int, str, str, str, int]:
        """(number, title, edition, date, index of the next node)."""
        if not nodes:
            raise self.err(1, f"expected '{kind} NNN \"Title\"', got an empty file")
        m = re.fullmatch(rf'{kind} (\d+) "([^"]*)"', nodes[0].text)
        if not m:
            raise self.err(nodes[0], f"expected '{kind} NNN \"Title\"', got {nodes[0].text!r}")
        number = int(m.group(1))
        if number > 255:
            raise self.err(nodes[0], f"category {number} is not within 0..255")
        i = 1
        edition = date = ""
        for key in ("edition", "date"):
            if i >= len(nodes) or not nodes[i].text.startswith(key + " "):
                got = repr(nodes[i].text) if i < len(nodes) else "the end of the file"
                raise self.err(nodes[i] if i < len(nodes) else nodes[-1], f"expected '{key} ...', got {got}")
            value = nodes[i].text[len(key) + 1:].strip()
            if key == "edition":
                if not re.fullmatch(r"\d+\.\d+", value):
                    raise self.err(nodes[i], f"expected 'edition MAJOR.MINOR', got {nodes[i].text!r}")
                edition = value
            else:
                date = value
            i += 1
        while i < len(nodes) and nodes[i].text in PROSE:
            i += 1
        return number, m.group(2), edition, date, i

    def category(self, nodes: list[_Node]) -> AstCategory:
        number, title, edition, date, i = self.header(nodes, "asterix")
        if i >= len(nodes) or nodes[i].text != "items":
            raise self.err(nodes[min(i, len(nodes) - 1)], "expected 'items'")
        items = tuple(self.item(c) for c in self.kids(nodes[i], "items"))
        names = set()
        for it in items:
            if it.name in names:
                raise self.err(it.line, f"item {it.name} defined twice")
            names.add(it.name)
        i += 1
        if i >= len(nodes):
            raise self.err(nodes[-1], "expected 'uap' or 'uaps' after the items")
        node = nodes[i]
        if node.text == "uap":
            uap: Uap | Uaps = Uap(self.slots(node, names))
        elif node.text == "uaps":
            uap = self.uaps(node, names)
        else:
            raise self.err(node, f"expected 'uap' or 'uaps', got {node.text!r}")
        if i + 1 < len(nodes):
            raise self.err(nodes[i + 1], f"expected the end of the file after the UAP, got {nodes[i + 1].text!r}")
        return AstCategory(number, title, edition, date, items, uap, self.path)

    def slots(self, node: _Node, names: set[str]) -> tuple[UapSlot, ...]:
        out: list[UapSlot] = []
        for c in self.kids(node, node.text):
            if c.text == "-":
                out.append(None)
            elif c.text == "rfs":
                out.append(RFS)
            elif c.text in names:
                if c.text in out:
                    raise self.err(c, f"item {c.text} listed twice in the UAP")
                out.append(c.text)
            else:
                raise self.err(c, f"expected an item name, '-' or 'rfs' in the UAP, got {c.text!r}")
        if not out:
            raise self.err(node, "expected the UAP's items")
        return tuple(out)

    def uaps(self, node: _Node, names: set[str]) -> Uaps:
        kids = self.kids(node, "uaps")
        if len(kids) != 2 or kids[0].text != "variations" or not kids[1].text.startswith("case "):
            raise self.err(kids[0] if kids else node, "expected 'variations' then 'case PATH' under 'uaps'")
        variations = tuple((v.text, self.slots(v, names)) for v in self.kids(kids[0], "variations"))
        known = {name for name, _ in variations}
        sel = kids[1]
        on = self.paths(sel, sel.text[len("case"):])
        if len(on) != 1:
            raise self.err(sel, "expected one item path selecting the UAP")
        cases = []
        default = None
        for row in self.kids(sel, "case"):
            m = re.fullmatch(r"(\d+|default):\s*(\S+)", row.text)
            if not m or m.group(2) not in known:
                raise self.err(row, f"expected 'VALUE: uap' naming one of {', '.join(sorted(known))}, got {row.text!r}")
            if m.group(1) == "default":
                default = m.group(2)
            else:
                cases.append((int(m.group(1)), m.group(2)))
        return Uaps(variations, on[0], tuple(cases), default)

    def ref(self, nodes: list[_Node]) -> AstRef:
        number, title, edition, date, i = self.header(nodes, "ref")
        if i >= len(nodes) or not nodes[i].text.startswith("compound"):
            raise self.err(nodes[min(i, len(nodes) - 1)], "expected 'compound N' or 'compound fx'")
        compound = self.compound(nodes[i], nodes[i].text.split())
        if i + 1 < len(nodes):
            raise self.err(nodes[i + 1], f"expected the end of the file, got {nodes[i + 1].text!r}")
        return AstRef(number, title, edition, date, compound, self.path)


def parse(text: str, path: str = "<string>") -> AstCategory | AstRef:
    """Read the text of a .ast file (a category edition or a REF). Raises AstError."""
    nodes = _tree(text, path)
    reader = _Reader(path)
    if nodes and nodes[0].text.startswith("ref "):
        return reader.ref(nodes)
    return reader.category(nodes)


def read(path: str | Path) -> AstCategory | AstRef:
    """Read one .ast file. Raises AstError (file:line) or OSError."""
    p = Path(path)
    return parse(p.read_text(encoding="utf-8"), str(p))


def spec_files(specs_dir: str | Path) -> Iterator[Path]:
    """The .ast files under ``specs_dir`` (the asterix-specs root or its ``specs`` folder),
    sorted by path."""
    root = Path(specs_dir)
    if (root / "specs").is_dir():
        root = root / "specs"
    yield from sorted(root.glob("cat*/*.ast"))
