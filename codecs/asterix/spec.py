"""The vocabulary in which category editions are declared, written with Construct.

A category edition file (``cat048_1_32.py``) declares its items with these classes and its
UAP with :class:`Category`; nothing else. Every class here *is* a Construct: the declarations
parse and build through Construct's interpreter, which is the reference. The fast path
(:mod:`radarbench.codecs.asterix.codegen`) reads the same declarations and generates
straight-line Python; tests hold the two to the same results on every vector.

Item kinds (ASTERIX "variations"), each with the value it decodes to:

* bit-level, read inside an item's octets: an element (``Raw``, ``Table``, ``Unsigned``,
  ``Signed``, ``Quantity``, ``Icao6``, ``Ascii``, ``Octal``, ``Bds``, ``Depends``) gives a
  scalar (``Depends``: the value of the case the dependency values choose);
  a ``Group`` gives a dict of its named sub-fields (``Spare`` bits left out);
* ``Extended``: FX-chained parts; a dict of the sub-fields of the octets present;
* ``Repetitive`` (count octet) and ``RepetitiveFX``: a list;
* ``Compound``: its own FSPEC-like primary subfield (FX-chained, or ``fspec_octets`` octets of
  8 presence bits each); a dict of the present sub-items;
* ``Explicit`` (SP, RE, and explicit items): a hex string of the contents, length octet left out;
  an RE item with an :class:`Expansion` bound decodes to the expansion's compound (a dict),
  or, when the contents do not parse as the expansion, to the hex string and a warning
  (strict mode: an error).

A UAP slot is an :class:`Item`, None (spare FRN) or :data:`RFS` (random field sequencing:
``[{"040": value}, ...]``). Several UAPs: ``Category(..., uaps={...}, select=UapSelect(...))``.

Spare bits: strict mode (``parse(..., strict=True)``) rejects non-zero spares; lenient mode
appends a note to the ``warnings`` list passed to ``parse`` and goes on.
"""
from __future__ import annotations

import io
from typing import Any, Iterable, Sequence

import construct as cs
from construct import Adapter, BitsInteger, Bitwise, Construct, Renamed, Struct

from radarbench.codecs.asterix.errors import PRIMARY_ZERO_OCTET, EncodeError

__all__ = [
    "Raw", "Table", "Unsigned", "Signed", "Quantity", "Icao6", "Ascii", "Octal", "Spare",
    "Bds", "Depends", "Group", "Extended", "Repetitive", "RepetitiveFX", "Compound", "Explicit",
    "Expansion", "Item", "Category", "UapSelect", "Rfs", "RFS", "SpecError",
]


class SpecError(cs.ConstructError):
    """Raised inside a parse when the bytes break the specification (not merely run short).

    ``offset``: where, in the record's stream (None: at the start of the item)."""

    def __init__(self, message: str = "", path: Any = None, offset: int | None = None) -> None:
        super().__init__(message, path)
        self.offset = offset


class TrackedStream(io.BytesIO):
    """The reference's input: remembers where its last read started and how much it asked
    for, so that errors and warnings name the same octets the generated decoder names.

    ``origin``: the offset of its first octet in the record's coordinates.
    """

    def __init__(self, data: bytes = b"", origin: int = 0) -> None:
        super().__init__(data)
        self.origin = origin
        self.last = (0, 0)
        self.size = len(data)

    def read(self, n: int | None = -1) -> bytes:  # type: ignore[override]
        self.last = (self.tell(), n)
        return super().read(n)

    def short(self, path: str, at: int, n: int) -> cs.StreamError:
        """A StreamError for ``n`` octets wanted at ``at`` (recorded as the last read)."""
        self.last = (at, n)
        return cs.StreamError(f"needs {n} octets at {at}", path)

    def needs(self, item: str) -> tuple[int, str]:
        """(offset, reason) of the last read having run short, worded as the fast path does."""
        at, n = self.last
        left = max(self.size - at, 0)
        return self.origin + at, f"needs {n} octet{'s' if n != 1 else ''}, the data block has {left} left"


def _origin(stream: Any) -> int:
    return getattr(stream, "origin", 0)


def _visible(path: str) -> str:
    """A Construct path as the fast path names items: "120/CC" (helper names left out)."""
    return "/".join(p for p in _path_parts(path) if p != "v")


