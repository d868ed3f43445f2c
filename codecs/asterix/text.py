"""Decoded records rendered for people: one line per item, with table texts and units.

    from radarbench.codecs.asterix.text import describe
    for line in describe(record):
        print(line)
    # 020 Target Report Descriptor: TYP=5 (Single ModeS Roll-Call)  SIM=0 (Actual target report)  ...
    # 040 Measured Position in Polar Co-ordinates: RHO=197.68359375 NM  THETA=340.13671875 °
    # 220 Aircraft Address: 3958284 (0x3C660C)

The values are walked alongside their declarations (:func:`category_spec`): a table value is
followed by its text in parentheses when the specification gives one, a quantity by its
unit, strings are quoted, a 24-bit raw value (aircraft addresses) is shown in hex as well.
Group and extended sub-fields read ``NAME=value`` separated by two spaces (a group nested in
one within braces: ``ADSB={EP=1 (ADSB populated)  VAL=1 (Available)}``); compound sub-items
read ``NAME: value`` separated by `` | ``; repetitions are listed as ``[a; b]``; explicit
items (SP, RE) as their hex contents and length, an RE decoded through its expansion as a
compound after the expansion's name (``(REF021 1.5) SGV: ...``); the fields of a random field
sequencing slot (RFS) as ``NAME: value`` separated by `` | ``.

Pure: nothing here changes a record. :func:`describe` never raises on a decoded record; a
value that does not fit its declaration (or an item with no declaration) is shown as repr.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radarbench.codecs.asterix import category_spec
from radarbench.codecs.asterix.spec import (
    Compound, Depends, Element, Explicit, Extended, Group, Quantity, Raw, Repetitive,
    RepetitiveFX, Table, _StringElement,
)

__all__ = ["describe", "describe_value"]

FIELD_SEP = "  "     # between sub-fields of a group or extended item (values hold single spaces)
SUBITEM_SEP = " | "  # between sub-items of a compound item
REPEAT_SEP = "; "    # between repetitions, inside [ ]


def describe(record: Any) -> list[str]:
    """One line per item of ``record`` (a :class:`Record`, or a dict with category/edition/items).

    ``"040 Measured Position in Polar Co-ordinates: RHO=197.68359375 NM  THETA=340.13671875 °"``
    """
    try:
        category, edition, items = _parts(record)
    except Exception:
        return [repr(record)]
    spec_items: Mapping[str, Any] = {}
    try:
        spec_items = category_spec(category, edition).items
    except Exception:
        pass
    lines = []
    for key, value in items.items():
        if key == "RFS" and isinstance(value, list):  # random field sequencing: the items it carried
            pairs = [kv for field in value if isinstance(field, Mapping) for kv in field.items()]
            carried = _subitems(pairs, lambda k: getattr(spec_items.get(k), "variation", None))
            lines.append("RFS Random Field Sequencing: " + (carried or "-"))
            continue
        item = spec_items.get(key) if isinstance(key, str) else None
        if item is None:
            lines.append(f"{key}: {_repr(value)}")
            continue
        lines.append(f"{key} {item.title}: {describe_value(item.variation, value)}")
    return lines


def describe_value(node: Any, value: Any) -> str:
    """One decoded value rendered by its declaration ``node``; repr if they do not fit."""
    try:
        f = _COMPILED.get(node)
        if f is None:
            f = _compile(node)
        return f(value)
    except Exception:
        return _repr(value)


_COMPILED: dict = {}


def _compile(node: Any):
    """A renderer of values of ``node``, built once per declaration node: the isinstance
    dispatch, the declared-field maps and the element kind are decided here, not per value."""
    f: Any = None
    if isinstance(node, Table):
        table = node.table
        def _table(value, table=table, node=node):
            if value.__class__ is int:
                text = table.get(value)
                return f"{value} ({text})" if text else str(value)
            return _element(node, value)
        f = _table
    elif isinstance(node, Quantity):
        unit = node.unit
        def _quantity(value, unit=unit, node=node):
            if value.__class__ is float:
                return f"{_number(value)} {unit}" if unit else _number(value)
            return _element(node, value)
        f = _quantity
    elif isinstance(node, _StringElement):
        f = _repr
    elif isinstance(node, Raw) and type(node) is Raw:
        big = node.bits == 24
        def _raw(value, big=big, node=node):
            if value.__class__ is int:
                return f"{value} (0x{value:06X})" if big and value >= 0 else str(value)
            return _element(node, value)
        f = _raw
    elif isinstance(node, (Group, Extended)):
        plain = {}
        for name, sub in _declared(node).items():
            if isinstance(sub, (Depends, Group, Extended, Compound)):
                plain = None
                break
            plain[name] = sub
        if plain is not None:  # no dependency and no nesting: the common case
            plain = {name: (_COMPILED.get(sub) or _compile(sub)) for name, sub in plain.items()}
            def _plain_fields(value, plain=plain, node=node):
                if value.__class__ is not dict:
                    return _render(node, value)
                out = []
                for name, v in value.items():
                    sub = plain.get(name)
                    if sub is None:
                        out.append(f"{name}={_repr(v)}")
                        continue
                    try:
                        text = sub(v)
                    except Exception:
                        text = _repr(v)
                    out.append(f"{name}={text}")
                return FIELD_SEP.join(out)
            f = _plain_fields
    if f is None:
        def _any(value, node=node):
            return _render(node, value)
        f = _any
    _COMPILED[node] = f
    return f


# --------------------------------------------------------------------------- internals


def _parts(record: Any) -> tuple[int, str | None, Mapping[str, Any]]:
    if isinstance(record, Mapping):
        category, edition, items = record["category"], record.get("edition"), record["items"]
    else:
        category, edition, items = record.category, record.edition, record.items
    if not isinstance(items, Mapping):
        raise TypeError("items is not a mapping")
    return int(category), edition, items


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__}>"


def _render(node: Any, value: Any) -> str:
    if isinstance(node, Element):
        return _element(node, value)
    if isinstance(node, (Group, Extended)):
        return _fields(node, value)
    if isinstance(node, (Repetitive, RepetitiveFX)):
        if not isinstance(value, list):
            return _repr(value)
        return "[" + REPEAT_SEP.join(describe_value(node.sub, v) for v in value) + "]"
    if isinstance(node, Compound):
        if not isinstance(value, Mapping):
            return _repr(value)
        subs = _SUBS.get(node)
        if subs is None:
            subs = _SUBS[node] = {s[0]: s[1] for s in node.subitems if s is not None}
        return _subitems(value.items(), subs.get)
    if isinstance(node, Explicit):
        if isinstance(value, Mapping) and node.expansion is not None:  # RE through its REF
            return f"({node.expansion.label}) {_render(node.expansion.compound, value)}"
        if not isinstance(value, str):
            return _repr(value)
        return f"{value or '-'} ({len(value) // 2} octets)"
    return _repr(value)


_SUBS: dict = {}
_DECLARED: dict = {}


def _declared(parent: Group | Extended) -> dict[str, Any]:
    """The named sub-fields of a group or extended item (spares have no name), by name."""
    declared = _DECLARED.get(parent)
    if declared is None:
        fields = parent.fields if isinstance(parent, Group) else [f for part in parent.parts for f in part]
        declared = _DECLARED[parent] = {name: node for name, node in fields if name is not None}
    return declared


def _subitems(pairs: Any, node_of: Any) -> str:
    """``NAME: value | NAME: value`` for (name, value) pairs, each rendered by its node
    (``node_of(name)``, None: repr): a compound's sub-items, an RFS slot's items."""
    out = []
    for name, v in pairs:
        node = node_of(name)
        out.append(f"{name}: {describe_value(node, v) if node is not None else _repr(v)}")
    return SUBITEM_SEP.join(out)


def _fields(parent: Any, value: Any) -> str:
    """Sub-fields of a group or extended item, in declaration order (spares have no name)."""
    if not isinstance(value, Mapping):
        return _repr(value)
    declared = _declared(parent)
    out = []
    for name, v in value.items():
        node = declared.get(name)
        if isinstance(node, Depends):
            node = node.pick_sibling(value)
        text = describe_value(node, v) if node is not None else _repr(v)
        if isinstance(node, (Group, Extended, Compound)) and isinstance(v, Mapping):
            text = "{" + text + "}"  # a group within a group: ADSB={EP=1 (...)  VAL=0 (...)}
        out.append(f"{name}={text}")
    return FIELD_SEP.join(out)


def _element(node: Element, value: Any) -> str:
    if isinstance(node, _StringElement):
        return _repr(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _repr(value)
    if isinstance(node, Table):
        text = node.table.get(value) if isinstance(value, int) else None
        return f"{value} ({text})" if text else str(value)
    if isinstance(node, Quantity):
        return f"{_number(value)} {node.unit}" if node.unit else _number(value)
    if isinstance(node, Raw) and node.bits == 24 and isinstance(value, int) and value >= 0:
        return f"{value} (0x{value:06X})"  # a 24-bit address
    return _number(value)


def _number(value: int | float) -> str:
    """Integers as they are; floats exactly (shortest repr), minus float noise and a bare ".0".

    Quantities are raw * LSB: binary LSBs give exact short decimals (197.68359375); decimal LSBs
    can give noise (3 * 0.1 = 0.30000000000000004), which 12 significant digits drop.
    """
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if len(text) <= 16:  # at most 15 significant digits: no float noise to drop
        return text
    digits = text.lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return format(value, ".12g") if len(digits) > 15 else text
