"""udp://: unicast both ways, multicast on loopback, kernel receive stamps."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from radarbench.rigs import TransportError, open_url

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()


def test_unicast_send_listen_and_reply() -> None:
    with open_url("udp://127.0.0.1:0?listen=1") as server:
        port = server.local_address[1]
        assert server.line_rate_bps is None and server.bytes_per_s is None
        with pytest.raises(TransportError, match="nobody to reply to"):
            server.send(b"x")
        with open_url(f"udp://127.0.0.1:{port}") as client:
            client.send(ONE_RECORD)
            m = server.recv(timeout=1)
            assert m is not None and m.data == ONE_RECORD
            assert m.source[1] == client.local_address[1]
            server.send(b"reply")  # to the last sender
            r = client.recv(timeout=1)
            assert r is not None and r.data == b"reply" and r.source == ("127.0.0.1", port)
            assert server.recv(timeout=0.01) is None


def test_kernel_receive_stamp_is_wall_clock_ns() -> None:
    with open_url("udp://127.0.0.1:0?listen=1&rcvbuf=262144") as server:
        with open_url(f"udp://127.0.0.1:{server.local_address[1]}") as client:
            before_ns = time.time_ns()
            client.send(b"stamp me")
            m = server.recv(timeout=1)
            after_ns = time.time_ns()
    assert m is not None and m.rx_kernel_ns is not None
    assert before_ns - 1_000_000 <= m.rx_kernel_ns <= after_ns
    assert m.rx_ns <= time.monotonic_ns()


def test_multicast_on_loopback_reaches_every_listener() -> None:
    group = "239.255.86.1"
    a = open_url(f"udp://{group}:18600?listen=1&iface=127.0.0.1")
    b = open_url(f"udp://{group}:18600?listen=1&iface=127.0.0.1")
    other = open_url("udp://239.255.86.2:18600?listen=1&iface=127.0.0.1")
    with a, b, other, open_url(f"udp://{group}:18600?iface=127.0.0.1&ttl=1&loop=1") as sender:
        for i in range(5):
            sender.send(ONE_RECORD + bytes([i]))
        for listener in (a, b):
            got = [listener.recv(timeout=1) for _ in range(5)]
            assert [m.data[-1] for m in got if m is not None] == list(range(5))
        assert other.recv(timeout=0.05) is None  # bound to its own group, not every one on the port


def test_multicast_sender_options_reach_the_socket() -> None:
    # On lo itself IP_MULTICAST_LOOP=0 does not silence local listeners (the datagram goes out
    # on lo and comes back in), so check the socket rather than the traffic.
    import socket

    with open_url("udp://239.255.86.3:18601?iface=127.0.0.1&loop=0&ttl=3") as sender:
        s = sender.sock
        assert s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP) == 0
        assert s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL) == 3
        assert socket.inet_ntoa(s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, 4)) == "127.0.0.1"
    with open_url("udp://239.255.86.3:18601") as sender:
        assert sender.sock.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL) == 1


def test_fileno_works_with_select() -> None:
    import select

    with open_url("udp://127.0.0.1:0?listen=1") as server:
        with open_url(f"udp://127.0.0.1:{server.local_address[1]}") as client:
            client.send(b"x")
            ready, _, _ = select.select([server], [], [], 1)
            assert ready == [server]
