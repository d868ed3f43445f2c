"""Every category edition radarbench knows, against libasterix 0.36.3 as an independent decoder.

Two sources of records, per edition:

* ``ast-tool-py random`` (libasterix's own random generator, see asttool.py) with a fixed seed:
  records with every item populated, and records with a random selection of items (RE filled
  from the category's expansion where libasterix has one; several-UAP categories with
  ``--include-multi-uap``, a random UAP per record). Their bytes must decode, with both engines
  and strictly, to the values libasterix gives, and re-encode to the same bytes. Records of a
  several-UAP category whose selector (I001/020 TYP, I007/410) does not choose the UAP they
  were generated with are read as the selector says by both decoders (or rejected by both).
* radarbench's own random records (oracle.random_record: RFS, SP, dependent contents that
  follow the items they depend on, selector-consistent UAPs), encoded by radarbench: libasterix
  must read the input values back.

Default run: RADARBENCH_DIFF_RECORDS=10 records per kind (so ~20 ast-tool-py records and 10
of ours per edition); set it higher (e.g. 200) for a long run.
"""
from __future__ import annotations

import os
import random
from collections import Counter

import pytest

from asttool import cli_random_blocks, random_blocks
from oracle import (
    libasterix_class, libasterix_editions, libasterix_refs, libasterix_values, values_diff,
    random_record,
)
from radarbench.codecs.asterix import DecodeError, decode, encode
from radarbench.codecs.asterix import editions as registry
from radarbench.codecs.asterix import spec as S

N = int(os.environ.get("RADARBENCH_DIFF_RECORDS", "10"))
SEED = int(os.environ.get("RADARBENCH_DIFF_SEED", "20240808"))
# both engines by default; RADARBENCH_DIFF_ENGINES=construct checks the reference alone
ENGINES = os.environ.get("RADARBENCH_DIFF_ENGINES", "fast,construct").split(",")

COMPARED: Counter = Counter()  # what was compared, by kind (printed by test_zz_summary)


def _edkey(ed: str) -> tuple[int, ...]:
    return tuple(int(x) for x in ed.split("."))


def _params() -> list:
    theirs = set(libasterix_editions())
    out = []
    for cat, ed in registry.known():
        marks = [] if (cat, ed) in theirs else [pytest.mark.skip(reason=f"libasterix has no CAT{cat:03d} {ed}")]
        out.append(pytest.param(cat, ed, id=f"cat{cat:03d}-{ed}", marks=marks))
    return out


EDITIONS = _params()


def bound_ref(cat: int) -> str | None:
    """The RE expansion edition radarbench binds to the category's explicit re items (the newest
    it knows, by the contract), None if it knows none (RE then decodes as a hex string)."""
    known_refs = getattr(registry, "known_refs", None)
    eds = [e for c, e in (known_refs() if known_refs else []) if c == cat]
    return max(eds, key=_edkey) if eds else None


def generation_ref(cat: int) -> str | None:
    """The expansion ast-tool-py fills RE with: radarbench's bound one, else libasterix's newest."""
    ref = bound_ref(cat)
    if ref is not None:
        return ref
    eds = [e for c, e in libasterix_refs() if c == cat]
    return max(eds, key=_edkey) if eds else None


def re_items(spec: S.Category) -> list[str]:
    return [k for k, it in spec.items.items() if isinstance(it.variation, S.Explicit) and it.variation.kind == "re"]


def asttool_blocks(cat: int, ed: str, populate_all_items: bool, count: int = N, seed: int = SEED) -> list[bytes]:
    spec = registry.load(cat, ed)
    ref = generation_ref(cat)
    u = libasterix_class(cat, ed).cv_uap
    theirs = set().union(*(r.cv_items_dict for r in (u.cv_uaps.values() if hasattr(u, "cv_uaps") else [u.cv_record])))
    expand = [k for k in re_items(spec) if k in theirs] if ref else []
    multi = len(spec.uaps) > 1
    return random_blocks(cat, ed, seed + (1 if populate_all_items else 0), count,
                         populate_all_items=populate_all_items, include_multi_uap=multi,
                         ref=ref if expand else None, expand=expand)


