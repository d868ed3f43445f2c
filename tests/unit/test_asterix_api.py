"""The decode/encode API on real captures: values, round trips, errors, both engines."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radarbench.codecs.asterix import DecodeError, EncodeError, decode, encode, iter_decode, split_blocks
from radarbench.codecs.asterix.stream import StreamDecoder
from radarbench.rigs.pcapfile import iter_datagrams
from samples import sample

ENGINES = ("fast", "construct")


def one_record() -> bytes:
    return sample("cat048_one_record.ast").read_bytes()


def payloads(name: str) -> list[bytes]:
    return [d.payload for d in iter_datagrams(sample(name))]


def mixed_blocks() -> dict[int, bytes]:
    """The data blocks of mixed_categories.ast by category (one block each)."""
    data = sample("mixed_categories.ast").read_bytes()
    out: dict[int, bytes] = {}
    for p, cat, e in split_blocks(data):
        out[cat] = out.get(cat, b"") + data[p:e]
    return out


def mixed_decodable() -> bytes:
    """mixed_categories.ast without its CAT032 block, which is not CAT032 1.1 or 1.2 (libasterix
    rejects it too: its second record starts with a zero FSPEC)."""
    data = sample("mixed_categories.ast").read_bytes()
    return b"".join(data[p:e] for p, cat, e in split_blocks(data) if cat != 32)


@pytest.mark.parametrize("engine", ENGINES)
def test_one_record_values_match_independent_decoders(engine: str) -> None:
    # The values libasterix, asterix_decoder and Wireshark agree on (shared/samples/README.md).
    recs = decode(one_record(), engine=engine)
    assert len(recs) == 1
    r = recs[0]
    assert (r.category, r.edition) == (48, "1.32")
    it = r.items
    assert it["010"] == {"SAC": 25, "SIC": 201}
    assert it["140"] == 27354.6015625
    assert it["040"] == {"RHO": 197.68359375, "THETA": 340.13671875}
    assert it["070"]["MODE3A"] == "1000"
    assert it["090"]["FL"] == 330
    assert it["220"] == 0x3C660C
    assert it["240"] == "DLH65A  "
    assert it["161"]["TRN"] == 3563
    assert r.warnings == []


def test_one_record_reencodes_to_the_same_48_bytes() -> None:
    data = one_record()
    assert len(data) == 48
    assert encode(decode(data)) == data


def test_pcap_cat034_048_counts_and_round_trip() -> None:
    blocks = {34: 0, 48: 0}
    records = {34: 0, 48: 0}
    for payload in payloads("cat034_048.pcap"):
        got = decode(payload)
        assert not got.skipped
        for r in got:
            records[r.category] += 1
        seen = {(r.block, r.category) for r in got}
        for _, cat in seen:
            blocks[cat] += 1
        # decoded values encode back to the very same datagram
        assert encode(got) == payload
    # shared/samples/README.md: 86 CAT048 blocks with 128 records, 34 CAT034 blocks
    assert blocks == {34: 34, 48: 86}
    assert records[48] == 128


def test_engines_agree_on_every_real_record() -> None:
    for name in ("cat034_048.pcap",):
        for payload in payloads(name):
            fast = [(r.category, r.items, r.offset) for r in decode(payload)]
            ref = [(r.category, r.items, r.offset) for r in decode(payload, engine="construct")]
            assert fast == ref
    data = mixed_decodable()
    assert [r.items for r in decode(data)] == [r.items for r in decode(data, engine="construct")]


def test_unknown_categories_are_skipped_and_reported() -> None:
    data = mixed_decodable()
    got = decode(data)
    assert {r.category for r in got} == {1, 2, 34, 48}
    assert sorted({s.category for s in got.skipped}) == [30, 255]
    # the skipped blocks are where the file says they are: each starts with its category
    for s in got.skipped:
        assert data[s.offset] == s.category
        assert int.from_bytes(data[s.offset + 1:s.offset + 3], "big") == s.length


@pytest.mark.parametrize("engine", ENGINES)
def test_a_known_category_that_breaks_its_edition_is_a_decode_error(engine: str) -> None:
    # the sample's CAT032 block: 010, 015 and 035 of a first record, then a zero FSPEC
    with pytest.raises(DecodeError) as ei:
        decode(mixed_blocks()[32], engine=engine)
    assert ei.value.category == 32 and ei.value.offset is not None


@pytest.mark.parametrize("engine", ENGINES)
def test_cat021_re_field_decodes_as_its_expansion(engine: str) -> None:
    got = decode(sample("cat021_re.ast").read_bytes(), engine=engine)
    assert [(r.category, r.edition) for r in got] == [(21, "2.7"), (21, "2.7")] and not got.skipped
    # RE bound to REF021 1.5 (the newest): a dict of its sub-items, not a hex string
    assert got[0].items["RE"] == {"SGV": {"STP": 1, "HTS": 1, "HTT": 1, "HRD": 1, "GSS": 0.0, "HGT": 137.8125}}
    assert got[1].items["RE"]["SGV"]["GSS"] == 15.0
    assert all(r.warnings == [] for r in got)
    assert b"".join(encode([r]) for r in got) == sample("cat021_re.ast").read_bytes()  # a block each


@pytest.mark.parametrize("engine", ENGINES)
def test_truncation_at_every_cut_names_item_and_offset(engine: str) -> None:
    data = one_record()
    for cut in range(1, len(data)):  # LEN cut to match, or the header itself cut
        block = bytes([data[0]]) + cut.to_bytes(2, "big") + data[3:cut] if cut >= 3 else data[:cut]
        with pytest.raises(DecodeError) as ei:
            decode(block, engine=engine)
        err = ei.value
        assert err.offset is not None and 0 <= err.offset <= cut
        if cut > 4:
            assert err.category == 48 and err.item


def test_records_before_a_break_are_yielded() -> None:
    data = one_record()
    broken = data + bytes([48, 0, 10]) + data[3:10]  # a second block whose record is cut short
    got = []
    with pytest.raises(DecodeError) as ei:
        for r in iter_decode(broken):
            got.append(r)
    assert len(got) == 1 and got[0].items["161"]["TRN"] == 3563
    assert ei.value.category == 48 and ei.value.offset >= 48


def test_spare_bits_lenient_reports_strict_rejects() -> None:
    data = bytearray(one_record())
    # I048/070 sits after 010 (2), 140 (3), 020 (1), 040 (4) behind a 3-octet FSPEC
    i070 = 3 + 3 + 2 + 3 + 1 + 4
    assert data[i070:i070 + 2] == bytes.fromhex("0200")  # MODE3A 1000 octal, spare bit clear
    data[i070] |= 0x10  # the spare bit between L and MODE3A
    for engine in ENGINES:
        got = decode(bytes(data), engine=engine)
        assert got[0].items["070"]["MODE3A"] == "1000"
        assert any("spare" in w for w in got[0].warnings)
        with pytest.raises(DecodeError) as ei:
            decode(bytes(data), strict=True, engine=engine)
        assert ei.value.item.startswith("070") and "spare" in str(ei.value)


def test_encode_errors_name_the_item() -> None:
    rec = decode(one_record())[0].to_dict()
    rec["items"]["040"]["RHO"] = 1e6  # beyond 16 bits of 1/256 NM
    with pytest.raises(EncodeError) as ei:
        encode([rec])
    assert ei.value.item == "040" and "RHO" in str(ei.value)
    rec = decode(one_record())[0].to_dict()
    rec["items"]["999"] = 1
    with pytest.raises(EncodeError, match="999"):
        encode([rec])


@pytest.mark.parametrize("category", [48.7, True, " 48 ", "4.8", "+48", "0256", 256, -1, None, float("inf")])
def test_a_category_that_is_not_a_number_0_to_255_is_an_encode_error(category) -> None:
    """int() made CAT048 of 48.7 and " 48 ", and CAT001 of True."""
    rec = {"category": category, "items": {"010": {"SAC": 25, "SIC": 201}}}
    with pytest.raises(EncodeError, match=re.escape(f"category {category!r} (") + ".* from 0 to 255"):
        encode([rec])


def test_a_category_of_decimal_digits_is_read_as_its_number() -> None:
    rec = {"category": 48, "items": {"010": {"SAC": 25, "SIC": 201}}}
    assert encode([{**rec, "category": "48"}]) == encode([rec]) == bytes.fromhex("30000680" "19c9")


def test_consecutive_records_of_one_category_share_a_block() -> None:
    r = decode(one_record())[0]
    data = encode([r, r, r])
    assert data[0] == 48 and int.from_bytes(data[1:3], "big") == len(data) == 3 + 3 * 45
    assert len(decode(data)) == 3


def real_records() -> list[bytes]:
    return [p for p in payloads("cat034_048.pcap")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_decode_error(data: bytes) -> None:
    for engine in ENGINES:
        try:
            decode(data, engine=engine)
        except DecodeError:
            pass
    StreamDecoder().feed(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_records_raise_only_decode_error(data: st.DataObject) -> None:
    corpus = _CORPUS or _load_corpus()
    base = bytearray(data.draw(st.sampled_from(corpus)))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(base) - 1))
        base[i] = data.draw(st.integers(0, 255))
    results = []
    for engine in ENGINES:
        try:
            results.append([r.items for r in decode(bytes(base), engine=engine)])
        except DecodeError as exc:
            results.append(("error", exc.category, exc.offset))
    # both engines see the same bytes the same way (same records, or an error at one place)
    assert results[0] == results[1] or (results[0][0] == "error") == (results[1][0] == "error")


_CORPUS: list[bytes] = []


def _load_corpus() -> list[bytes]:
    _CORPUS.extend(real_records())
    return _CORPUS


def test_cli_decode_jsonl_and_encode_back(tmp_path) -> None:
    src = sample("cat034_048.pcap")
    out = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "decode", str(src)],
                         capture_output=True, text=True, check=True).stdout
    lines = [json.loads(x) for x in out.splitlines()]
    assert len(lines) == 128 + sum(1 for x in lines if x["category"] == 34)
    first48 = next(x for x in lines if x["category"] == 48)
    assert set(first48) >= {"category", "edition", "items", "frame", "time", "src", "dst"}
    jl = tmp_path / "in.jsonl"
    jl.write_text(out)
    subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "encode", str(jl), "--output",
                    str(tmp_path / "out.ast")], check=True)
    again = decode((tmp_path / "out.ast").read_bytes())
    assert [r.items for r in again] == [x["items"] for x in lines]


def test_cli_reports_a_break_in_one_line(tmp_path) -> None:
    data = one_record()
    bad = tmp_path / "bad.ast"
    bad.write_bytes(data + bytes([48, 0, 10]) + data[3:10])
    p = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "decode", str(bad)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert len(p.stdout.splitlines()) == 1  # the record before the break
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "CAT048" in err[0] and "byte offset" in err[0] and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "decode", str(tmp_path / "nope")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "no such file" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "decode", str(bad), "--edition", "48=9.99"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "1.32" in p.stderr


def test_a_broken_block_ends_that_block_not_the_file(tmp_path) -> None:
    """The blocks after a broken one (LEN intact) are decoded too: by iter_decode with an
    errors list, and by `radarbench decode`, which names each break on stderr and exits 1."""
    good = one_record()
    broken = bytes([48, 0, 5, 0x80, 1])  # I048/010 announced, one of its two octets present
    data = good + broken + good
    errors: list[DecodeError] = []
    recs = list(iter_decode(data, errors=errors))
    assert [r.offset for r in recs] == [3, len(good) + 5 + 3]
    assert len(errors) == 1 and errors[0].item == "010" and errors[0].offset == len(good) + 4
    with pytest.raises(DecodeError):
        list(iter_decode(data))  # without an errors list: the first break raises, as before
    f = tmp_path / "mid.ast"
    f.write_bytes(data)
    p = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "decode", str(f)], capture_output=True, text=True)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert [json.loads(x)["offset"] for x in p.stdout.splitlines()] == [3, len(good) + 5 + 3]
    (err,) = p.stderr.strip().splitlines()
    assert f"CAT048, item 010, byte offset {len(good) + 4}" in err


def test_records_of_two_blocks_go_back_into_two(tmp_path) -> None:
    """cat021_re.ast holds two CAT021 blocks: encode(decode(x)) gives both back (it merged them
    into one block, 88 octets for 91); so do decode | encode on the CLI, and records built by
    hand (no block known) still share one block."""
    data = sample("cat021_re.ast").read_bytes()
    recs = decode(data)
    assert len(list(split_blocks(data))) == 2 and encode(recs) == data
    by_hand = [{"category": r.category, "items": r.items} for r in recs]
    assert len(list(split_blocks(encode(by_hand)))) == 1
    jl = tmp_path / "r.jsonl"
    jl.write_text(subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "decode", str(sample("cat021_re.ast"))],
                                 capture_output=True, text=True, check=True).stdout)
    subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "encode", str(jl), "-o", str(tmp_path / "o.ast")],
                   check=True)
    assert (tmp_path / "o.ast").read_bytes() == data


def test_decoded_records_have_every_field_set() -> None:
    # decode() and iter_decode() build Records by setting their slots (faster than the
    # dataclass __init__): a field added to Record must be set there too
    import dataclasses

    from radarbench.codecs.asterix import Record

    block = bytes.fromhex("300009210102a04102")
    for rec in list(decode(block)) + list(iter_decode(block)) + list(decode(block, strict=False, engine="construct")):
        for f in dataclasses.fields(Record):
            getattr(rec, f.name)  # AttributeError if a slot was left unset
        assert rec == Record(48, "1.32", rec.items, 3, 0, rec.warnings)


def _blocks_model(entries: list[tuple]) -> bytes:
    """pack_blocks as its docstring says it, written plainly: a new block where the key
    (category, edition, group) changes or the block would pass 65535 octets; no block for
    nothing."""
    blocks: list[tuple[tuple, bytearray]] = []
    for e in entries:
        key = (e[0], e[1], e[3] if len(e) > 3 else None)
        if not blocks or blocks[-1][0] != key or len(blocks[-1][1]) + len(e[2]) + 3 > 65535:
            blocks.append((key, bytearray()))
        blocks[-1][1].extend(e[2])
    return b"".join(bytes([k[0], (len(b) + 3) >> 8, (len(b) + 3) & 255]) + b for k, b in blocks if b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from([48, 62]), st.sampled_from(["1.31", "1.32"]),
                          st.sampled_from([b"", b"\x80\x01\x02", b"\xa0" * 5, b"\x41" * 30000]),
                          st.sampled_from([None, 0, 1])), max_size=12))
def test_pack_blocks_groups_and_splits_as_it_says(entries: list[tuple]) -> None:
    from radarbench.codecs.asterix import pack_blocks
    # the group (4th member) is left off where it is None, as callers without one do
    given_ = [e if e[3] is not None else e[:3] for e in entries]
    assert pack_blocks(given_) == _blocks_model(given_)


# ---- decode() pauses the cyclic GC over a large input (codecs/asterix decode)

def _cat048_file(octets: int) -> bytes:
    """Whole CAT048 data blocks of cat034_048.pcap, repeated to at least ``octets``."""
    blocks = [d.payload[p:e] for d in iter_datagrams(sample("cat034_048.pcap"))
              for p, cat, e in split_blocks(d.payload) if cat == 48]
    one = b"".join(blocks)
    return one * -(-octets // len(one))


def _collections_during(fn) -> tuple[int, object]:
    """(GC collections that started while fn ran, fn's result or exception)."""
    import gc

    starts = []

    def cb(phase: str, info: dict) -> None:
        if phase == "start":
            starts.append(info["generation"])

    gc.callbacks.append(cb)
    try:
        try:
            out = fn()
        except Exception as exc:  # noqa: BLE001
            out = exc
    finally:
        gc.callbacks.remove(cb)
    return len(starts), out


_GC_PROBE = """
import gc, json, sys
from radarbench.codecs.asterix import DecodeError, decode
data = open(sys.argv[1], 'rb').read()
starts = []
gc.callbacks.append(lambda phase, info: starts.append(1) if phase == 'start' else None)
out = {'records': len(decode(data)), 'collections': len(starts), 'enabled_after': gc.isenabled()}
try:
    decode(data + bytes([0x30, 0x00, 0x10, 0x01]))  # a header that breaks after all the records
except DecodeError:
    out['enabled_after_error'] = gc.isenabled()
import radarbench.codecs.asterix as codec
class Interrupted:  # a SIGINT handled the moment gc.disable() returns (a newcomer's finding)
    def __getattr__(self, name): return getattr(gc, name)
    def disable(self): gc.disable(); raise KeyboardInterrupt
codec.gc = Interrupted()
try:
    decode(data)
except KeyboardInterrupt:
    out['enabled_after_interrupt'] = gc.isenabled()
codec.gc = gc
gc.disable()
decode(data)
out['disabled_kept'] = not gc.isenabled()
print(json.dumps(out))
"""


def test_a_large_decode_runs_no_garbage_collection_and_leaves_the_gc_as_it_found_it(tmp_path):
    # in a process of its own: the pause needs the only thread, and a test before this one may
    # have left one running here
    from radarbench.codecs.asterix import GC_PAUSE_OCTETS

    path = tmp_path / "cat048.ast"
    path.write_bytes(_cat048_file(4 * GC_PAUSE_OCTETS))  # ~1,300 records, ~20,000 allocations
    run = subprocess.run([sys.executable, "-c", _GC_PROBE, str(path)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    # each 700 container allocations would start a collection without the pause
    assert got == {"records": got["records"], "collections": 0, "enabled_after": True,
                   "enabled_after_error": True, "enabled_after_interrupt": True, "disabled_kept": True} and got["records"] > 1000

# ---- iter_decode_plain: iter_decode's records as the CLI's JSON objects

def _plain_model(data: bytes, base: int, block0: int, strict: bool) -> tuple[list, list, list, str | None]:
    """What `radarbench decode` made of iter_decode's Records before iter_decode_plain."""
    from radarbench.codecs.asterix.errors import warning_at

    rows, errors, skipped, raised = [], [], [], None
    try:
        for r in iter_decode(data, strict=strict, errors=errors, skipped=skipped):
            rec = {"category": r.category, "edition": r.edition, "items": r.items}
            if r.uap is not None:
                rec["uap"] = r.uap
            rec["block"] = r.block + block0
            rec["offset"] = r.offset + base
            if r.warnings:
                rec["warnings"] = [warning_at(w, base) for w in r.warnings] if base else r.warnings
            rows.append(rec)
    except DecodeError as exc:
        raised = str(exc)
    return rows, [str(e) for e in errors], skipped, raised


def _plain(data: bytes, base: int, block0: int, strict: bool) -> tuple[list, list, list, str | None]:
    from radarbench.codecs.asterix import iter_decode_plain

    rows, errors, skipped, raised = [], [], [], None
    try:
        for block_rows in iter_decode_plain(data, base=base, block0=block0, strict=strict,
                                            errors=errors, skipped=skipped):
            assert block_rows and len({(r["block"]) for r in block_rows}) == 1  # a block a list
            rows += block_rows
    except DecodeError as exc:
        raised = str(exc)
    return rows, [str(e) for e in errors], skipped, raised


def _cat001_with_padding() -> bytes:
    """The CAT001 block of mixed_categories.ast with a padding octet 00 (an empty record,
    which names no UAP) at its end."""
    data = sample("mixed_categories.ast").read_bytes()
    p, _, e = next(b for b in split_blocks(data) if b[1] == 1)
    block = data[p:e] + b"\x00"
    return bytes([1]) + len(block).to_bytes(2, "big") + block[3:]


@pytest.mark.parametrize("strict", [False, True])
def test_iter_decode_plain_gives_what_the_cli_made_of_records(strict):
    import random

    real = b"".join(d.payload for name in ("cat034_048.pcap", "cat062.pcap") for d in iter_datagrams(sample(name)))
    real += sample("mixed_categories.ast").read_bytes() + sample("cat021_re.ast").read_bytes()
    cases = [real, _cat001_with_padding(), real + bytes([200, 0, 5, 1, 2]) + real[:40], real + b"\x30\x00\x01"]
    rnd = random.Random(11)
    for _ in range(20):  # bits flipped: spare bits (warnings), breaks, wrong lengths
        b = bytearray(real)
        for _ in range(rnd.randrange(1, 30)):
            i = rnd.randrange(len(b))
            b[i] ^= 1 << rnd.randrange(8)
        cases.append(bytes(b))
    seen_uap = seen_warning = seen_error = 0
    for data in cases:
        for base, block0 in ((0, 0), (262_144, 1_000)):
            want = _plain_model(data, base, block0, strict)
            assert _plain(data, base, block0, strict) == want
            seen_uap += sum("uap" in r for r in want[0])
            seen_warning += sum("warnings" in r for r in want[0])
            seen_error += len(want[1]) + (want[3] is not None)
    # the cases hold what the test is about
    assert seen_uap and seen_error and (strict or seen_warning)
    rows = _plain(_cat001_with_padding(), 0, 0, False)[0]
    assert rows[-1]["items"] == {} and "uap" not in rows[-1] and rows[-1]["warnings"]


def test_a_large_decode_leaves_the_gc_alone_while_another_thread_runs():
    """The GC is the process's: pausing it would hold up the other thread's collections and
    could undo a gc.disable() it made meanwhile (a newcomer's finding)."""
    import threading

    from radarbench.codecs.asterix import GC_PAUSE_OCTETS

    data = _cat048_file(4 * GC_PAUSE_OCTETS)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        n, out = _collections_during(lambda: decode(data))
    finally:
        stop.set()
        other.join()
    assert len(out) > 1000 and n > 0


@pytest.mark.parametrize("editions, says", [
    ({48: 1.31}, "editions are strings, such as '1.31'"),       # it said: no CAT048 edition 1.31 (known: ... 1.31)
    (5, "editions must be a mapping"),                          # it raised AttributeError
    ([(48, "1.31")], "editions must be a mapping"),
    ({"x": "1.31"}, "'x' is not a category number"),
    ({48: None}, "the edition of CAT048 is a NoneType"),
    ({48: "9.9"}, "no declaration of CAT048 edition 9.9"),
])
def test_a_bad_editions_argument_is_named_by_decode_iter_decode_and_encode(editions, says):
    data = sample("cat048_one_record.ast").read_bytes()
    with pytest.raises(DecodeError, match=says):
        decode(data, editions=editions)
    with pytest.raises(DecodeError, match=says):
        list(iter_decode(data, editions=editions))
    with pytest.raises(EncodeError, match=says):  # even when each record names its edition
        encode(decode(data), editions=editions)


@pytest.mark.parametrize("engine", ["fast", "construct"])
def test_an_fspec_ending_in_a_zero_octet_is_warned_and_strict_rejects_it(engine: str) -> None:
    # FSPEC 0d 00: I048/070 and I048/090 (0d), then an octet 00 that announces nothing. It was
    # read without a word in either mode, and encoding gave 0c: LEN and FSPEC one octet
    # shorter. Now lenient mode says so (where), strict mode rejects it, both engines alike.
    block = bytes.fromhex("3000090d000df54829")
    recs = decode(block, engine=engine)
    assert recs[0].items == {"070": {"V": 0, "G": 0, "L": 0, "MODE3A": "6765"},
                             "090": {"V": 0, "G": 1, "FL": 522.25}}
    assert recs[0].warnings == ["CAT048 item FSPEC at byte offset 4: the FSPEC's last octet is 00 "
                                "(no item, FX 0): a redundant octet, which encoding leaves out"]
    assert encode(recs) == bytes.fromhex("3000080c0df54829")
    with pytest.raises(DecodeError) as err:
        decode(block, strict=True, engine=engine)
    assert (err.value.item, err.value.offset) == ("FSPEC", 4)
    # an FX octet followed by one that announces items is the ordinary case: no warning
    # an octet with FX set followed by one that announces an item (I048/220) is the
    # ordinary case: no warning, and the bytes come back
    ordinary = bytes.fromhex("3000080180aabbcc")
    assert decode(ordinary, engine=engine)[0].warnings == []
    assert encode(decode(ordinary, engine=engine)) == ordinary


@pytest.mark.parametrize("engine", ["fast", "construct"])
def test_a_primary_subfield_ending_in_a_zero_octet_is_warned_and_strict_rejects_it(engine: str) -> None:
    # I004/170 (compound) with primary subfield 01 00: no sub-item. It was read as {} without
    # a word and encoded as 00; all 296 compound items of the 68 editions did the same.
    block = bytes.fromhex("04000701400100")
    recs = decode(block, engine=engine)
    assert recs[0].items == {"170": {}}
    assert recs[0].warnings == ["CAT004 item 170 at byte offset 6: the primary subfield's last octet is 00 "
                                "(no sub-item, FX 0): a redundant octet, which encoding leaves out"]
    with pytest.raises(DecodeError) as err:
        decode(block, strict=True, engine=engine)
    assert (err.value.item, err.value.offset) == ("170", 6)


def test_an_out_of_range_quantity_is_said_in_the_user_s_terms() -> None:
    # "RHO: 76800 does not fit in 16 unsigned bits" named the raw count, not the 300 NM given;
    # an int of 401 digits was printed whole.
    cases = [({"040": {"RHO": 300, "THETA": 1}},
              "RHO: 300 NM is out of range, 0.0 to 255.99609375 NM (16 unsigned bits of 0.00390625 NM)"),
             ({"090": {"V": 0, "G": 0, "FL": -20000}},
              "FL: -20000 FL is out of range, -2048.0 to 2047.75 FL (14 signed bits of 0.25 FL)"),
             ({"140": 10 ** 400}, "140: 100000000000... (401 digits) s is out of range"),
             ({"010": {"SAC": 300, "SIC": 1}}, "SAC: 300 does not fit in 8 unsigned bits (0 to 255)")]
    for items, said in cases:
        with pytest.raises(EncodeError) as err:
            encode([{"category": 48, "edition": "1.32", "items": items}])
        assert said in str(err.value), str(err.value)
