"""Source mode's data age on real timing: a record stamped after its arrival by no more than
its time item's LSB (from the category spec) counts as age 0, beyond that as no data age with
a warning; the report gives the receiver's clock source and NTP state."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest

from radarbench.bench.engine import bench
from radarbench.bench.source import (
    CLOCKSOURCE_PATH,
    age_ns,
    counted_age_ns,
    receiver_clock,
    time_lsb_ns,
)
from radarbench.codecs.asterix import category_spec, encode

LSB_NS = 7_812_500          # 1/128 s
NOON_NS = (19_675 * 86_400 + 43_200) * 1_000_000_000   # 2023-11-14 12:00:00 UTC


def test_lsb_boundary_is_exact() -> None:
    assert counted_age_ns(-LSB_NS, LSB_NS) == 0
    assert counted_age_ns(-LSB_NS - 1, LSB_NS) is None
    assert counted_age_ns(-1, LSB_NS) == 0
    assert counted_age_ns(0, LSB_NS) == 0 and counted_age_ns(5, LSB_NS) == 5
    assert counted_age_ns(-1, 0) is None    # no LSB known: every negative age is beyond it


def test_age_is_exact_in_ns_and_wraps_at_midnight() -> None:
    assert age_ns(NOON_NS, 43_200 + 1 / 128) == -LSB_NS
    assert age_ns(NOON_NS - 1, 43_200 + 1 / 128) == -LSB_NS - 1
    midnight = NOON_NS + 43_200 * 1_000_000_000
    assert age_ns(midnight + 500_000_000, 86_399.5) == 1_000_000_000     # stamped before midnight
    assert age_ns(midnight - 500_000_000, 0.25) == -750_000_000          # stamped after it


def test_lsb_comes_from_the_records_edition() -> None:
    for cat, ed, item in ((48, "1.32", "140"), (62, "1.21", "070"), (34, "1.29", "030"), (21, "2.7", "073")):
        assert time_lsb_ns(cat, ed) == round(category_spec(cat, ed).items[item].variation.lsb * 1e9) == LSB_NS
    assert time_lsb_ns(21, "0.26") == 0      # no I021/073 in that edition
    assert time_lsb_ns(99, "1.0") == 0       # no declaration at all


def write_pcap(path: Path, frames: list[tuple[int, bytes]]) -> None:
    """A nanosecond pcap of Ethernet/IPv4/UDP frames to 232.1.1.1:8600, each (stamp ns, payload)."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
    for stamp_ns, payload in frames:
        udp = struct.pack(">HHHH", 8600, 8600, 8 + len(payload), 0) + payload
        ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                                   bytes([10, 0, 0, 1]), bytes([232, 1, 1, 1])))
        csum = sum(struct.unpack(">10H", ip))
        csum = (csum & 0xFFFF) + (csum >> 16)
        ip[10:12] = struct.pack(">H", ~csum & 0xFFFF)
        frame = b"\x01\x00\x5e\x01\x01\x01" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + bytes(ip) + udp
        sec, nsec = divmod(stamp_ns, 1_000_000_000)
        out += struct.pack("<IIII", sec, nsec, len(frame), len(frame)) + frame
    path.write_bytes(out)


def plot(tod_s: float) -> bytes:
    return encode([{"category": 48, "items": {"010": {"SAC": 1, "SIC": 2}, "140": tod_s,
                                              "040": {"RHO": 10.0, "THETA": 20.0}}}])


def track(tod_s: float) -> bytes:
    return encode([{"category": 62, "items": {"010": {"SAC": 1, "SIC": 2}, "070": tod_s, "040": 7}}])


def test_source_report_counts_within_and_beyond_the_lsb(tmp_path: Path) -> None:
    # Replayed from a capture, a datagram's arrival is its capture stamp (Message.rx_kernel_ns).
    capture = tmp_path / "ages.pcap"
    write_pcap(capture, [
        (NOON_NS, plot(43_200 + 1 / 128)),          # one LSB ahead: age 0
        (NOON_NS - 1, plot(43_200 + 1 / 128)),      # one LSB and 1 ns ahead: beyond
        (NOON_NS, track(43_202.0)),                 # 2 s ahead (CAT062): beyond, the worst
        (NOON_NS, plot(43_199.5)),                  # 0.5 s old
    ])
    report = bench(recv=f"pcap://{capture}?speed=0", duration=None, count=4)
    src = report.to_dict()["source"]
    assert (src["data_age_negative"], src["data_age_negative_within_lsb"]) == (2, 1)
    assert src["data_age_negative_worst_s"] == -2.0
    assert report.counts.received == 4 and report.latency.count == 2
    assert report.latency.max_us == pytest.approx(500_000, rel=1e-3)
    [warning] = src["warnings"]
    assert warning.startswith("2 records carry a time of day later than their arrival by more than its "
                              "LSB (7.8125 ms; worst 2,000.000 ms): the sensor's clock and this host's (")
    assert "disagree" in warning
    clock = src["clock"]
    assert set(clock) == {"clocksource", "ntp_synchronised", "ntp_from"}
    assert clock["ntp_synchronised"] in (True, False, "unknown")
    if CLOCKSOURCE_PATH.is_file():
        assert clock["clocksource"] == CLOCKSOURCE_PATH.read_text().strip() != "unknown"


def test_a_clean_feed_has_no_warning(tmp_path: Path) -> None:
    capture = tmp_path / "clean.pcap"
    write_pcap(capture, [(NOON_NS + i * 10_000_000, plot(43_200.0)) for i in range(3)])
    src = bench(recv=f"pcap://{capture}?speed=0", duration=None, count=3).to_dict()["source"]
    assert src["warnings"] == [] and src["data_age_negative"] == src["data_age_negative_within_lsb"] == 0
    assert src["data_age_negative_worst_s"] is None


def test_receiver_clock_reads_this_host() -> None:
    clock = receiver_clock()
    if CLOCKSOURCE_PATH.is_file():
        assert clock["clocksource"] == CLOCKSOURCE_PATH.read_text().strip()
    if clock["ntp_from"] is None:
        assert clock["ntp_synchronised"] == "unknown"
    else:
        assert clock["ntp_from"] in ("adjtimex", "timedatectl") and isinstance(clock["ntp_synchronised"], bool)
