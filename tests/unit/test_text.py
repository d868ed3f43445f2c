"""Records for people (radarbench.codecs.asterix.text.describe) and the table texts behind them.

* the one-record sample renders with table texts, units and the aircraft address in hex;
* every record of ``cat034_048.pcap`` renders without error, one line per item, and every table
  value in it that the specification defines shows its text (found by a walk of our own over the
  declarations, independent of the renderer);
* every Table of every declared edition carries a non-empty table dict, so a table left without
  its texts fails here;
* ``describe`` never raises, whatever the record holds; ``radarbench decode --format text`` uses it.
"""
from __future__ import annotations

import subprocess
import sys
from typing import Any, Iterator

import pytest
from samples import sample

from radarbench.codecs.asterix import Record, category_spec, decode
from radarbench.codecs.asterix.editions import DEFAULT_EDITIONS, known
from radarbench.codecs.asterix.spec import (
    Compound, Depends, Element, Explicit, Extended, Group, Repetitive, RepetitiveFX, Spare, Table,
)
from radarbench.codecs.asterix.text import describe
from radarbench.rigs.pcapfile import iter_datagrams


def _line(lines: list[str], key: str) -> str:
    found = [x for x in lines if x.split(" ", 1)[0].rstrip(":") == key]
    assert len(found) == 1, (key, lines)
    return found[0]


# --------------------------------------------------------------------------- the one-record sample


def test_one_record_sample_reads_for_people() -> None:
    (rec,) = decode(sample("cat048_one_record.ast").read_bytes())
    lines = describe(rec)
    assert len(lines) == len(rec.items)
    assert "TYP=5 (Single ModeS Roll-Call)" in _line(lines, "020")
    assert _line(lines, "040") == ("040 Measured Position in Polar Co-ordinates: "
                                   "RHO=197.68359375 NM  THETA=340.13671875 °")
    assert _line(lines, "220") == "220 Aircraft Address: 3958284 (0x3C660C)"
    assert "'DLH65A  '" in _line(lines, "240")                      # strings quoted
    assert "MODE3A='1000'" in _line(lines, "070")
    assert _line(lines, "140").endswith("27354.6015625 s")
    assert _line(lines, "250").split(": ", 1)[1].startswith("[")      # repetitive as [...]
    assert "RAD=2 (SSR/Mode S Track)" in _line(lines, "170")


# --------------------------------------------------------------------------- every record of a capture


def _tables(node: Any, value: Any, path: str) -> Iterator[tuple[str, Table, Any]]:
    """(path, Table, value) of every table value in ``value``, walked with its declaration."""
    if isinstance(node, Table):
        yield path, node, value
    elif isinstance(node, Group):
        for name, sub in node.fields:
            if name is not None and name in value:
                if isinstance(sub, Depends):
                    sub = sub.cases.get(value.get(sub.on), sub.default)
                yield from _tables(sub, value[name], f"{path}/{name}")
    elif isinstance(node, Extended):
        for part in node.parts:
            for name, sub in part:
                if name is not None and name in value:
                    yield from _tables(sub, value[name], f"{path}/{name}")
    elif isinstance(node, (Repetitive, RepetitiveFX)):
        for i, v in enumerate(value):
            yield from _tables(node.sub, v, f"{path}[{i}]")
    elif isinstance(node, Compound):
        for s in node.subitems:
            if s is not None and s[0] in value:
                yield from _tables(s[1], value[s[0]], f"{path}/{s[0]}")


def _capture_records() -> list[Record]:
    out = []
    for d in iter_datagrams(sample("cat034_048.pcap")):
        out.extend(decode(d.payload))
    return out


def test_every_record_of_the_capture_renders_with_table_texts() -> None:
    records = _capture_records()
    assert {r.category for r in records} == {34, 48}
    shown = 0
    for rec in records:
        lines = describe(rec)
        assert len(lines) == len(rec.items)
        spec = category_spec(rec.category, rec.edition)
        for key, value in rec.items.items():
            line = _line(lines, key)
            item = spec.items[key]
            assert line.startswith(f"{key} {item.title}: ")
            body = line.split(": ", 1)[1]
            for path, table, v in _tables(item.variation, value, key):
                if v in table.table:
                    name = path.rsplit("/", 1)[-1] if "/" in path else None
                    text = f"{v} ({table.table[v]})"
                    assert (f"{name}={text}" if name and "[" not in name else text) in body, (path, line)
                    shown += 1
    assert shown > 1000  # the capture is full of tables: 020, 070, 170, 230, I034/000 ...


def test_describe_matches_the_cli_text_output() -> None:
    src = sample("cat048_one_record.ast")
    out = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "decode", str(src), "--format", "text"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    (rec,) = decode(src.read_bytes())
    assert out[0].startswith("CAT048 ed. 1.32") and "offset 3" in out[0]
    assert out[1:] == [f"  {x}" for x in describe(rec)]


# --------------------------------------------------------------------------- every table has its texts


