"""The vocabulary in which category editions are declared, written with Construct.

A category edition file (``cat048_1_32.py``) declares its items with these classes and its
UAP with :class:`Category`; nothing else. Every class here *is* a Construct: the declarations
parse and build through Construct's interpreter, which is the reference. The fast path
(:mod:`radarbench.codecs.asterix.codegen`) reads the same declarations and generates
straight-line Python; tests hold the two to the same results on every vector.

Item kinds (ASTERIX "variations"), each with the value it decodes to:

* bit-level, read inside an item's octets: an element (``Raw``, ``Table``, ``Unsigned``,
  ``Signed``, ``Quantity``, ``Icao6``, ``Ascii``, ``Octal``, ``Depends``) gives a scalar;
  a ``Group`` gives a dict of its named sub-fields (``Spare`` bits left out);
* ``Extended``: FX-chained parts; a dict of the sub-fields of the octets present;
* ``Repetitive`` (count octet) and ``RepetitiveFX``: a list;
* ``Compound``: its own FSPEC-like primary subfield; a dict of the present sub-items;
* ``Explicit`` (SP, RE, and explicit items): a hex string of the contents, length octet left out.

Spare bits: strict mode (``parse(..., strict=True)``) rejects non-zero spares; lenient mode
appends a note to the ``warnings`` list passed to ``parse`` and goes on.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import construct as cs
from construct import Adapter, BitsInteger, Bitwise, Construct, Renamed, Struct

from radarbench.codecs.asterix.errors import EncodeError

__all__ = [
    "Raw", "Table", "Unsigned", "Signed", "Quantity", "Icao6", "Ascii", "Octal", "Spare",
    "Depends", "Group", "Extended", "Repetitive", "RepetitiveFX", "Compound", "Explicit",
    "Item", "Category", "UapSelect", "SpecError",
]


class SpecError(cs.ConstructError):
    """Raised inside a parse when the bytes break the specification (not merely run short)."""


def _field_name(path: str) -> str:
    """The innermost field name of a Construct path ("(building) -> 040 -> RHO" -> "RHO")."""
    return path.split(" -> ")[-1].strip() if path else "?"


def _warn(context: Any, path: str, message: str) -> None:
    params = getattr(context, "_params", None) or {}
    if params.get("strict"):
        raise SpecError(message, path)
    warnings = params.get("warnings")
    if warnings is not None:
        warnings.append(message)


# --------------------------------------------------------------------------- elements


class Element(Adapter):
    """An unsigned or signed integer of ``bits`` bits; the base of every element kind."""

    kind = "integer"
    bitlevel = True

    def __init__(self, bits: int, signed: bool = False) -> None:
        super().__init__(BitsInteger(bits, signed))
        self.bits = bits
        self.signed = signed

    # raw integer <-> value: overridden by scaled and string kinds
    def to_value(self, raw: int) -> Any:
        return raw

    def from_value(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise EncodeError(f"{where}: expected an integer, got {value!r}")
        return self._check_range(value, where)

    def _check_range(self, raw: int, where: str) -> int:
        if self.signed:
            lo, hi = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        else:
            lo, hi = 0, (1 << self.bits) - 1
        if not lo <= raw <= hi:
            raise EncodeError(f"{where}: {raw} does not fit in {self.bits} {'signed' if self.signed else 'unsigned'} bits")
        return raw

    def _decode(self, obj: int, context: Any, path: str) -> Any:
        return self.to_value(obj)

    def _encode(self, obj: Any, context: Any, path: str) -> int:
        return self.from_value(obj, _field_name(path))

    def describe(self) -> str:
        return f"{self.kind}({self.bits})"


class Raw(Element):
    """Raw bits as an unsigned integer (addresses, codes without a table)."""

    kind = "raw"

    def __init__(self, bits: int) -> None:
        super().__init__(bits, False)


class Table(Element):
    """An unsigned integer whose meaning a table of the specification gives."""

    kind = "table"

    def __init__(self, bits: int, table: dict[int, str] | None = None) -> None:
        super().__init__(bits, False)
        self.table = table or {}


class Unsigned(Element):
    """An unsigned integer count or number."""

    kind = "unsigned"

    def __init__(self, bits: int) -> None:
        super().__init__(bits, False)


class Signed(Element):
    """A two's complement integer."""

    kind = "signed"

    def __init__(self, bits: int) -> None:
        super().__init__(bits, True)


