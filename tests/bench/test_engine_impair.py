"""End to end through the emulated devices, each in its own process: `radarbench emulate echo`
and `radarbench emulate impair`. Through the impairer, the bench's counts must equal what
the impairer's ground-truth log says it did, and its latency must sit on the injected delay.
"""
from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from procs import Device
from radarbench.bench.engine import bench
from radarbench.bench.probe import parse_tag
from radarbench.bench.verdict import busy_pressure
from radarbench.rigs.devices.impair import HOLD_MAX_S

N = 1000
RATE = 1000
DELAY_MS = 20.0
# The truth from the log has a last held message leave HOLD_MAX_S after it came in: the
# bench listens that long and 2 s more (a loaded machine ate a 0.5 s margin once).
DRAIN_S = HOLD_MAX_S + 2.0
# Latency tolerance around the injected delay: the loopback path and two Python processes
# on each side add ~0.1-1 ms typically; 5 ms covers the median on a loaded 2-core CI box.
# The tail does not keep it there (p90 33-38 ms for a 20 ms delay beside two busy loops): the
# test holds the tail only to "never below the delay"; precision is for tests/benchmarks.
TOLERANCE_MS = 5.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_through_emulate_echo(devices: list[Device]) -> None:
    port = free_port()
    devices.append(Device("echo", "--in", f"udp://127.0.0.1:{port}?listen=1"))
    url = f"udp://127.0.0.1:{port}"
    report = bench(send=url, recv=url, rate=RATE, duration=None, count=N, drain_s=0.5)
    c = report.counts
    assert (c.sent, c.received, c.lost, c.duplicated, c.corrupted) == (N, N, 0, 0, 0)


def expected_from_log(entries: list[dict[str, Any]], run_id: int) -> dict[str, int]:
    """What the bench must report, derived from the impairer's log alone.

    The log (impair.py) gives each message's fate and copies; with no jitter the copies leave
    in the order the impairer's rules make: a held ("reordered") message leaves just after
    the next message that is not dropped or held. Replaying that order gives the reordering
    the bench must count (an overtaking message that arrives corrupted raises nobody's bar).
    """
    lost = duplicated = corrupted = 0
    order: list[tuple[int, bool]] = []  # (seq, intact) in arrival order
    held: list[tuple[int, bool, int]] = []
    for e in entries:
        tag = parse_tag(bytes.fromhex(e["tag"]))
        assert tag is not None and tag[0] == run_id, e
        seq = tag[1]
        if e["fate"] == "dropped":
            lost += 1
            continue
        bad = bool(e.get("corrupted"))
        if bad:
            lost += 1
            corrupted += e["copies"]
        else:
            duplicated += e["copies"] - 1
        if e.get("reordered"):
            held.append((seq, not bad, e["copies"]))
            continue
        order += [(seq, not bad)] * e["copies"]
        for s, intact, copies in held:
            order += [(s, intact)] * copies
        held.clear()
    for s, intact, copies in held:  # released at the impairer's stop, after everything
        order += [(s, intact)] * copies
    reordered, highest, seen = 0, -1, set()
    for seq, intact in order:
        if not intact or seq in seen:
            continue
        seen.add(seq)
        if seq < highest:
            reordered += 1
        highest = max(highest, seq)
    return {"lost": lost, "duplicated": duplicated, "corrupted": corrupted, "reordered": reordered,
            "received": len(entries) - lost}


@pytest.mark.parametrize("k", [1, 5])
def test_counts_equal_the_impairers_log(devices: list[Device], tmp_path: Path, k: int) -> None:
    a, b = free_port(), free_port()
    log = tmp_path / "truth.jsonl"
    impair = Device("impair", "--in", f"udp://127.0.0.1:{a}?listen=1", "--out", f"udp://127.0.0.1:{b}",
                    "--delay", str(DELAY_MS), "--loss", "0.05", "--duplicate", "0.03",
                    "--reorder", "0.03", "--corrupt", "0.02", "--seed", "11", "--log", str(log))
    devices.append(impair)
    run_id = 0x5EED0000 + k
    report = bench(send=f"udp://127.0.0.1:{a}", recv=f"udp://127.0.0.1:{b}?listen=1", rate=RATE,
                   duration=None, count=N, drain_s=DRAIN_S, records_per_block=k, run_id=run_id)
    impair.stop()
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert len(entries) == N // k
    want = expected_from_log(entries, run_id)
    c = report.counts
    # The log is per datagram; a datagram carries k probes.
    assert c.sent == N
    assert c.lost == want["lost"] * k
    assert c.received == want["received"] * k
    assert c.duplicated == want["duplicated"] * k
    assert c.corrupted == want["corrupted"]  # frames
    assert c.reordered == want["reordered"] * k
    assert c.late == 0
    assert want["lost"] > 0 and want["duplicated"] > 0 and want["corrupted"] > 0 and want["reordered"] > 0
    # Latency sits on the injected delay (uncorrected: the path; corrected adds the sender's lag).
    # Never below it (the impairer cannot deliver early); above it by at most the tolerance
    # unless the host was busy, when the median's shift is the host's scheduling (25.1 ms for
    # 20 was seen with tasks waiting for a CPU most of the run), as the verdict's own rule says.
    lat = report.uncorrected
    assert DELAY_MS <= lat.min_us / 1000 <= lat.p50_us / 1000
    if busy_pressure(report.health) is None:
        assert lat.p50_us / 1000 <= DELAY_MS + TOLERANCE_MS, report.health
        assert report.corrected.p50_us / 1000 <= DELAY_MS + TOLERANCE_MS, report.health


