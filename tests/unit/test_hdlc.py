"""HDLC-like framing (RFC 1662) against an independent implementation written here.

The reference below follows the RFC's words, not its code: a bitwise CRC (no table), and
stuffing written as "escape 0x7E, 0x7D and octets below 0x20".
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from radarbench.codecs.framing import (
    FCS_GOOD_RESIDUE,
    HdlcDeframer,
    HdlcFrame,
    HdlcFramer,
    encode_frame,
    fcs16,
    make_framer,
)

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()
MIXED = (SAMPLES / "mixed_categories.ast").read_bytes()


# --- independent reference -------------------------------------------------------------

def ref_crc(data: bytes) -> int:
    """CRC-16/X.25 bit by bit: reflected 0x1021 (0x8408), init 0xFFFF, complemented."""
    crc = 0xFFFF
    for octet in data:
        crc ^= octet
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def ref_encode(payload: bytes, address: int = 0x01, control: int = 0x03) -> bytes:
    body = bytes([address, control]) + payload
    crc = ref_crc(body)
    body += bytes([crc & 0xFF, crc >> 8])
    out = bytearray(b"\x7e")
    for o in body:
        if o in (0x7E, 0x7D) or o < 0x20:
            out += bytes([0x7D, o ^ 0x20])
        else:
            out.append(o)
    out.append(0x7E)
    return bytes(out)


def ref_decode(wire: bytes) -> list[tuple[int, int, bytes]]:
    frames = []
    for chunk in wire.split(b"\x7e"):
        if not chunk:
            continue
        body = bytearray()
        it = iter(chunk)
        for o in it:
            body.append(next(it) ^ 0x20 if o == 0x7D else o)
        if len(body) < 4 or ref_crc(bytes(body[:-2])) != body[-2] | body[-1] << 8:
            continue
        frames.append((body[0], body[1], bytes(body[2:-2])))
    return frames


# --- FCS ---------------------------------------------------------------------------------

def test_fcs_check_value_of_crc16_x25() -> None:
    assert fcs16(b"123456789") ^ 0xFFFF == 0x906E  # the catalogued check value of CRC-16/X-25
    assert ref_crc(b"123456789") == 0x906E


def test_fcs_residue_over_frame_with_its_fcs() -> None:
    body = b"\x01\x03" + ONE_RECORD
    crc = fcs16(body) ^ 0xFFFF
    assert fcs16(body + bytes([crc & 0xFF, crc >> 8])) == FCS_GOOD_RESIDUE == 0xF0B8


# --- interoperation with the reference ----------------------------------------------------

PAYLOADS = [
    b"",
    ONE_RECORD,
    MIXED,
    bytes(range(256)),
    b"\x7e\x7d\x7e\x7d",
    b"\x00" * 40,
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{len(p)}B")
def test_project_frames_equal_reference_frames(payload: bytes) -> None:
    assert encode_frame(payload) == ref_encode(payload)
    assert ref_decode(encode_frame(payload, 0x2A, 0x13)) == [(0x2A, 0x13, payload)]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{len(p)}B")
def test_reference_frames_are_read(payload: bytes) -> None:
    d = HdlcDeframer()
    assert d.feed(ref_encode(payload, 0xFF, 0x03)) == [HdlcFrame(payload, 0xFF, 0x03)]
    assert d.counters() == dict(frames=1, bad_fcs=0, aborted=0, runts=0, oversize=0, garbage_bytes=0)


def test_frames_without_control_escapes_are_read() -> None:
    """A sender with ACCM 0 escapes only 0x7E and 0x7D; the reader must not care."""
    wire = encode_frame(MIXED, accm=0)
    assert len(wire) < len(encode_frame(MIXED))
    assert HdlcDeframer().feed(wire) == [HdlcFrame(MIXED)]


# --- streaming -----------------------------------------------------------------------------

def test_every_cut_point() -> None:
    wire = ref_encode(ONE_RECORD) + ref_encode(b"\x7e\x7d\x00\x11") + ref_encode(MIXED)
    for cut in range(len(wire) + 1):
        d = HdlcDeframer()
        got = d.feed(wire[:cut]) + d.feed(wire[cut:])
        assert [f.payload for f in got] == [ONE_RECORD, b"\x7e\x7d\x00\x11", MIXED], cut


def test_one_byte_at_a_time() -> None:
    wire = b"".join(encode_frame(p) for p in PAYLOADS)
    d = HdlcDeframer()
    got = [f.payload for i in range(len(wire)) for f in d.feed(wire[i:i + 1])]
    assert got == PAYLOADS
    assert d.buffered == 0


def test_shared_flags_and_idle_fill() -> None:
    a, b = encode_frame(b"A" * 5), encode_frame(b"B" * 5)
    wire = b"\x7e\x7e\x7e" + a[:-1] + b + b"\x7e\x7e"  # a's closing flag opens b
    d = HdlcDeframer()
    assert [f.payload for f in d.feed(wire)] == [b"A" * 5, b"B" * 5]
    assert d.runts == d.bad_fcs == d.garbage_bytes == 0


def test_resync_after_noise_and_counters() -> None:
    good = encode_frame(ONE_RECORD)
    corrupt = bytearray(good)
    corrupt[10] ^= 0x01
    aborted = good[:20] + b"\x7d\x7e"
    runt = b"\x7e\x01\x03\x7e"
    wire = b"noise" + good + bytes(corrupt) + aborted + runt + good
    d = HdlcDeframer()
    assert [f.payload for f in d.feed(wire)] == [ONE_RECORD, ONE_RECORD]
    c = d.counters()
    assert (c["frames"], c["bad_fcs"], c["aborted"], c["runts"]) == (2, 1, 1, 1)
    # noise before the first flag, then the corrupt, aborted and runt frames less their flags
    assert c["garbage_bytes"] == 5 + (len(corrupt) - 2) + (len(aborted) - 2) + 2


def test_oversize_frame_is_dropped_and_reading_goes_on() -> None:
    d = HdlcDeframer(max_frame_len=64)
    wire = encode_frame(bytes(100)) + encode_frame(b"ok")
    assert [f.payload for f in d.feed(wire)] == [b"ok"]
    assert d.oversize == 1
    # no flag for far longer than a frame may be: dropped without waiting for one
    d.feed(b"\x55" * 1000)
    assert d.buffered == 0 and d.oversize == 2
    assert [f.payload for f in d.feed(encode_frame(b"again"))] == [b"again"]


def test_never_raises_on_random_input() -> None:
    rng = random.Random(1662)
    d = HdlcDeframer(max_frame_len=300)
    alphabet = bytes([0x7E, 0x7D, 0x01, 0x03, 0x5E, 0x5D, 0x00, 0xFF])
    for _ in range(2000):
        n = rng.randrange(0, 60)
        chunk = bytes(rng.choice(alphabet) if rng.random() < 0.5 else rng.randrange(256) for _ in range(n))
        for f in d.feed(chunk):
            assert isinstance(f, HdlcFrame)
    assert [f.payload for f in d.feed(encode_frame(ONE_RECORD))][-1:] == [ONE_RECORD]


def test_rx_accm_removes_inserted_control_octets() -> None:
    wire = bytearray(encode_frame(ONE_RECORD))
    wire[5:5] = b"\x11"  # an XON inserted by a modem
    assert HdlcDeframer().feed(bytes(wire)) == []
    assert HdlcDeframer(rx_accm=1 << 0x11).feed(bytes(wire)) == [HdlcFrame(ONE_RECORD)]


def test_bad_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError):
        encode_frame(b"", address=256)
    with pytest.raises(ValueError):
        encode_frame(b"", accm=1 << 32)
    with pytest.raises(ValueError):
        HdlcDeframer(max_frame_len=3)


# --- the common Framer interface -------------------------------------------------------------

def test_hdlc_framer_interface() -> None:
    f = make_framer("hdlc")
    assert isinstance(f, HdlcFramer) and f.name == "hdlc"
    d = f.deframer()
    assert d.feed(f.encode(MIXED) + f.encode(ONE_RECORD)) == [MIXED, ONE_RECORD]
    assert d.counters()["frames"] == 2


def test_hdlc_framer_filters_other_stations() -> None:
    f = HdlcFramer(address=0x05, accept_any_address=False)
    d = f.deframer()
    assert d.feed(encode_frame(b"x", address=0x06) + f.encode(b"y")) == [b"y"]
    assert d.counters()["other_address"] == 1


def test_make_framer_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="expected one of hdlc, raw"):
        make_framer("slip")