def _field_name(path: str) -> str:
    """The innermost field name of a Construct path ("(building) -> 040 -> RHO" -> "RHO")."""
    return path.split(" -> ")[-1].strip() if path else "?"


def _shown(value: Any) -> str:
    """A value for an error message: an integer of hundreds of digits is cut to its first
    and the count (``1e400`` written as an int is not 400 characters of message)."""
    text = repr(value)
    if len(text) > 24 and isinstance(value, int):
        return f"{text[:12]}... ({len(text.lstrip('-'))} digits)"
    return text


def _warn(context: Any, path: str, message: str) -> None:
    """A breach a lenient decode notes and goes on (strict: raises). In a record decode the
    note names category, item and the offset of the octets read, as the fast path does."""
    params = getattr(context, "_params", None) or {}
    stream = params.get("tracked")
    if params.get("strict"):
        if stream is None:
            raise SpecError(message, path)
        raise SpecError(message + " (strict mode)", path, stream.origin + stream.last[0])
    warnings = params.get("warnings")
    if warnings is not None:
        if stream is not None:
            cat = params.get("category")
            at = stream.origin + stream.last[0] + params.get("base", 0)
            message = f"{'CAT%03d ' % cat if isinstance(cat, int) else ''}item {_visible(path)} at byte offset {at}: {message}"
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

    def _bounds(self) -> tuple[int, int]:
        """The lowest and highest raw value of the element's bits."""
        if self.signed:
            return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        return 0, (1 << self.bits) - 1

    def _check_range(self, raw: int, where: str) -> int:
        lo, hi = self._bounds()
        if not lo <= raw <= hi:
            raise EncodeError(f"{where}: {_shown(raw)} does not fit in {self.bits} "
                              f"{'signed' if self.signed else 'unsigned'} bits ({lo} to {hi})")
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
        lo, hi = self._bounds()
        try:
            raw = round(value / self.lsb)
        except OverflowError:  # 1e308 / lsb is infinite; an int past a float's range
            raw = None
        if raw is None or not lo <= raw <= hi:
            # in the user's terms, not the raw count (RHO 300 NM said "76800 does not fit")
            unit = f" {self.unit}" if self.unit else ""
            raise EncodeError(f"{where}: {_shown(value)}{unit} is out of range, {lo * self.lsb!r} to "
                              f"{hi * self.lsb!r}{unit} ({self.bits} {'signed' if self.signed else 'unsigned'} "
                              f"bits of {self.lsb!r}{unit})")
        return raw

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


class Bds(Element):
    """A Mode S Comm-B register (BDS): the raw unsigned integer of its ``bits`` bits.

    64 bits: the 56-bit message and the register address in the low 8 bits; 56 bits: the
    message alone, of the register ``register`` ("30") when the specification fixes it, of an
    unknown one when it does not (None).
    """

    kind = "bds"

    def __init__(self, bits: int, register: str | None = None) -> None:
        super().__init__(bits, False)
        self.register = register

    def describe(self) -> str:
        return f"bds({self.bits}{', ' + self.register if self.register else ''})"


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


def _path_parts(path: str) -> list[str]:
    """Construct's path string ("(parsing) -> 120 -> CC -> CPC") as names ["120", "CC", "CPC"]."""
    return [p.strip() for p in str(path).split("->")
            if p.strip() and p.strip() not in ("(parsing)", "(building)", "(sizeof)")]


def lookup(value: Any, names: Sequence[str]) -> Any:
    """The value at ``names`` inside nested dicts (None when a step is missing)."""
    for n in names:
        if not isinstance(value, dict):
            return None
        value = value.get(n)
    return value


