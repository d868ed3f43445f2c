"""Records and data blocks: FSPEC, UAP selection, and the data block around records.

The Construct reference lives here: :class:`RecordCon` parses and builds one record of a
category edition with Construct's interpreter, item by item, through the declarations of
:mod:`spec`. :data:`DATA_BLOCK` declares the block header. Errors come out as
:class:`DecodeError` (with category, item and byte offset) or :class:`EncodeError`.
"""
from __future__ import annotations

import io
from typing import Any

import construct as cs
from construct import Bytes, Construct, Int8ub, Int16ub, Struct, this

from radarbench.codecs.asterix.errors import DecodeError, EncodeError
from radarbench.codecs.asterix.spec import Category, Item, SpecError, fspec_bytes, read_fspec

# CAT (1 octet), LEN (2 octets, counting the whole block), then the records.
DATA_BLOCK = Struct(
    "category" / Int8ub,
    "length" / Int16ub,
    "records" / Bytes(this.length - 3),
)
BLOCK_HEADER_LEN = 3
MAX_BLOCK_LEN = 0xFFFF


def choose_uap(category: Category, items: dict[str, Any]) -> list[Item | None]:
    """The UAP a record's items belong to (categories with one UAP: that one)."""
    if category.select is None:
        return category.uap
    sel = category.select
    if sel.item not in items:
        raise EncodeError(f"item {sel.item} is needed to choose the UAP", category=category.number)
    return category.uaps[sel.choose(items[sel.item])]


class RecordCon(Construct):
    """One record of ``category`` with Construct's interpreter: the reference codec."""

    def __init__(self, category: Category) -> None:
        super().__init__()
        self.category = category

    def _parse(self, stream: Any, context: Any, path: str) -> dict[str, Any]:
        cat = self.category
        num = cat.number
        try:
            present = read_fspec(stream, "FSPEC")
        except cs.StreamError:
            raise DecodeError("needs 1 octet, the data block has 0 left", category=num, item="FSPEC",
                              offset=stream.tell()) from None
        if not present:
            raise DecodeError("FSPEC announces no item", category=num, item="FSPEC", offset=stream.tell() - 1)
        uap = cat.uap
        items: dict[str, Any] = {}
        for idx in present:
            item = uap[idx] if idx < len(uap) else None
            if item is None:
                raise DecodeError(f"FSPEC sets FRN {idx + 1}, which the UAP does not define",
                                  category=num, item="FSPEC", offset=stream.tell())
            at = stream.tell()
            try:
                items[item.key] = item.construct.subcon._parsereport(stream, context, item.key)
            except SpecError as exc:
                raise DecodeError(str(exc).splitlines()[-1], category=num, item=_subpath(exc, item.key),
                                  offset=at) from None
            except cs.ConstructError as exc:
                raise DecodeError(f"runs past the end of the data block ({type(exc).__name__})",
                                  category=num, item=item.key, offset=at) from None
            if cat.select is not None and idx == cat.select_index:
                uap = cat.uaps[cat.select.choose(items[item.key])]
        return items

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        cat = self.category
        if not isinstance(obj, dict):
            raise EncodeError(f"record items must be a dict, got {type(obj).__name__}", category=cat.number)
        uap = choose_uap(cat, obj)
        place = {it.key: i for i, it in enumerate(uap) if it is not None}
        unknown = [k for k in obj if k not in place]
        if unknown:
            raise EncodeError(f"no item {', '.join(map(str, unknown))} in the UAP of CAT{cat.number:03d} "
                              f"edition {cat.edition}", category=cat.number)
        if not obj:
            raise EncodeError("a record needs at least one item", category=cat.number)
        frns = sorted(place[k] for k in obj)
        stream.write(fspec_bytes(frns))
        for i in frns:
            item = uap[i]
            try:
                item.construct.subcon._build(obj[item.key], stream, context, item.key)
            except EncodeError as exc:
                # the item's own name already leads the message: "item 010: missing SIC"
                reason = exc.reason.removeprefix(f"{item.key}: ")
                raise EncodeError(reason, category=cat.number, item=item.key) from None
            except cs.ConstructError as exc:
                raise EncodeError(str(exc).splitlines()[-1], category=cat.number, item=item.key) from None
        return obj

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("a record has no fixed size")


def _subpath(exc: SpecError, key: str) -> str:
    """'040 -> RHO' style Construct paths turned into '040/RHO' for error messages."""
    path = getattr(exc, "path", None) or key
    parts = [p.strip() for p in str(path).replace("(parsing)", "").split("->") if p.strip()]
    return "/".join(parts) if parts else key


def parse_record(category: Category, data: bytes, pos: int, end: int, warnings: list[str] | None) -> tuple[dict, int]:
    """Reference decode of one record of ``data[pos:end]``; returns (items, next position).

    Raises DecodeError with offsets into ``data``.
    """
    # Only the rest of the block is handed to Construct (a block is 64 KiB at most): handing it
    # the whole input from the start made each record copy everything before it.
    stream = io.BytesIO(data[pos:end])
    try:
        items = RecordCon(category).parse_stream(stream, strict=warnings is None, warnings=warnings)
    except DecodeError as exc:
        raise exc.at(pos) from None
    return items, pos + stream.tell()


def build_record(category: Category, items: dict[str, Any]) -> bytes:
    """Reference encode of one record (FSPEC and items, no block header)."""
    return RecordCon(category).build(items)
