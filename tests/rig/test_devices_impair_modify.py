"""`emulate impair --modify P`: one element of one item of one record changed and re-encoded,
and the log names it. Checked against an independent diff of the decoded messages that went
in and came out, on real CAT034/CAT048 traffic and on the bench's probes of every category."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from samples import sample

from radarbench.bench.probe import ProbeCodec
from radarbench.codecs.asterix import decode
from radarbench.rigs import open_url
from radarbench.rigs.devices.impair import KEY_ITEMS, Impair
from radarbench.rigs.pcapfile import iter_datagrams


def real_messages() -> list[bytes]:
    return [d.payload for d in iter_datagrams(sample("cat034_048.pcap"))]


def probe_messages(n: int = 30) -> list[bytes]:
    out = []
    for cat in (48, 62, 34):
        codec = ProbeCodec(0x5EED, 2, time_of_day_s=3600.0, category=cat)
        out += [bytes(codec.fill(2 * i)) for i in range(n)]
    return out


def run(payloads: list[bytes], tmp_path: Path, **settings: Any) -> tuple[dict, list[bytes], list[dict]]:
    """`payloads` through an in-process Impair on loop:// links; (summary, what came out, the
    log). Without delay, loss or reordering, what comes out is in the order it went in."""
    name = uuid.uuid4().hex
    log = tmp_path / f"{name}.jsonl"
    tx, rx = open_url(f"loop://{name}-in"), open_url(f"loop://{name}-out")
    dev = Impair(f"loop://{name}-in", f"loop://{name}-out", log_path=str(log), **settings)
    dev.start()
    for p in payloads:
        tx.send(p)
    out: list[bytes] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        m = rx.recv(0.01 if dev.received < len(payloads) else 0.25)
        if m is not None:
            out.append(m.data)
        elif dev.received >= len(payloads):
            break
    summary = dev.stop()
    while (m := rx.recv(0.05)) is not None:
        out.append(m.data)
    tx.close()
    rx.close()
    return summary, out, [json.loads(s) for s in log.read_text().splitlines()]


def leaf_diffs(a: Any, b: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths where two decoded values differ (the test's own walk, not the impairer's)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys(), key=str):
            if k not in a or k not in b:
                yield path + (k,)
            else:
                yield from leaf_diffs(a[k], b[k], path + (k,))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from leaf_diffs(x, y, path + (i,))
    elif a != b:
        yield path


def changes(before: bytes, after: bytes) -> set[tuple[int, str]]:
    """(record index, "I048/200/GSP") of every decoded value that differs."""
    recs_in, recs_out = decode(before), decode(after)
    assert [r.category for r in recs_in] == [r.category for r in recs_out]
    return {(i, f"I{a.category:03d}" + "".join(f"[{x}]" if isinstance(x, int) else f"/{x}" for x in p))
            for i, (a, b) in enumerate(zip(recs_in, recs_out)) for p in leaf_diffs(a.items, b.items)}


def value_at(items: Any, path: str) -> Any:
    # "I048/250[0]/BDS1": names after slashes, list indices in brackets
    for name, index in re.findall(r"/([^/\[]+)|\[(\d+)\]", path):
        items = items[int(index)] if index else items[name]
    return items


@pytest.mark.parametrize("source", ["real", "probes"])
def test_the_log_names_exactly_what_changed(tmp_path: Path, source: str) -> None:
    payloads = real_messages() if source == "real" else probe_messages()
    summary, out, log = run(payloads, tmp_path, modify=0.5, seed=4)
    assert len(out) == len(payloads) == len(log)
    modified = [r for r in log if r["fate"] == "modified"]
    for sent, got, line in zip(payloads, out, log):
        claim = line["modified"]
        seen = changes(sent, got)
        if claim is None:
            assert got == sent and not seen
            continue
        # exactly one element changed, the one named; the message stays decodable, same size
        assert seen == {(claim["record"], claim["path"])}, (line, seen)
        assert len(got) == len(sent)
        rec_in, rec_out = decode(sent)[claim["record"]], decode(got)[claim["record"]]
        assert claim["path"] == claim["item"] or claim["path"][len(claim["item"])] in "/["
        assert value_at(rec_in.items, claim["path"]) == claim["from"] != claim["to"] == \
            value_at(rec_out.items, claim["path"])
        key = claim["item"].split("/")[1]
        assert key not in KEY_ITEMS.get(rec_in.category, ()) and key not in ("SP", "RE")
    assert summary["modified"] == len(modified) == sum(1 for s, g in zip(payloads, out) if s != g)
    assert summary["modify_skipped"] == 0   # every message here has a candidate item
    assert 0.35 * len(payloads) < len(modified) < 0.65 * len(payloads)
    cats = Counter(r["modified"]["item"][:4] for r in modified)
    assert set(cats) == ({"I048", "I034"} if source == "real" else {"I048", "I062", "I034"})
    if source == "probes":
        # The probes' only candidates: I048/020 and /070, I062/015, /105, /060 and /080, I034/020.
        assert {r["modified"]["item"] for r in modified} <= \
            {"I048/020", "I048/070", "I062/015", "I062/105", "I062/060", "I062/080", "I034/020"}


def test_modify_items_restricts_and_may_name_a_key(tmp_path: Path) -> None:
    payloads = real_messages()
    summary, out, log = run(payloads, tmp_path, modify=1.0, modify_items="I048/200,I048/040", seed=2)
    items = Counter(r["modified"]["item"] for r in log if r["modified"])
    assert set(items) == {"I048/200", "I048/040"}
    # datagrams with no CAT048 record (CAT034 alone) have no candidate: passed on unchanged
    without = [i for i, p in enumerate(payloads) if not any(r.category == 48 for r in decode(p))]
    assert without and [r["index"] for r in log if "modify_skipped" in r] == without
    assert all(log[i]["modify_skipped"] == "no candidate item" and out[i] == payloads[i] for i in without)
    assert summary["modified"] + summary["modify_skipped"] == len(payloads)
    assert summary["modified"] == sum(items.values()) == len(payloads) - len(without)


def test_undecodable_message_passes_unchanged(tmp_path: Path) -> None:
    garbage = b"\x30\x00\x09\xff\xff\xff\xff\xff\xff"
    summary, out, log = run([garbage, probe_messages(1)[0]], tmp_path, modify=1.0, seed=1)
    assert out[0] == garbage and log[0]["modify_skipped"].startswith("does not decode")
    assert log[0]["fate"] == "delivered" and log[0]["modified"] is None
    assert log[1]["fate"] == "modified" and summary["modified"] == summary["modify_skipped"] == 1


def test_modified_then_corrupted_is_corrupted(tmp_path: Path) -> None:
    payloads = probe_messages(5)
    summary, out, log = run(payloads, tmp_path, modify=1.0, corrupt=1.0, seed=6)
    assert all(r["fate"] == "corrupted" and r["modified"] and r["corrupted"] for r in log)
    assert summary["modified"] == summary["corrupted"] == len(payloads)


def test_modification_shifts_no_other_decision(tmp_path: Path) -> None:
    payloads = probe_messages(100)
    settings = dict(loss=0.2, duplicate=0.1, seed=8)
    _, _, plain = run(payloads, tmp_path, **settings)
    _, _, with_modify = run(payloads, tmp_path, modify=0.5, **settings)
    assert [r["copies"] for r in plain] == [r["copies"] for r in with_modify]
    assert any(r["fate"] == "modified" for r in with_modify)


@pytest.mark.parametrize("args,message", [
    (["--modify", "0.1", "--modify-items", "I048/200,I048/999"],
     "--modify-items: I048/999: CAT048 edition 1.32 has no item 999"),
    (["--modify", "0.1", "--modify-items", "I048/SP"],
     "--modify-items: I048/SP: SP is never modified (the probe tag, the expansion field)"),
    (["--modify-items", "I048/200"], "--modify-items needs --modify P"),
    (["--modify", "2"], "modify must be a probability in 0..1, not 2.0"),
])
def test_bad_options_are_one_line(args: list[str], message: str) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "radarbench.bench.cli", "emulate", "impair",
         "--in", "udp://127.0.0.1:0", "--out", "udp://127.0.0.1:9", *args],
        capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"radarbench emulate: impair: {message}\n")


def test_key_items_are_the_content_matchers_default_keys() -> None:
    # The impairer leaves the default keys alone (a record whose key changed would be lost +
    # unmatched by the bench's content matching, not modified): both take them from the codec.
    from radarbench.codecs.asterix.identity import DEFAULT_KEYS  # the bench matches by this table

    for cat, items in KEY_ITEMS.items():
        rule = DEFAULT_KEYS[cat]
        keyed = {path[0] for form in rule.forms for alternatives in form for path in alternatives}
        assert items == keyed, (cat, items, keyed)
