"""loop://: the in-process loopback every other test can lean on."""
from __future__ import annotations

import io

import pytest

from radarbench.rigs import Message, TransportError, open_url


def test_loop_receives_what_it_sends() -> None:
    with open_url("loop://") as t:
        t.send(b"\x30\x00\x04\x01")
        m = t.recv(timeout=0.1)
        assert isinstance(m, Message) and m.data == b"\x30\x00\x04\x01"
        assert m.rx_ns > 0 and m.rx_kernel_ns is None
        assert t.recv(timeout=0.01) is None
        assert t.line_rate_bps is None and t.bytes_per_s is None
        with pytest.raises(io.UnsupportedOperation):
            t.fileno()


def test_named_loop_links_two_ends() -> None:
    a = open_url("loop://link1")
    b = open_url("loop://link1")
    with a, b:
        a.send(b"to b")
        b.send(b"to a")
        assert b.recv(0.1).data == b"to b"
        assert a.recv(0.1).data == b"to a"
        assert a.recv(0) is None and b.recv(0) is None
        with pytest.raises(TransportError, match="both ends"):
            open_url("loop://link1")
    with open_url("loop://link1") as c:  # the name is free again
        c.send(b"x")
        assert c.recv(0) is None  # its peer is not there yet
    with pytest.raises(TransportError):
        c.send(b"y")
