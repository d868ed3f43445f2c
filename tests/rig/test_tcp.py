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


class _ResettingEcho:
    """A real TCP echo on 127.0.0.1 that misbehaves on a timetable, in a thread: it serves
    `resets` peers in turn, echoing each for `serve_s` then closing it with a RST; then closes
    its listening socket for `dead_s` (connections refused); then listens on the same port
    again and echoes until stopped."""

    def __init__(self, resets: int = 3, serve_s: float = 0.2, dead_s: float = 0.6) -> None:
        import threading

        self.resets, self.serve_s, self.dead_s = resets, serve_s, dead_s
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dead_from = self.dead_until = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.thread.start()

    def _echo(self, conn: socket.socket, until: float) -> None:
        conn.settimeout(0.02)
        while time.monotonic() < until and not self.stop.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            try:
                conn.sendall(data)
            except OSError:
                return

    def _main(self) -> None:
        self.listener.settimeout(5)
        for _ in range(self.resets):
            conn, _ = self.listener.accept()
            self._echo(conn, time.monotonic() + self.serve_s)
            _reset(conn)
        self.listener.close()
        self.dead_from = time.monotonic()
        time.sleep(self.dead_s)
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.dead_until = time.monotonic()
        self.listener.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                self._echo(conn, float("inf"))
        self.listener.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()


def test_one_sender_and_one_receiver_thread_while_the_peer_resets() -> None:
    """The bench's use when --send is --recv: one thread sends, another receives, on one
    TcpTransport, while the peer resets three times and then refuses connections for 0.6 s.
    Neither thread ever gets anything but an OSError (no AttributeError on a connection the
    other thread dropped), every block received is whole, each loss and reconnection is an
    event, connect attempts while the peer is dead are paced (not one per send), and the
    stream comes back once it listens again."""
    import threading

    echo = _ResettingEcho()
    client = open_url(f"tcp://127.0.0.1:{echo.port}?connect_timeout=1")
    dials: list[float] = []
    real_dial = client._dial

    def counting_dial() -> socket.socket:
        dials.append(time.monotonic())
        return real_dial()

    client._dial = counting_dial  # type: ignore[method-assign]
    stop = threading.Event()
    crashes: list[BaseException] = []
    sent = send_errors = recv_errors = 0
    got: list[tuple[float, bytes]] = []

    def sender() -> None:
        nonlocal sent, send_errors
        try:
            while not stop.is_set():
                try:
                    client.send(ONE_RECORD)
                    sent += 1
                except OSError:
                    send_errors += 1
                time.sleep(0.0005)  # ~2000 blocks/s, as an open-loop sender does
        except BaseException as exc:  # noqa: BLE001 - what the test is about
            crashes.append(exc)

    def receiver() -> None:
        nonlocal recv_errors
        try:
            while not stop.is_set():
                try:
                    m = client.recv(timeout=0.02)
                except OSError:
                    recv_errors += 1
                    time.sleep(0.005)  # as the bench's FaultLog.recv does
                    continue
                if m is not None:
                    got.append((time.monotonic(), m.data))
        except BaseException as exc:  # noqa: BLE001
            crashes.append(exc)

    threads = [threading.Thread(target=sender), threading.Thread(target=receiver)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while not echo.dead_until and time.monotonic() < deadline:
            time.sleep(0.01)
        assert echo.dead_until, "the echo never came back"
        time.sleep(client.RETRY_MAX_S + 0.5)  # room to reconnect and echo again
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)
        client.close()
        echo.close()
    assert not any(t.is_alive() for t in threads)
    assert crashes == []
    assert got and all(data == ONE_RECORD for _, data in got)  # no block torn across connections
    assert any(t > echo.dead_until for t, _ in got)  # the stream came back
    events = client.take_events()
    kinds = [kind for _, kind, _ in events]
    assert kinds.count("connection reset") + kinds.count("peer gone") >= 3
    # after the first two resets at once; after the third, once it listened again
    assert kinds.count("reconnected") >= 3
    assert kinds[-1] == "reconnected" and events[-1][0] / 1e9 >= echo.dead_until
    assert send_errors > 0 and sent > 0
    # While nothing listened (0.6 s, ~1200 sends), the attempts were paced: at once, then
    # 50 ms doubling (0, 0.05, 0.15, 0.35: 4, and one margin for the edges).
    dead = [t for t in dials if echo.dead_from <= t < echo.dead_until]
    assert 1 <= len(dead) <= 6, dead


def test_recv_waits_for_the_next_attempt_and_raises_its_error() -> None:
    """A client whose peer is gone: send() fails at once with the connect error until the
    next attempt is due; recv() waits for that attempt rather than spinning, and raises it."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = open_url(f"tcp://127.0.0.1:{port}")
    try:
        peer, _ = server.accept()
        _reset(peer)
        server.close()  # nobody listens any more: refused
        assert client.recv(timeout=1) is None  # the reset
        with pytest.raises(ConnectionRefusedError, match=f"tcp://127.0.0.1:{port}: cannot connect"):
            client.send(ONE_RECORD)  # the first attempt is at once, and refused
        t0 = time.monotonic()
        with pytest.raises(ConnectionRefusedError):
            client.send(ONE_RECORD)  # not due yet: the same error, no connect()
        assert time.monotonic() - t0 < 0.01
        t0 = time.monotonic()
        with pytest.raises(ConnectionRefusedError):
            client.recv(timeout=1)  # waits for the attempt due in 50 ms, which is refused
        assert 0.03 < time.monotonic() - t0 < 0.5
        kinds = [kind for _, kind, _ in client.take_events()]
        assert kinds == ["connection reset"]
    finally:
        client.close()
        server.close()


def test_recv_blocked_on_a_connection_another_thread_drops() -> None:
    """A receiver blocked on the connection while the other thread drops it wakes at once
    (the socket is shut down, not just closed under it), returns None with no exception, and
    the next recv is served on the new connection."""
    import threading

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        client = open_url(f"tcp://127.0.0.1:{port}")
        try:
            first, _ = server.accept()
            outcome: list[object] = []

            def receiver() -> None:
                t0 = time.monotonic()
                try:
                    outcome.append(client.recv(timeout=3))
                except BaseException as exc:  # noqa: BLE001
                    outcome.append(exc)
                outcome.append(time.monotonic() - t0)

            t = threading.Thread(target=receiver)
            t.start()
            time.sleep(0.2)  # the receiver is in select() on the connection
            client._drop()  # what the sending thread does when its send fails
            t.join(timeout=5)
            assert not t.is_alive()
            assert outcome[0] is None and outcome[1] < 1.0, outcome
            client.send(ONE_RECORD)  # connects again
            second, _ = server.accept()
            with first, second:
                second.sendall(ONE_RECORD)
                m = client.recv(timeout=2)
                assert m is not None and m.data == ONE_RECORD
        finally:
            client.close()
