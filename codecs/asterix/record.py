"""Records and data blocks: FSPEC, UAP selection, and the data block around records.

The Construct reference lives here: :class:`RecordCon` parses and builds one record of a
category edition with Construct's interpreter, item by item, through the declarations of
:mod:`spec`. :data:`DATA_BLOCK` declares the block header. Errors come out as
:class:`DecodeError` (with category, item and byte offset) or :class:`EncodeError`.
"""
from __future__ import annotations

from typing import Any

import construct as cs
from construct import Bytes, Construct, Int8ub, Int16ub, Struct, this

from radarbench.codecs.asterix.errors import EMPTY_RECORD, FSPEC_ZERO_OCTET, DecodeError, EncodeError
from radarbench.codecs.asterix.spec import (
    Category, Item, Rfs, SpecError, TrackedStream, _visible, fspec_bytes, read_fspec,
)

# CAT (1 octet), LEN (2 octets, counting the whole block), then the records.
DATA_BLOCK = Struct(
    "category" / Int8ub,
    "length" / Int16ub,
    "records" / Bytes(this.length - 3),
)
BLOCK_HEADER_LEN = 3
MAX_BLOCK_LEN = 0xFFFF


def choose_uap_name(category: Category, items: dict[str, Any]) -> str | None:
    """The name of the UAP a record's items belong to (None for a single-UAP category).

    Raises EncodeError when no UAP fits (the selector's value names none and there is no
    default, or the selector item is absent and there is no default).
    """
    sel = category.select
    if sel is None:
        return None
    if sel.item not in items:
        if sel.default is None:
            raise EncodeError(sel.absent(category.number), category=category.number, item=sel.item)
        return sel.default
    name = sel.choose(items[sel.item])
    if name is None:
        raise EncodeError(sel.no_fit(category.number, items[sel.item]), category=category.number, item=sel.label)
    return name


def decoded_uap_name(category: Category, items: dict[str, Any]) -> str | None:
    """The UAP a decoded record was read with (None for a single-UAP category)."""
    sel = category.select
    if sel is None:
        return None
    if sel.item not in items:
        return sel.default
    return sel.choose(items[sel.item])


def choose_uap(category: Category, items: dict[str, Any]) -> list[Item | Rfs | None]:
    """The UAP a record's items belong to (categories with one UAP: that one)."""
    name = choose_uap_name(category, items)
    return category.uap if name is None else category.uaps[name]


def _needs(stream: Any, n: int, num: int, item: str) -> DecodeError:
    at = stream.tell()
    left = max(stream.size - at, 0)
    return DecodeError(f"needs {n} octet{'s' if n != 1 else ''}, the data block has {left} left",
                       category=num, item=item, offset=at)


def _read1(stream: Any, num: int, item: str) -> int:
    b = stream.read(1)
    if not b:
        raise _needs(stream, 1, num, item)
    return b[0]


