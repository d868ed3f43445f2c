"""Test helpers: libasterix as an independent oracle, random records, a Construct reference
record walker and a pcap reader.

Import from tests as ``from oracle import ...`` (tests/unit/conftest.py puts this folder on
``sys.path``).

* :func:`libasterix_values` decodes a data block with libasterix 0.36.3 and converts every
  record to radarbench's plain-data form by walking libasterix's object tree and its class
  metadata (``cv_*`` attributes), so it serves every edition libasterix knows.
* :func:`random_record` builds a random valid items dict from radarbench's declarations.
* :func:`reference_decode_block` / :func:`reference_encode_block`: a record walker on the
  Construct reference of each item (FSPEC, UAP order), independent of the codec API.
* :func:`values_diff` compares two values (floats with a relative tolerance) and lists where
  they differ.
* :func:`pcap_udp_payloads` / :func:`split_blocks`: the samples in ../shared/samples.
"""
from __future__ import annotations

import contextvars
import io
import math
import random
from pathlib import Path
from typing import Any, Iterator

import asterix.base as lb
import asterix.generated as lg

from radarbench.codecs.asterix import spec as S

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = (ROOT / ".." / "shared" / "samples").resolve()

__all__ = [
    "libasterix_class", "libasterix_ref", "libasterix_editions", "libasterix_refs", "libasterix_records", "libasterix_values", "libasterix_item_value",
    "random_record", "random_value", "reference_decode_block", "reference_encode_block",
    "reference_decode_records", "values_diff", "pcap_udp_payloads", "split_blocks",
    "SAMPLES", "ROOT",
]


# =========================================================================== libasterix


def libasterix_class(category: int, edition: str) -> Any:
    """libasterix's AstCat class for one category edition (``Cat_048_1_32``)."""
    name = f"Cat_{category:03d}_{edition.replace('.', '_')}"
    try:
        return getattr(lg, name)
    except AttributeError:
        raise KeyError(f"libasterix has no {name}") from None


def libasterix_ref(category: int, edition: str) -> Any:
    """libasterix's AstRef class of one RE expansion edition (``Ref_048_1_13``)."""
    name = f"Ref_{category:03d}_{edition.replace('.', '_')}"
    try:
        return getattr(lg, name)
    except AttributeError:
        raise KeyError(f"libasterix has no {name}") from None


def libasterix_editions() -> list[tuple[int, str]]:
    """Every (category, edition) libasterix knows, from its manifest."""
    return sorted((cat, "%d.%d" % spec.cv_edition) for cat, specs in lg.manifest["CATS"].items() for spec in specs)


def libasterix_refs() -> list[tuple[int, str]]:
    """Every (category, edition) of an RE expansion libasterix knows."""
    return sorted((cat, "%d.%d" % spec.cv_edition) for cat, specs in lg.manifest["REFS"].items() for spec in specs)


def _by_selector(u: Any, bits: Any) -> Any:
    """Parse one record of a several-UAP category with the UAP its selector item chooses:
    (Record, remaining bits), or ValueError."""
    path, cases = u.cv_selector
    err: Any = ValueError("libasterix: no UAP parses the record")
    for rec_cls in u.cv_uaps.values():
        res = rec_cls._parse(lb.ParsingMode.StrictParsing, bits)
        if isinstance(res, ValueError):
            err = res
            continue
        val = _lookup_uint(res[0].items_regular, list(path))
        chosen = cases.get(val) if val is not None else None
        if chosen is None:
            return ValueError(f"libasterix: selector {'/'.join(path)} = {val} chooses no UAP")
        return u.cv_uaps[chosen]._parse(lb.ParsingMode.StrictParsing, bits)
    return err


def libasterix_records(category: int, edition: str, block: bytes, uap: str | None = None) -> list[Any]:
    """Parse one or more data blocks of ``category`` with libasterix (strict); its Record objects.

    Raises ValueError when libasterix rejects the bytes.
    """
    cls = libasterix_class(category, edition)
    dbs = lb.RawDatablock.parse(lb.Bits.from_bytes(bytes(block)))
    if isinstance(dbs, ValueError):
        raise dbs
    out: list[Any] = []
    for db in dbs:
        if db.get_category() != category:
            raise ValueError(f"data block of category {db.get_category()}, expected {category}")
        u = cls.cv_uap
        if issubclass(u, lb.UapSingle):
            recs = u._parse(db.get_raw_records())
        elif uap is not None:
            recs = u._parse(uap, db.get_raw_records())
        elif u.cv_selector is not None:
            recs, bits = [], db.get_raw_records()
            while len(bits):
                res = _by_selector(u, bits)
                if isinstance(res, ValueError):
                    raise res
                recs.append(res[0])
                bits = res[1]
        else:
            alts = u._parse_any_uap(db.get_raw_records(), 64)
            if isinstance(alts, ValueError):
                raise alts
            if len(alts) != 1:
                raise ValueError(f"libasterix: {len(alts)} ways to parse this block with the UAPs; pass uap=")
            recs = alts[0]
        if isinstance(recs, ValueError):
            raise recs
        out.extend(recs)
    return out


