"""rigs.recordings: every format built here from real data blocks (the payloads of
cat034_048.pcap) in the framing its sources describe, read back; damaged files; filters
counted against an independent dissection (scapy's layers, and tshark when installed)."""
from __future__ import annotations

import calendar
import shutil
import struct
import subprocess
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest

from radarbench.rigs.pcapfile import iter_datagrams
from radarbench.rigs.recordings import (
    FORMATS, Filter, RecordingError, detect_format, parse_filter, read_recording, rff_start_s,
)
from samples import blocks_of, sample

CAPTURE = "cat034_048.pcap"


@pytest.fixture(scope="module")
def datagrams():
    return list(iter_datagrams(sample(CAPTURE)))


@pytest.fixture(scope="module")
def payloads(datagrams):
    return [d.payload for d in datagrams[:12]]


# -- framings, written from the layouts (not from the reader)

def final_frame(payload: bytes, tod_s: float, board=0, line=0, day=0, trailer=b"\xa5" * 4) -> bytes:
    """FINAL: count (MSB first, header + content + trailer), board, line, day, time 10 ms (3 octets)."""
    return (struct.pack(">HBBB", 8 + len(payload) + 4, board, line, day)
            + round(tod_s * 100).to_bytes(3, "big") + payload + trailer)


def ioss_frame(payload: bytes, tod_s: float, board=0, day=0) -> bytes:
    """IOSS (jASTERIX ioss.json): count, one octet not known, board, day, time 10 ms, content, trailer."""
    return (struct.pack(">HBBB", 8 + len(payload) + 4, 0, board, day)
            + round(tod_s * 100).to_bytes(3, "big") + payload + b"\xa5" * 4)


def ioss_seq_frame(payload: bytes, seq: int, tod_s: float, board=0, day=0) -> bytes:
    """IOSS with a sequence number (jASTERIX ioss_seq.json): count, seq (4), then as IOSS."""
    return (struct.pack(">HIBBB", 12 + len(payload) + 4, seq, 0, board, day)
            + round(tod_s * 100).to_bytes(3, "big") + payload + b"\xa5" * 4)


def rff_file(start: str, frames: list[tuple[int, bytes]], stop: str = "") -> bytes:
    """RFF: 128-octet header (start text 20, stop text 20, 88 octets), frames of relative ms
    (4, little-endian), length (2, little-endian), content."""
    head = start.encode().ljust(20, b" ") + stop.encode().ljust(20, b" ") + bytes(88)
    return head + b"".join(struct.pack("<IH", ms, len(p)) + p for ms, p in frames)


def oradis_frame(payload: bytes, time_raw: int = 0) -> bytes:
    """ORADIS: count (MSB first, counting the 6-octet header), time (4 octets), content."""
    return struct.pack(">HI", 6 + len(payload), time_raw) + payload


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def epoch(y, mo, d, h, mi, s) -> float:
    return float(calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)))


# ------------------------------------------------------------------ each format read back

def test_formats_named():
    assert set(FORMATS) >= {"pcap", "ast", "final", "ioss", "rff", "oradis"}


def test_pcap_payloads_times_and_addresses(datagrams):
    got = list(read_recording(sample(CAPTURE)))
    assert detect_format(sample(CAPTURE)) == "pcap"
    assert len(got) == 100
    assert [r.payload for r in got] == [d.payload for d in datagrams]
    assert [r.time_s for r in got] == [d.time_s for d in datagrams]
    assert [r.index for r in got] == list(range(1, 101))
    first = got[0]
    assert (first.src, first.dst) == (datagrams[0].where(datagrams[0].src), datagrams[0].where(datagrams[0].dst))
    assert first.dst.startswith("232.") and ":" in first.dst


def test_final_payloads_and_time_of_day(tmp_path, payloads):
    tods = [27354.60 + 0.05 * i for i in range(len(payloads))]
    path = write(tmp_path, "rec.final", b"".join(final_frame(p, t, 3, 4) for p, t in zip(payloads, tods)))
    assert detect_format(path) == "final"
    rec = read_recording(path)
    got = list(rec)
    assert rec.time == "time of day" and rec.read == len(payloads)
    assert [r.payload for r in got] == payloads
    assert [r.time_s for r in got] == pytest.approx(tods, abs=1e-9)
    assert [r.index for r in got] == list(range(1, len(payloads) + 1))
    assert {r.src for r in got} == {"board 3, line 4"}


