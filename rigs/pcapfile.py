"""ASTERIX payloads of a pcap or pcapng capture, read as bytes (no packet dissection).

scapy's dissection costs ~200 us a packet; RawPcapReader hands out the frame bytes and this
module cuts the headers itself. What it reads:

- IPv4/UDP datagrams behind Ethernet II (with VLAN tags), 802.3 + LLC/SNAP (type IPv4), Linux
  cooked SLL/SLL2, BSD loopback or raw IP;
- ASTERIX carried directly in 802.3 LLC frames, as some radar LAN recorders write them: an
  802.3 frame (length field, not an Ethernet type) whose LLC header (DSAP, SSAP, control) is
  followed by data blocks that fill the frame's length exactly (CAT, LEN, ... back to back).
  That test keeps other LLC traffic (spanning tree BPDUs, NetBIOS, IPX) out. Also behind
  Linux cooked SLL/SLL2 (protocol 0x0004, 802.2 LLC).

Every other frame is passed over and counted by what it was (``Unread``): IPv6, ARP, TCP,
IP fragments, LLC with SNAP of another type, other LLC, unknown link types, truncated
frames. Callers say what was not read, and a capture from which nothing was read is an
error that says what its frames were. The pcap:// transport reads captures through the same
functions.
"""
from __future__ import annotations

import io
import os
import socket
import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


@dataclass(frozen=True, slots=True)
class Datagram:
    """One ASTERIX payload of a capture: capture time, addresses, payload, frame number (1-based).

    link: "udp" (src/dst are (IPv4 address, port)) or "llc" (src/dst are (MAC address, SAP)).
    """

    time_s: float
    src: tuple[str, int]
    dst: tuple[str, int]
    payload: bytes
    frame: int
    link: str = "udp"

    def where(self, end: tuple[str, int]) -> str:
        """``src`` or ``dst`` as text: ``10.0.0.1:8600`` or ``02:00:00:00:00:01/0x7e``."""
        return f"{end[0]}:{end[1]}" if self.link == "udp" else f"{end[0]}/0x{end[1]:02x}"


class Unread(Counter):  # type: ignore[type-arg]
    """Frames of a capture that were not read, counted by what they were (reason -> frames)."""

    def summary(self) -> str:
        """``12 frames not read: 802.3 LLC with SNAP (type 0x86dd) x10, IPv6 x2``, or ""."""
        if not self:
            return ""
        total = sum(self.values())
        kinds = ", ".join(f"{k} x{n}" for k, n in sorted(self.items(), key=lambda kv: (-kv[1], kv[0])))
        return f"{total} frame{'s' if total != 1 else ''} not read: {kinds}"


def is_pcap(path: str | Path) -> bool:
    """True if the file starts like a pcap or pcapng capture. Raises OSError."""
    with open(path, "rb") as f:
        head = f.read(4)
    return head in PCAP_MAGICS or head == PCAPNG_MAGIC


LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = (101, 12, 14, 228)  # LINKTYPE_RAW, the two DLT_RAW values seen in the wild, LINKTYPE_IPV4
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_VLAN = (0x8100, 0x88A8, 0x9100)
ETHER_MAX_LENGTH = 1500     # a type/length field up to this is an 802.3 length
SLL_PROTOCOL_LLC = 0x0004   # Linux cooked capture: an 802.2 LLC frame follows
LLC_SAP_SNAP = 0xAA

# Names for the counts of frames not read (what a user recognises in Wireshark).
ETHERTYPE_NAMES = {0x86DD: "IPv6", 0x0806: "ARP", 0x8035: "RARP", 0x88CC: "LLDP",
                   0x8809: "slow protocols (LACP)", 0x88F7: "PTP", 0x8847: "MPLS",
                   0x8848: "MPLS", 0x88E5: "MACsec", 0x888E: "EAPOL", 0x8100: "VLAN"}
LLC_SAP_NAMES = {0x42: "spanning tree", 0xE0: "IPX", 0xF0: "NetBIOS", 0xFE: "ISO network layer",
                 0x06: "IP", 0x04: "SNA", 0x98: "ARPANET ARP", 0xFF: "global"}
IP_PROTOCOL_NAMES = {1: "ICMP", 2: "IGMP", 6: "TCP", 47: "GRE", 50: "ESP", 89: "OSPF", 103: "PIM",
                     112: "VRRP", 132: "SCTP"}
