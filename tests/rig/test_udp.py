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


def test_iface_takes_an_interface_name() -> None:
    import socket

    from radarbench.rigs.rigfile import free_port

    port = free_port()
    with open_url(f"udp://239.255.86.4:{port}?iface=lo", role="recv") as rx, \
            open_url(f"udp://239.255.86.4:{port}?iface=lo&ttl=1", role="send") as tx:
        # the sender leaves through lo, from lo's address (SIOCGIFADDR), not the host's main one
        assert socket.inet_ntoa(tx.sock.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, 4)) == "127.0.0.1"
        tx.send(ONE_RECORD)
        m = rx.recv(timeout=2)
        assert m is not None and m.data == ONE_RECORD and m.source[0] == "127.0.0.1"


def test_an_unknown_interface_names_the_url_and_the_interface() -> None:
    from radarbench.rigs import UrlError

    for role in ("recv", "send"):
        url = "udp://239.255.86.5:18605?iface=nosuchif0"
        with pytest.raises(UrlError) as e:
            open_url(url, role=role)
        assert str(e.value).startswith(f"{url}: iface 'nosuchif0' is neither a network interface")
        assert "lo" in str(e.value)  # the interfaces there are


def test_receive_queue_drops_are_counted_exactly() -> None:
    # A tiny receive buffer filled without reading: the kernel drops what does not fit, and
    # says so (SO_RXQ_OVFL) on the next datagram it queues.
    sent = 200
    with open_url("udp://127.0.0.1:0?rcvbuf=4096", role="recv") as rx:
        with open_url(f"udp://127.0.0.1:{rx.local_address[1]}", role="send") as tx:
            for i in range(sent):
                tx.send(bytes(200))
            queued = 0
            while rx.recv(timeout=0.2) is not None:
                queued += 1
            assert 0 < queued < sent
            # every one queued was queued before the first drop: their counts are 0
            assert rx.rx_queue_drops == 0
            assert rx.refresh_rx_queue_drops() == sent - queued  # the kernel's count, now
            rx.rx_queue_drops = 0
            tx.send(b"marker")
            m = rx.recv(timeout=2)
            assert m is not None and m.data == b"marker"
            assert rx.rx_queue_drops == sent - queued  # from the marker's ancillary data
    with open_url("udp://127.0.0.1:0", role="recv") as quiet:
        with open_url(f"udp://127.0.0.1:{quiet.local_address[1]}", role="send") as tx:
            tx.send(b"x")
            assert quiet.recv(timeout=2) is not None
            assert quiet.rx_queue_drops == 0 and quiet.refresh_rx_queue_drops() == 0