def test_final_recording_day_counts_days(tmp_path, payloads):
    path = write(tmp_path, "rec.final", final_frame(payloads[0], 86399.99, day=0)
                 + final_frame(payloads[1], 0.01, day=1))
    assert [r.time_s for r in read_recording(path)] == pytest.approx([86399.99, 86400.01], abs=1e-9)


def test_ioss_reads_as_final_with_the_board_from_the_fourth_octet(tmp_path, payloads):
    path = write(tmp_path, "rec.ioss", b"".join(ioss_frame(p, 14432.0 + i, board=15, day=0)
                                                for i, p in enumerate(payloads)))
    assert detect_format(path) == "final"  # the same octets: only the names differ
    got = list(read_recording(path, fmt="ioss"))
    assert [r.payload for r in got] == payloads
    assert got[0].time_s == pytest.approx(14432.0) and got[-1].time_s == pytest.approx(14432.0 + len(payloads) - 1)
    assert {r.src for r in got} == {"board 15"}


def test_ioss_with_sequence_numbers(tmp_path, payloads):
    path = write(tmp_path, "rec.ioss", b"".join(ioss_seq_frame(p, 1000 + i, 86399.99, board=2, day=1)
                                                for i, p in enumerate(payloads)))
    assert detect_format(path) == "ioss_seq"
    got = list(read_recording(path))
    assert [r.payload for r in got] == payloads
    assert {round(r.time_s, 6) for r in got} == {86400 + 86399.99}
    assert {r.src for r in got} == {"board 2"}


def test_rff_start_text_plus_relative_ms(tmp_path, payloads):
    # jASTERIX's own example: start 2 s before midnight, frames at +0.5 s and +2.5 s
    frames = [(500 + 2000 * i, p) for i, p in enumerate(payloads)]
    path = write(tmp_path, "rec.rff", rff_file("2026-09-16 23:59:58", frames, "2026-09-17 00:00:10"))
    assert detect_format(path) == "rff"
    rec = read_recording(path)
    got = list(rec)
    assert rec.time == "epoch"
    start = epoch(2026, 9, 16, 23, 59, 58)
    assert [r.payload for r in got] == payloads
    assert [r.time_s for r in got] == pytest.approx([start + ms / 1000 for ms, _ in frames], abs=1e-6)


def test_rff_without_a_start_time_counts_from_the_start(tmp_path, payloads):
    path = write(tmp_path, "rec.rff", rff_file("no time here", [(500, payloads[0]), (86_400_500, payloads[1])]))
    rec = read_recording(path)
    assert [r.time_s for r in rec] == pytest.approx([0.5, 86400.5])
    assert rec.time == "from start"


@pytest.mark.parametrize("text, expected", [
    ("2026-09-16 23:59:58", (2026, 9, 16, 23, 59, 58)),
    (" 09/16/26 04:00:31", (2026, 9, 16, 4, 0, 31)),     # US order
    ("16/09/99 12:30:00", (1999, 9, 16, 12, 30, 0)),     # day first when it cannot be a month
])
def test_rff_start_texts(text, expected):
    assert rff_start_s(text) == epoch(*expected)


@pytest.mark.parametrize("text", ["no time here", "", "2026-13-01 00:00:00", "2026-09-16 24:00:00", "2026-02-30 00:00:00"])
def test_rff_start_texts_that_do_not_read(text):
    assert rff_start_s(text) is None


def test_oradis_payloads_and_no_time(tmp_path, payloads):
    path = write(tmp_path, "rec.oradis", b"".join(oradis_frame(p, 123456 + i) for i, p in enumerate(payloads)))
    assert detect_format(path) == "oradis"
    rec = read_recording(path)
    got = list(rec)
    assert [r.payload for r in got] == payloads
    assert {r.time_s for r in got} == {None} and rec.time is None