def libasterix_values(category: int, edition: str, block: bytes, uap: str | None = None,
                      icao_reversible: bool = False, ref: str | None = None) -> list[dict]:
    """Decode data block(s) with libasterix; each record as our plain items dict.

    libasterix drops ICAO 6-bit codes outside A-Z, space and 0-9 from its strings (all-zero
    callsigns read as ''); ``icao_reversible=True`` spells them as radarbench does (the IA-5
    character whose low six bits they are: code 0 is "@"), from the same bits.

    ``ref``: an RE expansion edition of this category; the contents of the category's
    ``explicit re`` items are then parsed with it (a dict of the present sub-items, as the
    contract says radarbench gives them) where they parse completely, and left as the hex
    string where they do not. Several UAPs: ``uap`` names the one to use for every record;
    without it, each record is parsed with the UAP its selector item chooses (libasterix leaves
    that choice to its caller: ``_by_selector``).

    RFS (random field sequencing): ``items["RFS"] = [{"040": value}, ...]`` in the order carried.
    """
    t1 = _ICAO_REVERSIBLE.set(icao_reversible)
    t2 = _REF.set(libasterix_ref(category, ref) if ref is not None else None)
    try:
        return [_record_values(r) for r in libasterix_records(category, edition, block, uap)]
    finally:
        _ICAO_REVERSIBLE.reset(t1)
        _REF.reset(t2)


def libasterix_item_value(category: int, edition: str, key: str, data: bytes) -> tuple[Any, int]:
    """Parse one item's bytes with libasterix: (our plain value, octets consumed).

    Raises ValueError when libasterix rejects them.
    """
    cls = libasterix_class(category, edition)
    nsp = cls.cv_record.cv_items_dict[key]
    bits = lb.Bits.from_bytes(bytes(data))
    res = nsp._parse(bits)
    if isinstance(res, ValueError):
        raise res
    obj, rest = res
    token = _ROOT.set({key: obj})
    try:
        return _nonspare_value(obj, [key], {}), (len(bits) - len(rest)) // 8
    finally:
        _ROOT.reset(token)


def _record_values(rec: Any) -> dict:
    token = _ROOT.set(dict(rec.items_regular))
    try:
        out = {name: _nonspare_value(nsp, [name], {}) for name, nsp in rec.items_regular.items()}
        rfs = [{name: _nonspare_value(nsp, [name], {})} for fields in rec.items_rfs if fields
               for name, nsp in fields]
        if rfs:
            out["RFS"] = rfs
        return out
    finally:
        _ROOT.reset(token)


def _child(nsp: Any, name: str) -> Any:
    """The sub-item ``name`` (a NonSpare) of a parsed libasterix NonSpare, or None."""
    rv = nsp.arg
    if not isinstance(rv, lb.RuleVariationContextFree):
        return None
    var = rv.arg
    if isinstance(var, lb.Compound):
        return var.arg.get(name)
    if isinstance(var, lb.Group):
        items = var.arg
    elif isinstance(var, lb.Extended):
        items = [i for part in var.arg for i in part if i is not None]
    else:
        return None
    for i in items:
        if isinstance(i, lb.Item) and i.cv_non_spare.cv_name == name:
            return i.arg
    return None


def _lookup_uint(root: dict, path: list[str]) -> int | None:
    """The unsigned value of the element at ``path`` (top-level item key first) of a parsed
    record, or None when an item on the way is absent."""
    nsp = root.get(path[0])
    for name in path[1:]:
        if nsp is None:
            return None
        nsp = _child(nsp, name)
    return None if nsp is None else nsp.as_uint()


