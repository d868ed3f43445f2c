"""End-to-end loop runs of the bench engine through real UDP sockets and real processes.

The device under test is tests/bench/forwarder.py, a plain UDP echo in its own process that
drops, duplicates, swaps or corrupts every Nth message on request: the counts the bench
reports must equal what it did, exactly.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from radarbench.bench.engine import BenchConfig, ConfigError, bench, run_bench
from radarbench.rigs.transports import open as open_transport

FORWARDER = Path(__file__).with_name("forwarder.py")
COUNT = 500


class Forwarder:
    def __init__(self, *options: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(FORWARDER), *options],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        self.url = f"udp://127.0.0.1:{self.port}"

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def forwarder() -> Iterator[type[Forwarder]]:
    made: list[Forwarder] = []

    def make(*options: str) -> Forwarder:
        f = Forwarder(*options)
        made.append(f)
        return f

    yield make  # type: ignore[misc]
    for f in made:
        f.close()


def loop(url: str, **options: object):
    options.setdefault("count", COUNT)
    options.setdefault("drain_s", 0.4)
    return bench(send=url, recv=url, rate=options.pop("rate", 2000), duration=None, **options)


def assert_exact(report) -> None:
    c = report.counts
    assert c.sent == c.received + c.lost + c.late, c


def test_echo_all_received(forwarder) -> None:
    report = loop(forwarder().url)
    c = report.counts
    assert (c.sent, c.received, c.lost, c.late, c.duplicated, c.corrupted) == (COUNT, COUNT, 0, 0, 0, 0)
    assert report.status == "ok"
    assert report.corrected.count == COUNT and report.corrected.p50_us > 0
    assert report.uncorrected.p50_us <= report.corrected.p50_us


def test_echo_packed_blocks(forwarder) -> None:
    report = loop(forwarder().url, records_per_block=10)
    c = report.counts
    assert (c.sent, c.received, c.lost) == (COUNT, COUNT, 0)
    assert report.to_dict()["match"]["sends"] == COUNT // 10


def test_lost_count_exact(forwarder) -> None:
    report = loop(forwarder("--drop-every", "10").url)
    assert report.counts.lost == COUNT // 10
    assert report.counts.received == COUNT - COUNT // 10
    assert_exact(report)


def test_lost_count_exact_packed(forwarder) -> None:
    # A dropped datagram of 5 probes loses all five.
    report = loop(forwarder("--drop-every", "10").url, records_per_block=5)
    assert report.counts.lost == COUNT // 5 // 10 * 5
    assert_exact(report)


def test_duplicates_exact(forwarder) -> None:
    report = loop(forwarder("--dup-every", "10").url)
    c = report.counts
    assert (c.duplicated, c.received, c.lost) == (COUNT // 10, COUNT, 0)


def test_reordering_counted(forwarder) -> None:
    report = loop(forwarder("--swap-every", "10").url)
    c = report.counts
    assert (c.reordered, c.received, c.lost, c.duplicated) == (COUNT // 10, COUNT, 0, 0)


def test_corrupted_frames_counted(forwarder) -> None:
    # A corrupted frame delivers nothing: its probe is lost unless an intact copy arrives.
    report = loop(forwarder("--corrupt-every", "10").url)
    c = report.counts
    assert (c.corrupted, c.lost, c.received) == (COUNT // 10, COUNT // 10, COUNT - COUNT // 10)


def test_warmup_excluded(forwarder) -> None:
    # 1000 probes at 2000/s with 0.1 s of warm-up: the first 200 are left out.
    report = loop(forwarder("--drop-every", "10").url, count=1000, warmup_s=0.1)
    assert report.counts.sent == 800
    assert report.counts.lost == 80
    assert_exact(report)


def test_late_after_threshold(forwarder) -> None:
    # One 300 ms stall: what queued behind it arrives past --late-after 0.1 s and counts late.
    report = loop(forwarder("--stall-at", "100", "--stall-ms", "300").url, count=1000,
                  late_after_s=0.1, drain_s=0.5)
    c = report.counts
    assert c.late > 0 and c.lost == 0
    assert c.received + c.late == 1000


def test_coordinated_omission_corrected_vs_uncorrected() -> None:
    # A forwarder that stalls 200 ms once behind a link that holds one message (loop:// with
    # maxsize=1): the sender's write blocks through the stall, so the actual send times slip
    # and the uncorrected latency sees the stall only in the one or two messages already in
    # flight (< 0.5 % of them, beyond its p99); the corrected one (from the intended times)
    # sees it in the ~200 messages that were due during the stall.
    name = f"co{time.monotonic_ns()}"
    device = open_transport(f"loop://{name}?maxsize=1")
    stop = threading.Event()

    def forward() -> None:
        n = 0
        while not stop.is_set():
            msg = device.recv(0.05)
            if msg is None:
                continue
            if n == 300:
                time.sleep(0.2)
            device.send(msg.data)
            n += 1

    t = threading.Thread(target=forward, daemon=True)
    t.start()
    try:
        url = f"loop://{name}?maxsize=1"
        report = bench(send=url, recv=url, rate=1000, duration=None, count=1000, drain_s=0.5)
    finally:
        stop.set()
        t.join()
        device.close()
    c = report.counts
    assert (c.received, c.lost) == (1000, 0)
    assert report.corrected.max_us > 150_000
    assert report.corrected.p99_us > 100_000
    assert report.uncorrected.p99_us < 20_000
    assert report.corrected.p90_us > 10 * report.uncorrected.p90_us


def test_icmp_unreachable_recorded_as_fault() -> None:
    # Nothing listens on this port: the kernel answers with ICMP port unreachable, which the
    # connected UDP socket turns into ConnectionRefusedError. The run goes on to its end.
    probe = open_transport("udp://:0?listen=1")
    port = probe.local_address[1]
    probe.close()
    url = f"udp://127.0.0.1:{port}"
    report = bench(send=url, recv=url, rate=500, duration=None, count=200, drain_s=0.2)
    assert report.status == "fault"
    kinds = {f.kind for f in report.faults}
    assert "unreachable" in kinds, report.faults
    fault = report.faults[0]
    assert fault.t_s >= 0 and fault.duration_s is not None
    assert report.counts.sent == 200 and report.counts.lost == 200


def test_sink_into_a_port_nobody_listens_on_is_a_fault() -> None:
    # Sink mode heard nothing of the refusals (its UDP socket was not connected) and said OK,
    # 200 accepted. Every datagram is refused: the run is a fault, and the refused sends are
    # not counted as accepted (the kernel reports a refusal on the send after it, so about
    # half the sends fail; none of them may be missing from failed_sends).
    probe = open_transport("udp://:0?listen=1")
    port = probe.local_address[1]
    probe.close()
    report = bench(send=f"udp://127.0.0.1:{port}", rate=500, duration=None, count=200)
    assert report.status == "fault"
    assert "unreachable" in {f.kind for f in report.faults}, report.faults
    sink = report.to_dict()["sink"]
    assert sink["failed_sends"] >= 50 and sink["scheduled"] == 200


def test_one_block_is_measured_over_its_interval_not_its_flight(forwarder) -> None:
    # 50 probes in one block at 10 msgs/s: one send, whose interval is 5 s. Its arrival
    # ~100 us after it left was reported as ~470,000 msgs/s, and a --limit min_msgs_per_s
    # of 5,000 passed on 50 messages.
    url = forwarder().url
    report = bench(send=url, recv=url, rate=10, duration=None, count=50, records_per_block=50,
                   drain_s=0.5, limits={"min_msgs_per_s": 5000})
    assert report.counts.received == 50
    assert report.throughput.msgs_per_s == pytest.approx(10.0, rel=0.01)
    assert report.throughput.offered_msgs_per_s == pytest.approx(10.0, rel=0.01)
    assert report.status == "fail"
    # the frame's octets, all of them, over the window (len // 50 a probe lost the remainder)
    from radarbench.bench.probe import ProbeCodec
    frame = len(ProbeCodec(1, 50).fill(0))
    assert report.throughput.bytes_per_s == pytest.approx(frame / 5.0, rel=1e-4)
    with pytest.raises(ConfigError, match="--count 10 is not a whole number of blocks of --records-per-block 3: give 9 or 12"):
        bench(send=url, recv=url, rate=100, duration=None, count=10, records_per_block=3)


@pytest.mark.parametrize("mode", ["loop", "sink"])
def test_a_line_nobody_reads_ends_the_run_as_a_stall(tmp_path, monkeypatch, mode) -> None:
    # A pty whose other end nobody reads: once its buffer is full every write blocks for
    # good. The run went on until a signal ended it (40 s for a 5 s run), faults []. Now the
    # sender that reported no send for StallWatch's bound (10 s; 1 s here) ends the run
    # with a "stalled" fault, and the report is written.
    import time as _time
    from radarbench.bench import engine
    monkeypatch.setattr(engine.StallWatch, "MIN_NS", 1_000_000_000)
    probe = open_transport("udp://:0?listen=1")
    port = probe.local_address[1]
    probe.close()
    recv = f"udp://:{port}" if mode == "loop" else None
    t0 = _time.monotonic()
    report = bench(send=f"pty://{tmp_path}/line?baud=921600", recv=recv, rate=2000, duration=3.0,
                   drain_s=0.5)
    took = _time.monotonic() - t0
    assert report.status == "fault"
    stalls = [f for f in report.faults if f.kind == "stalled"]
    assert len(stalls) == 1 and stalls[0].side == "send", report.faults
    assert stalls[0].duration_s >= 1.0
    assert took < 30, took   # 3 s of schedule, 1 s of stall, the ending's joins
    assert 0 < report.counts.sent < 6000


def test_match_keys_that_cannot_tell_the_probes_in_flight_apart_are_refused() -> None:
    # One key holds the sequence number modulo 4,096: at 2,000 msgs/s a probe 2.05 s late is
    # taken for a newer one. Through a 2.5 s delay that gave 3,904 "lost" and 3,090
    # "duplicated" of 8,000 delivered; the run is refused before it starts instead.
    url = "udp://127.0.0.1:9"
    with pytest.raises(ConfigError, match=r"--match-keys 060.MODE3A tell 4,096 probes apart: at 2000 msgs/s "
                                          r"a probe arriving 2.05 s or more after its send is taken for a later one"):
        bench(send=url, recv=url, rate=2000, duration=4, match_keys="060.MODE3A", late_after_s=4.0)
    with pytest.raises(ConfigError, match=r"a --burst of 4,500 probes plus 1,000 more within --late-after/--drain 1 s"):
        bench(send=url, recv=url, rate=1000, duration=4.5, match_keys="070.MODE3A", burst=4500)
    # two keys: 24 bits, 8,388 s at that rate
    BenchConfig(send=url, recv=url, rate=2000, duration_s=4, match_keys="060.MODE3A,161.TRN",
                late_after_s=4.0).check()


def test_bad_url_is_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown scheme"):
        bench(send="nope://x", recv="nope://x", count=10, duration=None)
    with pytest.raises(ConfigError, match="rate"):
        run_bench(BenchConfig(send="udp://127.0.0.1:9", recv="udp://127.0.0.1:9", rate=0))


def test_ctrl_c_still_writes_the_report(forwarder, tmp_path) -> None:
    # Ctrl-C reaches the whole process group (bench, sender, receiver): the run must stop,
    # drain briefly and write its report with status "interrupted".
    import json
    import os
    import signal

    fwd = forwarder()
    out = tmp_path / "run.json"
    md = tmp_path / "run.md"
    proc = subprocess.Popen(
        [sys.executable, "-m", "radarbench.bench.cli", "bench", "--send", fwd.url, "--recv", fwd.url,
         "--rate", "1000", "--duration", "30", "--report", str(out), "--markdown", str(md), "-q"],
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGINT)
    o, err = proc.communicate(timeout=15)
    assert proc.returncode == 1 and out.exists(), (proc.returncode, o, err)
    doc = json.loads(out.read_text())
    assert doc["status"] == "interrupted"
    c = doc["counts"]
    assert 300 < c["sent"] < 5000
    assert c["sent"] == c["received"] + c["lost"] + c["late"]
    assert c["lost"] <= 5  # only what was in flight at the stop
    assert "INTERRUPTED" in md.read_text()


def test_sink_mode_reports_accepted_rate(forwarder) -> None:
    report = bench(send=forwarder().url, rate=2000, duration=None, count=400)
    sink = report.to_dict()["sink"]
    assert report.counts.sent == 400 and sink["failed_sends"] == 0
    assert (sink["scheduled"], sink["not_sent"]) == (400, 0)
    assert 1500 < sink["accepted_msgs_per_s"] < 2500
    assert sink["blocked_in_write_s"] >= 0


def test_find_max_reports_highest_sustainable_rate(forwarder, monkeypatch) -> None:
    # A clean echo: the search climbs from 1000/s (x2 a step) and records each step; the
    # ceiling is lowered to keep the test short (tests/bench/test_findmax.py: the search).
    from radarbench.bench import findmax

    monkeypatch.setattr(findmax, "CEILING_MSGS_PER_S", 4000.0)
    url = forwarder().url
    report = bench(send=url, recv=url, rate=1000, duration=0.5, find_max=True, drain_s=0.2)
    section = report.to_dict()["find_max"]
    assert section["steps"][0]["rate_msgs_per_s"] == 1000
    assert section["max_msgs_per_s"] is not None
    assert all(not s["ok"] or (s["lost"] == 0 and s["late"] == 0) for s in section["steps"])
    assert report.config["rate"] == section["max_msgs_per_s"] == section["bracket"][0]


TCP_ECHO_THEN_GONE = """
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
s.close()
t = time.time()
while time.time() - t < 0.5:
    d = c.recv(65536)
    if not d:
        break
    c.sendall(d)
