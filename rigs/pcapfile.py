"""UDP payloads of a classic pcap capture, read as bytes (no packet dissection).

scapy's dissection costs ~200 us a packet; RawPcapReader hands out the frame bytes and this
module cuts the Ethernet (optionally 802.1Q), Linux cooked (SLL) or raw IPv4 header and the
UDP header itself. Frames that are not IPv4/UDP, or IP fragments, are counted and passed over.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228


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


def _ip_payload(frame: bytes, linktype: int) -> bytes | None:
    if linktype == LINKTYPE_ETHERNET:
        off, ethertype = 14, frame[12:14]
        while ethertype in (b"\x81\x00", b"\x88\xa8"):  # VLAN tags
            ethertype = frame[off + 2:off + 4]
            off += 4
        return frame[off:] if ethertype == b"\x08\x00" else None
    if linktype == LINKTYPE_LINUX_SLL:
        return frame[16:] if frame[14:16] == b"\x08\x00" else None
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4):
        return frame if frame[:1] and frame[0] >> 4 == 4 else None
    return None


def _addr(b: bytes) -> str:
    return ".".join(str(x) for x in b)


def udp_datagram(frame: bytes, linktype: int) -> tuple[tuple[str, int], tuple[str, int], bytes] | None:
    """(src, dst, payload) of an IPv4/UDP frame, or None for anything else."""
    ip = _ip_payload(frame, linktype)
    if ip is None or len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    if (ip[6] & 0x3F) or ip[7]:  # more-fragments flag or a fragment offset: not a whole datagram
        return None
    ihl = (ip[0] & 0x0F) * 4
    total = int.from_bytes(ip[2:4], "big")
    udp = ip[ihl:total] if total >= ihl else ip[ihl:]
    if len(udp) < 8:
        return None
    ulen = int.from_bytes(udp[4:6], "big")
    payload = udp[8:ulen] if 8 <= ulen <= len(udp) else udp[8:]
    return ((_addr(ip[12:16]), int.from_bytes(udp[0:2], "big")),
            (_addr(ip[16:20]), int.from_bytes(udp[2:4], "big")), bytes(payload))


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
    with reader:
        for n, (frame, meta) in enumerate(reader, start=1):
            got = udp_datagram(frame, linktype)
            if got is None:
                continue
            sec = getattr(meta, "sec", None)
            if sec is not None:
                usec = getattr(meta, "usec", 0)
                t = sec + usec / 1e6
            else:  # pcapng metadata: tshigh/tslow/tsresol
                ts = (meta.tshigh << 32) | meta.tslow
                t = ts / getattr(meta, "tsresol", 1_000_000)
            yield Datagram(t, got[0], got[1], got[2], n)
