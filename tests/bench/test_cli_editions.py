"""`radarbench editions`, `inspect`, `generate-editions` and `--edition`, run as a user runs
them (a real process each), against whatever editions the registry knows: no count of
editions is written down here, so the tests hold when the generated editions land."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from samples import sample

from radarbench.bench.cli import ROUTES, build_parser
from radarbench.codecs.asterix import editions as registry
from radarbench.codecs.asterix import encode_one, pack_blocks

_ENTRY = "import sys; from radarbench.bench.cli import main; sys.exit(main(sys.argv[1:]))"


def radarbench(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _ENTRY, *args], capture_output=True, text=True,
                          timeout=timeout)


def one_line_error(proc: subprocess.CompletedProcess[str], status: int = 2) -> str:
    assert proc.returncode == status, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def editions_of(cat: int) -> list[str]:
    return [ed for c, ed in registry.known() if c == cat]


# A CAT048 record whose I020 carries a fourth octet (ACASXV, POXPR): edition 1.32 has it,
# 1.31 ends I020 after its third octet, so 1.31 must fail there (the FX bit of octet 3).
_I020_1_32 = {"TYP": 5, "SIM": 0, "RDP": 0, "SPI": 0, "RAB": 0, "TST": 0, "ERR": 0, "XPP": 0,
              "ME": 0, "MI": 0, "FOEFRI": 0, "ADSB": {"EP": 0, "VAL": 0},
              "SCN": {"EP": 0, "VAL": 0}, "PAI": {"EP": 0, "VAL": 0},
              "ACASXV": {"EP": 1, "VAL": 1}, "POXPR": {"EP": 0, "VAL": 0}}


def block_1_32_only() -> bytes:
    return pack_blocks([encode_one({"category": 48, "edition": "1.32",
                                    "items": {"010": {"SAC": 1, "SIC": 2}, "020": _I020_1_32}})])


# ------------------------------------------------------------------ editions


def test_editions_table_lists_every_known_edition_and_marks_the_defaults() -> None:
    proc = radarbench("editions")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:4] == ["CAT", "EDITION", "DEFAULT", "TITLE"]
    rows = lines[1:-1]
    assert [(int(r.split()[0]), r.split()[1]) for r in rows] == registry.known()
    for r in rows:
        cat, ed = int(r.split()[0]), r.split()[1]
        marked = r.split()[2] == "*"
        assert marked == (registry.DEFAULT_EDITIONS.get(cat) == ed), r
        assert registry.load(cat, ed).title in r
    cats = {c for c, _ in registry.known()}
    assert lines[-1].startswith(f"{len(registry.known())} editions of {len(cats)} categories")


def test_editions_json_and_category_filter() -> None:
    proc = radarbench("editions", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(e["category"], e["edition"]) for e in doc["editions"]] == registry.known()
    defaults = {e["category"]: e["edition"] for e in doc["editions"] if e["default"]}
    assert defaults == {c: e for c, e in registry.DEFAULT_EDITIONS.items()
                        if (c, e) in registry.known()}
    known_refs = getattr(registry, "known_refs", None)
    assert len(doc["refs"]) == (len(list(known_refs())) if known_refs else 0)
    only = json.loads(radarbench("editions", "48", "--json").stdout)
    assert [e["edition"] for e in only["editions"]] == editions_of(48)


def test_editions_of_an_unknown_category_is_one_line() -> None:
    assert "no declaration of CAT250" in one_line_error(radarbench("editions", "250"))


# ------------------------------------------------------------------ inspect


def test_inspect_a_capture_of_two_categories(tmp_path: Path) -> None:
    proc = radarbench("inspect", str(sample("cat034_048.pcap")), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["format"] == "pcap" and doc["ok"] is True and doc["frames_not_read"] == {}
    cats = {c["category"]: c for c in doc["categories"]}
    assert sorted(cats) == [34, 48]
    assert sum(c["blocks"] for c in cats.values()) == doc["blocks"]
    for cat, c in cats.items():
        assert [e["edition"] for e in c["editions"]] == editions_of(cat)
        rec = c["recommendation"]
        assert rec["choice"] == registry.DEFAULT_EDITIONS[cat] and rec["default"] is True
        default = next(e for e in c["editions"] if e["default"])
        assert default["strict"]["ok"] and default["lenient"]["records"] == c["records"]
    # the records counted are the ones decode writes
    decoded = radarbench("decode", str(sample("cat034_048.pcap")))
    lines = [json.loads(x) for x in decoded.stdout.splitlines()]
    assert len(lines) == cats[34]["records"] + cats[48]["records"]


def test_inspect_says_where_an_older_edition_fails(tmp_path: Path) -> None:
    f = tmp_path / "acas.ast"
    prefix = pack_blocks([encode_one({"category": 48, "items": {"010": {"SAC": 1, "SIC": 2}}})])
    f.write_bytes(prefix + block_1_32_only())
    proc = radarbench("inspect", str(f), "--json")
    doc = json.loads(proc.stdout)
    (c,) = doc["categories"]
    by_ed = {e["edition"]: e for e in c["editions"]}
    assert by_ed["1.32"]["strict"]["ok"] and by_ed["1.32"]["strict"]["records"] == 2
    bad = by_ed["1.31"]["lenient"]
    assert not bad["ok"] and bad["failed_blocks"] == 1 and bad["records"] == 1
    # second block (index 1), which starts after the first one; item 020 after 3+FSPEC+010
    assert bad["first_error"]["block"] == 1 and bad["first_error"]["item"] == "020"
    assert bad["first_error"]["offset"] == len(prefix) + 8
    assert c["recommendation"]["choice"] == "1.32"
    assert "1.31" not in c["recommendation"]["editions"]
    text = radarbench("inspect", str(f))
    assert text.returncode == 0
    assert f"block 1, offset {len(prefix) + 8} item 020" in text.stdout
    assert "-> the default, 1.32, decodes every record" in text.stdout


def test_inspect_a_file_no_edition_decodes_exits_1_and_says_so() -> None:
    proc = radarbench("inspect", str(sample("cat062.pcap")))
    assert proc.returncode == 1, proc.stderr
    assert "no known edition decodes every record; fewest failures:" in proc.stdout
    doc = json.loads(radarbench("inspect", str(sample("cat062.pcap")), "--json").stdout)
    (c,) = doc["categories"]
    assert c["recommendation"]["choice"] is None and c["records"] is None
    for e in c["editions"]:  # strict rejects the capture's non-zero spares; lenient fails later
        assert 0 < e["lenient"]["failed_blocks"] <= e["strict"]["failed_blocks"]


def test_inspect_lists_categories_without_a_specification_as_skipped() -> None:
    proc = radarbench("inspect", str(sample("mixed_categories.ast")), "--json")
    doc = json.loads(proc.stdout)
    known = {c for c, _ in registry.known()}
    skipped = {c["category"]: c["blocks"] for c in doc["categories"] if c["skipped"]}
    in_file = {c["category"] for c in doc["categories"]}
    assert set(skipped) == in_file - known and all(n >= 1 for n in skipped.values())
    text = radarbench("inspect", str(sample("mixed_categories.ast"))).stdout
    for cat in skipped:
        assert f"CAT{cat:03d}  1 block: skipped, no specification known" in text


def test_recommendation_names_the_edition_option_when_the_default_fails() -> None:
    from radarbench.bench.cmd_editions import Trial, _recommend

    cat = 48
    default = registry.DEFAULT_EDITIONS[cat]
    other = next(ed for ed in editions_of(cat) if ed != default)
    bad = Trial(records=3, failed_blocks=2, first_error={})
    good = Trial(records=5)
    rec = _recommend(cat, {default: {"strict": bad, "lenient": bad},
                           other: {"strict": good, "lenient": good}})
    assert rec["choice"] == other and rec["default"] is False
    assert f"--edition {cat}={other}" in rec["text"]


@pytest.mark.parametrize("setup, expected", [
    (lambda d: d / "nope.ast", "nope.ast: no such file"),
    (lambda d: d, "a directory, not a file"),
    (lambda d: _write(d / "empty.ast", b""), "empty file"),
    (lambda d: _write(d / "text.ast", b"hello, this is not ASTERIX\n" * 20), "no ASTERIX data blocks found"),
    (lambda d: _write(d / "bad.pcap", b"\xd4\xc3\xb2\xa1" + b"\x00" * 7), "not a pcap capture"),
])
def test_inspect_refuses_what_it_cannot_read_in_one_line(tmp_path: Path, setup, expected: str) -> None:
    line = one_line_error(radarbench("inspect", str(setup(tmp_path))))
    assert line.startswith("radarbench inspect: ") and expected in line


def _write(p: Path, data: bytes) -> Path:
    p.write_bytes(data)
    return p


# ------------------------------------------------------------------ --edition


def test_decode_edition_option_changes_the_outcome(tmp_path: Path) -> None:
    f = tmp_path / "acas.ast"
    f.write_bytes(block_1_32_only())
    ok = radarbench("decode", str(f))
    assert ok.returncode == 0 and json.loads(ok.stdout)["edition"] == "1.32"
    old = radarbench("decode", str(f), "--edition", "48=1.31")
    assert old.returncode == 1 and old.stdout == ""
    assert "item 020" in old.stderr
    line = one_line_error(radarbench("decode", str(f), "--edition", "48=9.99"))
    assert "--edition: no declaration of CAT048 edition 9.99" in line
    assert all(ed in line for ed in editions_of(48))


def test_bench_and_gateway_refuse_an_unknown_edition_naming_the_option() -> None:
    line = one_line_error(radarbench("bench", "--recv", "udp://127.0.0.1:0", "--edition", "62=0.1"))
    assert line.startswith("radarbench bench: --edition: no declaration of CAT062 edition 0.1")
    line = one_line_error(radarbench("emulate", "gateway", "--in", "udp://127.0.0.1:9",
                                     "--out", "udp://127.0.0.1:9", "--edition", "48=x"))
    assert "--edition: no declaration of CAT048 edition x" in line


_RIG = """
[endpoints]
lan = "udp://127.0.0.1:{{port:lan}}"
[devices.gw]
kind = "gateway"
in = "udp://127.0.0.1:{{port:gin}}"
out = "{{lan}}"
to_category = 62
editions = {gw}
[bench]
send = "udp://127.0.0.1:{{port:gin}}"
recv = "lan"
match_keys = "060.MODE3A"
duration = 1
rate = 20
editions = {bench}
"""


@pytest.mark.parametrize("gw, bench, key, text", [
    ('{48 = "0.9"}', '{62 = "1.21"}', "devices.gw.editions", "no declaration of CAT048 edition 0.9"),
    ('{48 = "1.32"}', '{62 = "0.9"}', "bench.editions", "no declaration of CAT062 edition 0.9"),
    ('{48 = "1.32"}', '{x = "1.21"}', "bench.editions.x", "expected a category number"),
    ('"48=1.32"', '{62 = "1.21"}', "devices.gw.editions", "expected a table"),
])
def test_rig_file_editions_errors_name_the_key(tmp_path: Path, gw: str, bench: str, key: str,
                                               text: str) -> None:
    f = tmp_path / "rig.toml"
    f.write_text(_RIG.format(gw=gw, bench=bench))
    line = one_line_error(radarbench("rig", "check", str(f)))
    assert f"{f}: {key}: {text}" in line


def test_rig_file_editions_reach_the_bench_and_the_gateway(tmp_path: Path) -> None:
    from radarbench.bench.rigbench import config_for
    from radarbench.rigs.rigfile import load_rig

    d48, d62 = editions_of(48)[0], editions_of(62)[0]
    f = tmp_path / "rig.toml"
    f.write_text(_RIG.format(gw=f'{{48 = "{d48}"}}', bench=f'{{62 = "{d62}"}}'))
    rig = load_rig(f).with_run_dir(str(tmp_path))
    assert config_for(rig).editions == {62: d62}
    argv = rig.device_argv("gw")
    assert argv[argv.index("--edition") + 1] == f"48={d48}"
    args = build_parser().parse_args(argv)
    assert args.edition == [f"48={d48}"]
    report = tmp_path / "r.json"
    proc = radarbench("run", str(f), "-q", "--report", str(report), timeout=90)
    assert proc.returncode in (0, 1), proc.stderr  # 1: a loaded host may make it late
    config = json.loads(report.read_text())["config"]
    assert config["decode_editions"] == {"62": d62}
    assert json.loads(report.read_text())["counts"]["received"] > 0


# ------------------------------------------------------------------ generate-editions


def test_generate_editions_without_a_specs_folder_is_one_line(tmp_path: Path) -> None:
    line = one_line_error(radarbench("generate-editions", str(tmp_path / "none")))
    assert "no such folder; expected an asterix-specs checkout" in line


# ------------------------------------------------------------------ the CLI's start


def test_every_command_is_routed_to_the_module_that_registers_it() -> None:
    full = build_parser()
    sub = next(a for a in full._actions if a.dest == "command")
    assert set(sub.choices) == set(ROUTES)
    for name, module in ROUTES.items():
        only = build_parser(module)
        assert name in next(a for a in only._actions if a.dest == "command").choices


def test_decode_imports_neither_the_bench_nor_scapy() -> None:
    # what keeps `radarbench decode` of a small file quick (~0.2 s on the project's machine):
    # the engine, reports and charts (matplotlib) and scapy stay unimported
    code = ("import sys, io, contextlib; from radarbench.bench.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['decode', sys.argv[1]])\n"
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, str(sample("cat048_one_record.ast"))],
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    heavy = [m for m in out if m.split(".")[0] in ("scapy", "matplotlib", "hdrh", "numpy")
             or m in ("radarbench.bench.engine", "radarbench.bench.report", "radarbench.bench.charts")]
    assert heavy == []
