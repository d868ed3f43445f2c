"""tcp://: a byte stream of data blocks, split at every cut, resynchronised after garbage."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from radarbench.rigs import TransportError, open_url
from samples import blocks_of

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()
MIXED = (SAMPLES / "mixed_categories.ast").read_bytes()
CAT021 = (SAMPLES / "cat021_re.ast").read_bytes()


def test_blocks_both_ways_and_nodelay() -> None:
    with open_url("tcp://127.0.0.1:0?listen=1") as server:
        with open_url(f"tcp://127.0.0.1:{server.local_address[1]}") as client:
            assert client.conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            client.send(MIXED)
            got = [server.recv(timeout=1) for _ in blocks_of(MIXED)]
            assert [m.data for m in got] == blocks_of(MIXED)
            assert got[0].source == client.local_address
            server.send(ONE_RECORD)
            assert client.recv(timeout=1).data == ONE_RECORD
            assert server.recv(timeout=0.01) is None
            with pytest.raises(ValueError, match="raw framing"):
                client.send(b"\x30\x00")


def test_split_at_every_cut_point() -> None:
    stream = ONE_RECORD + CAT021 + ONE_RECORD
    expected = blocks_of(stream)
    with open_url("tcp://127.0.0.1:0?listen=1") as server:
        raw = socket.create_connection(server.local_address)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with raw:
            for cut in range(1, len(stream)):
                got = []
                raw.sendall(stream[:cut])
                # wait until the server holds every octet of the first part, so the cut is real
                deadline = time.monotonic() + 1
                while sum(map(len, got)) + server.deframer.buffered < cut and time.monotonic() < deadline:
                    if (m := server.recv(timeout=0.001)) is not None:
                        got.append(m.data)
                raw.sendall(stream[cut:])
                while len(got) < len(expected) and (m := server.recv(timeout=1)) is not None:
                    got.append(m.data)
                assert got == expected, cut
    assert server.counters()["garbage_bytes"] == 0


def test_resync_after_garbage() -> None:
    with open_url("tcp://127.0.0.1:0?listen=1&cats=48,21") as server:
        raw = socket.create_connection(server.local_address)
        with raw:
            raw.sendall(b"\x00\x00\x01\xff\x13\x37" + ONE_RECORD + b"\x30\x00\x02" + CAT021)
            got = []
            while (m := server.recv(timeout=0.5)) is not None:
                got.append(m.data)
                if len(got) == 3:
                    break
    assert got == [ONE_RECORD] + blocks_of(CAT021)
    c = server.counters()
    assert c["garbage_bytes"] == 9 and c["resyncs"] == 2


def test_listener_serves_one_peer_after_another() -> None:
    with open_url("tcp://127.0.0.1:0?listen=1") as server:
        port = server.local_address[1]
        with pytest.raises(TransportError, match="no peer"):
            server.send(ONE_RECORD)
        for i in range(3):
            with open_url(f"tcp://127.0.0.1:{port}") as client:
                client.send(ONE_RECORD)
                m = server.recv(timeout=1)
                assert m is not None and m.source == client.local_address
            # half a block from a peer that leaves is not the start of the next peer's block
            with socket.create_connection(("127.0.0.1", port)) as raw:
                raw.sendall(ONE_RECORD[:10])
                assert server.recv(timeout=0.05) is None
        assert server.counters()["connections"] == 6


def test_client_reconnects_after_server_drops_it() -> None:
    with open_url("tcp://127.0.0.1:0?listen=1") as server:
        with open_url(f"tcp://127.0.0.1:{server.local_address[1]}") as client:
            client.send(ONE_RECORD)
            assert server.recv(timeout=1) is not None
            server._drop()  # the server side hangs up
            assert client.recv(timeout=1) is None  # sees the close
            client.send(ONE_RECORD)  # and connects again
            assert server.recv(timeout=1).data == ONE_RECORD
            assert client.counters()["connections"] == 2


def test_connect_refused_is_an_oserror() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(OSError):
            open_url(f"tcp://127.0.0.1:{port}?connect_timeout=1")


def _reset(sock: socket.socket) -> None:
    """Close `sock` with a TCP RST (SO_LINGER on, 0 s), as a crashing peer does."""
    import struct

    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_client_records_a_reset_mid_stream_and_the_reconnection() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with open_url(f"tcp://127.0.0.1:{port}") as client:
            peer, _ = server.accept()
            assert client.take_events() == []  # the first connection is no event
            peer.sendall(ONE_RECORD * 3)
            got = [client.recv(timeout=2) for _ in range(3)]
            assert all(m is not None and m.data == ONE_RECORD for m in got)
            before_ns = time.monotonic_ns()
            _reset(peer)
            assert client.recv(timeout=2) is None  # the reset ends the connection
            events = client.take_events()
            assert [kind for _, kind, _ in events] == ["connection reset"]
            t_ns, _, detail = events[0]
            assert before_ns <= t_ns <= time.monotonic_ns()
            assert f"127.0.0.1:{port}" in detail and "reset" in detail.lower()
            assert client.take_events() == []  # drained
            # the stream goes on: the next send connects again, and says so
            client.send(ONE_RECORD)
            again, _ = server.accept()
            with again:
                assert again.recv(len(ONE_RECORD)) == ONE_RECORD
                assert [kind for _, kind, _ in client.take_events()] == ["reconnected"]
                assert client.counters()["connections"] == 2
                again.close()
                assert client.recv(timeout=2) is None  # an orderly close
                assert [kind for _, kind, _ in client.take_events()] == ["peer gone"]


def test_sender_hears_a_reset_while_it_streams() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with open_url(f"tcp://127.0.0.1:{port}") as client:
            peer, _ = server.accept()
            client.send(ONE_RECORD)
            assert peer.recv(len(ONE_RECORD)) == ONE_RECORD
            _reset(peer)
            failed: OSError | None = None
            deadline = time.monotonic() + 5
            while failed is None and time.monotonic() < deadline:
                try:
                    client.send(ONE_RECORD)
                except OSError as exc:
                    failed = exc
                time.sleep(0.01)
            assert isinstance(failed, ConnectionResetError)
            assert [kind for _, kind, _ in client.take_events()] == ["connection reset"]


def test_listener_records_a_peer_that_resets_and_the_next_one() -> None:
    with open_url("tcp://127.0.0.1:0?listen=1") as server:
        port = server.local_address[1]
        raw = socket.create_connection(("127.0.0.1", port))
        raw.sendall(ONE_RECORD)
        assert server.recv(timeout=2).data == ONE_RECORD
        _reset(raw)
        assert server.recv(timeout=0.3) is None
        events = server.take_events()
        assert [kind for _, kind, _ in events] == ["connection reset"]
        with socket.create_connection(("127.0.0.1", port)) as raw2:
            raw2.sendall(ONE_RECORD)
            assert server.recv(timeout=2).data == ONE_RECORD
            assert [kind for _, kind, detail in server.take_events()] == ["reconnected"]