def test_reordering_equals_the_order_the_impairer_delivered(devices: list[Device], tmp_path: Path) -> None:
    # NEWCOMER #10: 10 % held back; the bench counted ~1 % fewer reordered than the order
    # the impairer delivered in (arrivals that came before the sender reported their send
    # were matched after those behind them).
    a, b = free_port(), free_port()
    log = tmp_path / "truth.jsonl"
    impair = Device("impair", "--in", f"udp://127.0.0.1:{a}?listen=1", "--out", f"udp://127.0.0.1:{b}",
                    "--reorder", "0.1", "--seed", "3", "--log", str(log))
    devices.append(impair)
    run_id = 0x5EED0100
    report = bench(send=f"udp://127.0.0.1:{a}", recv=f"udp://127.0.0.1:{b}?listen=1", rate=RATE,
                   duration=None, count=N, drain_s=DRAIN_S, run_id=run_id)
    impair.stop()
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert len(entries) == N
    want = expected_from_log(entries, run_id)
    assert want["reordered"] > N // 20
    c = report.counts
    assert (c.reordered, c.received, c.lost, c.late) == (want["reordered"], N, 0, 0)


def test_an_overrun_paced_line_is_the_lines_lag_not_an_overloaded_bench(
        devices: list[Device], tmp_path: Path) -> None:
    # NEWCOMER #6: 50 msgs/s into a 9600 baud line (960 octets/s: ~24 HDLC-framed probes/s).
    # The sender's writes block on the paced line and fall seconds behind: back-pressure,
    # the line's lag. It shows as latency and late/lost probes, not as BENCH OVERLOADED.
    link = tmp_path / "line"
    devices.append(Device("echo", "--in", f"pty://{link}?baud=9600"))
    url = f"serial://{link}?baud=9600&pace=1"
    report = bench(send=url, recv=url, rate=50, duration=3.0, drain_s=1.0)
    doc = report.to_dict()
    health = doc["health"]
    assert report.status != "bench_overloaded" and health["overloaded"] is False, health
    assert health["sender_lag_us"]["max"] > 1e6      # the writes fell > 1 s behind
    assert health["sender_own_lag_us"]["p99"] < 50_000  # none of it the bench's own
    assert health["sender_behind_ms"] < 50
    c = report.counts
    assert c.sent == c.received + c.lost + c.late and c.sent > 0
    assert report.uncorrected.p50_us > 100_000  # the line's queue is in the latency


def test_jitter_within_tolerance(devices: list[Device]) -> None:
    a, b = free_port(), free_port()
    jitter_ms = 5.0
    devices.append(Device("impair", "--in", f"udp://127.0.0.1:{a}?listen=1", "--out", f"udp://127.0.0.1:{b}",
                          "--delay", str(DELAY_MS), "--jitter", str(jitter_ms), "--seed", "3"))
    report = bench(send=f"udp://127.0.0.1:{a}", recv=f"udp://127.0.0.1:{b}?listen=1", rate=RATE,
                   duration=None, count=N, drain_s=1.0)
    assert report.counts.lost == 0 and report.counts.received == N
    lat = report.uncorrected
    # Uniform jitter in [-5, +5] ms around 20 ms: min >= 15 ms (never below what the impairer
    # held), p50 near 20, and the spread of the jitter visible between p50 and the tail. The
    # tail's upper bound (p99 under 25 ms + tolerance) is a timing claim a loaded 2-core host
    # breaks (44 ms seen beside two busy loops): not asserted here.
    assert lat.min_us / 1000 >= DELAY_MS - jitter_ms
    assert abs(lat.p50_us / 1000 - DELAY_MS) <= TOLERANCE_MS
    assert lat.p99_us / 1000 >= DELAY_MS + jitter_ms / 2
    assert report.counts.reordered > 0  # jitter of 5 ms at 1 ms spacing reorders


def test_through_gateway_48_to_62_by_tag_and_by_keys(devices: list[Device]) -> None:
    # The gateway turns each plot into a CAT062 track: SP (the tag) is copied through, and
    # I062/060 Mode 3/A mirrors I048/070, so both ways of matching must find every probe.
    a, b = free_port(), free_port()
    devices.append(Device("gateway", "--in", f"udp://127.0.0.1:{a}?listen=1", "--out",
                          f"udp://127.0.0.1:{b}", "--to-category", "62"))
    send, recv = f"udp://127.0.0.1:{a}", f"udp://127.0.0.1:{b}?listen=1"
    by_tag = bench(send=send, recv=recv, rate=500, duration=None, count=300, drain_s=0.5)
    assert (by_tag.counts.received, by_tag.counts.lost) == (300, 0)
    by_key = bench(send=send, recv=recv, rate=500, duration=None, count=300, drain_s=0.5,
                   match_keys="060.MODE3A")
    assert (by_key.counts.received, by_key.counts.lost, by_key.counts.duplicated) == (300, 0, 0)
    assert by_key.to_dict()["match"]["by"] == "keys"
