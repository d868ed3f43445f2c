"""HDLC-like framing for asynchronous serial lines, as RFC 1662 defines it for PPP.

On the wire:  7E | stuffed( address | control | payload | FCS-16 ) | 7E

- Flag 0x7E delimits frames; one flag may close a frame and open the next, and repeated
  flags between frames are idle fill.
- Octet stuffing (RFC 1662 section 4.2): inside a frame, 0x7E, 0x7D and every octet whose bit
  is set in the ACCM (Async-Control-Character-Map, octets 0x00-0x1F; all ones by default)
  are sent as 0x7D followed by the octet XOR 0x20. 0x7D 0x7E aborts the frame.
- FCS-16 (RFC 1662 section C.2): CRC-CCITT reflected (polynomial 0x8408), initial value
  0xFFFF, ones' complement of the result, sent least significant octet first, computed over
  address, control and payload before stuffing. Running the CRC over a frame including its
  FCS leaves the residue 0xF0B8.
- Address 0x01 and control 0x03 by default (RFC 1662 uses 0xFF 0x03; here address is the
  station on a multidrop line, and 0x03 is an Unnumbered Information frame).

    wire = encode_frame(payload)
    d = HdlcDeframer()
    for frame in d.feed(chunk):   # HdlcFrame(payload, address, control)
        ...
"""
from __future__ import annotations

from dataclasses import dataclass

from construct import GreedyBytes, Int8ub, Int16ul, Struct

FLAG = 0x7E
ESCAPE = 0x7D
ESCAPE_XOR = 0x20
DEFAULT_ADDRESS = 0x01
DEFAULT_CONTROL = 0x03
DEFAULT_ACCM = 0xFFFFFFFF  # escape every control octet: safe through any line equipment
FCS_INIT = 0xFFFF
FCS_GOOD_RESIDUE = 0xF0B8
FCS_LEN = 2
HEADER_LEN = 2  # address + control
# An ASTERIX data block is at most 65535 octets; a frame carrying one fits here.
DEFAULT_MAX_FRAME_LEN = 0xFFFF + HEADER_LEN + FCS_LEN

# The frame between the flags, once unstuffed and with its FCS taken off. The FCS itself is
# laid out by FCS16 (little-endian: least significant octet first).
HDLC_FRAME = Struct(
    "address" / Int8ub,
    "control" / Int8ub,
    "payload" / GreedyBytes,
)
FCS16 = Int16ul


def _make_fcs_table() -> tuple[int, ...]:
    table = []
    for octet in range(256):
        v = octet
        for _ in range(8):
            v = (v >> 1) ^ 0x8408 if v & 1 else v >> 1
        table.append(v)
    return tuple(table)


_FCS_TABLE = _make_fcs_table()


def fcs16(data: bytes, fcs: int = FCS_INIT) -> int:
    """Run the RFC 1662 FCS-16 over `data` from `fcs`; return the register (not complemented).

    The CRC is computed here in plain Python with the RFC's table rather than with Construct's
    Checksum: Checksum runs interpreted even in compiled parsers, and a table loop is the
    cheapest pure-Python CRC. The FCS to send is `fcs16(data) ^ 0xFFFF`.
    """
    table = _FCS_TABLE
    for octet in data:
        fcs = (fcs >> 8) ^ table[(fcs ^ octet) & 0xFF]
    return fcs


def _escape_set(accm: int) -> frozenset[int]:
    if not 0 <= accm <= 0xFFFFFFFF:
        raise ValueError(f"ACCM {accm:#x} is not a 32-bit map of octets 0x00-0x1F")
    return frozenset({FLAG, ESCAPE} | {o for o in range(32) if accm >> o & 1})


def stuff(data: bytes, accm: int = DEFAULT_ACCM) -> bytes:
    """Return `data` with 0x7E, 0x7D and the ACCM's control octets escaped (RFC 1662 4.2).

    Raises ValueError if accm is not a 32-bit map.
    """
    escaped = _escape_set(accm)
    if not any(o in escaped for o in data):
        return bytes(data)
    out = bytearray()
    for o in data:
        if o in escaped:
            out.append(ESCAPE)
            out.append(o ^ ESCAPE_XOR)
        else:
            out.append(o)
    return bytes(out)


