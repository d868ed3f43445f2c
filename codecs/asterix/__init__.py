"""EUROCONTROL ASTERIX: decode bytes into records of plain values, and encode them back.

    from radarbench.codecs.asterix import decode, encode
    records = decode(datagram)                  # list[Record]; .skipped lists unknown blocks
    records[0].items["040"]["RHO"]               # NM, as the specification scales it
    data = encode(records)                       # the same bytes

Data blocks (CAT, LEN counting the whole block, records) follow each other in ``data``;
consecutive records of one category share a block when encoding. Editions default to
:data:`editions.DEFAULT_EDITIONS`; ``editions={48: "1.31"}`` picks others.

Two engines decode: ``"fast"`` (code generated from the declarations, the default) and
``"construct"`` (Construct's interpreter over the same declarations: the reference).
Nothing but :class:`DecodeError` escapes :func:`decode`, whatever the bytes.
"""
from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from radarbench.codecs.asterix import editions as _editions
from radarbench.codecs.asterix.errors import DecodeError, EncodeError, warning_at
from radarbench.codecs.asterix.record import (
    BLOCK_HEADER_LEN, MAX_BLOCK_LEN, build_record, decoded_uap_name, parse_record,
)
from radarbench.codecs.asterix.spec import Category

if TYPE_CHECKING:
    from radarbench.codecs.asterix.codegen import RecordDecoder, RecordEncoder

__all__ = [
    "Record", "Decoded", "SkippedBlock", "DecodeError", "EncodeError",
    "decode", "iter_decode", "iter_decode_plain", "encode", "encode_one", "encode_record", "pack_blocks", "block_of", "category_number", "category_spec", "split_blocks",
]


@dataclass(slots=True)
class Record:
    """One decoded record: its category, edition and items (plain data), where it was found."""

    category: int
    edition: str
    items: dict[str, Any]
    offset: int | None = None   # byte offset of the record (its FSPEC) in the input
    block: int | None = None    # index of its data block in the input
    warnings: list[str] = field(default_factory=list)
    uap: str | None = None      # the UAP it was read with (None: the category has one UAP)

    def to_dict(self) -> dict[str, Any]:
        if self.uap is not None:
            return {"category": self.category, "edition": self.edition, "uap": self.uap, "items": self.items}
        return {"category": self.category, "edition": self.edition, "items": self.items}


@dataclass(slots=True, frozen=True)
class SkippedBlock:
    """A data block of a category with no declaration: skipped, and reported here."""

    category: int
    offset: int
    length: int


class Decoded(list):
    """The records of a decode (a list), with the data blocks it skipped and its warnings."""

    __slots__ = ("skipped",)

    def __init__(self) -> None:
        self.skipped: list[SkippedBlock] = []

    @property
    def warnings(self) -> list[str]:
        return [w for r in self for w in r.warnings]


_list_new = list.__new__

# decode() pauses the cyclic GC while it decodes this much or more (see decode): ~300 CAT048
# records, where the two calls cost nothing measurable
GC_PAUSE_OCTETS = 16384


def category_spec(category: int, edition: str | None = None) -> Category:
    """The declaration of a category edition (default edition if None); KeyError if unknown."""
    return _editions.load(category, edition or _editions.DEFAULT_EDITIONS[category])


@lru_cache(maxsize=None)
def _fast(category: Category) -> RecordDecoder:
    # imported here, so that `python -m radarbench.codecs.asterix.codegen` finds it unimported
    from radarbench.codecs.asterix.codegen import generate
    return generate(category)[1]


def _reference(category: Category) -> RecordDecoder:
    def dec(b: bytes, p: int, e: int, W: list[str] | None) -> tuple[dict, int]:
        return parse_record(category, b, p, e, W)
    return dec


def _block_at(data: bytes, p: int, n: int) -> int:
    """The end of the data block whose header is at ``p``; DecodeError at a bad header."""
    if n - p < BLOCK_HEADER_LEN:
        raise DecodeError(f"{n - p} octet(s) left, too few for a data block header (CAT, LEN)",
                          category=data[p], item="block", offset=p)
    length = data[p + 1] << 8 | data[p + 2]
    if length <= BLOCK_HEADER_LEN:
        raise DecodeError(f"LEN is {length}; a data block holds its 3 header octets and at least one record",
                          category=data[p], item="block", offset=p)
    if p + length > n:
        raise DecodeError(f"LEN is {length}, but only {n - p} octet(s) remain",
                          category=data[p], item="block", offset=p)
    return p + length


