"""A serial line counts the octets it really carries (flags, FCS, escapes), and the bench's
line utilization is taken from them, not from the payload."""
from __future__ import annotations

from pathlib import Path

from radarbench.bench.stats import Counts, Throughput
from radarbench.codecs.framing import encode_frame
from radarbench.rigs import open_url
from samples import sample


def test_framed_line_counts_wire_octets(tmp_path: Path) -> None:
    block = sample("cat048_one_record.ast").read_bytes()
    link = tmp_path / "line"
    with open_url(f"pty://{link}?baud=115200&framing=hdlc&pace=0") as a, \
            open_url(f"serial://{link}?baud=115200&framing=hdlc") as b:
        for _ in range(5):
            a.send(block)
        got = [b.recv(timeout=2) for _ in range(5)]
    assert all(m is not None and m.data == block for m in got)
    wire = len(encode_frame(block))
    assert wire > len(block) + 4  # address, control, FCS, flags and escapes
    assert a.wire_bytes_sent == 5 * wire
    assert b.wire_bytes_received == 5 * wire


def test_utilization_counts_line_octets_when_known() -> None:
    counts = Counts(sent=100, received=100)
    payload_only = Throughput.compute(counts, bytes_received=3400, duration_s=1.0, line_bytes_per_s=11520)
    framed = Throughput.compute(counts, bytes_received=3400, duration_s=1.0, line_bytes_per_s=11520,
                                line_bytes=6100)
    assert round(payload_only.line_utilization, 4) == round(3400 / 11520, 4)
    assert round(framed.line_utilization, 4) == round(6100 / 11520, 4)
    assert framed.bytes_per_s == payload_only.bytes_per_s == 3400