def _all_tables(node: Any, path: str) -> Iterator[tuple[str, Table]]:
    if isinstance(node, Table):
        yield path, node
    elif isinstance(node, Depends):
        for k, case in node.cases.items():
            yield from _all_tables(case, f"{path}<{k}>")
        yield from _all_tables(node.default, f"{path}<default>")
    elif isinstance(node, Group):
        for name, sub in node.fields:
            yield from _all_tables(sub, f"{path}/{name}")
    elif isinstance(node, Extended):
        for part in node.parts:
            for name, sub in part:
                yield from _all_tables(sub, f"{path}/{name}")
    elif isinstance(node, (Repetitive, RepetitiveFX)):
        yield from _all_tables(node.sub, f"{path}[]")
    elif isinstance(node, Compound):
        for s in node.subitems:
            if s is not None:
                yield from _all_tables(s[1], f"{path}/{s[0]}")
    else:
        assert isinstance(node, (Element, Spare, Explicit)), (path, node)


@pytest.mark.parametrize("cat,edition", known())
def test_every_table_has_its_texts(cat: int, edition: str) -> None:
    spec = category_spec(cat, edition)
    tables = [(p, t) for item in spec.items.values() for p, t in _all_tables(item.variation, item.key)]
    assert tables or cat == 247  # CAT247 (version crossing) declares no table at all
    empty = [p for p, t in tables if not t.table]
    assert not empty, f"CAT{cat:03d} {edition}: tables without texts: {', '.join(empty)}"
    for p, t in tables:
        assert all(isinstance(k, int) and 0 <= k < 1 << t.bits for k in t.table), p
        assert all(isinstance(v, str) and v.strip() for v in t.table.values()), p


def test_the_default_editions_are_among_those_checked() -> None:
    assert set(DEFAULT_EDITIONS.items()) <= set(known())


def test_edition_specific_texts() -> None:
    """I048/030 code 37 came with 1.32; the 1.31 declaration has no text for it."""
    assert 37 in category_spec(48, "1.32").items["030"].variation.sub.table
    assert 37 not in category_spec(48, "1.31").items["030"].variation.sub.table
    assert category_spec(48, "1.31").items["030"].variation.sub.table[36] == \
        category_spec(48, "1.32").items["030"].variation.sub.table[36]


# --------------------------------------------------------------------------- never raises


@pytest.mark.parametrize("items", [
    {"040": {"RHO": "far", "THETA": None}},          # values of the wrong kind
    {"040": 7, "020": [1, 2], "030": {"x": 1}},      # shapes that do not fit the declaration
    {"999": 1, "SP": "zz", "RE": 5},                 # unknown item, bad explicit contents
    {"130": {"SRL": float("nan"), "BOGUS": 1}},      # unknown compound sub-item, NaN
    {"020": {"TYP": 99, "SIM": True}},               # value outside the table, a bool
    {"220": -1},
])
def test_describe_never_raises(items: dict[str, Any]) -> None:
    lines = describe(Record(48, "1.32", items))
    assert len(lines) == len(items)
    assert all(isinstance(x, str) for x in lines)


def test_describe_unknown_category_and_odd_inputs() -> None:
    assert describe(Record(99, "1.0", {"010": {"SAC": 1}})) == ["010: {'SAC': 1}"]
    assert describe({"category": 48, "items": {"220": 0x3C660C}}) == ["220 Aircraft Address: 3958284 (0x3C660C)"]
    assert describe(object())  # something, not an exception
    assert describe(Record(48, "1.32", {"020": {"TYP": 6}})) == [
        "020 Target Report Descriptor: TYP=6 (ModeS All-Call + PSR)"]


def test_re_through_its_expansion_reads_like_a_compound() -> None:
    """CAT021's RE in cat021_re.ast, decoded through REF021 1.5: its sub-item by name, table
    texts and units, the expansion named; not a Python dict repr."""
    recs = [r for r in decode(sample("cat021_re.ast").read_bytes()) if "RE" in r.items]
    assert recs
    line = _line(describe(recs[0]), "RE")
    assert line.startswith("RE Reserved Expansion Field: (REF021 1.5) SGV: ")
    assert "STP=1 (Aircraft has stopped)" in line and "HGT=137.8125 °" in line and "{" not in line


def test_rfs_fields_read_by_their_items() -> None:
    from radarbench.codecs.asterix import encode
    data = encode([{"category": 1, "edition": "1.4", "items": {
        "010": {"SAC": 1, "SIC": 2},
        "020": {"TYP": 0, "SIM": 0, "SSRPSR": 1, "ANT": 0, "SPI": 0, "RAB": 0},
        "RFS": [{"040": {"RHO": 1.5, "THETA": 90.0}}, {"070": {"V": 0, "G": 0, "L": 0, "MODE3A": "7500"}}]}}])
    line = _line(describe(decode(data)[0]), "RFS")
    assert line == "RFS Random Field Sequencing: 040: RHO=1.5 NM  THETA=90 ° | 070: V=0 (Code validated)  " \
                   "G=0 (Default)  L=0 (Mode-3/A code derived from the reply of the transponder)  MODE3A='7500'", line