def split_blocks(data: bytes, start: int = 0) -> Iterator[tuple[int, int, int]]:
    """(offset, category, end) of each data block in ``data``; DecodeError at a bad header."""
    n = len(data)
    p = start
    while p < n:
        end = _block_at(data, p, n)
        yield p, data[p], end
        p = end


# (edition, record decoder, the category when it has several UAPs) of a category, or None
_Entry = "tuple[str, RecordDecoder, Category | None] | None"


class _Decoders(dict):
    """Category -> its _Entry for one choice of editions and engine, filled on first use."""

    def __init__(self, chosen: dict[int, str], engine: str) -> None:
        super().__init__()
        self.chosen = chosen
        self.engine = engine

    def __missing__(self, cat: int) -> Any:
        ed = self.chosen.get(cat)
        entry = None
        if ed is not None:
            spec = _editions.load(cat, ed)
            entry = (ed, _fast(spec) if self.engine == "fast" else _reference(spec),
                     spec if spec.select is not None else None)
        self[cat] = entry
        return entry


# Decoder tables by (engine, editions asked for): decoding a datagram at a time must not
# resolve editions and look decoders up again for each call.
_TABLES: dict[tuple, _Decoders] = {}


# The usual call's table: (the registry functions it was made with, the table)
_DEFAULT: list = [None, None, None]


def _decoders(editions: Mapping[int, str] | None, engine: str) -> _Decoders:
    d = _DEFAULT
    # the usual call, once a datagram: no key to build, no sorting, no try
    if editions is None and engine == "fast" and d[0] is _editions.resolve and d[1] is _editions.load:
        return d[2]
    if engine not in ("fast", "construct"):
        raise ValueError(f"engine must be 'fast' or 'construct', not {engine!r}")
    if not editions:
        table = _TABLES.get((engine, (), _editions.resolve, _editions.load))
        if table is not None:
            return table
    try:
        # (the functions in the key: a table must not outlive a replaced registry, as in tests)
        key = (engine, tuple(sorted(editions.items())) if editions else (), _editions.resolve, _editions.load)
        table = _TABLES.get(key)
    except (TypeError, AttributeError):  # not a mapping, unhashable, unorderable: resolve() says what
        key, table = None, None
    if table is None:
        try:
            table = _Decoders(_editions.resolve(editions), engine)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None
        if key is not None:
            if len(_TABLES) > 64:
                _TABLES.clear()
            _TABLES[key] = table
            if not editions and engine == "fast":
                d[:] = [_editions.resolve, _editions.load, table]
    return table


def _as_bytes(data: Any) -> bytes:
    if data.__class__ is bytes:
        return data
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    return bytes(data)


def _failure(exc: Exception, cat: int, q: int) -> DecodeError:
    """The DecodeError for what a record decoder raised at ``q``."""
    if isinstance(exc, DecodeError):
        return exc
    if isinstance(exc, RecursionError):
        return DecodeError("nesting too deep", category=cat, offset=q)
    # a bug of ours must still surface as a DecodeError
    err = DecodeError(f"internal decoder error: {exc!r}", category=cat, offset=q)
    err.__cause__ = exc
    return err


_new = object.__new__


def _records(data: bytes, p: int, n: int, bi: int, table: _Decoders, strict: bool,
             out: list[Record], skipped: list[SkippedBlock] | None) -> DecodeError | None:
    """Append the records of the data blocks from ``p`` (block index ``bi``) to ``n`` to
    ``out``, and the blocks of unknown categories to ``skipped`` (if given); the DecodeError
    that broke a data block (after the records before the break), or None. A bad block
    header raises. decode() calls it once for all its blocks, iter_decode() once a block
    (``n`` at the block's end): one loop for both, a call a datagram for decode()."""
    while p < n:
        end = p + (data[p + 1] << 8 | data[p + 2]) if n - p >= BLOCK_HEADER_LEN else p
        if end <= p + BLOCK_HEADER_LEN or end > n:
            _block_at(data, p, n)  # raises the error that names the bad header
        cat = data[p]
        entry = table[cat]
        if entry is None:
            if skipped is not None:
                skipped.append(SkippedBlock(cat, p, end - p))
            p = end
            bi += 1
            continue
        ed, dec, multi = entry
        q = p + BLOCK_HEADER_LEN
        while q < end:
            warnings: list[str] | None = None if strict else []
            try:
                items, nq = dec(data, q, end, warnings)
            except Exception as exc:
                return _failure(exc, cat, q)
            # a Record made by setting its slots: ~40 % of the time of the dataclass __init__
            # (every field is set here; test_asterix_api checks none is left out)
            r = _new(Record)
            r.category = cat
            r.edition = ed
            r.items = items
            r.offset = q
            r.block = bi
            r.warnings = [] if warnings is None else warnings
            r.uap = None if multi is None else decoded_uap_name(multi, items)
            out.append(r)
            q = nq
        p = end
        bi += 1
    return None


