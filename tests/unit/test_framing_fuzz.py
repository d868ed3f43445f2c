"""Property tests of the line deframers: any bytes in any pieces, never an exception; a
frame damaged on the line is dropped and counted, and the frames after it still arrive."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from radarbench.codecs.framing import HdlcDeframer, encode_frame, make_framer
from radarbench.codecs.asterix import split_blocks
from radarbench.rigs.pcapfile import iter_datagrams
from samples import sample

_PAYLOADS: list[bytes] = []


def payloads() -> list[bytes]:
    if not _PAYLOADS:
        _PAYLOADS.extend(d.payload for d in iter_datagrams(sample("cat034_048.pcap")))
    return _PAYLOADS


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(1, 50), max_size=20))
def test_hdlc_random_bytes_in_random_pieces_never_raise(data: bytes, cuts: list[int]) -> None:
    d = HdlcDeframer()
    pos = 0
    for c in cuts + [len(data)]:
        for frame in d.feed(data[pos:pos + c]):
            assert isinstance(frame.payload, bytes)
        pos += c
    assert all(v >= 0 for v in d.counters().values())


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_hdlc_line_noise_costs_only_the_hit_frame(data) -> None:
    ps = list(dict.fromkeys(payloads()))[:6]  # distinct: the capture is an A/B dual feed
    frames = [encode_frame(p) for p in ps]
    hit = data.draw(st.integers(0, len(frames) - 1))
    damaged = bytearray(frames[hit])
    i = data.draw(st.integers(1, len(damaged) - 2))  # inside the frame, not its flags
    damaged[i] ^= data.draw(st.integers(1, 255))
    line = b"".join(bytes(damaged) if k == hit else f for k, f in enumerate(frames))
    d = HdlcDeframer()
    got = [f.payload for f in d.feed(line)]
    # every other frame arrives intact and in order; the hit one arrives only if the noise
    # left it valid (a flipped octet that became a flag splits it: both halves then fail FCS)
    others = [p for k, p in enumerate(ps) if k != hit]
    assert [p for p in got if p != ps[hit]] == others
    assert d.counters()["frames"] == len(got)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_raw_deframer_random_bytes_never_raise(data: bytes) -> None:
    deframer = make_framer("raw").deframer()
    for block in deframer.feed(data):
        list(split_blocks(block))  # whatever it hands out is at least a well-formed block
