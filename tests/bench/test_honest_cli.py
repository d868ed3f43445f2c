"""The newcomer's findings on the CLI (/work/wt/NEWCOMER.md #2, #4, #5, #11, #12, #13): default
limits in loop mode, --max-p99-ms as a limit, the JSON stream checked before the run, corrupt
or non-UTF-8 reports refused in one line, compare's help and --markdown, the result lines of
source and sink mode, --run-id's width, demo -q in a read-only folder.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_cli_outputs import _drained, radarbench, read_only_fs, silent_port  # noqa: F401
from test_report import synthetic_report
from test_verdict import crafted

from radarbench.bench.cli import build_parser
from radarbench.bench.cmd_bench import config_from_args, summary_line
from radarbench.bench.render_html import render_html
from radarbench.bench.render_md import render_markdown
from radarbench.bench.report import Report
from radarbench.bench.rigbench import config_for
from radarbench.bench.verdict import DEFAULT_LIMITS, settle, with_defaults
from radarbench.rigs.rigfile import load_rig


def _args(*argv: str) -> Any:
    return build_parser().parse_args(["bench", *argv])


LOOP = ("--send", "udp://127.0.0.1:9", "--recv", "udp://127.0.0.1:9")


# --------------------------------------------------------------------------- default limits


def test_default_limits_are_zero_loss_late_and_corruption() -> None:
    assert DEFAULT_LIMITS == {"max_lost": 0.0, "max_late": 0.0, "max_corrupted": 0.0}
    assert with_defaults({}, "loop") == (DEFAULT_LIMITS, ("max_lost", "max_late", "max_corrupted"))
    # --limit replaces one default, the others stay
    assert with_defaults({"max_lost": 10}, "loop") == (
        {"max_lost": 10.0, "max_late": 0.0, "max_corrupted": 0.0}, ("max_late", "max_corrupted"))
    # without merge any given limit replaces all of them
    assert with_defaults({"max_p99_ms": 20}, "loop", merge=False) == ({"max_p99_ms": 20.0}, ())
    # max_lost_ratio stands for max_lost: --limit max_lost_ratio=0.02 kept max_lost=0, and one
    # probe lost failed the run the ratio allowed
    assert with_defaults({"max_lost_ratio": 0.02}, "loop") == (
        {"max_lost_ratio": 0.02, "max_late": 0.0, "max_corrupted": 0.0}, ("max_late", "max_corrupted"))
    assert with_defaults({}, "loop", use_defaults=False) == ({}, ())
    assert with_defaults({}, "source") == ({}, ()) and with_defaults({}, "sink") == ({}, ())


def test_bench_options_make_the_limits() -> None:
    cfg = config_from_args(_args(*LOOP))
    assert cfg.limits == DEFAULT_LIMITS
    assert cfg.extra_config["default_limits"] == ["max_lost", "max_late", "max_corrupted"]
    cfg = config_from_args(_args(*LOOP, "--limit", "max_lost=10"))
    assert cfg.limits == {"max_lost": 10.0, "max_late": 0.0, "max_corrupted": 0.0}
    assert cfg.extra_config["default_limits"] == ["max_late", "max_corrupted"]
    cfg = config_from_args(_args(*LOOP, "--no-default-limits"))
    assert cfg.limits == {} and "default_limits" not in cfg.extra_config
    # source and sink modes have no defaults
    assert config_from_args(_args("--recv", "udp://127.0.0.1:9")).limits == {}


def test_max_p99_ms_without_find_max_is_the_limit() -> None:
    # NEWCOMER #5: it was silently ignored (OK with p99 21 ms for --max-p99-ms 5).
    cfg = config_from_args(_args(*LOOP, "--max-p99-ms", "5"))
    assert cfg.limits["max_p99_ms"] == 5.0
    assert config_from_args(_args(*LOOP, "--max-p99-ms", "5", "--limit", "max_p99_ms=7")
                            ).limits["max_p99_ms"] == 7.0
    help_text = radarbench("bench", "--help").stdout
    assert "same as --limit max_p99_ms=MS" in " ".join(help_text.split())
    assert "--no-default-limits" in help_text


def test_rig_files_keep_their_own_limits_and_the_defaults_for_the_rest(tmp_path: Path) -> None:
    # A rig file whose [bench] held only max_p99_ms = 25 was held to that alone: OK about a
    # link that lost 1,482 probes. Its limits now replace their defaults only, as --limit's.
    from radarbench.rigs.rigfile import example_path

    impaired = load_rig(str(example_path("impaired")))
    cfg = config_for(impaired, send="udp://127.0.0.1:9", recv="udp://127.0.0.1:9")
    assert cfg.limits == {**dict(impaired.bench.thresholds),  # type: ignore[union-attr]
                          "max_late": 0.0, "max_corrupted": 0.0}
    assert "max_lost" not in cfg.limits  # its max_lost_ratio stands for it
    assert cfg.extra_config["default_limits"] == ["max_late", "max_corrupted"]
    only_p99 = tmp_path / "p99.toml"
    only_p99.write_text('[endpoints]\nlink = "udp://127.0.0.1:9"\n\n[bench]\nsend = "link"\n'
                        'recv = "link"\nrate = 10\nduration = 1\nmax_p99_ms = 25\n')
    assert config_for(load_rig(str(only_p99))).limits == {"max_p99_ms": 25.0, **DEFAULT_LIMITS}
    bare = tmp_path / "bare.toml"
    bare.write_text('[endpoints]\nlink = "udp://127.0.0.1:9"\n\n[bench]\nsend = "link"\n'
                    'recv = "link"\nrate = 10\nduration = 1\n')
    cfg = config_for(load_rig(str(bare)))
    assert cfg.limits == DEFAULT_LIMITS
    assert cfg.extra_config["default_limits"] == list(DEFAULT_LIMITS)
    assert config_for(load_rig(str(bare)), default_limits=False).limits == {}


def _with_defaults(report: Report) -> Report:
    report.config["default_limits"] = list(DEFAULT_LIMITS)
    return settle(report, DEFAULT_LIMITS)


def test_a_lossy_link_with_no_limits_given_fails_on_the_defaults() -> None:
    # NEWCOMER #4: --loss 0.998 -> OK sent 3,000 received 6.
    r = _with_defaults(crafted(sent=3000, received=6))
    assert r.status == "fail"
    assert r.reasons == ("max_lost: 2,994 is over the limit 0",)
    doc = r.to_dict()
    assert doc["limits"][0] == {"key": "max_lost", "limit": 0.0, "value": 2994, "passed": False,
                                "default": True}
    back = Report.from_dict(json.loads(json.dumps(doc)))
    assert back.default_limits == ("max_lost", "max_late", "max_corrupted")
    md = render_markdown(back)
    assert "Held to default limits (none given): max_lost=0, max_late=0, max_corrupted=0" in md
    assert "| max_lost | " in md and "| 0 (default) |" in md
    assert "default limits (none given)" in render_html(doc)
    ok = _with_defaults(crafted(sent=100))
    assert ok.status == "ok" and ok.reasons == ("all 3 limits held (default limits: none given)",)


def test_everything_late_is_not_no_data_and_not_ok() -> None:
    # NEWCOMER #4: --delay 1500 (late-after 1 s) -> OK received 0 lost 50 late 350.
    r = _with_defaults(crafted(sent=400, received=0, late=350))
    assert r.status == "fail"
    assert "max_late: 350 is over the limit 0" in r.reasons
    assert not any(reason.startswith("no data") for reason in r.reasons)


class _Impairer:
    def __init__(self, *argv: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "radarbench.bench.cli", "emulate",
                                      "impair", *argv], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if "ready" not in line:
            self.proc.kill()
            raise RuntimeError(f"impairer did not start: {line!r}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def _port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def lossy_link() -> Iterator[tuple[str, str]]:
    """An impairer that drops half the probes: (send URL, recv URL)."""
    a, b = _port(), _port()
    dev = _Impairer("--in", f"udp://127.0.0.1:{a}", "--out", f"udp://127.0.0.1:{b}",
                    "--loss", "0.5", "--seed", "7")
    try:
        yield f"udp://127.0.0.1:{a}", f"udp://127.0.0.1:{b}"
    finally:
        dev.stop()


def test_bench_on_a_lossy_link_fails_without_limits_and_says_the_defaults(
        lossy_link: tuple[str, str], tmp_path: Path) -> None:
    send, recv = lossy_link
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    common = ["bench", "--send", send, "--recv", recv, "--rate", "200", "--duration", "1",
              "--drain", "0.3"]
    # A loaded host may make the bench say BENCH OVERLOADED (it outranks FAIL); the limits
    # are judged all the same, and what is held here is them.
    proc = radarbench(*common, "-q", "--report", str(out), "--markdown", str(md))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(out.read_text())
    assert doc["status"] in ("fail", "bench_overloaded"), proc.stdout
    assert "max_lost: " in proc.stdout or "(+" in proc.stdout
    assert [(x["key"], x.get("default"), x["passed"]) for x in doc["limits"]] == [
        ("max_lost", True, False), ("max_late", True, doc["counts"]["late"] == 0),
        ("max_corrupted", True, True)]
    assert any(r.startswith("max_lost: ") for r in doc["verdict"]["reasons"])
    assert "default limits (none given)" in md.read_text()
    # the user says how much loss is acceptable: that key replaced, the others kept
    proc = radarbench(*common, "-q", "--report", str(out), "--limit", "max_lost=200")
    doc = json.loads(out.read_text())
    assert doc["status"] in ("ok", "bench_overloaded", "fail"), proc.stdout + proc.stderr
    assert [(x["key"], x.get("default")) for x in doc["limits"]] == [
        ("max_lost", None), ("max_late", True), ("max_corrupted", True)]
    assert doc["limits"][0]["passed"] is True
    if doc["counts"]["late"] == 0 and doc["status"] != "bench_overloaded":
        assert proc.returncode == 0 and doc["status"] == "ok", proc.stdout
    proc = radarbench(*common, "-q", "--no-default-limits")
    assert proc.stdout.startswith(("OK: ", "BENCH OVERLOADED: ")), proc.stdout + proc.stderr


# --------------------------------------------------------------------------- --json-stream


@pytest.mark.parametrize("where", ["missing folder", "read-only fs"])
def test_json_stream_is_checked_before_the_run(where: str, silent_port: socket.socket,  # noqa: F811
                                               tmp_path: Path,
                                               request: pytest.FixtureRequest) -> None:
    folder = tmp_path / "no" / "such" if where == "missing folder" else \
        request.getfixturevalue("read_only_fs")
    path = str(folder / "s.jsonl")
    url = f"udp://127.0.0.1:{silent_port.getsockname()[1]}"
    proc = radarbench("bench", "--send", url, "--recv", url, "--duration", "30",
                      "--json-stream", path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"radarbench bench: --json-stream {path}: ")
    assert _drained(silent_port) == 0  # nothing run


def test_run_json_stream_is_checked_before_the_devices_start(tmp_path: Path) -> None:
    from radarbench.rigs.rigfile import example_path

    path = str(tmp_path / "no" / "s.jsonl")
    proc = radarbench("run", str(example_path("loopback")), "--report", str(tmp_path / "r.json"),
                      "--json-stream", path)
    assert proc.returncode == 2
    assert proc.stdout == "" and not (tmp_path / "r.json").exists()
    assert proc.stderr.strip() == (f"radarbench run: --json-stream {path}: cannot write there: "
                                   f"{tmp_path / 'no'}: no such directory")


def test_json_stream_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    stream = tmp_path / "s.jsonl"
    proc = radarbench("bench", "--send", "loop://", "--recv", "loop://", "--count", "20",
                      "--rate", "200", "--drain", "0.2", "-q", "--json-stream", str(stream))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(json.loads(line) for line in stream.read_text().splitlines())
    proc = radarbench("bench", "--send", "loop://", "--recv", "loop://", "--count", "20",
                      "--rate", "200", "--drain", "0.2", "-q", "--json-stream", "-")
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- reports


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "run.json"
    report = synthetic_report()
    report.faults = []
    settle(report)
    assert report.status == "ok"
    report.write(path)
    return path


@pytest.mark.parametrize("option", ["--html", "--png", None])
def test_a_corrupt_histogram_is_one_line_naming_file_and_key(report_file: Path, tmp_path: Path,
                                                             option: str | None) -> None:
    doc = json.loads(report_file.read_text())
    doc["histograms"]["corrected"] = "not-an-hdr-histogram"
    report_file.write_text(json.dumps(doc))
    argv = ["report", str(report_file)] + ([option, str(tmp_path / f"out{option[2:]}")]
                                           if option else [])
    proc = radarbench(*argv)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"radarbench report: {report_file}: histograms.corrected: "
                               "not an encoded HDR histogram")
    with pytest.raises(ValueError, match="histograms.corrected"):
        Report.load(report_file)


def test_a_non_utf8_report_is_named(report_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"status": "\xe9t\xe9"}')
    for argv in (["report", str(bad)], ["compare", str(report_file), str(bad)]):
        proc = radarbench(*argv)
        assert proc.returncode == 2
        line = proc.stderr.strip()
        assert line.startswith(f"radarbench {argv[0]}: {bad}: not UTF-8 text"), line
        assert len(line.splitlines()) == 1


# --------------------------------------------------------------------------- compare


def test_compare_help_shows_percent_once() -> None:
    out = radarbench("compare", "--help").stdout
    assert "p99=+10%,lost=0" in out and "%%" not in out


def test_compare_checks_markdown_before_printing(report_file: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    path = str(tmp_path / "file" / "cmp.md")
    proc = radarbench("compare", str(report_file), str(report_file), "--markdown", path)
    assert proc.returncode == 2
    assert proc.stdout == ""  # no "pass" table before the refusal
    assert proc.stderr.startswith(f"radarbench compare: --markdown {path}: cannot write there")


def _with_status(path: Path, out: Path, status: str, reason: str) -> Path:
    doc = json.loads(path.read_text())
    doc["status"] = status
    doc["verdict"] = {"status": status, "reasons": [reason]}
    out.write_text(json.dumps(doc))
    return out


def test_compare_cli_holds_to_the_verdicts(report_file: Path, tmp_path: Path) -> None:
    fault = _with_status(report_file, tmp_path / "fault.json", "fault",
                         "fault: connection reset (recv side) at 1.000 s")
    proc = radarbench("compare", str(report_file), str(fault))
    assert proc.returncode == 1
    assert "new run is FAULT: fault: connection reset (recv side) at 1.000 s" in proc.stderr
    allowed = radarbench("compare", str(report_file), str(fault), "--allow-status", "fault",
                         "--fail-on", "p99=+10%")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "WARNING: new run is FAULT" in allowed.stderr
    over = _with_status(report_file, tmp_path / "over.json", "bench_overloaded",
                        "bench overloaded: sender lag")
    proc = radarbench("compare", str(over), str(report_file))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("radarbench compare: base run is BENCH OVERLOADED: "
                                  "not a baseline")
    assert radarbench("compare", str(over), str(report_file), "--allow-status",
                      "bench_overloaded", "--fail-on", "p99=+10%").returncode == 0
    bad = radarbench("compare", str(over), str(report_file), "--allow-status", "meh")
    assert bad.returncode == 2 and "unknown status 'meh'" in bad.stderr


# --------------------------------------------------------------------------- result lines


def test_source_mode_result_line_counts_what_it_received() -> None:
    r = crafted(sent=75, mode="source", sections={"source": {"records": 75, "plots": 35}})
    line = summary_line(r)
    assert line.startswith("OK: received 75 records (35 plots) ")
    assert "sent" not in line and "lost" not in line


def test_sink_mode_shows_accepted_figures_not_received() -> None:
    r = crafted(sent=66, received=0, mode="sink",
                sections={"sink": {"sends": 66, "failed_sends": 0, "not_sent": 134,
                                   "accepted_msgs_per_s": 16.3}})
    line = summary_line(r)
    assert line.startswith("OK: accepted 66, not sent 134 (scheduled, never left); ")
    assert "received" not in line
    back = Report.from_dict(r.to_dict())
    md = render_markdown(back)
    assert "0 of 66 received" not in md and "**66 accepted** by the device" in md
    assert "134 scheduled but never sent" in md
    assert "| accepted msg/s |" in md
    page = render_html(r.to_dict())
    assert "accepted msgs/s" in page and "not sent (scheduled, never left)" in page


@pytest.mark.parametrize("value", ["100000000", "ffffffffff"])
def test_run_id_is_32_bits(value: str) -> None:
    proc = radarbench("bench", *LOOP, "--run-id", value)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "more than 32 bits" in proc.stderr
    assert proc.stderr.startswith(f"radarbench bench: --run-id '{value}': more than 32 bits")
    assert config_from_args(_args(*LOOP, "--run-id", "ffffffff")).run_id == 0xFFFFFFFF


def test_demo_quiet_in_a_read_only_folder_says_where_the_report_went(
        read_only_fs: Path) -> None:  # noqa: F811
    proc = subprocess.run([sys.executable, "-c",
                           "import sys; from radarbench.bench.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", "demo", "-q", "--duration", "2"],
                          capture_output=True, text=True, timeout=120, cwd=read_only_fs,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert proc.stdout.count("\n") == 1  # -q: the one result line
    where = proc.stderr.strip().splitlines()[-1]
    assert where.startswith("report: ") and "radarbench-demo-" in where
    path = Path(where.removeprefix("report: ").split(" (")[0])
    assert path.is_file() and Report.load(path).status in ("ok", "fail", "bench_overloaded")
    path.unlink()
    path.parent.rmdir()


def test_bench_on_one_multicast_group_is_refused_before_the_run() -> None:
    # With no device between, the bench would hear its own probes and call the link OK.
    url = "udp://239.255.91.7:18655"
    res = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "bench", "--send", url,
                          "--recv", url, "--duration", "1"], capture_output=True, text=True,
                         timeout=60, check=False)
    assert res.returncode == 2
    assert "hear its own probes" in res.stderr and len(res.stderr.strip().splitlines()) == 1
