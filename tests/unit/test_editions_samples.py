"""Real data nobody here wrote (../shared/samples): every record decodes with the default
editions, only categories without an asterix-specs specification are skipped, and libasterix
reads every block the same under every edition of its category that both know.

Categories in the samples without a specification in asterix-specs (so skipped and reported,
never a crash): CAT030 and CAT255 (mixed_categories.ast).

cat062.pcap is not conformant to any CAT062 edition (asterix-specs 1.16 to 1.21): libasterix
rejects 72 of its 100 data blocks under every one of them ("fx bit set for spare item"), and
15 more blocks end with a record whose FSPEC announces no item (octets 00 after the last
record), which libasterix reads as an empty record, and so does radarbench in lenient mode
(with a warning; strict mode rejects it). The rejected blocks must raise DecodeError (never
anything else), and every other block decodes. The same holds for
the CAT032 block of mixed_categories.ast (libasterix: "insufficient data" under 1.1 and 1.2;
tshark reads it differently again). A block radarbench rejects must be one of these: the test
asks libasterix each time.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from oracle import SAMPLES, libasterix_editions, libasterix_values, pcap_udp_payloads, split_blocks, values_diff
from radarbench.codecs.asterix import DecodeError, decode, encode
from radarbench.codecs.asterix import editions as registry

SPECS = (SAMPLES / ".." / "asterix-specs" / "specs").resolve()
FILES = ("mixed_categories.ast", "cat021_re.ast", "cat034_048.pcap", "cat062.pcap", "cat048_one_record.ast")


def _edkey(ed: str) -> tuple[int, ...]:
    return tuple(int(x) for x in ed.split("."))


def datagrams(name: str) -> list[bytes]:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"sample {path} not found")
    if name.endswith(".pcap"):
        return [p for _, p in pcap_udp_payloads(path)]
    return [path.read_bytes()]


def specified_categories() -> set[int]:
    """Categories asterix-specs has a specification of (specs/catNNN folders)."""
    if not SPECS.is_dir():
        pytest.skip(f"{SPECS} not found")
    return {int(p.name[3:]) for p in SPECS.iterdir() if p.name.startswith("cat") and p.name[3:].isdigit()}


def bound_ref(cat: int) -> str | None:
    known_refs = getattr(registry, "known_refs", None)
    eds = [e for c, e in (known_refs() if known_refs else []) if c == cat]
    return max(eds, key=_edkey) if eds else None


def libasterix_verdict(block: bytes) -> str | None:
    """Why a block radarbench rejects is fine: libasterix rejects it under every edition of its
    category ("non-conformant"), or reads a record with no item in it ("empty record", which
    radarbench rejects in strict mode); None if libasterix reads it under some edition."""
    eds = [e for c, e in libasterix_editions() if c == block[0]]
    empty = False
    for ed in eds:
        try:
            vals = libasterix_values(block[0], ed, block, icao_reversible=True)
        except ValueError:
            continue
        if any(not v for v in vals):
            empty = True
            continue
        return None
    return "empty record" if empty else "non-conformant to every edition"


def test_samples_hold_categories_without_specification():
    cats = {b[0] for name in FILES for d in datagrams(name) for b in split_blocks(d)}
    assert sorted(cats - specified_categories()) == [30, 255]


@pytest.mark.parametrize("engine", ["fast", "construct"])
@pytest.mark.parametrize("name", FILES)
def test_every_sample_record_decodes(name, engine):
    """Default editions, lenient: every block decodes (cat062.pcap: see the module docstring),
    only categories without a specification are skipped, encode gives the bytes back."""
    spec_cats = specified_categories()
    counts: Counter = Counter()
    for d in datagrams(name):
        for block in split_blocks(d):
            cat = block[0]
            try:
                recs = decode(block, engine=engine)
            except DecodeError as exc:
                why = libasterix_verdict(block)
                assert why, f"{name}: CAT{cat:03d} block {block.hex()}: {exc}; libasterix reads it"
                counts[f"CAT{cat:03d} blocks rejected ({why})"] += 1
                continue
            if recs.skipped:
                assert cat not in spec_cats, f"{name}: CAT{cat:03d} has a specification but was skipped"
                counts[f"CAT{cat:03d} blocks skipped (no specification)"] += 1
                continue
            assert recs, block.hex()
            counts[f"CAT{cat:03d} records"] += len(recs)
            if not recs.warnings:
                assert encode(recs) == block, f"{name}: CAT{cat:03d} re-encodes differently"
            else:
                counts["records with warnings"] += sum(1 for r in recs if r.warnings)
    print(f"\n[samples {name} {engine}] {dict(sorted(counts.items()))}")
    if name == "cat062.pcap":
        # 13 records in the blocks libasterix reads whole, and the blocks padded with a 00
        # octet (an empty record, read with a warning, as libasterix reads it)
        assert counts["CAT062 records"] > 13 and counts["records with warnings"] >= 15
    elif name == "cat034_048.pcap":
        assert counts["CAT048 records"] == 128 and counts["CAT034 records"] == 34
    elif name == "mixed_categories.ast":
        assert set(counts) >= {"CAT030 blocks skipped (no specification)", "CAT255 blocks skipped (no specification)"}


def _sample_blocks() -> list[tuple[str, bytes]]:
    return [(name, b) for name in FILES for d in datagrams(name) for b in split_blocks(d)]


def _editions_with_samples() -> list:
    try:
        cats = {b[0] for _, b in _sample_blocks()}
    except BaseException:  # samples missing: the tests skip themselves
        cats = set()
    theirs = set(libasterix_editions())
    return [pytest.param(c, e, id=f"cat{c:03d}-{e}") for c, e in registry.known() if c in cats and (c, e) in theirs]


@pytest.mark.parametrize("cat,ed", _editions_with_samples())
def test_sample_blocks_match_libasterix(cat, ed):
    """Every sample block of this category that libasterix reads under this edition: both
    engines give libasterix's values (RE through the bound expansion), encode gives it back."""
    ref = bound_ref(cat)
    compared = rejected = 0
    for name, block in _sample_blocks():
        if block[0] != cat:
            continue
        try:
            theirs = libasterix_values(cat, ed, block, icao_reversible=True, ref=ref)
        except ValueError:
            rejected += 1
            continue
        if any(not rec for rec in theirs):  # an empty record (FSPEC 00): strict mode rejects it
            for engine in ("fast", "construct"):
                with pytest.raises(DecodeError):  # (or on spare bits before it)
                    decode(block, editions={cat: ed}, engine=engine, strict=True)
        fast = decode(block, editions={cat: ed}, engine="fast")
        ref_ = decode(block, editions={cat: ed}, engine="construct")
        assert [r.items for r in fast] == [r.items for r in ref_], f"{name}: engines differ on {block.hex()}"
        diff = values_diff([r.items for r in fast], theirs)
        assert diff == [], f"{name}: CAT{cat:03d} {ed}: libasterix reads {block.hex()} differently: {diff[:8]}"
        if not any(r.warnings for r in fast):
            assert encode(fast) == block
        compared += 1
    print(f"\n[samples vs libasterix CAT{cat:03d} {ed}] {compared} blocks compared, {rejected} rejected by libasterix")
    assert compared or rejected
