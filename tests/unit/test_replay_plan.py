"""bench.replay: departure offsets, exactly, for recorded timing, speed, rate, laps, duration,
midnight and backwards steps; recordings built from the real data blocks of cat034_048.pcap."""
from __future__ import annotations

import math
import struct
import tracemalloc
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pytest

from radarbench.bench.replay import Departure, replay_plan
from radarbench.rigs.pcapfile import iter_datagrams
from radarbench.rigs.recordings import RecordingError
from samples import blocks_of, sample

CAPTURE = "cat034_048.pcap"
MS = 1_000_000


@pytest.fixture(scope="module")
def payloads():
    return [d.payload for d in iter_datagrams(sample(CAPTURE))][:12]


def final_file(tmp_path: Path, payloads: list[bytes], tods: list[float], name="rec.final") -> Path:
    """FINAL frames (count, board, line, day, time in 10 ms, blocks, 0xA5 x 4) at ``tods``."""
    out = b"".join(struct.pack(">HBBB", 12 + len(p), 0, 0, 0) + round(t * 100).to_bytes(3, "big") + p + b"\xa5" * 4
                   for p, t in zip(payloads, tods))
    path = tmp_path / name
    path.write_bytes(out)
    return path


TODS = [100.00, 100.10, 100.25, 100.25, 100.60, 101.00]
OFFSETS_MS = [0, 100, 250, 250, 600, 1000]     # gaps 100, 150, 0, 350, 400: median 150


def offsets(plan) -> list[int]:
    return [d.offset_ns for d in plan]


def test_recorded_timing(tmp_path, payloads):
    path = final_file(tmp_path, payloads, TODS)
    plan = replay_plan(path)
    got = list(plan)
    assert [d.offset_ns for d in got] == [ms * MS for ms in OFFSETS_MS]
    assert [d.payload for d in got] == payloads[:6]
    assert [(d.index, d.lap) for d in got] == [(i, 0) for i in range(1, 7)]
    assert all(isinstance(d, Departure) for d in got)
    assert plan.read == 6 and plan.backwards == 0 and plan.midnight_wraps == 0


@pytest.mark.parametrize("speed, scale", [(2.0, 0.5), (0.5, 2.0), (10.0, 0.1)])
def test_speed_divides_recorded_time(tmp_path, payloads, speed, scale):
    path = final_file(tmp_path, payloads, TODS)
    assert offsets(replay_plan(path, speed=speed)) == [round(ms * MS * scale) for ms in OFFSETS_MS]


@pytest.mark.parametrize("speed", [0, math.inf])
def test_back_to_back(tmp_path, payloads, speed):
    path = final_file(tmp_path, payloads, TODS)
    plan = replay_plan(path, speed=speed, loop=2)
    assert offsets(plan) == [0] * 12
    assert plan.describe()["timing"] == "back to back"


def test_rate_ignores_recorded_time(tmp_path, payloads):
    path = final_file(tmp_path, payloads, TODS)
    assert offsets(replay_plan(path, rate=20)) == [i * 50 * MS for i in range(6)]
    assert offsets(replay_plan(path, rate=3)) == [round(i * 1e9 / 3) for i in range(6)]


def test_rate_goes_on_across_laps(tmp_path, payloads):
    path = final_file(tmp_path, payloads, TODS)
    got = list(replay_plan(path, rate=20, loop=2))
    assert [d.offset_ns for d in got] == [i * 50 * MS for i in range(12)]
    assert [d.lap for d in got] == [0] * 6 + [1] * 6


def test_laps_spaced_by_the_median_inter_arrival(tmp_path, payloads):
    path = final_file(tmp_path, payloads, TODS)
    plan = replay_plan(path, loop=3)
    got = list(plan)
    lap1 = 1000 + 150
    lap2 = lap1 + 1000 + 150
    assert [d.offset_ns for d in got] == [ms * MS for ms in OFFSETS_MS + [lap1 + o for o in OFFSETS_MS]
                                          + [lap2 + o for o in OFFSETS_MS]]
    assert [d.lap for d in got] == [0] * 6 + [1] * 6 + [2] * 6
    assert [d.index for d in got] == list(range(1, 7)) * 3
    assert plan.lap_gap_ns == 150 * MS and plan.laps == 3 and plan.departures == 18
    assert plan.read == 6  # the recording's count, not the replay's