LINKTYPE_NAMES = {LINKTYPE_IPV6: "raw IPv6", 9: "PPP", 10: "FDDI", 104: "Cisco HDLC",
                  105: "IEEE 802.11", 127: "IEEE 802.11 radiotap", 147: "user-defined",
                  192: "PPI", 220: "USB", 249: "USBPcap"}

# (link, source, destination, payload) of a frame that was read; a str says why one was not.
Read = tuple[str, tuple[str, int], tuple[str, int], bytes]


def _mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def _ipv4(frame: bytes, ip: int, end: int | None = None) -> Read | str:
    """The UDP datagram of the IPv4 packet at ``ip`` (ending by ``end`` at the latest)."""
    end = len(frame) if end is None else min(end, len(frame))
    if end < ip + 20:
        return "truncated IPv4 packet"
    ihl = (frame[ip] & 0x0F) * 4
    if frame[ip] >> 4 != 4 or ihl < 20:
        return "bad IPv4 header"
    total_len = int.from_bytes(frame[ip + 2:ip + 4], "big")
    if int.from_bytes(frame[ip + 6:ip + 8], "big") & 0x3FFF:
        return "IPv4 fragment"  # more fragments or an offset: not reassembled
    proto = frame[ip + 9]
    if proto != 17:
        return "IPv4 " + IP_PROTOCOL_NAMES.get(proto, f"protocol {proto}")
    udp = ip + ihl
    if end < udp + 8:
        return "truncated UDP datagram"
    sport, dport, udp_len = struct.unpack_from("!HHH", frame, udp)
    stop = min(udp + udp_len, ip + total_len, end)  # Ethernet pads short frames
    src = socket.inet_ntoa(frame[ip + 12:ip + 16])
    dst = socket.inet_ntoa(frame[ip + 16:ip + 20])
    return "udp", (src, sport), (dst, dport), bytes(frame[udp + 8:stop])


def blocks_fill(payload: bytes) -> bool:
    """True if ``payload`` is ASTERIX data blocks back to back (CAT, LEN > 3), to its last octet."""
    n, p = len(payload), 0
    if n < 4:
        return False
    while p < n:
        if n - p < 3:
            return False
        length = payload[p + 1] << 8 | payload[p + 2]
        if length <= 3 or p + length > n:
            return False
        p += length
    return True


def _llc(frame: bytes, pos: int, end: int, src: str, dst: str) -> Read | str:
    """The ASTERIX (or, behind SNAP, the IPv4/UDP) payload of the LLC frame at ``pos``..``end``."""
    if end > len(frame):
        return "truncated 802.3 LLC frame"
    if end - pos < 3:
        return "802.3 LLC frame too short"
    dsap, ssap, control = frame[pos], frame[pos + 1], frame[pos + 2]
    if dsap == LLC_SAP_SNAP and ssap == LLC_SAP_SNAP:
        if end - pos < 8:
            return "truncated 802.3 LLC with SNAP"
        oui, ptype = frame[pos + 3:pos + 6], int.from_bytes(frame[pos + 6:pos + 8], "big")
        if oui == b"\0\0\0" and ptype == ETHERTYPE_IPV4:
            return _ipv4(frame, pos + 8, end)
        name = ETHERTYPE_NAMES.get(ptype) if oui == b"\0\0\0" else None
        return f"802.3 LLC with SNAP ({name or f'OUI {oui.hex()} type 0x{ptype:04x}'})"
    if control & 0x03 == 0x03:  # unnumbered (UI): one control octet, then the data
        payload = frame[pos + 3:end]
        if blocks_fill(payload):
            return "llc", (src, ssap), (dst, dsap), bytes(payload)
    name = LLC_SAP_NAMES.get(dsap & 0xFE)
    return f"802.3 LLC DSAP 0x{dsap:02x} ({name or 'not ASTERIX data blocks'})"


def _ethernet(frame: bytes) -> Read | str:
    if len(frame) < 14:
        return "truncated Ethernet frame"
    pos, ethertype = 14, int.from_bytes(frame[12:14], "big")
    while ethertype in ETHERTYPE_VLAN and len(frame) >= pos + 4:
        ethertype = int.from_bytes(frame[pos + 2:pos + 4], "big")
        pos += 4
    if ethertype <= ETHER_MAX_LENGTH:  # 802.3: a length, and an LLC header follows
        return _llc(frame, pos, pos + ethertype, _mac(frame[6:12]), _mac(frame[0:6]))
    if ethertype == ETHERTYPE_IPV4:
        return _ipv4(frame, pos)
    if ethertype < 0x0600:
        return f"bad Ethernet length/type 0x{ethertype:04x}"
    return ETHERTYPE_NAMES.get(ethertype, f"Ethernet type 0x{ethertype:04x}")