class Depends(Construct):
    """An element whose meaning depends on values decoded before it.

    ``on`` is a tuple of paths from the record root, each a tuple of names whose first is a
    top-level item key (``(("000",), ("120", "CC", "TID"))``); ``cases`` maps tuples of their
    values (``(7, 1)``) to the declaration to use; ``default`` (raw bits of the same size when
    None) serves any other combination, and a dependency that is absent. A dependency is a
    sibling decoded before it in the same group, or a top-level item decoded earlier in the
    record. The older form ``Depends("IM", {0: ..., 1: ...})`` names a sibling and keys the
    cases by its value alone. All cases have the same size.
    """

    bitlevel = True

    def __init__(self, on: str | tuple[tuple[str, ...], ...], cases: dict[Any, Construct],
                 default: Construct | None = None) -> None:
        super().__init__()
        sizes = {_bits_of(c) for c in cases.values()}
        if len(sizes) != 1:
            raise ValueError(f"Depends on {on}: cases differ in size {sorted(sizes)}")
        self.bits = sizes.pop()
        self.on = on
        self.cases = dict(cases)
        if isinstance(on, str):
            self.paths: tuple[tuple[str, ...], ...] | None = None
            self.keyed = {(k,): v for k, v in self.cases.items()}
        else:
            self.paths = tuple(tuple(p) for p in on)
            if not self.paths or any(not p for p in self.paths):
                raise ValueError(f"Depends on {on!r}: needs at least one non-empty path")
            for k in self.cases:
                if not isinstance(k, tuple) or len(k) != len(self.paths):
                    raise ValueError(f"Depends on {on!r}: case key {k!r} is not a tuple of {len(self.paths)} value(s)")
            self.keyed = self.cases
        self.default = default if default is not None else Raw(self.bits)
        if _bits_of(self.default) != self.bits:
            raise ValueError(f"Depends on {on}: default is {_bits_of(self.default)} bits, cases {self.bits}")

    def pick(self, key: tuple) -> Construct:
        """The declaration for the dependency values ``key`` (a tuple; the default if no case)."""
        return self.keyed.get(key, self.default)

    def key_from(self, siblings: Any, record: Any, own_path: Sequence[str]) -> tuple:
        """The dependency values, from the siblings decoded before (a mapping) and the
        record's earlier top-level items (a mapping or None); absent ones are None."""
        if self.paths is None:
            return (siblings.get(self.on) if siblings is not None else None,)
        parent = list(own_path[:-1])
        out = []
        for dep in self.paths:
            if own_path and dep[0] != own_path[0]:  # another top-level item, decoded earlier
                out.append(lookup(record.get(dep[0]), dep[1:]) if record is not None else None)
            elif list(dep[:-1]) == parent and siblings is not None:
                out.append(siblings.get(dep[-1]))
            else:
                out.append(None)
        return tuple(out)

    def pick_sibling(self, siblings: Any) -> Construct:
        """The declaration as far as the siblings (a mapping) tell: dependencies outside the
        group count as absent (for descriptions, where the record is not at hand)."""
        if self.paths is None:
            return self.pick((siblings.get(self.on),))
        return self.pick(tuple(siblings.get(d[-1]) if len(d) > 1 else None for d in self.paths))

    def select(self, context: Any, path: str = "") -> Construct:
        params = getattr(context, "_params", None) or {}
        return self.pick(self.key_from(context, params.get("record"), _path_parts(path)))

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        return self.select(context, path)._parsereport(stream, context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        return self.select(context, path)._build(obj, stream, context, path)

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
        raise SpecError("FX bit set in the last octet the specification defines", path,
                        _origin(stream) + stream.tell() - 1)

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
        if isinstance(stream, TrackedStream) and getattr(self.sub, "bitlevel", False):
            # all repetitions are checked at once, as the fast path does
            want = n * (self.sub.bits // 8)
            if stream.tell() + want > stream.size:
                raise stream.short(path, stream.tell(), want)
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


def read_fixed_fspec(stream: Any, octets: int, path: str) -> list[int]:
    """0-based positions announced by a fixed primary subfield of ``octets`` octets, 8 presence
    bits each (no FX). Raises StreamError when the octets run out."""
    data = cs.stream_read(stream, octets, path)
    return [8 * j + k for j, octet in enumerate(data) for k in range(8) if octet & (0x80 >> k)]


def fixed_fspec_bytes(idxs: Sequence[int], octets: int) -> bytes:
    out = bytearray(octets)
    for i in idxs:
        out[i // 8] |= 0x80 >> (i % 8)
    return bytes(out)


class Compound(Construct):
    """Sub-items announced by a primary subfield of presence bits: a dict of those present.

    Positional: ``Compound("SRL" / X, "SRR" / Y, None, ...)``, None for an unused bit. The
    primary subfield chains octets of 7 presence bits and an FX bit, or, with
    ``fspec_octets=N`` (expansions), is N octets of 8 presence bits each.
    """

    def __init__(self, *subs: Construct | None, fspec_octets: int | None = None) -> None:
        super().__init__()
        self.fspec_octets = fspec_octets
        self.subitems: list[tuple[str, Construct] | None] = []
        for sc in subs:
            if sc is None:
                self.subitems.append(None)
            elif isinstance(sc, Renamed):
                self.subitems.append((sc.name, sc.subcon))
            else:
                raise ValueError(f"Compound: sub-item {sc!r} needs a name (\"NAME\" / ...)")
        if fspec_octets is not None and len(self.subitems) > 8 * fspec_octets:
            raise ValueError(f"Compound: {len(self.subitems)} sub-items do not fit {fspec_octets} FSPEC octet(s)")
        self._cons = [None if s is None else _octets(s[1]) for s in self.subitems]
        self.names = [s[0] for s in self.subitems if s is not None]

    def _parse(self, stream: Any, context: Any, path: str) -> dict[str, Any]:
        if self.fspec_octets is None:
            start = stream.tell()
            present = read_fspec(stream, path)
            end = stream.tell()
            if end - start > 1:
                stream.seek(end - 1)
                if stream.read(1) == b"\x00":  # read again: its offset is where the warning points
                    _warn(context, path, PRIMARY_ZERO_OCTET)
        else:
            present = read_fixed_fspec(stream, self.fspec_octets, path)
        out: dict[str, Any] = {}
        for idx in present:
            if idx >= len(self.subitems) or self.subitems[idx] is None:
                raise SpecError(f"primary subfield bit {idx + 1} is set but names no sub-item", path,
                                _origin(stream) + stream.tell())
            name = self.subitems[idx][0]
            out[name] = self._cons[idx]._parsereport(stream, context, f"{path} -> {name}")
        return out

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        where = _field_name(path)
        if not isinstance(obj, dict):
            raise EncodeError(f"{where}: expected a dict of sub-items, got {obj!r}")
        _check_keys(obj, self.names, where, require_all=False)
        idxs = [i for i, s in enumerate(self.subitems) if s is not None and s[0] in obj]
        if self.fspec_octets is None:
            fspec = fspec_bytes(idxs)
        else:
            fspec = fixed_fspec_bytes(idxs, self.fspec_octets)
        cs.stream_write(stream, fspec, len(fspec), path)
        for i in idxs:
            name = self.subitems[i][0]
            self._cons[i]._build(obj[name], stream, context, f"{path} -> {name}")
        return obj


class Expansion:
    """A reserved expansion (REF) edition: the compound an RE item's contents decode to."""

    def __init__(self, category: int, edition: str, title: str, compound: Compound) -> None:
        if not isinstance(compound, Compound):
            raise TypeError(f"Expansion: expected a Compound, got {compound!r}")
        self.category = category
        self.edition = edition
        self.title = title
        self.compound = compound

    @property
    def label(self) -> str:
        return f"REF{self.category:03d} {self.edition}"

    def __repr__(self) -> str:
        return f"Expansion({self.category}, {self.edition!r})"


class ExpansionMismatch(SpecError):
    """The contents of an RE item do not parse as its expansion (strict mode)."""


def expansion_detail(exc: Exception) -> str:
    """Why contents did not parse as an expansion, worded the same by both engines."""
    reason = getattr(exc, "reason", None)
    if reason is None:
        if isinstance(exc, cs.StreamError):
            return "runs past the end of its contents"
        reason = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
    elif reason.startswith("needs "):
        return "runs past the end of its contents"
    return reason.removesuffix(" (strict mode)")


def expansion_message(expansion: Expansion, detail: str) -> str:
    return f"contents do not parse as {expansion.label}: {detail}"


def expansion_warning(category: Any, item: str, offset: Any, message: str) -> str:
    cat = f"CAT{category:03d} " if isinstance(category, int) else ""
    return f"{cat}item {item} at byte offset {offset}: {message}; kept as hex"


class Explicit(Construct):
    """A length octet (counting itself) then contents: the contents as a hex string.

    ``kind``: "explicit", "sp" or "re". An RE item with an ``expansion`` bound decodes its
    contents as the expansion's compound (a dict); contents that do not parse as it (too
    short, octets left over, an unknown bit...) are kept as the hex string with a warning
    (lenient) or are an error (strict). Encoding takes either form.
    """

    def __init__(self, kind: str = "explicit", expansion: Expansion | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.expansion = expansion

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        at = stream.tell()
        n = cs.stream_read(stream, 1, path)[0]
        if n < 1:
            raise SpecError("explicit length octet is 0; it counts itself, so at least 1", path, _origin(stream) + at)
        if isinstance(stream, TrackedStream) and at + n > stream.size:
            raise stream.short(path, at, n)  # the length octet and the contents, as the fast path
        data = cs.stream_read(stream, n - 1, path)
        if self.expansion is None:
            return data.hex()
        return self._expand(data, context, path, _origin(stream) + at)

    def _expand(self, data: bytes, context: Any, path: str, at: int) -> Any:
        params = getattr(context, "_params", None)
        if params is None:
            params = cs.Container()
        outer = params.get("warnings")
        strict = bool(params.get("strict"))
        inner: list[str] = []
        params["warnings"] = inner
        outer_stream = params.get("tracked")
        sub = TrackedStream(data, at + 1)
        params["tracked"] = sub
        try:
            value = self.expansion.compound._parsereport(sub, context, path)
            left = len(data) - sub.tell()
            if left:
                raise SpecError(f"{left} octet(s) left over", path)
            failure = None
        except (cs.ConstructError, ValueError) as exc:
            failure = expansion_detail(exc)
        finally:
            params["warnings"] = outer
            params["tracked"] = outer_stream
        if failure is None:
            if outer is not None:
                outer.extend(inner)
            return value
        message = expansion_message(self.expansion, failure)
        if strict:
            raise ExpansionMismatch(message, path)
        if outer is not None:
            where = _visible(path) or self.kind.upper()
            outer.append(expansion_warning(params.get("category"), where, at + params.get("base", 0), message))
        return data.hex()

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        where = _field_name(path)
        if isinstance(obj, dict) and self.expansion is not None:
            sub = io.BytesIO()
            self.expansion.compound._build(obj, sub, context, path)
            data = sub.getvalue()
        else:
            try:
                data = bytes.fromhex(obj)
            except (TypeError, ValueError):
                want = "a hex string or a dict of the expansion's sub-items" if self.expansion else "a hex string"
                raise EncodeError(f"{where}: expected {want}, got {obj!r}") from None
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


class Rfs:
    """The random field sequencing slot of a UAP (use the singleton :data:`RFS`).

    Value: ``items["RFS"] = [{"040": value}, {"130": value}, ...]`` in the order carried.
    Wire format: a count octet, then per field an FRN octet (1-based, in the record's UAP)
    and that item's octets.
    """

    key = "RFS"
    title = "Random Field Sequencing"

    def __repr__(self) -> str:
        return "RFS"


RFS = Rfs()


class UapSelect:
    """How a category with several UAPs picks one from the record itself.

    The item ``item`` (which must sit at the same place in every UAP, before any place where
    the UAPs differ) is decoded first; its sub-field ``field`` (None: the item's own value)
    chooses the UAP by ``cases``; other values choose ``default``. With no default, a value
    no case names (or a record without the item) is an error.
    """

    def __init__(self, item: str, field: str | None, cases: dict[int, str], default: str | None = None) -> None:
        self.item = item
        self.field = field
        self.cases = dict(cases)
        self.default = default

    @property
    def label(self) -> str:
        return self.item if self.field is None else f"{self.item}/{self.field}"

    def value_of(self, value: Any) -> Any:
        if self.field is not None:
            return value.get(self.field) if isinstance(value, dict) else None
        return value

    def choose(self, value: Any) -> str | None:
        """The UAP for the selector item's value (None: no UAP fits and there is no default)."""
        v = self.value_of(value)
        try:
            return self.cases.get(v, self.default)
        except TypeError:  # an unhashable value
            return self.default

    def no_fit(self, category: int, value: Any) -> str:
        known = ", ".join(f"{k} -> {u}" for k, u in self.cases.items())
        return f"no UAP fits: I{category:03d}/{self.label} is {self.value_of(value)!r} (UAPs: {known})"

    def absent(self, category: int) -> str:
        return f"no UAP fits: the record has no I{category:03d}/{self.item}, which chooses the UAP"


def _rebind(node: Any, expansion: Expansion, memo: dict[int, Any]) -> Any:
    """``node`` with ``expansion`` bound to its RE explicit parts (a copy where one changes)."""
    if id(node) in memo:
        return memo[id(node)]
    new = node
    if isinstance(node, Explicit):
        if node.kind == "re":
            new = Explicit(node.kind, expansion)
    elif isinstance(node, Compound):
        subs = [None if s is None else (s[0], _rebind(s[1], expansion, memo)) for s in node.subitems]
        if any(a is not None and a[1] is not b[1] for a, b in zip(subs, node.subitems)):
            new = Compound(*[None if s is None else s[0] / s[1] for s in subs], fspec_octets=node.fspec_octets)
    elif isinstance(node, Repetitive):
        sub = _rebind(node.sub, expansion, memo)
        if sub is not node.sub:
            new = Repetitive(sub, rep=node.rep)
    memo[id(node)] = new
    return new


class Category:
    """A category edition: its number, edition, title and UAP (or several UAPs and a selector).

    ``uap`` is the list of items in FSPEC order, None for a spare FRN, :data:`RFS` for the
    random field sequencing slot.
    """

    def __init__(
        self,
        number: int,
        edition: str,
        title: str,
        uap: Sequence[Item | Rfs | None] | None = None,
        *,
        uaps: dict[str, Sequence[Item | Rfs | None]] | None = None,
        select: UapSelect | None = None,
    ) -> None:
        self.number = number
        self.edition = edition
        self.title = title
        self.expansion: Expansion | None = None
        if (uap is None) == (uaps is None):
            raise ValueError("Category: give either uap or uaps")
        if uaps is not None:
            if select is None:
                raise ValueError("Category: several UAPs need a UapSelect")
            if not uaps:
                raise ValueError("Category: uaps is empty")
            self.uaps = {k: list(v) for k, v in uaps.items()}
            for k in list(select.cases.values()) + ([select.default] if select.default is not None else []):
                if k not in self.uaps:
                    raise ValueError(f"CAT{number:03d}: the UapSelect names UAP {k!r}, which is not declared")
            self.default_uap = select.default if select.default is not None else next(iter(self.uaps))
        else:
            self.uaps = {"default": list(uap or [])}
            self.default_uap = "default"
        self.select = select
        self.items: dict[str, Item] = {}
        self.has_rfs = False
        for u in self.uaps.values():
            for it in u:
                if isinstance(it, Rfs):
                    self.has_rfs = True
                elif it is not None:
                    if it.key in self.items and self.items[it.key] is not it:
                        raise ValueError(f"CAT{number:03d}: two declarations of item {it.key}")
                    self.items[it.key] = it
        if select is not None:
            places = {next((i for i, it in enumerate(u) if isinstance(it, Item) and it.key == select.item), None)
                      for u in self.uaps.values()}
            if len(places) != 1 or None in places:
                raise ValueError(f"CAT{number:03d}: selector item {select.item} must sit at one place in every UAP")
            cut = places.pop()
            heads = {tuple(id(x) for x in u[:cut + 1]) for u in self.uaps.values()}
            if len(heads) != 1:
                raise ValueError(f"CAT{number:03d}: UAPs differ before the selector item {select.item}")
            self.select_index = cut

    @property
    def uap(self) -> list[Item | Rfs | None]:
        return self.uaps[self.default_uap]

    def with_expansion(self, expansion: Expansion) -> "Category":
        """A copy of this edition with ``expansion`` bound to its ``explicit re`` items (each
        RE item then decodes to the expansion's compound)."""
        memo: dict[int, Any] = {}
        new_items: dict[int, Item] = {}
        for it in self.items.values():
            var = _rebind(it.variation, expansion, memo)
            new_items[id(it)] = it if var is it.variation else Item(it.key, it.title, var)

        def remap(u: list) -> list:
            return [new_items.get(id(it), it) if isinstance(it, Item) else it for it in u]

        if self.select is None:
            cat = Category(self.number, self.edition, self.title, remap(self.uap))
        else:
            cat = Category(self.number, self.edition, self.title,
                           uaps={k: remap(u) for k, u in self.uaps.items()}, select=self.select)
        cat.expansion = expansion
        return cat

    def __repr__(self) -> str:
        return f"Category({self.number}, {self.edition!r})"
