"""`radarbench decode` as a user runs it (real subprocesses): bare files read in pieces with
file offsets and bounded memory, and JSON Lines with the same bytes whether orjson is
installed or not."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from samples import SAMPLES, sample

from radarbench.codecs.asterix import DecodeError, iter_decode, split_blocks
from radarbench.rigs.blockfile import PIECE_SIZE
from radarbench.rigs.pcapfile import iter_datagrams

_ENTRY = "import sys; from radarbench.bench.cli import main; sys.exit(main(sys.argv[1:]))"
# The same command with orjson made unimportable: the json fallback.
_ENTRY_NO_ORJSON = "import sys; sys.modules['orjson'] = None; " + _ENTRY
# Peak RSS (kB on Linux) of the command run as this wrapper's only child.
_RSS = ("import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def radarbench(*args: str, entry: str = _ENTRY) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", entry, *args], capture_output=True, timeout=300)


def cat048_blocks() -> bytes:
    """The 86 CAT048 data blocks (128 records) of the shared capture, back to back."""
    out = []
    for d in iter_datagrams(sample("cat034_048.pcap")):
        out += [d.payload[p:e] for p, cat, e in split_blocks(d.payload) if cat == 48]
    return b"".join(out)


def test_a_file_larger_than_a_piece_keeps_file_offsets_and_goes_on_after_a_broken_block(tmp_path: Path) -> None:
    """Records, blocks and breaks are numbered as in the whole file, across piece boundaries:
    a block that breaks inside (its LEN intact) is reported at its file offset and decoding
    goes on; a broken header at the end is reported at its file offset and ends the file."""
    blocks = cat048_blocks()
    broken = bytes([48, 0, 5, 0x80, 1])  # I048/010 announced, one of its two octets present
    head = blocks * (PIECE_SIZE // len(blocks) + 1)  # the break lies past the first piece
    data = head + broken + blocks * 3 + bytes([48, 0, 2])  # LEN 2: a header that breaks
    f = tmp_path / "long.ast"
    f.write_bytes(data)

    want_errors: list[DecodeError] = []
    want = []
    with pytest.raises(DecodeError) as header:
        for r in iter_decode(data, errors=want_errors):
            want.append((r.block, r.offset))
    assert len(want_errors) == 1 and want_errors[0].offset == len(head) + 4

    p = radarbench("decode", str(f))
    assert p.returncode == 1, p.stderr
    got = [json.loads(x) for x in p.stdout.splitlines()]
    assert [(x["block"], x["offset"]) for x in got] == want
    assert len(got) == 128 * (len(head) // len(blocks) + 3)
    err = p.stderr.decode().strip().splitlines()
    assert err == [f"radarbench decode: {f}: {want_errors[0]}", f"radarbench decode: {f}: {header.value}"]
    assert f"byte offset {len(head) + 4}" in err[0] and f"byte offset {len(data) - 3}" in err[1]


def test_a_block_cut_short_by_the_end_of_the_file_is_reported_as_before(tmp_path: Path) -> None:
    blocks = cat048_blocks()
    data = blocks * 50 + blocks[:40]  # the last block's LEN runs past the end of the file
    f = tmp_path / "cut.ast"
    f.write_bytes(data)
    p = radarbench("decode", str(f))
    assert p.returncode == 1
    assert len(p.stdout.splitlines()) == 128 * 50
    (err,) = p.stderr.decode().strip().splitlines()
    assert err.endswith(f"byte offset {len(blocks) * 50}: LEN is {blocks[1] << 8 | blocks[2]}, "
                        f"but only 40 octet(s) remain")


def test_skipped_blocks_are_counted_not_kept(tmp_path: Path) -> None:
    unknown = bytes([30, 0xFF, 0xFF]) + bytes(0xFFFF - 3)  # CAT030: no declaration
    f = tmp_path / "unknown.ast"
    f.write_bytes(unknown * 40 + cat048_blocks())
    p = radarbench("decode", str(f))
    assert p.returncode == 0 and len(p.stdout.splitlines()) == 128
    assert "skipped 40 data block(s) of categories without a declaration: CAT030 x40" in p.stderr.decode()


def _peak_rss_kb(*argv: str) -> int:
    out = subprocess.run([sys.executable, "-c", _RSS, *argv], capture_output=True, text=True,
                         check=True, timeout=600).stdout
    return int(out)


@pytest.mark.slow
def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Reading the whole file cost its size twice over (the file, and iter_decode's copy):
    a file 10x larger must not raise the peak RSS by more than noise."""
    blocks = cat048_blocks()
    small, large = tmp_path / "small.ast", tmp_path / "large.ast"
    small.write_bytes(blocks * 100)   # 0.6 MB, 12,800 records
    large.write_bytes(blocks * 1000)  # 6.4 MB, 128,000 records
    cmd = (sys.executable, "-c", _ENTRY, "decode")
    rss_small = _peak_rss_kb(*cmd, str(small))
    rss_large = _peak_rss_kb(*cmd, str(large))
    assert rss_large - rss_small < 3 * 1024, (rss_small, rss_large)