def _cooked(frame: bytes, protocol: int, header: int, src: str) -> Read | str:
    if len(frame) < header:
        return "truncated Linux cooked frame"
    if protocol == ETHERTYPE_IPV4:
        return _ipv4(frame, header)
    if protocol == SLL_PROTOCOL_LLC:
        return _llc(frame, header, len(frame), src, "")
    return ETHERTYPE_NAMES.get(protocol, f"Linux cooked protocol 0x{protocol:04x}")


def read_frame(linktype: int, frame: bytes) -> Read | str:
    """What one captured frame carries: ("udp" or "llc", source, destination, payload), or a
    short text saying what the frame was when it carries neither (for the counts of frames
    not read: "IPv6", "802.3 LLC with SNAP (ARP)", "IPv4 TCP", "IPv4 fragment"...)."""
    if linktype == LINKTYPE_ETHERNET:
        return _ethernet(frame)
    if linktype in LINKTYPE_RAW:
        version = frame[0] >> 4 if frame else 0
        return _ipv4(frame, 0) if version == 4 else "IPv6" if version == 6 else "bad IP header"
    if linktype == LINKTYPE_LINUX_SLL:
        alen = int.from_bytes(frame[4:6], "big")
        return _cooked(frame, int.from_bytes(frame[14:16], "big"), 16, _mac(frame[6:6 + min(alen, 8)]))
    if linktype == LINKTYPE_LINUX_SLL2:
        alen = frame[11] if len(frame) > 11 else 0
        return _cooked(frame, int.from_bytes(frame[0:2], "big"), 20, _mac(frame[12:12 + min(alen, 8)]))
    if linktype == LINKTYPE_NULL:
        # the address family, in the capturing host's byte order; AF_INET is 2 everywhere
        if frame[:4] in (b"\x02\x00\x00\x00", b"\x00\x00\x00\x02"):
            return _ipv4(frame, 4)
        return "BSD loopback, not IPv4"
    if linktype == LINKTYPE_IPV6:
        return "IPv6"
    return f"link type {linktype} ({LINKTYPE_NAMES.get(linktype, 'not read by radarbench')})"


def open_capture(path: str | Path) -> Any:
    """scapy's raw reader of a pcap or pcapng file. Raises ValueError if it is not a capture."""
    import logging

    from scapy.utils import RawPcapReader  # imported here: scapy takes ~0.5 s to import

    # scapy logs "WARNING: Pcap: packet has been truncated" to stderr for a file cut short;
    # the readers here find that themselves and say it with the offset (recordings).
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    try:
        return RawPcapReader(str(path))
    except Exception as exc:  # scapy raises Scapy_Exception for a file that is not a capture
        raise ValueError(f"{path}: not a pcap capture ({exc})") from None