def _nonspare_value(nsp: Any, path: list[str], siblings: dict[str, Any]) -> Any:
    rv = nsp.arg
    if isinstance(rv, lb.RuleVariationContextFree):
        return _variation_value(rv.arg, path, siblings)
    if isinstance(rv, lb.RuleVariationDependent):
        key = _dependency_key(type(rv), path, siblings)
        var = rv._variation(tuple(key) if key is not None else None)
        if isinstance(var, ValueError):
            raise var
        return _variation_value(var, path)
    raise TypeError(f"unexpected libasterix rule {rv!r} at {'/'.join(path)}")


def _dependency_key(rule_cls: Any, path: list[str], siblings: dict[str, Any]) -> list[int] | None:
    """The case key of a dependent rule: the values of every item it depends on (paths from the
    record root: a sibling in the same group, or another item of the record, e.g. I004/000 and
    I004/120/CC/TID for I004/120/CC/CPC), as the contract says radarbench's ``Depends`` does.
    None (the default) when one of them is absent or no case has that key."""
    root = _ROOT.get()
    key = []
    for dep in rule_cls.cv_depends_on:
        dep = list(dep)
        if dep[:-1] == list(path[:-1]) and dep[-1] in siblings:
            val = siblings[dep[-1]].as_uint()
        else:
            val = _lookup_uint(root, dep)
        if val is None:
            return None
        key.append(val)
    if not any(list(k) == key for k, _ in rule_cls.cv_cases):
        return None
    return key


_ICAO_REVERSIBLE: contextvars.ContextVar[bool] = contextvars.ContextVar("icao_reversible", default=False)
_ROOT: contextvars.ContextVar[dict] = contextvars.ContextVar("root", default={})
_REF: contextvars.ContextVar[Any] = contextvars.ContextVar("ref", default=None)


def _expansion_value(data: bytes, path: list[str]) -> Any:
    """RE contents parsed with the chosen expansion: a dict; the hex string where they do not
    parse as the expansion or leave octets over (the contract's lenient form)."""
    exp = _REF.get().cv_expansion
    res = exp._parse(lb.Bits.from_bytes(data))
    if isinstance(res, ValueError) or len(res[1]) != 0:
        return data.hex()
    return {name: _nonspare_value(nsp, path + [name], {}) for name, nsp in res[0].arg.items()}


def _content_value(content: Any) -> Any:
    if isinstance(content, lb.ContentQuantity):
        return content._as_quantity()
    if isinstance(content, lb.ContentString):
        st = type(content).cv_string_type
        if _ICAO_REVERSIBLE.get() and issubclass(st, lb.StringICAO):
            raw, n = content.bs.to_uinteger(), len(content.bs) // 6
            return "".join(S.ICAO6_CHARS[(raw >> (6 * (n - 1 - i))) & 63] for i in range(n))
        return content.as_string()
    if isinstance(content, lb.ContentInteger):
        return content.as_integer()
    return content.as_uint()  # raw, table, bds


def _group_items(items: list[Any], path: list[str]) -> dict:
    siblings = {i.cv_non_spare.cv_name: i.arg for i in items if isinstance(i, lb.Item)}
    out = {}
    for i in items:
        if isinstance(i, lb.Item):
            name = i.cv_non_spare.cv_name
            out[name] = _nonspare_value(i.arg, path + [name], siblings)
    return out


def _variation_value(var: Any, path: list[str], siblings: dict[str, Any] | None = None) -> Any:
    if isinstance(var, lb.Element):
        rule = var._get_rule()
        if isinstance(rule, lb.RuleContentDependent):
            key = _dependency_key(type(rule), path, siblings or {})
            return _content_value(rule._get_content(key))
        return _content_value(rule._get_content())
    if isinstance(var, lb.Group):
        return _group_items(var.arg, path)
    if isinstance(var, lb.Extended):
        flat = [i for part in var.arg for i in part if i is not None]
        return _group_items(flat, path)
    if isinstance(var, lb.Repetitive):
        return [_variation_value(v, path) for v in var.arg]
    if isinstance(var, lb.Explicit):
        if _REF.get() is not None and var.cv_explicit_type is lb.ReservedExpansion:
            return _expansion_value(var.get_bytes(), path)
        return var.get_bytes().hex()
    if isinstance(var, lb.Compound):
        return {name: _nonspare_value(nsp, path + [name], {}) for name, nsp in var.arg.items()}
    raise TypeError(f"unexpected libasterix variation {var!r} at {'/'.join(path)}")


# =========================================================================== random records

