# pcap://PATH[?speed=X]                                   replay (default)
# pcap://PATH?write=1[&src=ADDR:PORT&dst=ADDR:PORT]        record
#
# Replay: recv() returns the UDP payloads of the capture one by one, spaced as they were
#   captured (speed 1.0 by default; 2.0 twice as fast; 0 as fast as they can be read); the
#   clock starts at the first recv(). Message.source is the (address, port) that sent the
#   datagram and rx_kernel_ns its capture time. recv() returns None at the end; `exhausted`
#   tells that apart from a timeout. What is read (radarbench.rigs.pcapfile): IPv4/UDP behind
#   Ethernet II (VLAN tags), 802.3 LLC/SNAP, raw IP, Linux cooked (SLL, SLL2), BSD loopback;
#   and ASTERIX carried directly in 802.3 LLC frames (Message.source is then (MAC, SAP)).
#   Other frames (IPv6, TCP, fragments, other LLC...) are skipped and counted in `skipped`,
#   by what they were in `unread`.
# Record: each send() becomes one Ethernet/IPv4/UDP frame from src (default 127.0.0.1:8600)
#   to dst (default 232.1.1.1:8600; a multicast dst gets its multicast MAC), stamped with the
#   wall-clock time of the send, in a classic nanosecond pcap. UDP port 8600 is the one
#   Wireshark's ASTERIX dissector listens on, so the file opens decoded.
"""Captures as endpoints: replay the UDP payloads of a pcap file on schedule, or record to one."""
from __future__ import annotations

import ipaddress
import socket
import struct
import time
from dataclasses import dataclass
from typing import Iterator

from radarbench.rigs.pcapfile import (
    ETHERTYPE_IPV4, LINKTYPE_ETHERNET, Unread, capture_time_ns, iter_frames, read_frame,
)
from radarbench.rigs.transports.base import Message, ParsedUrl, Transport, TransportError, UrlError, deadline_ns

GRAMMAR = "pcap://PATH[?speed=X | ?write=1&src=ADDR:PORT&dst=ADDR:PORT]"
ASTERIX_UDP_PORT = 8600  # Wireshark's asterix dissector: udp.port 8600
DEFAULT_SRC = ("127.0.0.1", ASTERIX_UDP_PORT)
DEFAULT_DST = ("232.1.1.1", ASTERIX_UDP_PORT)

class PcapReplay(Transport):
    """Replays a capture's UDP payloads on their original schedule (scaled by `speed`)."""

    def __init__(self, url: str, path: str, speed: float) -> None:
        self.url = url
        self.path = path
        self.speed = speed
        from scapy.utils import RawPcapReader  # here: scapy takes ~0.5 s to import

        self.reader = RawPcapReader(path)
        self.linktype: int = self.reader.linktype
        self.nano: bool = getattr(self.reader, "nano", False)
        self.skipped = 0  # captured frames that carried no ASTERIX payload
        self.unread = Unread()  # the same frames, counted by what they were
        self.replayed = 0
        self.exhausted = False
        self._packets = self._udp_packets()
        self._next: tuple[int, tuple[str, int], bytes] | None = None
        self._first_capture_ns: int | None = None
        self._start_ns = 0

    def _udp_packets(self) -> Iterator[tuple[int, tuple[str, int], bytes]]:
        for _, linktype, meta, frame in iter_frames(self.reader):
            got = read_frame(linktype, frame)
            if isinstance(got, str):
                self.skipped += 1
                self.unread[got] += 1
                continue
            yield capture_time_ns(meta, self.nano), got[1], got[3]

    def send(self, data: bytes) -> None:
        """Raises TransportError: a replayed capture cannot be sent to."""
        raise TransportError(f"{self.url}: a replayed capture is read-only (record with ?write=1)")

    def recv(self, timeout: float | None = None) -> Message | None:
        """Return the next payload when it is due, None if not due within `timeout` or at the end."""
        if self._next is None:
            self._next = next(self._packets, None)
            if self._next is None:
                self.exhausted = True
                self.reader.close()
                return None
        capture_ns, source, payload = self._next
        if self._first_capture_ns is None:
            self._first_capture_ns, self._start_ns = capture_ns, time.monotonic_ns()
        if self.speed > 0:
            due_ns = self._start_ns + int((capture_ns - self._first_capture_ns) / self.speed)
            end = deadline_ns(timeout)
            if end is not None and due_ns > end:
                time.sleep(max(0, end - time.monotonic_ns()) / 1e9)
                return None
            left = due_ns - time.monotonic_ns()
            if left > 0:
                time.sleep(left / 1e9)
        self._next = None
        self.replayed += 1
        return Message(payload, time.monotonic_ns(), capture_ns, source)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.reader.close()