def iter_frames(reader: Any, checked: bool = True) -> Iterator[tuple[int, int, Any, bytes]]:
    """(frame number from 1, link type, scapy's metadata, frame bytes) of each captured frame.

    A pcapng Simple Packet Block carries no time stamp: its metadata takes the time of the
    frame before (0 before any). Raises ValueError, naming the frame and byte offset, where
    the capture breaks off or is damaged: scapy ends quietly at a frame cut short (a truncated
    pcapng) and hands over a frame shorter than its header says (a damaged classic pcap),
    and the frames after it were lost without a word. checked=False leaves both checks to the
    caller (rigs.recordings says them in its own terms, as RecordingError)."""
    linktype = getattr(reader, "linktype", LINKTYPE_ETHERNET)
    f = getattr(reader, "f", None)
    # the file position after each frame, where it can be told (a plain file, not gzip)
    tell = f.tell if isinstance(f, io.BufferedReader) else None
    pos = tell() if tell is not None else 0
    prev_time: tuple[Any, Any, Any] = (0, 0, 1_000_000)
    n = 0
    it = iter(reader)
    while True:
        try:
            frame, meta = next(it)
        except (StopIteration, EOFError):
            if tell is not None and checked:
                size = os.fstat(f.fileno()).st_size
                cut = broken_tail(f, pos, size, getattr(reader, "endian", "<"), hasattr(reader, "interfaces"))
                if cut is not None:
                    at, what, need, left = cut
                    raise ValueError(f"capture cut short after frame {n}: at byte offset {at}, {what} "
                                     f"needs {need} octets, {left} are left")
            return
        except Exception as exc:  # a damaged capture: scapy's own exception types
            raise ValueError(f"capture unreadable after frame {n}: {exc}") from None
        n += 1
        caplen = getattr(meta, "caplen", None)
        if checked and caplen is not None and len(frame) < caplen:
            raise ValueError(f"frame {n} (byte offset {pos}): its header says {caplen} octets were "
                             f"captured, {len(frame)} follow: the capture is cut short or damaged")
        if hasattr(meta, "tshigh"):  # pcapng
            if meta.tshigh is None:  # a Simple Packet Block
                meta = meta._replace(tshigh=prev_time[0], tslow=prev_time[1], tsresol=prev_time[2])
            prev_time = (meta.tshigh, meta.tslow, meta.tsresol)
        if tell is not None:
            pos = tell()
        # pcapng: each frame names its interface's link type
        yield n, getattr(meta, "linktype", None) or linktype, meta, frame


def broken_tail(f: Any, pos: int, size: int, endian: str, pcapng: bool) -> tuple[int, str, int, int] | None:
    """Where a capture breaks off after its last whole frame (scapy ends there quietly): walk
    what is left from ``pos`` (whole pcapng blocks may follow: statistics, names; a classic
    pcap has only records) and give (byte offset, what is cut short, octets it needs, octets
    left), or None if the file ends on a whole record or block. Moves ``f``."""
    order = "little" if endian == "<" else "big"
    f.seek(pos)
    while pos < size:
        head = f.read(16 if not pcapng else 8)
        if not pcapng:
            if len(head) < 16:
                return pos, "a pcap record header", 16, len(head)
            need, what = 16 + int.from_bytes(head[8:12], order), "a pcap record"
        else:
            if len(head) < 8:
                return pos, "a pcapng block header", 8, len(head)
            if head[:4] == b"\x0a\x0d\x0d\x0a":  # a new section: its own byte order
                magic = f.read(4)
                order = "little" if magic == b"\x4d\x3c\x2b\x1a" else "big"
            need, what = int.from_bytes(head[4:8], order), "a pcapng block"
            if need < 12:
                return pos, "a pcapng block (its length is below the 12 octets of header and trailer)", 12, need
        if pos + need > size:
            return pos, what, need, size - pos
        pos += need
        f.seek(pos)
    return None


def capture_time_s(meta: Any, nano: bool) -> float:
    """A frame's capture time (seconds since the epoch) from scapy's pcap or pcapng metadata."""
    sec = getattr(meta, "sec", None)
    if sec is not None:
        return sec + getattr(meta, "usec", 0) / (1e9 if nano else 1e6)
    return ((meta.tshigh << 32) | meta.tslow) / getattr(meta, "tsresol", 1_000_000)


def capture_time_ns(meta: Any, nano: bool) -> int:
    """capture_time_s in integer nanoseconds."""
    sec = getattr(meta, "sec", None)
    if sec is not None:
        return sec * 1_000_000_000 + getattr(meta, "usec", 0) * (1 if nano else 1000)
    return ((meta.tshigh << 32) | meta.tslow) * 1_000_000_000 // getattr(meta, "tsresol", 1_000_000)


def iter_datagrams(path: str | Path, unread: Unread | None = None) -> Iterator[Datagram]:
    """Every ASTERIX payload (IPv4/UDP datagram or LLC frame) of a pcap or pcapng file, in
    capture order; the frames passed over are counted in ``unread`` (if given) by what they were.

    Raises ValueError if the file is not a capture scapy can read.
    """
    reader = open_capture(path)
    nano = getattr(reader, "nano", False)  # nanosecond-resolution pcap: "usec" holds ns
    with reader:
        for n, linktype, meta, frame in iter_frames(reader):
            got = read_frame(linktype, frame)
            if isinstance(got, str):
                if unread is not None:
                    unread[got] += 1
                continue
            yield Datagram(capture_time_s(meta, nano), got[1], got[2], got[3], n, got[0])