ICAO_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"
ASCII_CHARS = "".join(chr(c) for c in range(0x20, 0x7F))


def _random_element(el: S.Element, rng: random.Random) -> Any:
    if isinstance(el, S.Icao6):
        return "".join(rng.choice(ICAO_CHARS) for _ in range(el.chars))
    if isinstance(el, S.Ascii):
        return "".join(rng.choice(ASCII_CHARS) for _ in range(el.chars))
    if isinstance(el, S.Octal):
        return "".join(rng.choice("01234567") for _ in range(el.chars))
    raw = rng.getrandbits(el.bits)
    if el.signed and raw >= 1 << (el.bits - 1):
        raw -= 1 << el.bits
    if isinstance(el, S.Quantity):
        return raw * el.lsb
    return raw


def _random_fields(fields: list[tuple[str | None, Any]], rng: random.Random, out: dict) -> dict:
    for name, node in fields:
        if name is None:  # spare
            continue
        if isinstance(node, S.Depends):
            node = node.cases.get(out.get(node.on), node.default)
        out[name] = random_value(node, rng)
    return out


def random_value(node: Any, rng: random.Random) -> Any:
    """A random valid value of one declaration (element, group, extended, ...)."""
    if isinstance(node, S.Depends):  # outside a group: the default
        return random_value(node.default, rng)
    if isinstance(node, S.Element):
        return _random_element(node, rng)
    if isinstance(node, S.Group):
        return _random_fields(node.fields, rng, {})
    if isinstance(node, S.Extended):
        k = rng.randint(1, len(node.parts))
        out: dict = {}
        for part in node.parts[:k]:
            _random_fields(part, rng, out)
        return out
    if isinstance(node, S.RepetitiveFX):
        return [random_value(node.sub, rng) for _ in range(rng.randint(1, 3))]
    if isinstance(node, S.Repetitive):
        return [random_value(node.sub, rng) for _ in range(rng.randint(0, 3))]
    if isinstance(node, S.Compound):
        subs = [s for s in node.subitems if s is not None]
        chosen = [s for s in subs if rng.random() < 0.5] or [rng.choice(subs)]
        return {name: random_value(sub, rng) for name, sub in chosen}
    if isinstance(node, S.Explicit):
        comp = _expansion_of(node)
        if comp is not None:
            return random_value(comp, rng)
        return rng.randbytes(rng.randint(0, 8)).hex()
    if isinstance(node, S.Item):
        return random_value(node.variation, rng)
    raise TypeError(f"random_value: unexpected declaration {node!r}")


def _expansion_of(node: Any) -> Any:
    """The Compound of an RE expansion bound to an ``Explicit("re")`` (None if none is bound).

    Where spec.py keeps it is rt's choice; the attribute names tried here are the plausible
    ones (``expansion`` holding an Expansion, whose Compound is ``variation``/``compound``)."""
    exp = getattr(node, "expansion", None)
    if exp is None:
        return None
    for attr in ("variation", "compound", "construct"):
        comp = getattr(exp, attr, None)
        if isinstance(comp, S.Compound):
            return comp
    return exp if isinstance(exp, S.Compound) else None


def _is_rfs(it: Any) -> bool:
    rfs = getattr(S, "RFS", None)
    return rfs is not None and (it is rfs or type(it).__name__ == "Rfs")


def _resolve(root: dict, path: tuple[str, ...]) -> Any:
    v: Any = root
    for name in path:
        if not isinstance(v, dict) or name not in v:
            return None
        v = v[name]
    return v


def _fix_depends(node: Any, value: Any, root: dict, rng: random.Random, siblings: dict | None = None) -> Any:
    """Regenerate every ``Depends`` value of ``value`` with the case the record chooses
    (the first pass drew them before the values they depend on were known)."""
    if isinstance(node, S.Item):
        return _fix_depends(node.variation, value, root, rng)
    if isinstance(node, S.Depends):
        if isinstance(node.on, str):  # the old form: a sibling in the same group
            chosen = node.cases.get((siblings or {}).get(node.on), node.default)
        else:
            key = tuple(_resolve(root, tuple(p)) for p in node.on)
            chosen = node.default if None in key else node.cases.get(key, node.default)
        return random_value(chosen or S.Raw(node.bits), rng)
    if isinstance(node, S.Group) and isinstance(value, dict):
        for name, sub in node.fields:
            if name is not None and name in value:
                value[name] = _fix_depends(sub, value[name], root, rng, value)
        return value
    if isinstance(node, S.Extended) and isinstance(value, dict):
        for part in node.parts:
            for name, sub in part:
                if name is not None and name in value:
                    value[name] = _fix_depends(sub, value[name], root, rng, value)
        return value
    if isinstance(node, (S.Repetitive, S.RepetitiveFX)) and isinstance(value, list):
        return [_fix_depends(node.sub, v, root, rng) for v in value]
    if isinstance(node, S.Compound) and isinstance(value, dict):
        for sub in node.subitems:
            if sub is not None and sub[0] in value:
                value[sub[0]] = _fix_depends(sub[1], value[sub[0]], root, rng)
        return value
    if isinstance(node, S.Explicit) and isinstance(value, dict):
        comp = _expansion_of(node)
        return _fix_depends(comp, value, root, rng) if comp is not None else value
    return value