def _all_samples() -> list[Path]:
    if not SAMPLES.is_dir():
        pytest.skip(f"samples folder {SAMPLES} not found")
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in (".ast", ".pcap"))


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_orjson_and_json_write_the_same_bytes_for_every_sample(strict: bool) -> None:
    pytest.importorskip("orjson")
    flags = ["--strict"] if strict else []
    for path in _all_samples():
        fast = radarbench("decode", str(path), *flags)
        plain = radarbench("decode", str(path), *flags, entry=_ENTRY_NO_ORJSON)
        assert fast.stdout, (path, fast.stderr)
        assert (fast.returncode, fast.stdout, fast.stderr) == (plain.returncode, plain.stdout, plain.stderr), path
        # and the bytes are json.dumps's own (ASCII, compact)
        for line in fast.stdout.splitlines():
            assert line == json.dumps(json.loads(line), separators=(",", ":")).encode()


def test_a_reader_that_goes_away_ends_decode_quietly(tmp_path: Path) -> None:
    """`radarbench decode big.ast | head -1`: exit 0, nothing on stderr (the broken pipe is
    not a file that cannot be read)."""
    f = tmp_path / "big.ast"
    f.write_bytes(cat048_blocks() * 200)
    p = subprocess.Popen([sys.executable, "-c", _ENTRY, "decode", str(f)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    assert json.loads(p.stdout.readline())["offset"] == 3
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=60) == 0 and err == b""


def test_a_reader_that_goes_away_after_an_error_was_reported_leaves_exit_status_1(tmp_path: Path) -> None:
    """`radarbench decode broken.ast | head -1` where a break was reported on stderr before
    the reader went away: the status is that of the break, 1 (it was 0: a newcomer's finding)."""
    blocks = cat048_blocks()
    p0, _, e0 = next(split_blocks(blocks))
    first = blocks[p0:e0]
    broken = first[:-1]
    broken = broken[:1] + len(broken).to_bytes(2, "big") + broken[3:]  # its last record cut short
    f = tmp_path / "broken.ast"
    f.write_bytes(first + broken + blocks * 200)
    p = subprocess.Popen([sys.executable, "-c", _ENTRY, "decode", str(f)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    assert json.loads(p.stdout.readline())["offset"] == 3
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 1
    want: list[DecodeError] = []
    for _ in iter_decode(first + broken, errors=want):
        pass
    assert len(want) == 1 and err == f"radarbench decode: {f}: {want[0]}\n"


def test_records_before_a_broken_block_come_out_before_its_error(tmp_path: Path) -> None:
    # JSON records go out in batches: a batch still waiting when a block breaks is written
    # before the error's line, so one stream holding both reads in file order.
    good = cat048_blocks()
    broken = bytes([48, 0, 5, 0x80, 0x01])      # LEN 5: a record that ends inside I048/010
    path = tmp_path / "mixed.ast"
    path.write_bytes(good + broken + good)
    res = subprocess.run([sys.executable, "-c", _ENTRY, "decode", str(path)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    lines = res.stdout.decode().splitlines()
    err = [i for i, ln in enumerate(lines) if ln.startswith("radarbench decode:")]
    assert res.returncode == 1 and len(err) == 1, lines[-3:]
    n = sum(1 for _ in iter_decode(good))
    assert err[0] == n                          # every record of the first copy, then the error
    assert len(lines) == 2 * n + 1
    assert json.loads(lines[n - 1])["offset"] < len(good) < json.loads(lines[n + 1])["offset"]


def test_warnings_in_a_file_larger_than_a_piece_name_the_files_offsets(tmp_path: Path) -> None:
    # A file is read in pieces; each warning's byte offset, like the record's own, must be
    # the file's (they counted from the piece: "byte offset 254997" for one at 778980).
    raw = sample("mixed_categories.ast").read_bytes()
    head = raw[:389] + raw[891:983]      # a CAT048 block, and a CAT001 block whose record warns
    data = head * (3 * PIECE_SIZE // len(head))
    path = tmp_path / "warn.ast"
    path.write_bytes(data)
    res = radarbench("decode", str(path))
    got = [json.loads(line).get("warnings", []) for line in res.stdout.splitlines()]
    want = [r.warnings for r in iter_decode(data, errors=[])]
    assert len(got) == len(want) and sum(map(len, want)) == len(data) // len(head)
    assert got == want
