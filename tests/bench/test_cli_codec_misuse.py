"""What a newcomer types at the codec commands (newcomer 8): each answer is one line, says
what was wrong, and the exit status says it failed; an option asked for is never ignored."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from samples import sample

CLI = [sys.executable, "-m", "radarbench.bench.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def one_line_error(p: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    for n in needles:
        assert n in p.stderr, (n, p.stderr)


def test_empty_inputs_are_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ast"
    empty.write_bytes(b"")
    one_line_error(run("decode", str(empty)), 2, "empty file")
    one_line_error(run("inspect", str(empty)), 2, "empty file")
    one_line_error(run("decode", "/dev/null"), 2, "not a regular file")
    jl = tmp_path / "none.jsonl"
    jl.write_text("\n")
    one_line_error(run("encode", str(jl), "-o", str(tmp_path / "o.ast")), 2, "no records to encode")
    assert not (tmp_path / "o.ast").exists()


def test_edition_options_are_checked_and_never_ignored(tmp_path: Path) -> None:
    one_line_error(run("decode", str(sample("cat021_re.ast")), "--edition", "48=1.31", "--edition", "48=1.27"),
                   2, "CAT048 given twice")
    one_line_error(run("decode", str(sample("cat021_re.ast")), "--edition", "999=1.0"), 2, "not a category number")
    # encode --edition wins over the edition decode wrote in each record
    jl = tmp_path / "r.jsonl"
    jl.write_text(run("decode", str(sample("cat021_re.ast"))).stdout)
    assert {json.loads(x)["edition"] for x in jl.read_text().splitlines()} == {"2.7"}
    out = tmp_path / "o.ast"
    p = run("encode", str(jl), "-o", str(out), "--edition", "21=2.6")
    assert p.returncode == 0, p.stderr
    again = [json.loads(x) for x in run("decode", str(out), "--edition", "21=2.6").stdout.splitlines()]
    assert len(again) == 2 and {r["edition"] for r in again} == {"2.6"}
    # proof that it is used: edition 0.23 has no I021/073, so the same records cannot be encoded
    one_line_error(run("encode", str(jl), "-o", str(out), "--edition", "21=0.23"), 1, "edition 0.23", "073")


def test_inspect_names_the_warning_it_saw(tmp_path: Path) -> None:
    """An empty record (FSPEC 00) was reported as 'non-zero spare bits'."""
    f = tmp_path / "e.ast"
    f.write_bytes(bytes.fromhex("30000400"))
    p = run("inspect", str(f))
    assert p.returncode == 0, p.stderr
    assert "1 with an empty FSPEC (00)" in p.stdout and "spare" not in p.stdout


def test_encode_says_what_is_wrong_with_a_record_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "o.ast"
    for line, needles in (('{"category":48,"items":{"140":1e308}}', ("line 1", "140", "1e+308")),
                          ('{"category":1e999,"items":{}}', ("line 1", "category")),
                          ('{"category":48,"edition":["1.32"],"items":{"010":{"SAC":25,"SIC":201}}}',
                           ("line 1", "edition"))):
        jl = tmp_path / "r.jsonl"
        jl.write_text(line + "\n")
        one_line_error(run("encode", str(jl), "-o", str(out)), 1, *needles)
    # --edition holds for a category written as a string too (encode reads "21" as 21)
    jl = tmp_path / "r.jsonl"
    recs = [json.loads(x) for x in run("decode", str(sample("cat021_re.ast"))).stdout.splitlines()]
    jl.write_text("".join(json.dumps({**r, "category": str(r["category"])}) + "\n" for r in recs))
    one_line_error(run("encode", str(jl), "-o", str(out), "--edition", "21=0.23"), 1, "edition 0.23", "073")


def test_encode_refuses_a_category_that_is_not_a_number_0_to_255(tmp_path: Path) -> None:
    """48.7 was encoded as CAT048, true as CAT001, " 48 " as CAT048 (int() of anything)."""
    out = tmp_path / "o.ast"
    jl = tmp_path / "r.jsonl"
    for given, says in (("48.7", "category 48.7 (float)"), ("true", "category True (bool)"),
                        ('" 48 "', "category ' 48 ' (str)"), ('"4.8"', "category '4.8' (str)"),
                        ("256", "category 256 (int)"), ("-1", "category -1 (int)"),
                        ("null", "category None")):
        jl.write_text(f'{{"category":{given},"items":{{"010":{{"SAC":25,"SIC":201}}}}}}\n')
        for edition in ((), ("--edition", "48=1.31")):  # the override reads the category too
            p = run("encode", str(jl), "-o", str(out), *edition)
            one_line_error(p, 1, "line 1", says, "integer from 0 to 255")
            assert out.read_bytes() == b""  # no record before it: an empty output, as for any line
    # a category written as a string of digits is still read, as decode's JSON keeps it readable
    jl.write_text('{"category":"48","items":{"010":{"SAC":25,"SIC":201}}}\n')
    assert run("encode", str(jl), "-o", str(out)).returncode == 0
    assert out.read_bytes() == bytes.fromhex("300006 80 19c9".replace(" ", ""))
