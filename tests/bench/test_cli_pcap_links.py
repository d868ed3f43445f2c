"""Captures with more than Ethernet II/IPv4/UDP in them, as `radarbench decode` and `inspect`
read them: ASTERIX carried directly in 802.3 LLC frames (Ethernet and Linux cooked), IPv4
behind LLC/SNAP, and every other frame counted by what it was, never passed over in silence.
The captures are written here, by hand (classic pcap, struct); nothing is sent anywhere."""
from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

from samples import sample

from radarbench.rigs.pcapfile import Unread, iter_datagrams, read_frame
from radarbench.rigs.transports import open as open_url
from radarbench.rigs.transports.pcap import udp_frame

_ENTRY = "import sys; from radarbench.bench.cli import main; sys.exit(main(sys.argv[1:]))"
DST_MAC = bytes.fromhex("020000000002")
SRC_MAC = bytes.fromhex("020000000001")


def radarbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _ENTRY, *args], capture_output=True, text=True,
                          timeout=120)


def write_pcap(path: Path, linktype: int, frames: list[bytes]) -> Path:
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(frame), len(frame)) + frame)
    return path


def llc_frame(payload: bytes, dsap: int = 0x7E, ssap: int = 0x7E, control: int = 0x03) -> bytes:
    """802.3: destination, source, length (LLC header + payload), LLC, payload, padding to 60."""
    llc = bytes([dsap, ssap, control]) + payload
    frame = DST_MAC + SRC_MAC + len(llc).to_bytes(2, "big") + llc
    return frame + bytes(max(0, 60 - len(frame)))


def snap_frame(ethertype: int, body: bytes) -> bytes:
    return llc_frame(b"\x00\x00\x00" + ethertype.to_bytes(2, "big") + body, 0xAA, 0xAA)


def bpdu() -> bytes:  # spanning tree: DSAP = SSAP = 0x42, UI, then a 35-octet configuration BPDU
    return llc_frame(bytes(35), 0x42, 0x42)


def ipv6_frame() -> bytes:
    return DST_MAC + SRC_MAC + b"\x86\xdd" + b"\x60" + bytes(47)


def asterix() -> bytes:
    return sample("cat048_one_record.ast").read_bytes()


def test_the_hand_made_frames_are_what_scapy_calls_them() -> None:
    from scapy.layers.l2 import LLC, SNAP, Dot3, Ether

    f = Ether(llc_frame(asterix()))
    assert isinstance(f, Dot3) and f[LLC].dsap == 0x7E and f[LLC].ctrl == 3
    assert Ether(snap_frame(0x86DD, bytes(40))).haslayer(SNAP)
    assert Ether(bpdu())[LLC].dsap == 0x42


def test_decode_reads_llc_and_udp_and_counts_the_rest(tmp_path: Path) -> None:
    data = asterix()
    ip_in_snap = udp_frame(("10.0.0.1", 4000), ("10.0.0.2", 8600), data)[14:]  # IPv4 alone
    cap = write_pcap(tmp_path / "mixed.pcap", 1, [
        llc_frame(data),                                     # 1: ASTERIX in LLC (padded to 60)
        udp_frame(("10.0.0.1", 4000), ("232.1.1.1", 8600), data),  # 2: Ethernet II / UDP
        bpdu(), bpdu(),                                      # 3, 4
        snap_frame(0x86DD, bytes(40)),                       # 5: LLC/SNAP, IPv6
        snap_frame(0x0800, ip_in_snap),                      # 6: LLC/SNAP, IPv4/UDP: read
        ipv6_frame(),                                        # 7
        llc_frame(b"not asterix at all"),                    # 8: LLC UI, not data blocks
    ])
    proc = radarbench("decode", str(cap))
    assert proc.returncode == 0, proc.stderr
    recs = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["frame"] for r in recs] == [1, 2, 6]
    assert recs[0]["link"] == "llc" and recs[0]["src"] == "02:00:00:00:00:01/0x7e"
    assert "link" not in recs[1] and recs[1]["dst"] == "232.1.1.1:8600"
    assert recs[0]["items"] == recs[1]["items"] == recs[2]["items"]
    assert proc.stderr.strip() == (
        f"radarbench decode: {cap}: 5 frames not read: 802.3 LLC DSAP 0x42 (spanning tree) x2, "
        "802.3 LLC DSAP 0x7e (not ASTERIX data blocks) x1, 802.3 LLC with SNAP (IPv6) x1, IPv6 x1")