def encode_frame(
    payload: bytes,
    address: int = DEFAULT_ADDRESS,
    control: int = DEFAULT_CONTROL,
    accm: int = DEFAULT_ACCM,
) -> bytes:
    """Return the wire bytes of one frame: flag, stuffed address/control/payload/FCS, flag.

    Raises ValueError if address or control is not an octet, or accm is not a 32-bit map.
    """
    if not (0 <= address <= 0xFF and 0 <= control <= 0xFF):
        raise ValueError(f"HDLC address {address} and control {control} must be octets 0-255")
    body = HDLC_FRAME.build({"address": address, "control": control, "payload": bytes(payload)})
    body += FCS16.build(fcs16(body) ^ 0xFFFF)
    return bytes((FLAG,)) + stuff(body, accm) + bytes((FLAG,))


@dataclass(frozen=True, slots=True)
class HdlcFrame:
    """One good frame: its payload and the address and control octets it came with."""

    payload: bytes
    address: int = DEFAULT_ADDRESS
    control: int = DEFAULT_CONTROL


class HdlcDeframer:
    """Sans-I/O HDLC reader: feed it line bytes, get good frames; it never raises on input.

    Octets before the first flag are line noise; a frame is what lies between two flags.
    Frames with a bad FCS, too short to hold address + control + FCS (runts), longer than
    max_frame_len (oversize) or ended by 0x7D 0x7E (aborted) are dropped and counted, and
    reading goes on from the next flag, so one burst of noise costs at most the frames it
    touches.

    Counters: frames (good ones handed out), bad_fcs, aborted, runts, oversize, and
    garbage_bytes (every line octet that did not end up in a good frame, flags aside).

    rx_accm: control octets (bit n = octet n) that line equipment may have inserted and that
    are to be removed before the FCS check (RFC 1662 4.2); 0 by default, keeping every octet.
    """

    def __init__(self, max_frame_len: int = DEFAULT_MAX_FRAME_LEN, rx_accm: int = 0) -> None:
        if max_frame_len < HEADER_LEN + FCS_LEN:
            raise ValueError(f"max_frame_len {max_frame_len} is below the 4 octets of an empty frame")
        self.max_frame_len = max_frame_len
        self._rx_drop = bytes(o for o in range(32) if rx_accm >> o & 1) if rx_accm else b""
        self._buf = bytearray()
        self._hunting = True  # no flag seen yet: what arrives is noise until one comes
        self.frames = 0
        self.bad_fcs = 0
        self.aborted = 0
        self.runts = 0
        self.oversize = 0
        self.garbage_bytes = 0

    def counters(self) -> dict[str, int]:
        """Every counter, by name."""
        return {
            "frames": self.frames,
            "bad_fcs": self.bad_fcs,
            "aborted": self.aborted,
            "runts": self.runts,
            "oversize": self.oversize,
            "garbage_bytes": self.garbage_bytes,
        }

    @property
    def buffered(self) -> int:
        """Line octets received but not yet resolved into a frame."""
        return len(self._buf)

    def reset(self) -> None:
        """Forget a partly received frame and hunt for a flag again; counters are kept."""
        self.garbage_bytes += len(self._buf)
        self._buf.clear()
        self._hunting = True

    def feed(self, data: bytes) -> list[HdlcFrame]:
        """Add received line bytes; return the good frames they complete, in order."""
        buf = self._buf
        buf += data
        out: list[HdlcFrame] = []
        pos = 0
        n = len(buf)
        # Stuffing at most doubles a frame, so a longer run without a flag cannot be one.
        max_raw = 2 * self.max_frame_len
        while pos < n:
            end = buf.find(FLAG, pos)
            if self._hunting:
                if end < 0:
                    self.garbage_bytes += n - pos
                    pos = n
                    break
                self.garbage_bytes += end - pos
                self._hunting = False
                pos = end + 1
                continue
            if end < 0:
                if n - pos > max_raw:
                    self.oversize += 1
                    self.garbage_bytes += n - pos
                    pos = n
                    self._hunting = True
                break
            if end > pos:  # two flags in a row are idle fill, not an empty frame
                frame = self._take(bytes(buf[pos:end]))
                if frame is not None:
                    out.append(frame)
            pos = end + 1
        del buf[:pos]
        return out

    def _take(self, raw: bytes) -> HdlcFrame | None:
        if raw[-1] == ESCAPE:
            self.aborted += 1
            self.garbage_bytes += len(raw)
            return None
        if len(raw) > 2 * self.max_frame_len:
            self.oversize += 1
            self.garbage_bytes += len(raw)
            return None
        body = self._unstuff(raw)
        if len(body) < HEADER_LEN + FCS_LEN:
            self.runts += 1
            self.garbage_bytes += len(raw)
            return None
        if len(body) > self.max_frame_len:
            self.oversize += 1
            self.garbage_bytes += len(raw)
            return None
        if fcs16(body) != FCS_GOOD_RESIDUE:
            self.bad_fcs += 1
            self.garbage_bytes += len(raw)
            return None
        fields = HDLC_FRAME.parse(body[:-FCS_LEN])
        self.frames += 1
        return HdlcFrame(fields.payload, fields.address, fields.control)

    def _unstuff(self, raw: bytes) -> bytes:
        if self._rx_drop:
            raw = raw.translate(None, self._rx_drop)
        if ESCAPE not in raw:
            return raw
        out = bytearray()
        i = 0
        n = len(raw)
        while i < n:
            j = raw.find(ESCAPE, i)
            if j < 0 or j == n - 1:  # a trailing escape was caught as an abort already
                out += raw[i:]
                break
            out += raw[i:j]
            out.append(raw[j + 1] ^ ESCAPE_XOR)
            i = j + 2
        return bytes(out)