def _depends_in(layout: list) -> list:
    """The Depends declarations on record paths (``paths`` set) under the items of a UAP."""
    out, seen = [], set()

    def walk(node: Any) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, S.Item):
            walk(node.variation)
        elif isinstance(node, S.Depends):
            if getattr(node, "paths", None):
                out.append(node)
        elif isinstance(node, S.Group):
            for _, sub in node.fields:
                walk(sub)
        elif isinstance(node, S.Extended):
            for part in node.parts:
                for _, sub in part:
                    walk(sub)
        elif isinstance(node, (S.Repetitive, S.RepetitiveFX)):
            walk(node.sub)
        elif isinstance(node, S.Compound):
            for sub in node.subitems:
                if sub is not None:
                    walk(sub[1])

    for it in layout:
        if isinstance(it, S.Item):
            walk(it)
    return out


def _assign(root: dict, path: tuple[str, ...], value: Any) -> None:
    """Set the element at ``path`` where the record carries it (a plain int value)."""
    v: Any = root
    for name in path[:-1]:
        if not isinstance(v, dict) or name not in v:
            return
        v = v[name]
    if isinstance(v, dict) and isinstance(v.get(path[-1]), int):
        v[path[-1]] = value


def random_record(category_spec: S.Category, rng: random.Random, every_item: bool = True,
                  uap: str | None = None) -> dict:
    """A random valid items dict, in UAP order.

    every_item=False: a random non-empty subset of the items. Several UAPs: ``uap`` (default: a
    random one of those the selector can choose) and the selector item set to a value that
    chooses it. RFS in the UAP: sometimes ``items["RFS"]`` with a few items the record does not
    carry otherwise. Dependent contents follow the values they depend on.
    """
    select = getattr(category_spec, "select", None)
    if select is not None:
        names = sorted(set(select.cases.values()))
        uap = uap or rng.choice(names)
        layout = category_spec.uaps[uap]
    else:
        layout = category_spec.uap
    items = [it for it in layout if isinstance(it, S.Item)]
    chosen = items
    if not every_item:
        chosen = [it for it in items if rng.random() < 0.5] or [rng.choice(items)]
    if select is not None and all(it.key != select.item for it in chosen):
        chosen = [it for it in items if it.key == select.item or it in chosen]
    rec = {it.key: random_value(it.variation, rng) for it in chosen}
    if select is not None:
        key = rng.choice([k for k, v in select.cases.items() if v == uap])
        if select.field is None:
            rec[select.item] = key
        else:
            rec[select.item][select.field] = key
    if any(_is_rfs(it) for it in layout) and rng.random() < 0.5:
        rest = [it for it in items if it.key not in rec and it.key != getattr(select, "item", None)]
        if rest:
            rec["RFS"] = [{it.key: random_value(it.variation, rng)}
                          for it in rng.sample(rest, rng.randint(1, min(3, len(rest))))]
    for dep in _depends_in(layout):
        if rng.random() < 0.7:  # steer the values depended on towards a case (random bits rarely hit one)
            for p, v in zip(dep.paths, rng.choice(list(dep.cases))):
                _assign(rec, p, v)
    if select is not None:  # the selector keeps choosing this UAP
        sel = rec[select.item] if select.field is None else rec[select.item][select.field]
        if select.cases.get(sel) != uap:
            rec[select.item] = key if select.field is None else {**rec[select.item], select.field: key}
    for it in chosen:
        rec[it.key] = _fix_depends(it, rec[it.key], rec, rng)
    for field in rec.get("RFS", []):
        for k, v in field.items():
            field[k] = _fix_depends(category_spec.items[k], v, rec, rng)
    return rec