def test_a_capture_nothing_is_read_from_is_an_error_saying_what_it_held(tmp_path: Path) -> None:
    cap = write_pcap(tmp_path / "lan.pcap", 1, [bpdu()] * 3 + [ipv6_frame()])
    for command in ("decode", "inspect"):
        proc = radarbench(command, str(cap))
        assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
        assert proc.stderr.strip() == (
            f"radarbench {command}: {cap}: nothing read from this capture: 4 frames not read: "
            "802.3 LLC DSAP 0x42 (spanning tree) x3, IPv6 x1 "
            "(radarbench reads IPv4/UDP and ASTERIX in 802.3 LLC frames)")


def test_an_unknown_link_type_is_named(tmp_path: Path) -> None:
    cap = write_pcap(tmp_path / "wifi.pcap", 105, [bytes(40)] * 2)
    proc = radarbench("decode", str(cap))
    assert proc.returncode == 2
    assert "2 frames not read: link type 105 (IEEE 802.11) x2" in proc.stderr


def test_linux_cooked_llc(tmp_path: Path) -> None:
    data = asterix()
    sll = (b"\x00\x00" + b"\x00\x01" + b"\x00\x06" + SRC_MAC + b"\x00\x00" + b"\x00\x04"
           + b"\x7e\x7e\x03" + data)
    sll2 = b"\x00\x04" + b"\x00\x00" + bytes(4) + b"\x00\x01" + b"\x00" + b"\x06" + SRC_MAC + b"\x00\x00" \
        + b"\x7e\x7e\x03" + data
    for linktype, frame in ((113, sll), (276, sll2)):
        cap = write_pcap(tmp_path / f"sll{linktype}.pcap", linktype, [frame])
        got = list(iter_datagrams(cap))
        assert [(d.link, d.payload, d.src) for d in got] == [("llc", data, ("02:00:00:00:00:01", 0x7E))]


def test_inspect_reports_the_frames_not_read(tmp_path: Path) -> None:
    cap = write_pcap(tmp_path / "m.pcap", 1, [llc_frame(asterix()), bpdu()])
    doc = json.loads(radarbench("inspect", str(cap), "--json").stdout)
    assert doc["payloads"] == 1 and doc["frames_not_read"] == {"802.3 LLC DSAP 0x42 (spanning tree)": 1}
    text = radarbench("inspect", str(cap)).stdout
    assert "1 frame not read: 802.3 LLC DSAP 0x42 (spanning tree) x1" in text


def test_the_pcap_transport_replays_llc_and_counts_what_it_skips(tmp_path: Path) -> None:
    data = asterix()
    cap = write_pcap(tmp_path / "r.pcap", 1, [llc_frame(data), bpdu(), ipv6_frame(), llc_frame(data)])
    with open_url(f"pcap://{cap}?speed=0") as t:
        got = [m for m in iter(lambda: t.recv(0), None)]
        assert [m.data for m in got] == [data, data]
        assert got[0].source == ("02:00:00:00:00:01", 0x7E)
        assert t.skipped == 2
        assert t.unread == {"802.3 LLC DSAP 0x42 (spanning tree)": 1, "IPv6": 1}


def test_read_frame_edge_cases() -> None:
    data = asterix()
    # an LLC frame whose length field cuts the padding: the blocks fill it exactly
    assert read_frame(1, llc_frame(data))[3] == data
    # a length field longer than the frame (cut by the snap length)
    assert read_frame(1, llc_frame(data)[:20]) == "truncated 802.3 LLC frame"
    # an I-format LLC frame (two control octets) is not read as ASTERIX
    assert read_frame(1, llc_frame(data, control=0x00)).startswith("802.3 LLC DSAP 0x7e")
    assert read_frame(1, b"\x00" * 10) == "truncated Ethernet frame"
    tcp = bytearray(udp_frame(("10.0.0.1", 1), ("10.0.0.2", 2), b"x"))
    tcp[14 + 9] = 6
    assert read_frame(1, bytes(tcp)) == "IPv4 TCP"
    frag = bytearray(udp_frame(("10.0.0.1", 1), ("10.0.0.2", 2), b"x"))
    frag[14 + 6] = 0x20  # more fragments
    assert read_frame(1, bytes(frag)) == "IPv4 fragment"
    assert Unread({"IPv6": 1}).summary() == "1 frame not read: IPv6 x1"
    assert Unread().summary() == ""