class _HdlcPayloadDeframer:
    """HdlcDeframer seen through the common Deframer interface: payloads only."""

    def __init__(self, address: int | None, max_frame_len: int) -> None:
        self.hdlc = HdlcDeframer(max_frame_len=max_frame_len)
        self.address = address
        self.other_address = 0

    def feed(self, data: bytes) -> list[bytes]:
        out = []
        for frame in self.hdlc.feed(data):
            if self.address is not None and frame.address != self.address:
                self.other_address += 1  # on a multidrop line, another station's frame
                continue
            out.append(frame.payload)
        return out

    def counters(self) -> dict[str, int]:
        return {**self.hdlc.counters(), "other_address": self.other_address}

    def reset(self) -> None:
        self.hdlc.reset()


class HdlcFramer:
    """HDLC-like framing with fixed address and control, through the common Framer interface.

    accept_any_address: deliver frames whatever their address (otherwise frames addressed to
    another station are dropped and counted as other_address).
    """

    name = "hdlc"

    def __init__(
        self,
        address: int = DEFAULT_ADDRESS,
        control: int = DEFAULT_CONTROL,
        accm: int = DEFAULT_ACCM,
        accept_any_address: bool = True,
        max_frame_len: int = DEFAULT_MAX_FRAME_LEN,
    ) -> None:
        encode_frame(b"", address, control, accm)  # validate now, not at the first send
        self.address = address
        self.control = control
        self.accm = accm
        self.accept_any_address = accept_any_address
        self.max_frame_len = max_frame_len

    def encode(self, payload: bytes) -> bytes:
        """Return one frame carrying `payload`."""
        return encode_frame(payload, self.address, self.control, self.accm)

    def deframer(self) -> _HdlcPayloadDeframer:
        """Return a new reader that hands out the payloads of good frames."""
        return _HdlcPayloadDeframer(None if self.accept_any_address else self.address, self.max_frame_len)