def test_bare_data_blocks_one_payload_a_block(tmp_path, payloads):
    stream = b"".join(payloads)
    path = write(tmp_path, "rec.ast", stream)
    assert detect_format(path) == "ast"
    got = list(read_recording(path))
    assert [r.payload for r in got] == blocks_of(stream)
    assert len(got) > len(payloads)  # some datagrams carry a CAT048 and a CAT034 block
    assert {r.time_s for r in got} == {None}


def test_real_ast_sample():
    path = sample("mixed_categories.ast")
    assert detect_format(path) == "ast"
    got = list(read_recording(path))
    assert [r.payload for r in got] == blocks_of(path.read_bytes())
    assert {r.payload[0] for r in got} >= {48, 34, 1, 2}


def write_pcapng(path: Path, frames: list[tuple[int, bytes]]) -> bytes:
    """pcapng (little-endian): section header, one Ethernet interface (microseconds), one
    enhanced packet block per (time in us, frame)."""
    def block(kind: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", kind, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 65535))
    for t_us, frame in frames:
        out += block(6, struct.pack("<IIIII", 0, t_us >> 32, t_us & 0xFFFFFFFF, len(frame), len(frame)) + frame)
    path.write_bytes(out)
    return out


def raw_frames(path: Path) -> list[tuple[int, bytes]]:
    """(capture time in us, Ethernet frame) of a classic pcap, read with the test's own walk."""
    data = path.read_bytes()
    assert data[:4] == b"\xd4\xc3\xb2\xa1"  # little-endian, microseconds
    out, pos = [], 24
    while pos < len(data):
        sec, usec, caplen, _ = struct.unpack_from("<IIII", data, pos)
        out.append((sec * 1_000_000 + usec, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return out


def test_pcapng_reads_like_the_pcap(tmp_path, datagrams):
    path = tmp_path / "rec.pcapng"
    write_pcapng(path, raw_frames(sample(CAPTURE)))
    assert detect_format(path) == "pcap"
    got = list(read_recording(path))
    assert [r.payload for r in got] == [d.payload for d in datagrams]
    assert [r.time_s for r in got] == pytest.approx([d.time_s for d in datagrams], abs=1e-6)


# ------------------------------------------------------------------ detection

def test_detect_garbage_says_what_the_first_octets_were(tmp_path):
    path = write(tmp_path, "notes.txt", b"hello, this is not a recording\n")
    with pytest.raises(RecordingError) as e:
        detect_format(path)
    assert str(path) in str(e.value) and "68 65 6c 6c 6f" in str(e.value) and e.value.offset == 0


def test_detect_empty_file(tmp_path):
    with pytest.raises(RecordingError, match="empty"):
        read_recording(write(tmp_path, "empty.ast", b""))


def test_unknown_format_name(tmp_path, payloads):
    with pytest.raises(ValueError, match="expected auto or one of pcap"):
        read_recording(write(tmp_path, "x.ast", payloads[0]), fmt="asterix")


# ------------------------------------------------------------------ damaged files

def built(kind: str, payloads: list[bytes]) -> tuple[bytes, list[int]]:
    """A file of ``kind`` from payloads, and the offset of each frame."""
    head = b""
    if kind == "final":
        frames = [final_frame(p, 100 + i) for i, p in enumerate(payloads)]
    elif kind == "ioss_seq":
        frames = [ioss_seq_frame(p, i, 100 + i) for i, p in enumerate(payloads)]
    elif kind == "oradis":
        frames = [oradis_frame(p) for p in payloads]
    elif kind == "ast":
        frames = list(payloads)
    else:
        head = rff_file("2026-09-16 23:59:58", [])
        frames = [struct.pack("<IH", 10 * i, len(p)) + p for i, p in enumerate(payloads)]
    offsets, pos = [], len(head)
    for f in frames:
        offsets.append(pos)
        pos += len(f)
    return head + b"".join(frames), offsets


# bare data blocks: one block a payload, so build them from single blocks
@pytest.mark.parametrize("kind", ["final", "ioss_seq", "rff", "oradis", "ast"])
def test_truncated_file_names_the_offset_of_the_frame_it_cuts(tmp_path, payloads, kind):
    units = payloads[:4] if kind != "ast" else blocks_of(b"".join(payloads[:4]))
    data, offsets = built(kind, units)
    path = write(tmp_path, f"cut.{kind}", data[:-5])
    with pytest.raises(RecordingError) as e:
        list(read_recording(path, fmt=kind))
    assert e.value.offset == offsets[-1]
    assert str(path) in str(e.value) and "ends inside" in str(e.value)
    errors: list = []
    rec = read_recording(path, fmt=kind, errors=errors)
    assert [r.payload for r in rec] == units[:-1]
    assert [err.offset for err in errors] == [offsets[-1]]
    assert sum(rec.unread.values()) == 1


@pytest.mark.parametrize("kind", ["final", "ioss_seq", "rff", "oradis"])
def test_frame_whose_content_is_not_data_blocks_is_skipped_or_raised(tmp_path, payloads, kind):
    data, offsets = built(kind, payloads[:4])
    header = {"final": 8, "ioss_seq": 12, "rff": 6, "oradis": 6}[kind]
    broken = bytearray(data)
    at = offsets[1] + header  # the first data block of frame 2: LEN one too long
    length = broken[at + 1] << 8 | broken[at + 2]
    broken[at + 1:at + 3] = (length + 1).to_bytes(2, "big")
    path = write(tmp_path, f"bad.{kind}", bytes(broken))
    with pytest.raises(RecordingError) as e:
        list(read_recording(path, fmt=kind))
    assert e.value.offset == at and "frame 2" in str(e.value) and "runs 1 octet(s) past" in str(e.value)
    errors: list = []
    got = list(read_recording(path, fmt=kind, errors=errors))
    assert [r.index for r in got] == [1, 3, 4]
    assert [r.payload for r in got] == [payloads[0], payloads[2], payloads[3]]
    assert len(errors) == 1


def test_final_byte_count_below_its_header_stops_reading(tmp_path, payloads):
    data, offsets = built("final", payloads[:3])
    broken = bytearray(data)
    broken[offsets[1]:offsets[1] + 2] = (7).to_bytes(2, "big")
    path = write(tmp_path, "bad.final", bytes(broken))
    with pytest.raises(RecordingError) as e:
        list(read_recording(path))
    assert e.value.offset == offsets[1] and "byte count 7" in str(e.value)
    errors: list = []
    assert len(list(read_recording(path, errors=errors))) == 1 and len(errors) == 1


def test_final_trailer_that_is_not_a5(tmp_path, payloads):
    path = write(tmp_path, "bad.final", final_frame(payloads[0], 1.0) + final_frame(payloads[1], 2.0, trailer=b"\0" * 4))
    with pytest.raises(RecordingError) as e:
        list(read_recording(path, fmt="final"))
    assert e.value.offset == path.stat().st_size - 4 and "a5 a5 a5 a5" in str(e.value)


def test_every_prefix_of_a_file_reads_or_raises_recording_error(tmp_path, payloads):
    """No other exception, whatever the file's length (each format, forced and detected)."""
    for kind in ("final", "ioss_seq", "rff", "oradis", "ast"):
        data, _ = built(kind, payloads[:3] if kind != "ast" else blocks_of(b"".join(payloads[:2])))
        path = tmp_path / f"prefix.{kind}"
        for n in range(len(data) + 1):
            path.write_bytes(data[:n])
            for fmt in (kind, "auto"):
                try:
                    list(read_recording(path, fmt=fmt))
                except RecordingError:
                    pass


def test_truncated_pcap_record(tmp_path):
    data = sample(CAPTURE).read_bytes()
    last = len(data) - (16 + len(raw_frames(sample(CAPTURE))[-1][1]))
    path = write(tmp_path, "cut.pcap", data[:-10])
    with pytest.raises(RecordingError) as e:
        list(read_recording(path))
    assert e.value.offset == last and "frame 100" in str(e.value)
    path = write(tmp_path, "cut2.pcap", data[:last + 5])  # inside the last record's header
    with pytest.raises(RecordingError) as e:
        list(read_recording(path))
    assert e.value.offset == last and "record header" in str(e.value)
    errors: list = []
    assert len(list(read_recording(path, errors=errors))) == 99 and len(errors) == 1


def test_truncated_pcapng_block(tmp_path):
    full = write_pcapng(tmp_path / "full.pcapng", raw_frames(sample(CAPTURE)))
    last_len = struct.unpack_from("<I", full, len(full) - 4)[0]
    path = write(tmp_path, "cut.pcapng", full[:-6])
    with pytest.raises(RecordingError) as e:
        list(read_recording(path))
    assert e.value.offset == len(full) - last_len and "pcapng block" in str(e.value)


def test_constant_memory_over_a_long_recording(tmp_path, payloads):
    frames = b"".join(final_frame(payloads[i % len(payloads)], (i // 100) % 86400) for i in range(30_000))
    path = write(tmp_path, "long.final", frames)
    del frames
    tracemalloc.start()
    n = sum(1 for _ in read_recording(path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n == 30_000 and path.stat().st_size > 2_000_000
    assert peak < 200_000, peak


# ------------------------------------------------------------------ filters

def independent_counts() -> Counter:
    """(destination address, destination port, source address, source port) of each UDP
    datagram, from scapy's full dissection (not the project's cutting of frame headers)."""
    from scapy.layers.inet import IP, UDP
    from scapy.utils import rdpcap
    return Counter((p[IP].dst, p[UDP].dport, p[IP].src, p[UDP].sport) for p in rdpcap(str(sample(CAPTURE))) if UDP in p)


FILTERS = ["dst=232.1.1.31", "dst=232.2.1.31:22131", "dst-port=21134", "src=10.17.58.183",
           "src-port=21124", "dst=232.1.1.11,src-port=20114", "dst=232.1.1.31:22131"]


def expected(text: str, counts: Counter) -> int:
    f = parse_filter(text)
    return sum(n for (da, dp, sa, sp), n in counts.items() if f.matches((sa, sp), (da, dp)))


@pytest.mark.parametrize("text", FILTERS)
def test_filter_counts_match_scapys_dissection(text):
    counts = independent_counts()
    rec = read_recording(sample(CAPTURE), filter=text)
    got = list(rec)
    assert len(got) == expected(text, counts)
    assert rec.read + rec.filtered == 100


def test_a_and_b_feeds_split_the_capture():
    a = read_recording(sample(CAPTURE), filter="dst=232.1.1.31")
    b = read_recording(sample(CAPTURE), filter="dst=232.2.1.31")
    pa, pb = [r.payload for r in a], [r.payload for r in b]
    assert len(pa) == len(pb) == 15
    assert pa == pb  # the same radar data on both feeds


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_filter_counts_match_tshark():
    out = subprocess.run(["tshark", "-r", str(sample(CAPTURE)), "-T", "fields", "-e", "ip.dst",
                          "-e", "udp.dstport", "-e", "ip.src", "-e", "udp.srcport"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    counts = Counter(tuple(int(x) if x.isdigit() else x for x in line.split("\t")) for line in out.splitlines())
    assert sum(counts.values()) == 100
    for text in FILTERS:
        assert len(list(read_recording(sample(CAPTURE), filter=text))) == expected(text, counts), text
    assert expected("dst=232.1.1.31", counts) == 15 and expected("src=10.17.58.183", counts) == 50


def test_parse_filter_forms():
    f = parse_filter(" dst=232.1.1.31:21131 , src-port=20124")
    assert str(f) == "dst=232.1.1.31:21131,src-port=20124"
    assert f.matches(("10.17.58.183", 20124), ("232.1.1.31", 21131))
    assert not f.matches(("10.17.58.183", 20125), ("232.1.1.31", 21131))
    assert not f.matches(("10.17.58.183", 20124), ("232.1.1.31", 21132))
    assert isinstance(parse_filter("dst-port=8600"), Filter)


@pytest.mark.parametrize("text, bad", [
    ("dst=1.2.3", "'dst=1.2.3'"), ("dst=1.2.3.4:http", "'dst=1.2.3.4:http'"),
    ("dst-port=70000", "'dst-port=70000'"), ("port=8600", "'port=8600'"),
    ("dst-port=8600,", "''"), ("dst", "'dst'"), ("src=", "'src='"),
])
def test_parse_filter_names_the_bad_part(text, bad):
    with pytest.raises(ValueError) as e:
        parse_filter(text)
    assert bad in str(e.value) and "dst=ADDR[:PORT]" in str(e.value)


def test_empty_filter():
    with pytest.raises(ValueError, match="empty filter"):
        parse_filter("  ")


def test_filter_on_a_format_without_addresses(tmp_path, payloads):
    path = write(tmp_path, "rec.final", final_frame(payloads[0], 1.0))
    with pytest.raises(ValueError, match="has none"):
        read_recording(path, filter="dst-port=8600")


def test_prefixes_of_a_capture_read_or_raise_recording_error(tmp_path):
    data = sample(CAPTURE).read_bytes()
    path = tmp_path / "prefix.pcap"
    for n in [*range(0, 48), *range(48, len(data), 97)]:
        path.write_bytes(data[:n])
        try:
            list(read_recording(path))
        except RecordingError as e:
            assert e.offset is None or 0 <= e.offset <= n


def test_decode_and_inspect_read_a_framed_recording(tmp_path, payloads, capsys):
    """`radarbench decode` gives each record its frame, time and board; inspect names the format."""
    import json

    from radarbench.bench.cli import main
    from radarbench.codecs.asterix import iter_decode
    path = write(tmp_path, "rec.final", b"".join(final_frame(p, 100 + i, board=5, line=1)
                                                 for i, p in enumerate(payloads)))
    assert main(["decode", str(path)]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    expected = [(i + 1, r.category, r.items) for i, p in enumerate(payloads) for r in iter_decode(p)]
    assert [(x["frame"], x["category"], x["items"]) for x in lines] == expected
    assert {(x["frame"], x["time"]) for x in lines} == {(i + 1, 100.0 + i) for i in range(len(payloads))}
    assert {x["src"] for x in lines} == {"board 5, line 1"}
    assert main(["inspect", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "final"


# ------------------------------------------------------------------ damaged captures, as decode reads them

def _decode_cli(path: Path) -> subprocess.CompletedProcess:
    import sys
    return subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "decode", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_a_simple_packet_block_takes_the_time_of_the_frame_before(tmp_path):
    # A Simple Packet Block has no time stamp (scapy gives None): decode and replay read it
    # with the time of the frame before; it used to end `decode` and `inspect` in a traceback.
    frames = raw_frames(sample(CAPTURE))[:3]
    full = write_pcapng(tmp_path / "x.pcapng", frames)
    # the second frame again, as a Simple Packet Block (type 3: original length, then data)
    body = struct.pack("<I", len(frames[1][1])) + frames[1][1]
    body += bytes(-len(body) % 4)
    spb = struct.pack("<II", 3, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    path = write(tmp_path, "spb.pcapng", full + spb)
    got = list(iter_datagrams(path))
    assert [d.payload for d in got] == [d.payload for d in list(iter_datagrams(sample(CAPTURE)))[:3]] + [got[1].payload]
    assert got[3].time_s == got[2].time_s
    res = _decode_cli(path)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    from radarbench.codecs.asterix import decode
    assert len(res.stdout.splitlines()) == sum(len(decode(d.payload)) for d in got)


@pytest.mark.parametrize("damage", ["pcapng cut", "pcap caplen"])
def test_decode_of_a_damaged_capture_says_where_and_fails(tmp_path, damage):
    # scapy ends quietly at a block cut short, and hands over a frame shorter than its record
    # says: decode wrote the records before and exited 0, the rest lost without a word.
    frames = raw_frames(sample(CAPTURE))
    if damage == "pcapng cut":
        full = write_pcapng(tmp_path / "full.pcapng", frames)
        path = write(tmp_path, "cut.pcapng", full[:-6])
        want = "capture cut short after frame 99"
    else:
        data = bytearray(sample(CAPTURE).read_bytes())
        pos = 24
        for _ in range(50):                      # to frame 51's record header
            pos += 16 + struct.unpack_from("<I", data, pos + 8)[0]
        struct.pack_into("<I", data, pos + 8, 0x7FFFFFFF)
        path = write(tmp_path, "caplen.pcap", bytes(data))
        want = f"frame 51 (byte offset {pos})"
    res = _decode_cli(path)
    assert res.returncode != 0, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and want in lines[0] and "Traceback" not in res.stderr, res.stderr
    assert len(res.stdout.splitlines()) > 0     # the records before it are written