def check_block(cat: int, ed: str, block: bytes, where: str) -> str:
    """Both engines decode ``block`` (strict) to libasterix's values and encode it back.

    Returns what was compared ("record", or the UAP name; "rejected" when libasterix and
    radarbench both refuse the record)."""
    ref = bound_ref(cat)
    try:
        theirs = libasterix_values(cat, ed, block, icao_reversible=True, ref=ref)
    except ValueError as exc:
        for engine in ENGINES:  # the selector chooses no UAP, or not the one generated
            with pytest.raises(DecodeError):
                decode(block, editions={cat: ed}, engine=engine, strict=True)
                pytest.fail(f"{where}: libasterix rejects {block.hex()} ({exc}); {engine} decodes it")
        return "rejected"
    if any(not rec for rec in theirs):
        # a record whose FSPEC announces no item (ast-tool-py draws one when it selects no
        # item): libasterix reads {}, so does radarbench in lenient mode (with a warning);
        # strict mode rejects it
        for engine in ENGINES:
            with pytest.raises(DecodeError, match="FSPEC announces no item"):
                decode(block, editions={cat: ed}, engine=engine, strict=True)
            lenient = decode(block, editions={cat: ed}, engine=engine)
            assert [r.items for r in lenient] == theirs, f"{where}: {engine} reads {block.hex()} differently"
            assert any("FSPEC announces no item" in w for w in lenient.warnings)
            assert encode(lenient) == block
        return "empty"
    strict = True
    try:
        decoded = [decode(block, editions={cat: ed}, engine=e, strict=True) for e in ENGINES]
    except DecodeError as exc:
        if "spare" not in str(exc):
            pytest.fail(f"{where}: {exc} on {block.hex()}; libasterix reads {theirs}")
        # libasterix does not look at spare bits (a record drawn under the other UAP of
        # CAT001 can put a 1 there): lenient decoding reads it, with a warning
        strict = False
        decoded = [decode(block, editions={cat: ed}, engine=e) for e in ENGINES]
        assert all(d.warnings for d in decoded), f"{where}: strict decoding rejects spare bits, lenient gives no warning"
    fast = decoded[0]
    assert all([r.items for r in d] == [r.items for r in fast] for d in decoded), f"{where}: the engines differ on {block.hex()}"
    diff = values_diff([r.items for r in fast], theirs)
    assert diff == [], f"{where}: libasterix reads {block.hex()} differently: {diff[:8]}"
    again = encode(fast)
    assert again == block or not strict, f"{where}: decode then encode changed the bytes:\n  {block.hex()}\n  {again.hex()}"
    spec = registry.load(cat, ed)
    if len(spec.uaps) > 1:
        from oracle import libasterix_records
        names = []
        for r in libasterix_records(cat, ed, block):
            names.append(next(n for n, c in libasterix_class(cat, ed).cv_uap.cv_uaps.items() if isinstance(r, c)))
        ours = [getattr(r, "uap", None) for r in fast]
        if any(u is not None for u in ours):
            assert ours == names, f"{where}: UAP {ours}, libasterix's selector chooses {names}"
        return "/".join(names)
    return "record"


@pytest.mark.parametrize("cat,ed", EDITIONS)
@pytest.mark.parametrize("populate", ["all-items", "random-items"])
def test_asttool_random_records(cat, ed, populate):
    """N records compared per edition. Several UAPs: ast-tool-py draws the UAP at random and
    the selector value at random (I007/410 chooses a UAP for 9 of its 256 values), so records
    are drawn until N follow their selector (at most 100 N); the others must be rejected by
    both decoders or read alike."""
    spec = registry.load(cat, ed)
    multi = len(spec.uaps) > 1
    kinds: Counter = Counter()
    blocks = asttool_blocks(cat, ed, populate == "all-items", count=100 * N if multi else N)
    for n, block in enumerate(blocks):
        kinds[check_block(cat, ed, block, f"CAT{cat:03d} {ed} ast-tool-py {populate} #{n}")] += 1
        if sum(v for k, v in kinds.items() if k not in ("rejected", "empty")) >= N:
            break
    COMPARED.update({f"asttool {k}": v for k, v in kinds.items()})
    COMPARED[f"editions {populate}"] += 1
    compared = sum(v for k, v in kinds.items() if k != "rejected")
    assert compared >= (N // 2 if multi else N - 1), f"only {compared} records compared: {kinds}"
    if multi and N >= 10:
        assert all(any(u in k.split("/") for k in kinds) for u in spec.uaps), f"a UAP never compared: {kinds}"


@pytest.mark.parametrize("cat,ed", EDITIONS)
def test_our_random_records_read_by_libasterix(cat, ed):
    """radarbench's random records (RFS, SP, dependencies, several UAPs) encoded by radarbench:
    libasterix reads the input values; both engines decode them back; bytes are stable."""
    spec = registry.load(cat, ed)
    ref = bound_ref(cat)
    rng = random.Random(f"editions-{cat}-{ed}-{SEED}")
    for n in range(N):
        items = random_record(spec, rng, every_item=(n % 2 == 0))
        where = f"CAT{cat:03d} {ed} random_record #{n}"
        data = encode([{"category": cat, "edition": ed, "items": items}])
        theirs = libasterix_values(cat, ed, data, icao_reversible=True, ref=ref)
        assert len(theirs) == 1
        diff = values_diff(theirs[0], items)
        assert diff == [], f"{where}: libasterix reads {data.hex()} differently: {diff[:8]}"
        check_block(cat, ed, data, where)
        COMPARED["random_record"] += 1


def test_in_process_generator_is_the_cli():
    """asttool.random_blocks gives the bytes ``ast-tool-py random`` prints (same seed/options)."""
    for cat, ed, kw in [(48, "1.32", {"populate_all_items": True, "ref": "1.13", "expand": ["RE"]}),
                        (1, "1.4", {"include_multi_uap": True})]:
        if (cat, ed) not in libasterix_editions():
            continue
        assert random_blocks(cat, ed, 7, 4, **kw) == cli_random_blocks(cat, ed, 7, 4, **kw)


def test_every_libasterix_edition_is_known():
    """radarbench declares every edition libasterix knows (both come from asterix-specs)."""
    missing = sorted(set(libasterix_editions()) - set(registry.known()))
    assert not missing, f"{len(missing)} libasterix editions radarbench does not know: {missing}"


def test_every_libasterix_expansion_is_known():
    known_refs = getattr(registry, "known_refs", lambda: [])
    missing = sorted(set(libasterix_refs()) - set(known_refs()))
    assert not missing, f"RE expansions radarbench does not know: {missing}"


def test_zz_summary(capsys):
    """Prints what this module compared (run with -s to see it)."""
    with capsys.disabled():
        print(f"\n[editions differential] {dict(sorted(COMPARED.items()))}")
