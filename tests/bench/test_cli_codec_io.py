"""Where `radarbench decode` and `radarbench encode` read and write (a tester's findings): a
standard output that is full or closed, an output that is the input, input that is not
UTF-8, `-o -`, a capture cut short. Each answer is one line, and nothing the user had is lost."""
from __future__ import annotations

import os
import stat
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from samples import sample

from radarbench.rigs.pcapfile import iter_datagrams

CLI = [sys.executable, "-m", "radarbench.bench.cli"]


def run(*args: str, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([*CLI, *args], stderr=subprocess.PIPE, timeout=120, **kw)


def one_line(p: subprocess.CompletedProcess[bytes], code: int) -> str:
    """The one line on stderr, after checking the exit status and that there is only it."""
    err = p.stderr.decode()
    assert p.returncode == code, (p.returncode, err)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert len(err.splitlines()) == 1, err
    return err.rstrip("\n")


def dev_full() -> str:
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("/dev/full is not the character device that fails every write with ENOSPC here")
    return "/dev/full"


# ------------------------------------------------------------------ decode's standard output


def python_env(unbuffered: bool) -> dict[str, str]:
    """The environment with standard output buffered, as a user's is, or not (PYTHONUNBUFFERED,
    which hides what a buffered stream does at exit)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("name", ["cat021_re.ast", "cat034_048.pcap"])
@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_decode_to_a_full_standard_output_says_so_in_one_line(name: str, fmt: str, unbuffered: bool) -> None:
    """jsonl was an OSError traceback; text said "FILE: cannot read" for a write that failed.
    No "Exception ignored" (and exit status 120) at exit from the bytes still buffered either."""
    with open(dev_full(), "wb") as full:
        p = run("decode", str(sample(name)), "--format", fmt, stdout=full, env=python_env(unbuffered))
    assert one_line(p, 2) == "radarbench decode: cannot write to standard output: No space left on device"


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_decode_with_standard_output_closed_says_so_in_one_line(fmt: str) -> None:
    """`radarbench decode FILE >&-` was an AttributeError traceback (sys.stdout is None)."""
    p = run("decode", str(sample("cat021_re.ast")), "--format", fmt, stdout=None,
            preexec_fn=lambda: os.close(1))
    assert one_line(p, 2) == "radarbench decode: standard output is closed"


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_a_reader_that_goes_away_still_ends_decode_quietly(fmt: str, unbuffered: bool) -> None:
    p = subprocess.Popen([*CLI, "decode", str(sample("cat034_048.pcap")), "--format", fmt],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=python_env(unbuffered))
    assert p.stdout is not None and p.stderr is not None
    assert p.stdout.readline().startswith(b'{"category":48' if fmt == "jsonl" else b"CAT048 ed. 1.32")
    p.stdout.close()
    err = p.stderr.read()
    assert p.wait(timeout=60) == 0 and err == b""


# ------------------------------------------------------------------ decode's error lines


@pytest.mark.parametrize("size, says", [
    (5000, "frame 37 (byte offset 4916): its header says 165 octets were captured, 68 follow"),
    (30, "capture cut short after frame 0: at byte offset 24, a pcap record header needs 16 octets"),
], ids=["in-a-frame", "in-a-frame-header"])
def test_a_capture_cut_short_is_named_in_its_error_line(tmp_path: Path, size: int, says: str) -> None:
    """The line was "radarbench decode: frame 46 (byte offset 5969)...": which file?
    The records of the frames before the cut are written, as before."""
    whole = run("decode", str(sample("cat034_048.pcap")))
    assert whole.returncode == 0, whole.stderr
    cut = tmp_path / "t.pcap"
    cut.write_bytes(sample("cat034_048.pcap").read_bytes()[:size])
    p = run("decode", str(cut))
    assert one_line(p, 2).startswith(f"radarbench decode: {cut}: {says}")
    frame = int(says.split()[1]) if says.startswith("frame") else 1
    before = [x for x in whole.stdout.splitlines() if int(x.split(b'"frame":')[1].split(b",")[0]) < frame]
    assert p.stdout.splitlines() == before and (frame == 1 or before)


def test_a_framed_recording_cut_short_is_still_named_once(tmp_path: Path) -> None:
    """A RecordingError names its file itself: the line does not name it twice."""
    payloads = [d.payload for d in iter_datagrams(sample("cat034_048.pcap"))][:3]
    frames = b"".join(struct.pack(">HBBB", 8 + len(p) + 4, 0, 0, 0) + (100 * (i + 1)).to_bytes(3, "big")
                      + p + b"\xa5" * 4 for i, p in enumerate(payloads))  # FINAL frames
    f = tmp_path / "r.final"
    f.write_bytes(frames[:-10])
    p = run("decode", str(f))
    assert one_line(p, 2) == (f"radarbench decode: {f}: byte 120: the file ends inside FINAL frame 3 "
                              "(byte count 78): it needs 78 octets, 68 are left")
    assert len(p.stdout.splitlines()) == 2  # the records of frames 1 and 2


# ------------------------------------------------------------------ encode's input


def records(tmp_path: Path) -> tuple[Path, bytes]:
    """JSON Lines decoded from a sample, and the data blocks they encode to."""
    jl = tmp_path / "r.jsonl"
    jl.write_bytes(run("decode", str(sample("cat021_re.ast"))).stdout)
    return jl, sample("cat021_re.ast").read_bytes()


@pytest.mark.parametrize("bad, line, offset", [
    (b'{"category":48,"items":{}}\xff\n', 3, 26),                 # a stray byte after the record
    (b'{"category":48,"items":{"\xe9":1}}\n', 3, 25),             # Latin-1 in a key
    (b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00\n", 3, 0),                # a pcap's header
    (b'{"category":48,\xe2\x82"items":{}}\n', 3, 15),             # a UTF-8 sequence cut short
], ids=["after", "latin-1", "pcap", "cut-sequence"])
@pytest.mark.parametrize("from_stdin", [False, True], ids=["file", "stdin"])
def test_encode_input_that_is_not_utf8_is_one_line_with_its_offset(
        tmp_path: Path, bad: bytes, line: int, offset: int, from_stdin: bool) -> None:
    """A UnicodeDecodeError traceback from a file; from standard input "not JSON" with no word
    of the byte. Like any line's error: the records before it are written, exit status 1."""
    jl, blocks = records(tmp_path)
    assert len(jl.read_bytes().splitlines()) == line - 1
    jl.write_bytes(jl.read_bytes() + bad + b'{"category":21,"items":{}}\n')
    out = tmp_path / "o.ast"
    if from_stdin:
        with jl.open("rb") as f:
            p = run("encode", "-", "-o", str(out), stdin=f)
    else:
        p = run("encode", str(jl), "-o", str(out))
    name = "<stdin>" if from_stdin else str(jl)
    assert one_line(p, 1) == f"radarbench encode: {name}: line {line}: not UTF-8 text (byte offset {offset} of the line)"
    assert out.read_bytes() == blocks  # the two records before it


def test_encode_of_a_pcap_given_by_mistake_is_one_line(tmp_path: Path) -> None:
    pcap = sample("cat034_048.pcap")
    p = run("encode", str(pcap), "-o", str(tmp_path / "o.ast"))
    assert one_line(p, 1) == f"radarbench encode: {pcap}: line 1: not UTF-8 text (byte offset 0 of the line)"


# ------------------------------------------------------------------ encode's output


def test_encode_refuses_to_write_over_its_input(tmp_path: Path) -> None:
    """`radarbench encode j.jsonl -o j.jsonl` replaced the records with the data blocks."""
    jl, _ = records(tmp_path)
    kept = jl.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(jl)
    os.link(jl, tmp_path / "hard.jsonl")
    (tmp_path / "sub").mkdir()
    said = "the input file"
    for given, output in ((jl, jl), (jl, tmp_path / "sub" / ".." / "r.jsonl"), (jl, tmp_path / "link.jsonl"),
                          (jl, tmp_path / "hard.jsonl"), (tmp_path / "link.jsonl", jl)):
        line = one_line(run("encode", str(given), "-o", str(output)), 2)
        assert line == (f"radarbench encode: --output {output}: that is {said} {given}: "
                        "writing the data blocks there would destroy the records")
        assert jl.read_bytes() == kept
    # the same file reached through standard input, or standard output redirected onto it
    with jl.open("rb") as f:
        line = one_line(run("encode", "-", "-o", str(jl), stdin=f), 2)
    assert line.startswith(f"radarbench encode: --output {jl}: that is the file on standard input: ")
    with jl.open("ab") as f:
        line = one_line(run("encode", str(jl), "-o", "-", stdout=f), 2)
    assert line.startswith(f"radarbench encode: --output -: standard output is the input file {jl}: ")
    assert jl.read_bytes() == kept
    # a different file of the same content is no input
    other = tmp_path / "copy.jsonl"
    other.write_bytes(kept)
    assert run("encode", str(jl), "-o", str(other)).returncode == 0


def test_encode_output_dash_is_standard_output(tmp_path: Path) -> None:
    """`-o -` wrote a file named "-"."""
    jl, blocks = records(tmp_path)
    p = run("encode", str(jl), "-o", "-", cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == b"" and p.stdout == blocks
    assert not (tmp_path / "-").exists()
    with jl.open("rb") as f:  # from standard input to standard output: a filter
        p = run("encode", "-", "-o", "-", stdin=f, cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == blocks
    assert "- for standard output" in " ".join(run("encode", "--help").stdout.decode().split())


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_encode_to_a_standard_output_that_fails_is_one_line(tmp_path: Path, unbuffered: bool) -> None:
    jl, _ = records(tmp_path)
    with open(dev_full(), "wb") as full:
        p = run("encode", str(jl), "-o", "-", stdout=full, env=python_env(unbuffered))
    assert one_line(p, 2) == "radarbench encode: cannot write to standard output: No space left on device"
    p = run("encode", str(jl), "-o", "-", stdout=None, preexec_fn=lambda: os.close(1))
    assert one_line(p, 2) == "radarbench encode: standard output is closed"
    # a reader that went away: quiet, and no "Exception ignored" from the bytes still buffered
    q = subprocess.Popen([*CLI, "encode", str(jl), "-o", "-"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=python_env(unbuffered))
    assert q.stdout is not None and q.stderr is not None
    q.stdout.close()
    err = q.stderr.read()
    assert q.wait(timeout=60) == 0 and err == b""