def _mac_for(ip: str) -> bytes:
    addr = ipaddress.IPv4Address(ip)
    if addr.is_multicast:  # RFC 1112: 01:00:5e + the group's low 23 bits
        return b"\x01\x00\x5e" + (int(addr) & 0x7FFFFF).to_bytes(3, "big")
    return b"\x02\x00" + addr.packed  # locally administered, derived from the address


def _ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_frame(src: tuple[str, int], dst: tuple[str, int], payload: bytes, ip_id: int = 0) -> bytes:
    """Build one Ethernet/IPv4/UDP frame carrying `payload` (UDP checksum 0: none, as IPv4 allows).

    Raises ValueError if the payload does not fit in one IPv4 datagram.
    """
    if len(payload) > 65535 - 28:
        raise ValueError(f"{len(payload)} octets do not fit in one UDP/IPv4 datagram")
    ttl = 1 if ipaddress.IPv4Address(dst[0]).is_multicast else 64
    ip = bytearray(struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), ip_id & 0xFFFF, 0x4000, ttl, 17, 0,
        socket.inet_aton(src[0]), socket.inet_aton(dst[0]),
    ))
    struct.pack_into("!H", ip, 10, _ip_checksum(bytes(ip)))
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0)
    eth = _mac_for(dst[0]) + _mac_for(src[0]) + ETHERTYPE_IPV4.to_bytes(2, "big")
    return eth + bytes(ip) + udp + payload


class PcapRecorder(Transport):
    """Writes every message sent to it as one UDP datagram in a pcap file."""

    def __init__(self, url: str, path: str, src: tuple[str, int], dst: tuple[str, int]) -> None:
        self.url = url
        self.src, self.dst = src, dst
        from scapy.utils import PcapWriter  # here: scapy takes ~0.5 s to import

        self.writer = PcapWriter(path, linktype=LINKTYPE_ETHERNET, nano=True, sync=False)
        self.written = 0

    def send(self, data: bytes) -> None:
        """Record `data` as one datagram, stamped now. Raises ValueError if it is too long."""
        self.record(data, time.time_ns())

    def record(self, data: bytes, wall_ns: int) -> None:
        """Record `data` as one datagram stamped `wall_ns` (ns since the epoch, UTC): what a
        bench that knows when a message really left or arrived writes. Raises ValueError if
        `data` is too long for one datagram, TransportError once closed."""
        if self.closed:
            raise TransportError(f"{self.url} is closed")
        frame = udp_frame(self.src, self.dst, data, self.written)
        if not self.writer.header_present:
            self.writer.write_header(frame)
        self.writer.write_packet(frame, sec=wall_ns // 1_000_000_000, usec=wall_ns % 1_000_000_000)
        self.written += 1

    def recv(self, timeout: float | None = None) -> Message | None:
        """Raises TransportError: a capture being recorded cannot be read."""
        raise TransportError(f"{self.url}: a capture being recorded is write-only")

    def close(self) -> None:
        """Flush and close the file (a capture with nothing sent still gets its header)."""
        if not self.closed:
            self.closed = True
            if not self.writer.header_present:
                self.writer.write_header(None)
            self.writer.close()


def open(url: str, role: str | None = None) -> Transport:
    """Open a capture by URL, for replay or (write=1) recording.

    `role` "send" needs a recording (`write=1`): a replay cannot be sent to (a radar told
    `--out pcap:///f.pcap` dropped everything it made).

    Raises UrlError for a bad URL, OSError if the file cannot be opened, and scapy's
    Scapy_Exception for a file that is not a capture.
    """
    o = parse(url)
    if role == "send" and not o.write:
        raise UrlError(f"{url}: a capture to send to is recorded: pcap://{o.path}?write=1 "
                       "(without write=1 it is a replay, read-only)")
    if o.write:
        return PcapRecorder(url, o.path, o.src, o.dst)
    return PcapReplay(url, o.path, o.speed)


@dataclass(frozen=True)
class PcapOptions:
    """A pcap:// URL's parts, checked: replay at ``speed``, or (write) record src -> dst."""

    path: str
    write: bool
    speed: float = 1.0
    src: tuple[str, int] = DEFAULT_SRC
    dst: tuple[str, int] = DEFAULT_DST


def _addr(s: str) -> tuple[str, int]:
    host, _, port = s.rpartition(":")
    p = int(port)
    if not 0 <= p <= 65535:
        raise ValueError
    return str(ipaddress.IPv4Address(host)), p


def parse(url: str) -> PcapOptions:
    """The options of a pcap:// URL, checked without opening the file. Raises UrlError."""
    u = ParsedUrl(url, GRAMMAR)
    path = u.path()
    if u.take_bool("write", False):
        src = u.take("src", DEFAULT_SRC, _addr, "an IPv4 ADDR:PORT")
        dst = u.take("dst", DEFAULT_DST, _addr, "an IPv4 ADDR:PORT")
        u.done()
        return PcapOptions(path, True, src=src, dst=dst)
    speed = u.take_float("speed", 1.0)
    u.done()
    return PcapOptions(path, False, speed=speed)
