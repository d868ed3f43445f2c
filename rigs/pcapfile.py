"""UDP payloads of a classic pcap capture, read as bytes (no packet dissection).

scapy's dissection costs ~200 us a packet; RawPcapReader hands out the frame bytes and this
module cuts the link header (Ethernet with VLAN tags, Linux cooked SLL/SLL2, BSD loopback, raw
IP), the IPv4 and the UDP header itself. Frames that are not IPv4/UDP, or IP fragments, are
passed over. The pcap:// transport reads captures through the same functions.
"""
from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"

@dataclass(frozen=True, slots=True)
class Datagram:
    """One UDP datagram of a capture: capture time, addresses, payload, frame number (1-based)."""

    time_s: float
    src: tuple[str, int]
    dst: tuple[str, int]
    payload: bytes
    frame: int


def is_pcap(path: str | Path) -> bool:
    """True if the file starts like a pcap or pcapng capture."""
    with open(path, "rb") as f:
        head = f.read(4)
    return head in PCAP_MAGICS or head == PCAPNG_MAGIC


LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = (101, 12, 14)  # LINKTYPE_RAW and the two DLT_RAW values seen in the wild
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_VLAN = (0x8100, 0x88A8, 0x9100)


def ip_payload_offset(linktype: int, frame: bytes) -> int | None:
    """Where the IPv4 header starts in a captured frame, or None if it is not IPv4."""
    if linktype == LINKTYPE_ETHERNET:
        pos, ethertype = 14, int.from_bytes(frame[12:14], "big")
        while ethertype in ETHERTYPE_VLAN and len(frame) >= pos + 4:
            ethertype = int.from_bytes(frame[pos + 2:pos + 4], "big")
            pos += 4
        return pos if ethertype == ETHERTYPE_IPV4 else None
    if linktype in LINKTYPE_RAW:
        return 0 if frame[:1] and frame[0] >> 4 == 4 else None
    if linktype == LINKTYPE_LINUX_SLL:
        return 16 if frame[14:16] == b"\x08\x00" else None
    if linktype == LINKTYPE_LINUX_SLL2:
        return 20 if frame[0:2] == b"\x08\x00" else None
    if linktype == LINKTYPE_NULL:
        # the address family, in the capturing host's byte order; AF_INET is 2 everywhere
        return 4 if frame[:4] in (b"\x02\x00\x00\x00", b"\x00\x00\x00\x02") else None
    return None


def udp_of(linktype: int, frame: bytes) -> tuple[tuple[str, int], tuple[str, int], bytes] | None:
    """(source, destination, payload) of a captured IPv4/UDP frame, None for anything else."""
    ip = ip_payload_offset(linktype, frame)
    if ip is None or len(frame) < ip + 20:
        return None
    ihl = (frame[ip] & 0x0F) * 4
    total_len = int.from_bytes(frame[ip + 2:ip + 4], "big")
    flags_frag = int.from_bytes(frame[ip + 6:ip + 8], "big")
    if frame[ip] >> 4 != 4 or ihl < 20 or frame[ip + 9] != 17 or flags_frag & 0x3FFF:
        return None  # not IPv4, not UDP, or a fragment (more fragments / offset)
    udp = ip + ihl
    if len(frame) < udp + 8:
        return None
    sport, dport, udp_len = struct.unpack_from("!HHH", frame, udp)
    end = min(udp + udp_len, ip + total_len, len(frame))  # Ethernet pads short frames
    src = socket.inet_ntoa(frame[ip + 12:ip + 16])
    dst = socket.inet_ntoa(frame[ip + 16:ip + 20])
    return (src, sport), (dst, dport), bytes(frame[udp + 8:end])


def iter_datagrams(path: str | Path) -> Iterator[Datagram]:
    """Every IPv4/UDP datagram of a pcap or pcapng file, in capture order.

    Raises ValueError if the file is not a capture scapy can read.
    """
    from scapy.utils import RawPcapReader  # imported here: scapy takes ~0.5 s to import

    try:
        reader = RawPcapReader(str(path))
    except Exception as exc:  # scapy raises Scapy_Exception for a file that is not a capture
        raise ValueError(f"{path}: not a pcap capture ({exc})") from None
    linktype = getattr(reader, "linktype", LINKTYPE_ETHERNET)
    nano = getattr(reader, "nano", False)  # nanosecond-resolution pcap: "usec" holds ns
    with reader:
        for n, (frame, meta) in enumerate(reader, start=1):
            got = udp_of(linktype, frame)
            if got is None:
                continue
            sec = getattr(meta, "sec", None)
            if sec is not None:
                t = sec + getattr(meta, "usec", 0) / (1e9 if nano else 1e6)
            else:  # pcapng metadata: tshigh/tslow/tsresol
                ts = (meta.tshigh << 32) | meta.tslow
                t = ts / getattr(meta, "tsresol", 1_000_000)
            yield Datagram(t, got[0], got[1], got[2], n)
