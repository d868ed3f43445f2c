"""Gateway and echo: HDLC over a pty pair to UDP, CAT048 -> CAT062 values, replies over UDP.

The gateway and the echo run as real `radarbench emulate` processes.
"""
from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from radarbench.codecs.asterix import decode, encode
from radarbench.rigs import open_url
from radarbench.rigs.devices.echo import Echo
from radarbench.rigs.devices.gateway import Gateway, polar_to_wgs84

CLI = [sys.executable, "-m", "radarbench.bench.cli", "emulate"]


def plot(seq: int, trn: int = 42) -> dict[str, Any]:
    return {"category": 48, "items": {
        "010": {"SAC": 25, "SIC": 13}, "140": 3600.5 + seq,
        "020": {"TYP": 5, "SIM": 0, "RDP": 0, "SPI": 0, "RAB": 0},
        "040": {"RHO": 60.0, "THETA": 90.0},
        "070": {"V": 0, "G": 0, "L": 0, "MODE3A": "4521"},
        "090": {"V": 0, "G": 0, "FL": 350.0},
        "220": 0x4CA123, "240": "EIN123  ", "161": {"TRN": trn},
        "200": {"GSP": 0.125, "HDG": 180.0},
        "SP": seq.to_bytes(4, "big").hex()}}


def start(args: list[str]) -> subprocess.Popen[str]:
    p = subprocess.Popen(CLI + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None
    line = p.stdout.readline().strip()
    if line != "ready":
        p.kill()
        raise AssertionError(f"not ready: {line!r} {p.stderr.read() if p.stderr else ''}")
    return p


def stop(p: subprocess.Popen[str]) -> dict[str, Any]:
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=5)
    assert p.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def listener() -> tuple[Any, int]:
    rx = open_url("udp://127.0.0.1:0?listen=1")
    return rx, rx.local_address[1]


def test_hdlc_pty_to_udp_with_48_to_62(tmp_path: Path) -> None:
    link = tmp_path / "radar-line"
    rx, port = listener()
    with open_url(f"pty://{link}?baud=115200&pace=0") as line, rx:
        gw = start(["gateway", "--in", f"serial://{link}?framing=hdlc", "--out", f"udp://127.0.0.1:{port}",
                    "--to-category", "62", "--sac", "7", "--sic", "200", "--lat", "53.4", "--lon", "-6.27"])
        try:
            for seq in range(20):
                recs = [plot(seq), plot(seq, trn=43)] if seq < 19 else [
                    plot(seq), {"category": 34, "items": {"010": {"SAC": 25, "SIC": 13}, "000": 1, "030": 1.0}}]
                line.send(encode(recs))
            got = [rx.recv(3.0) for _ in range(20)]
        finally:
            summary = stop(gw)
    assert all(m is not None for m in got)
    tracks = [r.items for m in got for r in decode(m.data, strict=True)]  # type: ignore[union-attr]
    assert len(tracks) == 39 and summary["tracks"] == 39 and summary["records_skipped"] == 1
    assert summary["received"] == summary["sent"] == 20 and summary["dropped"] == 0
    t = tracks[0]
    assert t["010"] == {"SAC": 7, "SIC": 200}
    assert t["070"] == 3600.5 and t["SP"] == "00000000"
    assert t["060"]["MODE3A"] == "4521" and t["136"] == 350.0
    assert t["380"]["ADR"] == 0x4CA123 and t["245"]["CHR"] == "EIN123  "
    assert t["080"]["MON"] == 1 and t["080"]["CNF"] == 0
    # 60 NM due east of the site: X = 111120 m, Y = 0; WGS-84 about 1.66 deg east at 53.4 N.
    assert abs(t["100"]["X"] - 60 * 1852) <= 0.5 and abs(t["100"]["Y"]) <= 0.5
    lat, lon = polar_to_wgs84(53.4, -6.27, 60.0, 90.0)
    assert abs(t["105"]["LAT"] - lat) < 1e-5 and abs(t["105"]["LON"] - lon) < 1e-5
    assert abs(lon - (-6.27 + 60 / 60 / math.cos(math.radians(53.4)))) < 0.01 and 53.38 < lat < 53.4
    # Ground speed 0.125 NM/s due south: VY = -231.5 m/s.
    assert t["185"] == {"VX": 0.0, "VY": -231.5}
    # One track number per TRN, kept from message to message; the SP tag follows each plot.
    numbers = {(tr["SP"], tr["040"]) for tr in tracks}
    assert {n for _, n in numbers} == {1, 2}
    assert [tr["SP"] for tr in tracks[::2]] == [i.to_bytes(4, "big").hex() for i in range(20)]


def test_plain_forwarding_and_back_in_process() -> None:
    rx, port = listener()
    gw = Gateway("loop://gw-in", f"udp://127.0.0.1:{port}", bidirectional=True)
    with open_url("loop://gw-in") as tx, rx:
        gw.start()
        data = encode([plot(1)])
        tx.send(data)
        m = rx.recv(2.0)
        assert m is not None and m.data == data
        rx.send(b"reply")          # the listener replies to the gateway's UDP socket
        back = tx.recv(2.0)
        summary = gw.stop()
    assert back is not None and back.data == b"reply"
    assert summary["sent"] == 1 and summary["reverse_sent"] == 1


def test_echo_replies_over_udp() -> None:
    probe_port = open_url("udp://127.0.0.1:0?listen=1")
    port = probe_port.local_address[1]  # type: ignore[attr-defined]
    probe_port.close()
    echo = start(["echo", "--in", f"udp://127.0.0.1:{port}?listen=1"])
    try:
        with open_url(f"udp://127.0.0.1:{port}") as tx:
            replies = []
            for i in range(100):
                tx.send(i.to_bytes(2, "big"))
                m = tx.recv(2.0)
                replies.append(m.data if m else None)
    finally:
        summary = stop(echo)
    assert replies == [i.to_bytes(2, "big") for i in range(100)]
    assert summary["received"] == summary["sent"] == 100 and summary["dropped"] == 0


def test_echo_forwards_to_out() -> None:
    rx, port = listener()
    echo = Echo("loop://echo-in", f"udp://127.0.0.1:{port}")
    with open_url("loop://echo-in") as tx, rx:
        echo.start()
        tx.send(b"\x30\x00\x04\x00")
        m = rx.recv(2.0)
        back = tx.recv(0.1)
        summary = echo.stop()
    assert m is not None and m.data == b"\x30\x00\x04\x00" and back is None
    assert summary["received"] == summary["sent"] == 1