def test_laps_at_speed(tmp_path, payloads):
    path = final_file(tmp_path, payloads, TODS)
    got = offsets(replay_plan(path, loop=2, speed=2))
    assert got == [ms * MS // 2 for ms in OFFSETS_MS + [1150 + o for o in OFFSETS_MS]]


def test_loop_forever(tmp_path, payloads):
    path = final_file(tmp_path, payloads, TODS)
    plan = replay_plan(path, loop=True)
    got = list(islice(plan, 40))
    assert [d.lap for d in got] == [i // 6 for i in range(40)]
    assert [d.offset_ns for d in got] == [(k * 1150 + OFFSETS_MS[i]) * MS for k in range(7) for i in range(6)][:40]
    plan.close()
    assert plan.describe()["laps"] is None


def test_duration_cuts(tmp_path, payloads):
    path = final_file(tmp_path, payloads, TODS)
    assert offsets(replay_plan(path, duration_s=0.6)) == [0, 100 * MS, 250 * MS, 250 * MS]
    assert offsets(replay_plan(path, duration_s=0.601)) == [0, 100 * MS, 250 * MS, 250 * MS, 600 * MS]
    got = list(replay_plan(path, loop=True, duration_s=1.3))
    assert [d.offset_ns for d in got] == [ms * MS for ms in OFFSETS_MS + [1150, 1250]]
    assert len(list(replay_plan(path, rate=10, loop=True, duration_s=1))) == 10


def test_midnight_wrap_of_a_time_of_day(tmp_path, payloads):
    path = final_file(tmp_path, payloads, [86399.90, 86399.95, 0.05, 0.10])
    plan = replay_plan(path)
    assert offsets(plan) == [0, 50 * MS, 150 * MS, 200 * MS]
    assert (plan.midnight_wraps, plan.backwards) == (1, 0)


def test_time_going_backwards_is_a_zero_gap(tmp_path, payloads):
    path = final_file(tmp_path, payloads, [10.0, 10.5, 10.2, 10.4])
    plan = replay_plan(path, loop=2)
    got = offsets(plan)
    # gaps 500, 0 (back 300 ms), 200: median 200
    assert got == [ms * MS for ms in [0, 500, 500, 700, 900, 1400, 1400, 1600]]
    assert (plan.backwards, plan.midnight_wraps) == (1, 0)  # the recording's, counted once


def test_a_long_step_back_in_epoch_time_is_no_midnight(tmp_path, payloads):
    """RFF times are the start plus ms: 13.9 h back is a clock step, not midnight."""
    frames = [(0, payloads[0]), (50_000_000, payloads[1]), (0, payloads[2]), (1000, payloads[3])]
    head = b"2026-09-16 12:00:00".ljust(20) + b" " * 20 + bytes(88)
    path = tmp_path / "rec.rff"
    path.write_bytes(head + b"".join(struct.pack("<IH", ms, len(p)) + p for ms, p in frames))
    plan = replay_plan(path)
    assert offsets(plan) == [0, 50_000 * 10**9, 50_000 * 10**9, 50_001 * 10**9]
    assert (plan.backwards, plan.midnight_wraps) == (1, 0)


def test_capture_offsets_exact(payloads):
    """Offsets from the capture's microsecond stamps, against scapy's exact (Decimal) times."""
    from scapy.layers.inet import IP, UDP
    from scapy.utils import rdpcap
    times = [Decimal(str(p.time)) for p in rdpcap(str(sample(CAPTURE))) if UDP in p and p[IP].dst == "232.1.1.34"]
    plan = replay_plan(sample(CAPTURE), filter="dst=232.1.1.34")
    assert offsets(plan) == [int((t - times[0]) * 10**9) for t in times]
    assert len(times) == 15 and plan.read == 15 and plan.filtered == 85


def test_bare_data_blocks_need_a_rate(tmp_path, payloads):
    path = tmp_path / "rec.ast"
    path.write_bytes(b"".join(payloads[:3]))
    with pytest.raises(ValueError, match="--rate"):
        replay_plan(path)
    blocks = blocks_of(b"".join(payloads[:3]))
    got = list(replay_plan(path, rate=100))
    assert [d.offset_ns for d in got] == [i * 10 * MS for i in range(len(blocks))]
    assert [d.payload for d in got] == blocks
    assert offsets(replay_plan(path, speed=0)) == [0] * len(blocks)


def test_oradis_needs_a_rate(tmp_path, payloads):
    path = tmp_path / "rec.oradis"
    path.write_bytes(b"".join(struct.pack(">HI", 6 + len(p), 1000 * i) + p for i, p in enumerate(payloads[:3])))
    with pytest.raises(ValueError, match="--rate"):
        replay_plan(path)
    assert offsets(replay_plan(path, rate=4)) == [0, 250 * MS, 500 * MS]


def test_one_datagram_cannot_space_laps(tmp_path, payloads):
    path = final_file(tmp_path, payloads[:1], [5.0])
    assert offsets(replay_plan(path)) == [0]
    with pytest.raises(ValueError, match="--rate"):
        list(replay_plan(path, loop=2))
    assert offsets(replay_plan(path, loop=3, rate=2)) == [0, 500 * MS, 1000 * MS]


@pytest.mark.parametrize("kwargs, message", [
    ({"speed": -1}, "speed -1"), ({"speed": math.nan}, "speed nan"), ({"rate": 0}, "rate 0"),
    ({"rate": 10, "speed": 2}, "not both"), ({"loop": 0}, "loop 0"), ({"loop": -2}, "loop -2"),
    ({"duration_s": 0}, "duration 0"), ({"filter": "dst=1.2.3"}, "'dst=1.2.3'"),
])
def test_arguments_that_do_not_fit(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        replay_plan(sample(CAPTURE), **kwargs)


def test_nothing_to_replay(payloads):
    plan = replay_plan(sample(CAPTURE), filter="dst-port=1")
    with pytest.raises(RecordingError, match="passed over all 100"):
        list(plan)


def test_describe(tmp_path):
    plan = replay_plan(sample(CAPTURE), filter="dst-port=21134", speed=10, loop=2)
    n = sum(1 for _ in plan)
    d = plan.describe()
    assert n == 30
    assert d["file"] == str(sample(CAPTURE)) and d["format"] == "pcap" and d["recorded_time"] == "epoch"
    assert d["filter"] == "dst-port=21134" and d["timing"] == "recorded" and d["speed"] == 10
    assert d["laps"] == 2 and d["laps_begun"] == 2 and d["departures"] == 30
    assert (d["payloads_read"], d["filtered_out"], d["frames_unread"]) == (15, 85, {})
    assert d["backwards"] == 0 and d["midnight_wraps"] == 0 and d["lap_gap_ns"] > 0


def test_skipped_frames_in_describe(tmp_path, payloads):
    path = final_file(tmp_path, payloads, TODS)
    data = bytearray(path.read_bytes())
    frame2 = 12 + len(payloads[0])
    data[frame2 + 9] ^= 0xFF  # LEN of frame 2's first data block
    path.write_bytes(bytes(data))
    with pytest.raises(RecordingError):
        list(replay_plan(path))
    errors: list = []
    plan = replay_plan(path, errors=errors)
    assert [d.index for d in plan] == [1, 3, 4, 5, 6]
    d = plan.describe()
    assert len(d["skipped"]) == 1 and f"byte {frame2 + 8}" in d["skipped"][0]
    assert d["frames_unread"] == {"damaged frame, skipped": 1}


def test_constant_memory_over_a_long_recording(tmp_path, payloads):
    """30 000 frames 10 ms apart (5 minutes), twice: the median from its bounded sample."""
    tods = [1000 + i / 100 for i in range(30_000)]
    path = final_file(tmp_path, [payloads[i % len(payloads)] for i in range(30_000)], tods)
    tracemalloc.start()
    plan = replay_plan(path, loop=2)
    last = None
    for last in plan:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert plan.lap_gap_ns == 10 * MS
    assert last.lap == 1 and last.offset_ns == (29_999 * 10 + 10 + 29_999 * 10) * MS
    assert peak < 600_000, peak