c.close()
sys.stdin.read()
"""


def test_tcp_peer_gone_is_a_fault_and_the_run_ends_cleanly() -> None:
    # A TCP echo that serves 0.5 s and then goes away (closes and stops listening): the run
    # goes on to its end, the probes sent after are lost, the fault has a time and a length.
    proc = subprocess.Popen([sys.executable, "-c", TCP_ECHO_THEN_GONE], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = f"tcp://127.0.0.1:{int(proc.stdout.readline())}"
        report = bench(send=url, recv=url, rate=200, duration=1.5, drain_s=0.3)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=5)
    c = report.counts
    assert report.status == "fault"
    assert c.sent == 300 and c.received > 50 and c.lost > 100
    assert_exact(report)
    fault = report.faults[0]
    assert 0.3 < fault.t_s < 1.0 and fault.duration_s is not None and fault.duration_s > 0.3


def test_sink_on_a_paced_serial_line_shows_back_pressure(tmp_path) -> None:
    # 9600 8N1 carries 960 octets/s: a probe (34 octets, more with HDLC) cannot leave 100
    # times a second. The writes block; the accepted rate is what the line took.
    report = bench(send=f"pty://{tmp_path}/line?baud=9600", rate=100, duration=1.0)
    sink = report.to_dict()["sink"]
    assert 10 < sink["accepted_msgs_per_s"] < 28
    assert sink["blocked_share"] > 0.9
    assert report.throughput.offered_msgs_per_s == 100
    assert report.throughput.line_utilization is not None and 0.3 < report.throughput.line_utilization <= 1
    # NEWCOMER #7: what the line had no time for is accounted for, not left out: 100
    # scheduled, sent is what left, not_sent the rest; the line's lag is not the bench's.
    assert sink["scheduled"] == 100 and report.counts.sent + sink["not_sent"] == 100
    assert 10 <= report.counts.sent <= 28 and sink["not_sent"] >= 72
    assert report.status != "bench_overloaded" and report.health["overloaded"] is False
    assert 0.9 < report.throughput.span_s <= 1.2