class Quantity(Element):
    """A scaled quantity: value = raw * lsb, in ``unit`` (a float, whatever the bits hold)."""

    kind = "quantity"

    def __init__(self, bits: int, lsb: float, unit: str = "", signed: bool = False) -> None:
        super().__init__(bits, signed)
        self.lsb = float(lsb)
        self.unit = unit

    def to_value(self, raw: int) -> float:
        return raw * self.lsb

    def from_value(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EncodeError(f"{where}: expected a number in {self.unit or 'units'}, got {value!r}")
        if value != value or value in (float("inf"), float("-inf")):
            raise EncodeError(f"{where}: {value!r} is not a finite number")
        return self._check_range(round(value / self.lsb), where)

    def describe(self) -> str:
        return f"quantity({self.bits}, lsb={self.lsb!r} {self.unit})"


class _StringElement(Element):
    kind = "string"
    char_bits = 8

    def __init__(self, bits: int) -> None:
        if bits % self.char_bits:
            raise ValueError(f"{type(self).__name__}: {bits} bits is not a whole number of characters")
        super().__init__(bits, False)
        self.chars = bits // self.char_bits

    def char(self, code: int) -> str:
        raise NotImplementedError

    def code(self, ch: str, where: str) -> int:
        raise NotImplementedError

    def to_value(self, raw: int) -> str:
        n, cb, mask = self.chars, self.char_bits, (1 << self.char_bits) - 1
        return "".join(self.char((raw >> (cb * (n - 1 - i))) & mask) for i in range(n))

    def from_value(self, value: Any, where: str) -> int:
        if not isinstance(value, str):
            raise EncodeError(f"{where}: expected a string, got {value!r}")
        if len(value) > self.chars:
            raise EncodeError(f"{where}: {value!r} is longer than {self.chars} characters")
        value = value.ljust(self.chars, self.pad)
        raw = 0
        for ch in value:
            raw = (raw << self.char_bits) | self.code(ch, where)
        return raw


# ICAO Annex 10 6-bit character set: the low six bits of IA-5. A-Z are 1..26, space 32,
# digits 48..57; the other codes are not used by the specification but are kept reversible
# (decoded to the IA-5 character whose low six bits they are), so any bits round-trip.
ICAO6_CHARS = "".join(chr(c + 64) if c < 32 else chr(c) for c in range(64))
_ICAO6_CODES = {ch: i for i, ch in enumerate(ICAO6_CHARS)}


class Icao6(_StringElement):
    """Characters of the ICAO 6-bit set (callsigns): a string of bits/6 characters."""

    kind = "icao6"
    char_bits = 6
    pad = " "

    def char(self, code: int) -> str:
        return ICAO6_CHARS[code]

    def code(self, ch: str, where: str) -> int:
        try:
            return _ICAO6_CODES[ch]
        except KeyError:
            raise EncodeError(f"{where}: {ch!r} is not in the ICAO 6-bit character set") from None


class Ascii(_StringElement):
    """8-bit characters (ISO 8859-1, so that every octet round-trips)."""

    kind = "ascii"
    char_bits = 8
    pad = " "

    def char(self, code: int) -> str:
        return chr(code)

    def code(self, ch: str, where: str) -> int:
        if ord(ch) > 255:
            raise EncodeError(f"{where}: {ch!r} is not an 8-bit character")
        return ord(ch)


class Octal(_StringElement):
    """Octal digits (Mode-1/2/3/A codes): a string of bits/3 digits, "7500"."""

    kind = "octal"
    char_bits = 3
    pad = "0"

    def char(self, code: int) -> str:
        return "01234567"[code]

    def code(self, ch: str, where: str) -> int:
        if ch not in "01234567":
            raise EncodeError(f"{where}: {ch!r} is not an octal digit")
        return ord(ch) - 48

    def from_value(self, value: Any, where: str) -> int:
        if isinstance(value, str) and len(value) != self.chars:
            raise EncodeError(f"{where}: {value!r} is not {self.chars} octal digits")
        return super().from_value(value, where)


class Spare(Adapter):
    """Spare bits: zero on encode; non-zero on decode is an error (strict) or a warning."""

    bitlevel = True

    def __init__(self, bits: int) -> None:
        super().__init__(BitsInteger(bits))
        self.bits = bits
        self.flagbuildnone = True

    def _decode(self, obj: int, context: Any, path: str) -> None:
        if obj:
            _warn(context, path, f"non-zero spare bits ({obj:#x})")
        return None

    def _encode(self, obj: Any, context: Any, path: str) -> int:
        return 0


class Depends(Construct):
    """An element whose meaning depends on a sibling sub-field decoded before it.

    ``on`` names the sibling in the same group; ``cases`` maps its value to the element to use;
    ``default`` (raw bits) serves any other value. All cases have the same size.
    """

    bitlevel = True

    def __init__(self, on: str, cases: dict[int, Element], default: Element | None = None) -> None:
        super().__init__()
        sizes = {c.bits for c in cases.values()}
        if len(sizes) != 1:
            raise ValueError(f"Depends on {on}: cases differ in size {sorted(sizes)}")
        self.bits = sizes.pop()
        self.on = on
        self.cases = dict(cases)
        self.default = default if default is not None else Raw(self.bits)
        if self.default.bits != self.bits:
            raise ValueError(f"Depends on {on}: default is {self.default.bits} bits, cases {self.bits}")

    def select(self, context: Any) -> Element:
        return self.cases.get(context.get(self.on), self.default)

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        return self.select(context)._parsereport(stream, context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        return self.select(context)._build(obj, stream, context, path)

    def _sizeof(self, context: Any, path: str) -> int:
        return self.bits


# --------------------------------------------------------------------------- structure


def _named(subcons: Iterable[Construct]) -> list[tuple[str | None, Construct]]:
    out = []
    for sc in subcons:
        if isinstance(sc, Renamed):
            out.append((sc.name, sc.subcon))
        else:
            out.append((None, sc))
    return out


def _bits_of(node: Construct) -> int:
    bits = getattr(node, "bits", None)
    if bits is None:
        raise TypeError(f"{node!r} is not a bit-level declaration")
    return bits


def _clean(obj: Any) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_") and k != "FX"}


def read_fspec(stream: Any, path: str) -> list[int]:
    """0-based positions announced by an FSPEC (or a compound's primary subfield) read from
    ``stream``: 7 presence bits an octet, FX last. Raises StreamError when the octets run out."""
    present: list[int] = []
    base = 0
    while True:
        octet = cs.stream_read(stream, 1, path)[0]
        present += [base + k for k in range(7) if octet & (0x80 >> k)]
        base += 7
        if not octet & 1:
            return present


def fspec_bytes(frns: Sequence[int]) -> bytes:
    """FSPEC octets announcing the given 0-based positions (FX set on all but the last)."""
    n = max(frns) // 7 + 1 if frns else 1
    out = bytearray(n)
    for i in frns:
        out[i // 7] |= 0x80 >> (i % 7)
    for j in range(n - 1):
        out[j] |= 1
    return bytes(out)


class Group(Adapter):
    """Named sub-fields side by side in one run of bits: decodes to a dict (spares left out)."""

    bitlevel = True

    def __init__(self, *subcons: Construct) -> None:
        super().__init__(Struct(*subcons))
        self.fields = _named(subcons)
        for name, node in self.fields:
            if name is None and not isinstance(node, Spare):
                raise ValueError(f"Group: an unnamed sub-field must be Spare, got {node!r}")
        self.bits = sum(_bits_of(node) for _, node in self.fields)

    def _decode(self, obj: Any, context: Any, path: str) -> dict[str, Any]:
        return _clean(obj)

    def _encode(self, obj: Any, context: Any, path: str) -> Any:
        if not isinstance(obj, dict):
            raise EncodeError(f"{_field_name(path)}: expected a dict of sub-fields, got {obj!r}")
        _check_keys(obj, [n for n, _ in self.fields if n], _field_name(path))
        return obj


def _check_keys(obj: dict, names: Sequence[str], where: str, require_all: bool = True) -> None:
    unknown = [k for k in obj if k not in names]
    if unknown:
        raise EncodeError(f"{where}: unknown sub-field(s) {', '.join(map(str, unknown))}; expected {', '.join(names)}")
    if require_all:
        missing = [n for n in names if n not in obj]
        if missing:
            raise EncodeError(f"{where}: missing sub-field(s) {', '.join(missing)}")


def _octets(node: Construct) -> Construct:
    """Wrap a bit-level declaration so that it reads whole octets; byte-level ones as they are."""
    if getattr(node, "bitlevel", False):
        bits = _bits_of(node)
        if bits % 8:
            raise ValueError(f"{node!r}: {bits} bits is not a whole number of octets")
        return Bitwise(node)
    return node


class Extended(Construct):
    """Parts chained by an FX bit at the end of each: a dict of the sub-fields present.

    Each part is a list of sub-fields whose bits plus the FX bit fill whole octets. With
    ``fx_last=False`` the last part has no FX bit (the specification ends the item there).
    """

    def __init__(self, *parts: Sequence[Construct], fx_last: bool = True) -> None:
        super().__init__()
        self.fx_last = fx_last
        self.parts: list[list[tuple[str | None, Construct]]] = []
        self._cons: list[Construct] = []
        for i, part in enumerate(parts):
            fields = _named(part)
            bits = sum(_bits_of(node) for _, node in fields)
            has_fx = fx_last or i < len(parts) - 1
            total = bits + (1 if has_fx else 0)
            if total % 8:
                raise ValueError(f"Extended part {i}: {bits} bits + FX is not a whole number of octets")
            self.parts.append(fields)
            subcons = list(part) + (["FX" / BitsInteger(1)] if has_fx else [])
            self._cons.append(Bitwise(Struct(*subcons)))
        self.names = [[n for n, _ in fields if n] for fields in self.parts]

    def part_octets(self, i: int) -> int:
        return (sum(_bits_of(node) for _, node in self.parts[i]) + 1) // 8 if (self.fx_last or i < len(self.parts) - 1) \
            else sum(_bits_of(node) for _, node in self.parts[i]) // 8

    def _parse(self, stream: Any, context: Any, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for con in self._cons:
            obj = con._parsereport(stream, context, path)
            out.update(_clean(obj))
            if not obj.get("FX", 0):
                return out
        raise SpecError("FX bit set in the last octet the specification defines", path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        where = _field_name(path)
        if not isinstance(obj, dict):
            raise EncodeError(f"{where}: expected a dict of sub-fields, got {obj!r}")
        allnames = [n for names in self.names for n in names]
        _check_keys(obj, allnames, where, require_all=False)
        last = max((i for i, names in enumerate(self.names) if any(n in obj for n in names)), default=0)
        for i in range(last + 1):
            missing = [n for n in self.names[i] if n not in obj]
            if missing:
                raise EncodeError(f"{where}: extension {i} is needed but lacks sub-field(s) {', '.join(missing)}")
            part = {n: obj[n] for n in self.names[i]}
            if self.fx_last or i < len(self.parts) - 1:
                part["FX"] = 1 if i < last else 0
            self._cons[i]._build(part, stream, context, path)
        return obj


class Repetitive(Construct):
    """A count (``rep`` octets) followed by that many repetitions of ``sub``: a list."""

    def __init__(self, sub: Construct, rep: int = 1) -> None:
        super().__init__()
        self.sub = sub
        self.rep = rep
        self._count = cs.BytesInteger(rep)
        self._sub = _octets(sub)

    def _parse(self, stream: Any, context: Any, path: str) -> list[Any]:
        n = self._count._parsereport(stream, context, path)
        return [self._sub._parsereport(stream, context, path) for _ in range(n)]

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        where = _field_name(path)
        if not isinstance(obj, list):
            raise EncodeError(f"{where}: expected a list, got {obj!r}")
        if len(obj) >= 1 << (8 * self.rep):
            raise EncodeError(f"{where}: {len(obj)} repetitions do not fit a {self.rep}-octet count")
        self._count._build(len(obj), stream, context, path)
        for x in obj:
            self._sub._build(x, stream, context, path)
        return obj


class RepetitiveFX(Construct):
    """Repetitions of ``sub`` each followed by an FX bit, until FX is 0: a list."""

    def __init__(self, sub: Construct) -> None:
        super().__init__()
        self.sub = sub
        bits = _bits_of(sub)
        if (bits + 1) % 8:
            raise ValueError(f"RepetitiveFX: {bits} bits + FX is not a whole number of octets")
        self._con = Bitwise(Struct("v" / sub, "FX" / BitsInteger(1)))

    def _parse(self, stream: Any, context: Any, path: str) -> list[Any]:
        out = []
        while True:
            obj = self._con._parsereport(stream, context, path)
            out.append(obj.v)
            if not obj.FX:
                return out

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        where = _field_name(path)
        if not isinstance(obj, list) or not obj:
            raise EncodeError(f"{where}: expected a non-empty list, got {obj!r}")
        for i, x in enumerate(obj):
            self._con._build({"v": x, "FX": 1 if i < len(obj) - 1 else 0}, stream, context, path)
        return obj


class Compound(Construct):
    """Sub-items announced by a primary subfield of FX-chained presence bits: a dict.

    Positional: ``Compound("SRL" / X, "SRR" / Y, None, ...)``, None for an unused bit.
    """

    def __init__(self, *subs: Construct | None) -> None:
        super().__init__()
        self.subitems: list[tuple[str, Construct] | None] = []
        for sc in subs:
            if sc is None:
                self.subitems.append(None)
            elif isinstance(sc, Renamed):
                self.subitems.append((sc.name, sc.subcon))
            else:
                raise ValueError(f"Compound: sub-item {sc!r} needs a name (\"NAME\" / ...)")
        self._cons = [None if s is None else _octets(s[1]) for s in self.subitems]
        self.names = [s[0] for s in self.subitems if s is not None]

    def _parse(self, stream: Any, context: Any, path: str) -> dict[str, Any]:
        present = read_fspec(stream, path)
        out: dict[str, Any] = {}
        for idx in present:
            if idx >= len(self.subitems) or self.subitems[idx] is None:
                raise SpecError(f"primary subfield bit {idx + 1} is set but names no sub-item", path)
            name = self.subitems[idx][0]
            out[name] = self._cons[idx]._parsereport(stream, context, f"{path} -> {name}")
        return out

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        where = _field_name(path)
        if not isinstance(obj, dict):
            raise EncodeError(f"{where}: expected a dict of sub-items, got {obj!r}")
        _check_keys(obj, self.names, where, require_all=False)
        idxs = [i for i, s in enumerate(self.subitems) if s is not None and s[0] in obj]
        fspec = fspec_bytes(idxs)
        cs.stream_write(stream, fspec, len(fspec), path)
        for i in idxs:
            name = self.subitems[i][0]
            self._cons[i]._build(obj[name], stream, context, f"{path} -> {name}")
        return obj


class Explicit(Construct):
    """A length octet (counting itself) then contents: the contents as a hex string."""

    def __init__(self, kind: str = "explicit") -> None:
        super().__init__()
        self.kind = kind

    def _parse(self, stream: Any, context: Any, path: str) -> str:
        n = cs.stream_read(stream, 1, path)[0]
        if n < 1:
            raise SpecError("explicit length octet is 0; it counts itself, so at least 1", path)
        return cs.stream_read(stream, n - 1, path).hex()

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        where = _field_name(path)
        try:
            data = bytes.fromhex(obj)
        except (TypeError, ValueError):
            raise EncodeError(f"{where}: expected a hex string, got {obj!r}") from None
        if len(data) > 254:
            raise EncodeError(f"{where}: {len(data)} octets do not fit an explicit item (254 at most)")
        cs.stream_write(stream, bytes([len(data) + 1]) + data, len(data) + 1, path)
        return obj


# --------------------------------------------------------------------------- items, UAP


class Item:
    """One data item of a category: its key ("010", "SP", "RE"), title and declaration."""

    def __init__(self, key: str, title: str, variation: Construct) -> None:
        self.key = key
        self.title = title
        self.variation = variation
        self.construct = (key / _octets(variation))

    def __repr__(self) -> str:
        return f"Item({self.key!r}, {self.title!r})"


class UapSelect:
    """How a category with several UAPs picks one from the record itself.

    The item ``item`` (which must sit at the same place in every UAP, before any place where
    the UAPs differ) is decoded first; its sub-field ``field`` (None: the item's own value)
    chooses the UAP by ``cases``; other values choose ``default``.
    """

    def __init__(self, item: str, field: str | None, cases: dict[int, str], default: str) -> None:
        self.item = item
        self.field = field
        self.cases = dict(cases)
        self.default = default

    def choose(self, value: Any) -> str:
        if self.field is not None and isinstance(value, dict):
            value = value.get(self.field)
        return self.cases.get(value, self.default)


class Category:
    """A category edition: its number, edition, title and UAP (or several UAPs and a selector).

    ``uap`` is the list of items in FSPEC order, None for a spare FRN.
    """

    def __init__(
        self,
        number: int,
        edition: str,
        title: str,
        uap: Sequence[Item | None] | None = None,
        *,
        uaps: dict[str, Sequence[Item | None]] | None = None,
        select: UapSelect | None = None,
    ) -> None:
        self.number = number
        self.edition = edition
        self.title = title
        if (uap is None) == (uaps is None):
            raise ValueError("Category: give either uap or uaps")
        if uaps is not None:
            if select is None:
                raise ValueError("Category: several UAPs need a UapSelect")
            self.uaps = {k: list(v) for k, v in uaps.items()}
            self.default_uap = select.default
        else:
            self.uaps = {"default": list(uap or [])}
            self.default_uap = "default"
        self.select = select
        self.items: dict[str, Item] = {}
        for u in self.uaps.values():
            for it in u:
                if it is not None:
                    if it.key in self.items and self.items[it.key] is not it:
                        raise ValueError(f"CAT{number:03d}: two declarations of item {it.key}")
                    self.items[it.key] = it
        if select is not None:
            places = {next((i for i, it in enumerate(u) if it is not None and it.key == select.item), None)
                      for u in self.uaps.values()}
            if len(places) != 1 or None in places:
                raise ValueError(f"CAT{number:03d}: selector item {select.item} must sit at one place in every UAP")
            cut = places.pop()
            heads = {tuple(id(x) for x in u[:cut + 1]) for u in self.uaps.values()}
            if len(heads) != 1:
                raise ValueError(f"CAT{number:03d}: UAPs differ before the selector item {select.item}")
            self.select_index = cut

    @property
    def uap(self) -> list[Item | None]:
        return self.uaps[self.default_uap]

    def __repr__(self) -> str:
        return f"Category({self.number}, {self.edition!r})"