# =========================================================================== Construct reference walker


def _read_fspec(data: bytes, pos: int) -> tuple[list[int], int]:
    present, base = [], 0
    while True:
        if pos >= len(data):
            raise ValueError("FSPEC runs past the end of the data")
        octet = data[pos]
        pos += 1
        present += [base + k for k in range(7) if octet & (0x80 >> k)]
        base += 7
        if not octet & 1:
            return present, pos


def _build_fspec(idxs: list[int]) -> bytes:
    n = max(1, max(idxs) // 7 + 1) if idxs else 1
    fspec = bytearray(n)
    for i in idxs:
        fspec[i // 7] |= 0x80 >> (i % 7)
    for j in range(n - 1):
        fspec[j] |= 1
    return bytes(fspec)


def reference_decode_records(category_spec: S.Category, records: bytes, strict: bool = True) -> list[dict]:
    """The records of one data block's body, item by item through each item's Construct."""
    uap = category_spec.uap
    out, pos = [], 0
    while pos < len(records):
        present, pos = _read_fspec(records, pos)
        rec = {}
        for idx in present:
            if idx >= len(uap) or uap[idx] is None:
                raise ValueError(f"FSPEC bit for FRN {idx + 1} names no item")
            item = uap[idx]
            stream = io.BytesIO(records)
            stream.seek(pos)
            rec[item.key] = item.construct.parse_stream(stream, strict=strict, warnings=[])
            pos = stream.tell()
        out.append(rec)
    return out


def reference_decode_block(category_spec: S.Category, block: bytes, strict: bool = True) -> list[dict]:
    """One data block (CAT, LEN, records) -> items dicts, through the Construct reference."""
    if block[0] != category_spec.number:
        raise ValueError(f"data block of category {block[0]}, expected {category_spec.number}")
    length = int.from_bytes(block[1:3], "big")
    if length != len(block):
        raise ValueError(f"data block length {length}, have {len(block)} octets")
    return reference_decode_records(category_spec, block[3:], strict)


def reference_encode_block(category_spec: S.Category, records: list[dict]) -> bytes:
    """Items dicts -> one data block, through the Construct reference of each item."""
    uap = category_spec.uap
    index = {it.key: i for i, it in enumerate(uap) if it is not None}
    body = bytearray()
    for rec in records:
        unknown = [k for k in rec if k not in index]
        if unknown:
            raise ValueError(f"items not in the UAP: {unknown}")
        idxs = sorted(index[k] for k in rec)
        body += _build_fspec(idxs)
        for i in idxs:
            item = uap[i]
            body += item.construct.build(rec[item.key])
    return bytes([category_spec.number]) + (len(body) + 3).to_bytes(2, "big") + bytes(body)


# =========================================================================== comparison


def values_diff(a: Any, b: Any, path: str = "", rel_tol: float = 1e-9, abs_tol: float = 1e-9) -> list[str]:
    """Where two plain values differ ([] when equal); numbers compare with a tolerance."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}/{k}: missing on the left")
            elif k not in b:
                out.append(f"{path}/{k}: missing on the right")
            else:
                out += values_diff(a[k], b[k], f"{path}/{k}", rel_tol, abs_tol)
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} repetitions vs {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += values_diff(x, y, f"{path}[{i}]", rel_tol, abs_tol)
        return out
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        if a == b or math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol):
            return []
        return [f"{path}: {a!r} != {b!r}"]
    if type(a) is type(b) and a == b:
        return []
    return [f"{path}: {a!r} != {b!r}"]


# =========================================================================== samples


def pcap_udp_payloads(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """(UDP destination port, payload) of each IPv4/UDP datagram of a capture."""
    from radarbench.rigs.pcapfile import iter_datagrams

    for d in iter_datagrams(path):
        yield d.dst[1], d.payload


def split_blocks(data: bytes) -> list[bytes]:
    """Back-to-back data blocks (CAT, LEN, ...) -> the list of blocks."""
    out, pos = [], 0
    while pos < len(data):
        if pos + 3 > len(data):
            raise ValueError(f"truncated data block header at offset {pos}")
        n = int.from_bytes(data[pos + 1:pos + 3], "big")
        if n < 3 or pos + n > len(data):
            raise ValueError(f"bad data block length {n} at offset {pos}")
        out.append(data[pos:pos + n])
        pos += n
    return out
