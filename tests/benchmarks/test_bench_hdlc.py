"""How fast the HDLC framing encodes and deframes (pytest-benchmark; out of the default run)."""
from __future__ import annotations

from pathlib import Path

from radarbench.codecs.framing import HdlcDeframer, encode_frame

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()
MIXED = (SAMPLES / "mixed_categories.ast").read_bytes()


def test_encode_48_octets(benchmark) -> None:
    assert benchmark(encode_frame, ONE_RECORD)[0] == 0x7E


def test_encode_1029_octets(benchmark) -> None:
    assert benchmark(encode_frame, MIXED)[-1] == 0x7E


def test_deframe_100_frames(benchmark) -> None:
    wire = encode_frame(ONE_RECORD) * 100

    def run() -> int:
        return len(HdlcDeframer().feed(wire))

    assert benchmark(run) == 100
