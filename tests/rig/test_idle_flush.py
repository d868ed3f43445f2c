"""Bare framing on a quiet line: a bogus header read from noise must not hold the real block
behind it until more traffic comes. ``30 00 02`` before a CAT048 block reads as a CAT000
header of LEN 560 (``00 02 30``) that would wait for 560 octets; ``30 01 00`` at the start of
a stream as a CAT048 header of LEN 256. After the line has been quiet for the transport's idle
threshold, the splitter is flushed and the real blocks come out.

Real pty pairs (the far end writes to the slave device) and a real TCP connection."""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from radarbench.codecs.asterix.stream import decodes
from radarbench.codecs.framing.raw import RawFramer
from radarbench.rigs.transports.line import IDLE_FLUSH_MIN_S, FramedLineTransport, LineSettings
from radarbench.rigs.transports.pty import PtyLine
from radarbench.rigs.transports.tcp import TcpTransport

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()  # one CAT048 block, 48 octets
BOGUS = bytes.fromhex("300002")  # with the block's first octet: a CAT000 header, LEN 560
BOGUS_48 = bytes.fromhex("300100")  # a CAT048 header, LEN 256: trusted at the stream's start
SLACK_S = 1.0  # a loaded 2-core host can hold a wake-up back this long


def pty_transport(tmp_path: Path, baud: int, validate: bool) -> FramedLineTransport:
    settings = LineSettings(baud=baud, framing="raw", pace=False)
    line = PtyLine(str(tmp_path / "line0"), settings)
    framer = RawFramer(validate=decodes if validate else None)
    return FramedLineTransport(f"pty://{tmp_path / 'line0'}?framing=raw", line, settings, framer)


def test_the_threshold_is_10_octet_times_but_at_least_50_ms(tmp_path: Path) -> None:
    for baud, want_s in ((115200, IDLE_FLUSH_MIN_S), (9600, IDLE_FLUSH_MIN_S), (1200, 10 / 120), (300, 10 / 30)):
        t = pty_transport(tmp_path, baud, validate=False)
        try:
            assert t.idle_flush_s == pytest.approx(want_s)
        finally:
            t.close()


@pytest.mark.parametrize("validate, bogus, blocks", [(True, BOGUS, 1), (False, BOGUS_48, 2)],
                         ids=["decodes-cat000-1-block", "default-cat048-2-blocks"])
def test_pty_quiet_line_frees_the_blocks_behind_a_bogus_header(
        tmp_path: Path, validate: bool, bogus: bytes, blocks: int) -> None:
    """With a validator, one real block behind the bogus header is evidence enough once the
    line is quiet; without one (the default framing), two (StreamDecoder.flush). Before the
    line is quiet, nothing says the header is bogus: the blocks wait."""
    t = pty_transport(tmp_path, 9600, validate)
    far = os.open(t.line.device, os.O_RDWR | os.O_NOCTTY)  # type: ignore[attr-defined]
    try:
        os.write(far, bogus + ONE_RECORD * blocks)
        sent = time.monotonic_ns()
        got = []
        while len(got) < blocks:
            m = t.recv(timeout=5)
            assert m is not None, f"{len(got)} of {blocks} block(s) came out; the bogus header still holds them"
            got.append(m)
        waited_s = (time.monotonic_ns() - sent) / 1e9
        assert [m.data for m in got] == [ONE_RECORD] * blocks
        # not before the line had been quiet for the threshold, and soon after it
        assert t.idle_flush_s <= waited_s < t.idle_flush_s + SLACK_S
        # stamped when the octets arrived, not when the splitter let them go
        assert all(m.rx_ns <= sent + SLACK_S * 1e9 for m in got) and got[0].rx_ns < sent + t.idle_flush_s * 1e9
        assert t.counters()["garbage_bytes"] == 3
        assert t.recv(timeout=0.2) is None  # nothing else: the bogus octets were dropped
    finally:
        os.close(far)
        t.close()


def test_pty_a_block_in_a_pause_is_not_given_up(tmp_path: Path) -> None:
    """A real block whose sender pauses longer than the threshold half way is still handed
    out whole when the rest comes (no chain of vouched-for blocks ends where its bytes stop)."""
    t = pty_transport(tmp_path, 9600, validate=True)
    far = os.open(t.line.device, os.O_RDWR | os.O_NOCTTY)  # type: ignore[attr-defined]
    try:
        os.write(far, ONE_RECORD + ONE_RECORD[:20])
        assert t.recv(timeout=2).data == ONE_RECORD  # type: ignore[union-attr]
        assert t.recv(timeout=t.idle_flush_s * 4) is None  # quiet: the flush gives nothing up
        os.write(far, ONE_RECORD[20:])
        m = t.recv(timeout=2)
        assert m is not None and m.data == ONE_RECORD and t.counters()["garbage_bytes"] == 0
    finally:
        os.close(far)
        t.close()


def test_tcp_quiet_connection_frees_the_blocks_behind_a_bogus_header() -> None:
    server = TcpTransport("tcp://127.0.0.1:0?listen=1")
    try:
        port = server.listener.getsockname()[1]  # type: ignore[union-attr]
        with socket.create_connection(("127.0.0.1", port)) as peer:
            peer.sendall(BOGUS_48 + ONE_RECORD * 2)
            sent = time.monotonic_ns()
            got = [server.recv(timeout=5), server.recv(timeout=5)]
            waited_s = (time.monotonic_ns() - sent) / 1e9
            assert [m.data if m else None for m in got] == [ONE_RECORD] * 2
            assert server.idle_flush_s <= waited_s < server.idle_flush_s + SLACK_S
            assert server.counters()["garbage_bytes"] == 3
    finally:
        server.close()
