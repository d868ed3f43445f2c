"""socket:// and rfc2217://: serial lines behind terminal servers, through pyserial's handlers.

The terminal servers are written here: a raw TCP echo, and an RFC 2217 server built on
pyserial's PortManager in front of pyserial's own loop:// port (which echoes). Closing a socket:// port costs 0.3 s: pyserial
sleeps there "in case of quick reconnects".
"""
from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Iterator

import pytest
import serial
import serial.rfc2217

from radarbench.codecs.framing import HdlcDeframer, encode_frame
from radarbench.rigs import open_url

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()
MIXED = (SAMPLES / "mixed_categories.ast").read_bytes()


def _serve(handler) -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def run() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(0.01)
                handler(conn, stop)

    th = threading.Thread(target=run, daemon=True)
    th.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        th.join(timeout=2)
        listener.close()


@pytest.fixture
def echo_server() -> Iterator[int]:
    def echo(conn: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                data = conn.recv(4096)
            except socket.timeout:
                continue
            if not data:
                return
            conn.sendall(data)
    yield from _serve(echo)


class _SocketWriter:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)


@pytest.fixture
def rfc2217_server() -> Iterator[int]:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        port = serial.serial_for_url("loop://", timeout=0.01)
        manager = serial.rfc2217.PortManager(port, _SocketWriter(conn))
        while not stop.is_set():
            try:
                data = conn.recv(4096)
                if not data:
                    return
                port.write(b"".join(manager.filter(data)))
            except socket.timeout:
                pass
            out = port.read(port.in_waiting or 1)
            if out:
                conn.sendall(b"".join(manager.escape(out)))
    yield from _serve(serve)


@pytest.mark.parametrize("framing", ["hdlc", "raw"])
def test_socket_terminal_server(echo_server: int, framing: str) -> None:
    with open_url(f"socket://127.0.0.1:{echo_server}?baud=38400&framing={framing}") as t:
        assert t.line_rate_bps == 38400 and t.bytes_per_s == 3840
        t.send(ONE_RECORD)
        t.send(ONE_RECORD)
        assert [t.recv(timeout=2).data for _ in range(2)] == [ONE_RECORD, ONE_RECORD]
        assert t.recv(timeout=0.02) is None
        t.fileno()  # socket:// has a descriptor to select() on


def test_socket_line_carries_octets_as_they_are(echo_server: int) -> None:
    with open_url(f"socket://127.0.0.1:{echo_server}?framing=raw") as raw_end:
        # below the framing: an HDLC frame and noise go out and come back octet for octet
        wire = b"\x00garbage" + encode_frame(MIXED)
        raw_end.line.write(wire)
        echoed = b""
        while len(echoed) < len(wire) and (chunk := raw_end.line.read_some(1)):
            echoed += chunk
    assert [f.payload for f in HdlcDeframer().feed(echoed)] == [MIXED]


@pytest.mark.filterwarnings("ignore:set(Daemon|Name):DeprecationWarning")  # inside pyserial 3.5
def test_rfc2217_terminal_server(rfc2217_server: int) -> None:
    with open_url(f"rfc2217://127.0.0.1:{rfc2217_server}?baud=19200&parity=E") as t:
        assert t.line.port.baudrate == 19200 and t.line.port.parity == "E"
        assert t.bytes_per_s == 19200 / 11
        t.send(MIXED)
        t.send(ONE_RECORD)
        assert t.recv(timeout=3).data == MIXED
        assert t.recv(timeout=3).data == ONE_RECORD
        assert t.recv(timeout=0.05) is None