class RecordCon(Construct):
    """One record of ``category`` with Construct's interpreter: the reference codec."""

    def __init__(self, category: Category) -> None:
        super().__init__()
        self.category = category

    def _item(self, item: Item, stream: Any, context: Any) -> Any:
        num = self.category.number
        at = stream.tell()
        try:
            return item.construct.subcon._parsereport(stream, context, item.key)
        except SpecError as exc:
            raise DecodeError(str(exc).splitlines()[-1], category=num, item=_subpath(exc, item.key),
                              offset=at if exc.offset is None else exc.offset) from None
        except cs.StreamError as exc:
            if isinstance(stream, TrackedStream):
                offset, reason = stream.needs(item.key)
                raise DecodeError(reason, category=num, item=_subpath(exc, item.key), offset=offset) from None
            raise DecodeError(f"runs past the end of the data block ({type(exc).__name__})",
                              category=num, item=item.key, offset=at) from None
        except cs.ConstructError as exc:
            raise DecodeError(f"runs past the end of the data block ({type(exc).__name__})",
                              category=num, item=item.key, offset=at) from None

    def _rfs(self, uap: list, stream: Any, context: Any) -> list[dict[str, Any]]:
        num = self.category.number
        count = _read1(stream, num, "RFS")
        out = []
        for k in range(count):
            at = stream.tell()
            frn = _read1(stream, num, "RFS")
            item = uap[frn - 1] if 1 <= frn <= len(uap) else None
            if not isinstance(item, Item):
                raise DecodeError(f"RFS field {k + 1}: FRN {frn} names no item of the UAP",
                                  category=num, item="RFS", offset=at)
            out.append({item.key: self._item(item, stream, context)})
        return out

    def _parse(self, stream: Any, context: Any, path: str) -> dict[str, Any]:
        cat = self.category
        num = cat.number
        start = stream.tell()
        try:
            present = read_fspec(stream, "FSPEC")
        except cs.StreamError:
            raise DecodeError("needs 1 octet, the data block has 0 left", category=num, item="FSPEC",
                              offset=stream.tell()) from None
        if not present:
            # An empty record (libasterix reads {}; some producers pad a block with 00 octets):
            # strict mode rejects it, lenient mode gives a record of no items and a warning.
            at = stream.tell() - 1
            warnings = context._params.get("warnings")
            if context._params.get("strict") or warnings is None:
                raise DecodeError("FSPEC announces no item", category=num, item="FSPEC", offset=at)
            warnings.append(f"CAT{num:03d} item FSPEC at byte offset {context._params.get('base', 0) + at}: {EMPTY_RECORD}")
            return {}
        end = stream.tell()
        if end - start > 1:
            stream.seek(end - 1)
            if stream.read(1) == b"\x00":  # errors.FSPEC_ZERO_OCTET: strict rejects, lenient warns
                warnings = context._params.get("warnings")
                if context._params.get("strict") or warnings is None:
                    raise DecodeError(FSPEC_ZERO_OCTET, category=num, item="FSPEC", offset=end - 1)
                warnings.append(f"CAT{num:03d} item FSPEC at byte offset "
                                f"{context._params.get('base', 0) + end - 1}: {FSPEC_ZERO_OCTET}")
        sel = cat.select
        if sel is not None and sel.default is None and cat.select_index not in present:
            raise DecodeError(sel.absent(num), category=num, item="FSPEC", offset=start)
        uap = cat.uap
        items: dict[str, Any] = {}
        context._params["record"] = items
        for idx in present:
            item = uap[idx] if idx < len(uap) else None
            if item is None:
                raise DecodeError(f"FSPEC sets FRN {idx + 1}, which the UAP does not define",
                                  category=num, item="FSPEC", offset=stream.tell())
            if isinstance(item, Rfs):
                items["RFS"] = self._rfs(uap, stream, context)
                continue
            at = stream.tell()
            items[item.key] = self._item(item, stream, context)
            if sel is not None and idx == cat.select_index:
                name = sel.choose(items[item.key])
                if name is None:
                    raise DecodeError(sel.no_fit(num, items[item.key]), category=num, item=sel.label, offset=at)
                uap = cat.uaps[name]
        return items

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        cat = self.category
        if not isinstance(obj, dict):
            raise EncodeError(f"record items must be a dict, got {type(obj).__name__}", category=cat.number)
        if not obj:  # an empty record, as lenient decoding reads one: an FSPEC of one 00 octet
            stream.write(b"\x00")
            return obj
        uap = choose_uap(cat, obj)
        place = {it.key: i for i, it in enumerate(uap) if it is not None}
        unknown = [k for k in obj if k not in place]
        if unknown:
            raise EncodeError(f"no item {', '.join(map(str, unknown))} in the UAP of CAT{cat.number:03d} "
                              f"edition {cat.edition}", category=cat.number)
        context._params["record"] = obj
        frns = sorted(place[k] for k in obj)
        stream.write(fspec_bytes(frns))
        for i in frns:
            item = uap[i]
            if isinstance(item, Rfs):
                self._build_rfs(obj["RFS"], uap, place, stream, context)
            else:
                self._build_item(item, obj[item.key], stream, context)
        return obj

    def _build_item(self, item: Item, value: Any, stream: Any, context: Any) -> None:
        cat = self.category
        try:
            item.construct.subcon._build(value, stream, context, item.key)
        except EncodeError as exc:
            # the item's own name already leads the message: "item 010: missing SIC"
            reason = exc.reason.removeprefix(f"{item.key}: ")
            raise EncodeError(reason, category=cat.number, item=item.key) from None
        except cs.ConstructError as exc:
            raise EncodeError(str(exc).splitlines()[-1], category=cat.number, item=item.key) from None

    def _build_rfs(self, fields: Any, uap: list, place: dict, stream: Any, context: Any) -> None:
        num = self.category.number
        if not isinstance(fields, list):
            raise EncodeError(f"expected a list of {{item: value}} fields, got {fields!r}", category=num, item="RFS")
        if len(fields) > 255:
            raise EncodeError(f"{len(fields)} fields do not fit the RFS count octet", category=num, item="RFS")
        stream.write(bytes([len(fields)]))
        for k, f in enumerate(fields):
            if not isinstance(f, dict) or len(f) != 1:
                raise EncodeError(f"field {k + 1}: expected one {{item: value}}, got {f!r}", category=num, item="RFS")
            (key, value), = f.items()
            i = place.get(key)
            if i is None or not isinstance(uap[i], Item):
                raise EncodeError(f"field {k + 1}: no item {key} in the UAP", category=num, item="RFS")
            stream.write(bytes([i + 1]))
            self._build_item(uap[i], value, stream, context)

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("a record has no fixed size")


def _subpath(exc: SpecError, key: str) -> str:
    """'040 -> RHO' style Construct paths turned into '040/RHO' for error messages."""
    path = getattr(exc, "path", None) or key
    return _visible(str(path)) or key


def parse_record(category: Category, data: bytes, pos: int, end: int, warnings: list[str] | None) -> tuple[dict, int]:
    """Reference decode of one record of ``data[pos:end]``; returns (items, next position).

    Raises DecodeError with offsets into ``data``.
    """
    # Only the rest of the block is handed to Construct (a block is 64 KiB at most): handing it
    # the whole input from the start made each record copy everything before it.
    stream = TrackedStream(data[pos:end])
    try:
        items = RecordCon(category).parse_stream(stream, strict=warnings is None, warnings=warnings,
                                                  base=pos, category=category.number, tracked=stream)
    except DecodeError as exc:
        raise exc.at(pos) from None
    return items, pos + stream.tell()


def build_record(category: Category, items: dict[str, Any]) -> bytes:
    """Reference encode of one record (FSPEC and items, no block header)."""
    return RecordCon(category).build(items)
