"""pcap://: replay a real capture on its own schedule; record what is sent so Wireshark reads it."""
from __future__ import annotations

import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest
from scapy.layers.inet import IP, UDP
from scapy.utils import RawPcapReader, rdpcap

from radarbench.rigs import TransportError, open_url

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
CAPTURE = SAMPLES / "cat034_048.pcap"
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()


def scapy_payloads(path: Path) -> list[bytes]:
    """The reference: scapy's own dissection (slow, independent of the transport's parser)."""
    # bytes of the UDP layer up to its length: Ethernet pads short frames (scapy keeps the pad)
    return [bytes(p[UDP])[8:p[UDP].len] for p in rdpcap(str(path)) if UDP in p]


def replay_all(url: str) -> tuple[list, float]:
    t0 = time.monotonic()
    with open_url(url) as t:
        got = []
        while (m := t.recv(timeout=2)) is not None:
            got.append(m)
        assert t.exhausted and t.skipped == 0
    return got, time.monotonic() - t0


def test_replay_gives_every_udp_payload_with_its_spacing() -> None:
    got, elapsed_s = replay_all(f"pcap://{CAPTURE}")
    assert [m.data for m in got] == scapy_payloads(CAPTURE)
    assert len(got) == 100
    assert got[1].data == ONE_RECORD  # the sample README: frame 2's payload
    span_s = (got[-1].rx_kernel_ns - got[0].rx_kernel_ns) / 1e9  # capture times
    assert span_s == pytest.approx(0.4446, abs=1e-3)
    # Each message leaves on its own schedule, not in a burst: never ahead of its capture time
    # (a busy machine can only make it later), and the whole replay not stretched by more
    # than a loaded machine's wake-ups. How close it keeps the spacing on an idle machine
    # (10 ms) is a benchmark: tests/benchmarks/test_bench_pacing.py.
    ahead_s = [
        ((b.rx_kernel_ns - got[0].rx_kernel_ns) - (b.rx_ns - got[0].rx_ns)) / 1e9 for b in got
    ]
    # (measured from the first message's delivery, which a preempted reader can delay a
    # little: 20 ms of slack; a burst would be ahead by up to the whole 0.44 s)
    assert max(ahead_s) < 0.02
    assert (got[-1].rx_ns - got[0].rx_ns) / 1e9 < span_s + 0.25
    assert got[0].source[0].startswith("10.") or got[0].source[1] > 0


def test_replay_speed_scales_the_schedule() -> None:
    _, fast_s = replay_all(f"pcap://{CAPTURE}?speed=4")
    # never ahead of the scaled schedule; a busy machine can only make it later, not by 2x
    assert 0.4446 / 4 - 0.005 <= fast_s < 0.4446 / 2
    got, flat_out_s = replay_all(f"pcap://{CAPTURE}?speed=0")
    assert len(got) == 100 and flat_out_s < 0.4446 / 2  # not paced: well under the schedule


def test_replay_timeout_is_not_the_end() -> None:
    with open_url(f"pcap://{CAPTURE}?speed=0.01") as t:  # 100 times slower
        assert t.recv(timeout=0) is not None
        assert t.recv(timeout=0.1) is not None  # 19 us later in the capture: 1.9 ms here
        assert t.recv(timeout=0.1) is None and not t.exhausted  # 14.3 ms later: 1.43 s here
        with pytest.raises(TransportError, match="read-only"):
            t.send(b"x")


def test_record_then_replay_and_the_frame_scapy_sees(tmp_path: Path) -> None:
    out = tmp_path / "sent.pcap"
    with open_url(f"pcap://{out}?write=1&src=10.0.0.7:4000&dst=127.0.0.1:8601") as w:
        for i in range(3):
            w.send(ONE_RECORD)
            time.sleep(0.01)
        with pytest.raises(TransportError, match="write-only"):
            w.recv(0)
    pkts = rdpcap(str(out))
    assert [bytes(p[UDP].payload) for p in pkts] == [ONE_RECORD] * 3
    assert pkts[0][IP].src == "10.0.0.7" and pkts[0][UDP].dport == 8601
    ip = pkts[0][IP]
    recomputed = IP(bytes(ip))
    del recomputed.chksum  # scapy fills it in again when building
    assert ip.chksum == IP(bytes(recomputed)).chksum
    got, elapsed_s = replay_all(f"pcap://{out}")
    assert [m.data for m in got] == [ONE_RECORD] * 3 and got[0].source == ("10.0.0.7", 4000)
    assert elapsed_s >= 0.018  # the 10 ms spacing was recorded and replayed


def test_default_destination_is_asterix_multicast(tmp_path: Path) -> None:
    out = tmp_path / "default.pcap"
    with open_url(f"pcap://{out}?write=1") as w:
        w.send(ONE_RECORD)
    p = rdpcap(str(out))[0]
    assert (p[IP].dst, p[UDP].dport, p["Ether"].dst) == ("232.1.1.1", 8600, "01:00:5e:01:01:01")


@pytest.mark.parametrize("linktype, header", [
    (101, b""),  # raw IPv4
    (113, b"\x00\x00\x00\x01\x00\x06" + bytes(8) + b"\x08\x00"),  # Linux cooked (SLL)
    (276, b"\x08\x00\x00\x00\x00\x00\x00\x01\x01\x00\x06" + bytes(9)),  # SLL2
    (0, b"\x02\x00\x00\x00"),  # BSD loopback, AF_INET little-endian
])
def test_other_linktypes(tmp_path: Path, linktype: int, header: bytes) -> None:
    # written by hand (classic pcap, microseconds): scapy's writer guesses linktype 0 away
    src = tmp_path / f"lt{linktype}.pcap"
    frames = [(f[14:], m) for f, m in RawPcapReader(str(CAPTURE))][:10]
    frames.append((b"\x60" + bytes(39), frames[-1][1]))  # IPv6: to be skipped and counted
    with src.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for ip, m in frames:
            rec = header + ip
            f.write(struct.pack("<IIII", m.sec, m.usec, len(rec), len(rec)) + rec)
    with open_url(f"pcap://{src}?speed=0") as t:
        got = [m.data for m in iter(lambda: t.recv(0), None)]
        assert t.skipped == 1
    assert got == scapy_payloads(CAPTURE)[:10]


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="needs tshark")
def test_wireshark_decodes_recorded_capture_as_asterix(tmp_path: Path) -> None:
    out = tmp_path / "ws.pcap"
    with open_url(f"pcap://{out}?write=1") as w:
        w.send(ONE_RECORD)
    r = subprocess.run(
        ["tshark", "-r", str(out), "-o", "ip.check_checksum:TRUE",
         "-T", "fields", "-e", "frame.protocols", "-e", "ip.checksum.status", "-e", "asterix.category"],
        capture_output=True, text=True, timeout=60,
    )
    protocols, checksum_status, category = r.stdout.strip().split("\t")
    assert protocols.endswith("udp:asterix") and checksum_status == "1" and category == "48"