def _settle(exc: DecodeError, errors: list[DecodeError] | None) -> None:
    """A break inside a data block: raised, or kept in ``errors`` to go on with the next block."""
    if errors is None:
        raise exc
    errors.append(exc)


def iter_decode(
    data: bytes,
    *,
    strict: bool = False,
    editions: Mapping[int, str] | None = None,
    engine: str = "fast",
    skipped: list[SkippedBlock] | None = None,
    errors: list[DecodeError] | None = None,
) -> Iterator[Record]:
    """Decode record by record: the records before a break are yielded before its DecodeError.

    Unknown categories are appended to ``skipped`` (if given) and passed over. With ``errors``
    (a list), a break inside a data block is appended there and decoding goes on with the
    next block (its LEN says where that starts); a block header that breaks (LEN past the
    end of the data, or too small) still raises, since nothing after it can be found.
    """
    table = _decoders(editions, engine)
    data = _as_bytes(data)
    n = len(data)
    p = bi = 0
    records: list[Record] = []
    while p < n:
        end = _block_at(data, p, n)
        exc = _records(data, p, end, bi, table, strict, records, skipped)
        yield from records
        records.clear()
        if exc is not None:
            _settle(exc, errors)
        p = end
        bi += 1


def iter_decode_plain(
    data: bytes,
    *,
    base: int = 0,
    block0: int = 0,
    strict: bool = False,
    editions: Mapping[int, str] | None = None,
    engine: str = "fast",
    skipped: list[SkippedBlock] | None = None,
    errors: list[DecodeError] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """``iter_decode``'s records as plain dicts, one list a data block: the objects that
    `radarbench decode` writes as JSON Lines, without a Record made and read for each.

    Each dict has, in this order: ``category``, ``edition``, ``items``, ``uap`` (only for a
    category with several UAPs, when the record names one), ``block`` and ``offset`` (``data`` taken to start at block
    ``block0`` and byte offset ``base`` of a file), ``warnings`` (only when there are any;
    their byte offsets are the file's too). ``skipped``, ``errors`` and the DecodeError raised
    are those of :func:`iter_decode`; a block's records before a break come first.
    """
    table = _decoders(editions, engine)
    data = _as_bytes(data)
    n = len(data)
    p = 0
    bi = block0
    while p < n:
        end = _block_at(data, p, n)
        cat = data[p]
        entry = table[cat]
        if entry is None:
            if skipped is not None:
                skipped.append(SkippedBlock(cat, p, end - p))
            p = end
            bi += 1
            continue
        ed, dec, multi = entry
        rows: list[dict[str, Any]] = []
        append = rows.append
        q = p + BLOCK_HEADER_LEN
        exc = None
        while q < end:
            warnings: list[str] | None = None if strict else []
            try:
                items, nq = dec(data, q, end, warnings)
            except Exception as e:  # noqa: BLE001 (_failure makes any of them a DecodeError)
                exc = _failure(e, cat, q)
                break
            if multi is None and not warnings:
                append({"category": cat, "edition": ed, "items": items, "block": bi, "offset": q + base})
            else:
                row = {"category": cat, "edition": ed, "items": items}
                uap = None if multi is None else decoded_uap_name(multi, items)
                if uap is not None:  # (none for an empty record)
                    row["uap"] = uap
                row["block"] = bi
                row["offset"] = q + base
                if warnings:
                    row["warnings"] = [warning_at(w, base) for w in warnings] if base else warnings
                append(row)
            q = nq
        if rows:
            yield rows
        if exc is not None:
            _settle(exc, errors)
        p = end
        bi += 1


def decode(
    data: bytes,
    *,
    strict: bool = False,
    editions: Mapping[int, str] | None = None,
    engine: str = "fast",
) -> Decoded:
    """Decode every record of every data block in ``data``.

    strict: reject non-zero spare bits (lenient: accept them and note them in
    ``Record.warnings``). editions: {category: edition} overriding the defaults.
    Returns a :class:`Decoded` list; blocks of unknown categories are in ``.skipped``.
    Raises :class:`DecodeError` (category, item, byte offset, reason) and nothing else.

    From ``GC_PAUSE_OCTETS`` of data up, when no other Python thread is running, the cyclic
    garbage collector (:mod:`gc`) is paused for the call and enabled again on return (if it
    was enabled): without the pause it took over half the time of a large decode. (The GC is
    the whole process's: with other threads, pausing it would hold up their collections and
    could undo a ``gc.disable()`` one of them made meanwhile, so it is left alone.)
    """
    table = _decoders(editions, engine)
    if data.__class__ is not bytes:
        data = _as_bytes(data)
    # one a datagram: list.__new__ and the slot, not Decoded()'s Python __init__ (~130 -> ~40 ns)
    out = _list_new(Decoded)
    out.skipped = []
    n = len(data)
    # CPython's cyclic GC runs every 700 container allocations, and more and more often on
    # the records a long decode keeps: it made decode() of a 19 MB file 14-19 us a CAT048
    # record, against 5.6 us with it paused. Records hold no reference cycles, so the pause
    # loses nothing; it is lifted on every way out (Mercurial's util.nogc does the same when
    # it parses big files). A datagram's few records are not worth the two calls.
    paused = n >= GC_PAUSE_OCTETS and gc.isenabled() and threading.active_count() == 1
    try:
        if paused:  # inside the try: a signal handled as gc.disable() returns still re-enables
            gc.disable()
        err = _records(data, 0, n, 0, table, strict, out, out.skipped)
        if err is not None:
            raise err
    finally:
        if paused:
            gc.enable()
    return out


def category_number(value: Any) -> int:
    """A record's category: an int from 0 to 255, or a string of decimal digits naming one
    (JSON written by hand: "48"). Raises EncodeError saying what was given otherwise: 48.7,
    True, " 48 " or 300 name no category, and int() would have made one of the first three."""
    if type(value) is int and 0 <= value <= 255:  # the common case first: one test
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255:
        return int(value)  # an int subclass (IntEnum)
    if isinstance(value, str) and 0 < len(value) <= 16 and value.isascii() and value.isdigit() and int(value) <= 255:
        return int(value)
    raise EncodeError(f"category {value!r} ({type(value).__name__}) is not a category number: "
                      "expected an integer from 0 to 255")


def _as_record(r: Any) -> tuple[int, str | None, dict[str, Any]]:
    if isinstance(r, Record):
        return r.category, r.edition, r.items
    if isinstance(r, Mapping):
        try:
            category, items = r["category"], r["items"]
        except (KeyError, TypeError):
            raise EncodeError("a record needs 'category' (a number) and 'items' (a dict)") from None
        return category_number(category), r.get("edition"), items
    raise EncodeError(f"cannot encode a {type(r).__name__} as a record")


@lru_cache(maxsize=None)
def _fast_encoder(category: Category) -> RecordEncoder:
    from radarbench.codecs.asterix.codegen import generate_encoder
    return generate_encoder(category)[1]


# the generated encoder of each (category, edition) named so far: one dict lookup a record
# instead of the edition lookup and two caches keyed by the declaration; emptied when the
# registry's load function is not the one it was filled through (a registry replaced, as in
# tests, must not leave its declarations here, nor find the real ones)
_ENCODERS: dict[tuple[int, str], RecordEncoder] = {}
_ENCODERS_LOAD: list = [None]


def _encoders() -> dict[tuple[int, str], RecordEncoder]:
    if _ENCODERS_LOAD[0] is not _editions.load:
        _ENCODERS.clear()
        _ENCODERS_LOAD[0] = _editions.load
    return _ENCODERS


def encode_record(category: int, items: dict[str, Any], edition: str | None = None,
                  engine: str = "fast") -> bytes:
    """One record (FSPEC and items, no block header). Raises EncodeError.

    The generated encoder serves every value it recognises; anything else goes to the
    Construct reference, which builds it or raises the EncodeError naming item and reason.
    """
    if engine == "fast":
        try:
            enc = _encoders().get((category, edition))
        except TypeError:  # an unhashable edition: said below
            enc = None
        if enc is not None:
            try:
                return enc(items)
            except Exception:  # the reference gives the bytes or the error
                return build_record(category_spec(category, edition), items)
    elif engine != "construct":
        raise ValueError(f"engine must be 'fast' or 'construct', not {engine!r}")
    if not isinstance(category, int) or isinstance(category, bool):
        raise EncodeError(f"the category must be a number, not {category!r}")
    if edition is not None and not isinstance(edition, str):
        raise EncodeError(f"the edition must be a string such as '1.32', not {edition!r}", category=category)
    try:
        spec = category_spec(category, edition)
    except KeyError:
        raise EncodeError(f"no declaration of CAT{category:03d} edition {edition}", category=category) from None
    if engine == "fast":
        enc = _fast_encoder(spec)
        if edition is not None:
            _encoders()[category, edition] = enc
        try:
            return enc(items)
        except Exception:  # Fallback, or a value of a shape it does not expect
            pass
    return build_record(spec, items)


def pack_blocks(encoded: Iterable[tuple]) -> bytes:
    """Data blocks around already encoded records, given as (category, edition, record bytes)
    or (category, edition, record bytes, group).

    Consecutive records of one category and edition share a data block; a new block starts
    when one would pass 65535 octets, and where the group changes (a record's group is where
    it was decoded from, see :func:`block_of`: records of two data blocks stay in two).
    """
    out = bytearray()
    cur_key: tuple | None = None
    start = -1   # where the header of the block being filled is in out; -1: none written yet
    for entry in encoded:
        rec = entry[2]
        if len(rec) + BLOCK_HEADER_LEN > MAX_BLOCK_LEN:
            raise EncodeError(f"record of {len(rec)} octets does not fit a data block", category=entry[0])
        key = (entry[0], entry[1], entry[3] if len(entry) > 3 else None)
        if key != cur_key or (start >= 0 and len(out) - start + len(rec) > MAX_BLOCK_LEN):
            _close_block(out, start)
            cur_key = key
            start = -1
        if rec:   # (a block holds at least one octet of records: none is written for empty ones)
            if start < 0:
                start = len(out)
                out += bytes((entry[0], 0, 0))
            out += rec
    _close_block(out, start)
    return bytes(out)


def _close_block(out: bytearray, start: int) -> None:
    """Write the length of the data block whose header is at ``start`` (if any) into it."""
    if start >= 0:
        n = len(out) - start
        out[start + 1] = n >> 8
        out[start + 2] = n & 0xFF


def encode_one(record: Any, editions: Mapping[int, str] | None = None) -> tuple[int, str, bytes]:
    """(category, edition, record bytes) of one Record or {"category", "edition"?, "items"}."""
    cat, ed, items = _as_record(record)
    if ed is None:
        try:
            ed = _editions.resolve(editions).get(cat)
        except ValueError as exc:
            raise EncodeError(str(exc)) from None
        if ed is None:
            raise EncodeError(f"no declaration of CAT{cat:03d}", category=cat)
    return cat, ed, encode_record(cat, items, ed)


def block_of(record: Any) -> Any:
    """Where a record was decoded from, as a hashable (None if not known): a Record's block
    index, or a decoded JSON record's "frame" and "block" (as `radarbench decode` writes
    them). Records of one data block go back into one; records of two stay in two."""
    if isinstance(record, Record):
        return record.block
    if isinstance(record, Mapping):
        frame, block = record.get("frame"), record.get("block")
        if frame is None and block is None:
            return None
        try:
            return (frame, block) if frame is not None else block
        except TypeError:
            return None
    return None


def encode(records: Iterable[Any], *, editions: Mapping[int, str] | None = None) -> bytes:
    """Data blocks holding ``records`` (Record objects or {"category", "edition"?, "items"}).

    Consecutive records of one category and edition share a data block (a new block starts
    when one would pass 65535 octets), unless they were decoded from different data blocks
    (:func:`block_of`): then each block is rebuilt as it was, so encode(decode(data)) == data
    for a file of several blocks of one category. A record's own edition wins over
    ``editions``. Raises :class:`EncodeError` naming the item and the reason (or what is
    wrong with ``editions``, even when every record names its own edition).
    """
    if editions is not None:
        try:
            _editions.resolve(editions)
        except ValueError as exc:
            raise EncodeError(str(exc)) from None
    return pack_blocks(_encoded(records, editions))


def _encoded(records: Iterable[Any], editions: Mapping[int, str] | None) -> Iterator[tuple]:
    """(category, edition, record bytes, group) of each record, for :func:`pack_blocks`; a
    decoded Record of an edition encoded before goes straight to its generated encoder."""
    get = _encoders().get
    for r in records:
        if r.__class__ is Record:
            try:
                enc = get((r.category, r.edition))
            except TypeError:  # an unhashable edition: encode_record says what is wrong
                enc = None
            if enc is not None:
                try:
                    rec = enc(r.items)
                except Exception:  # the long way gives the bytes or the error
                    rec = None
                if rec is not None:
                    yield r.category, r.edition, rec, r.block
                    continue
        yield (*encode_one(r, editions), block_of(r))
