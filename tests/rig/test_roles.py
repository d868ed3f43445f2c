"""Endpoints by role: a URL opened to receive binds without ?listen=1, one opened to send
sends; a unicast port in use is an error naming the URL (in process and for device
processes); errors from opening name the URL."""
from __future__ import annotations

import errno
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from radarbench.rigs import UrlError, open_url
from radarbench.rigs.rigfile import free_port

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "samples"
ONE_RECORD = (SAMPLES / "cat048_one_record.ast").read_bytes()
CLI = [sys.executable, "-m", "radarbench.bench.cli", "emulate"]


def test_recv_role_binds_the_url_and_send_role_sends_to_it() -> None:
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    with open_url(url, role="recv") as rx, open_url(url, role="send") as tx:
        assert rx.listen and rx.local_address == ("127.0.0.1", port)
        assert not tx.listen and tx.local_address[1] != port
        tx.send(ONE_RECORD)
        m = rx.recv(timeout=2)
        assert m is not None and m.data == ONE_RECORD
        rx.send(b"reply")  # a receiver replies to the last sender
        r = tx.recv(timeout=2)
        assert r is not None and r.data == b"reply" and r.source == ("127.0.0.1", port)


def test_no_role_and_listen_keep_their_meaning() -> None:
    port = free_port()
    with open_url(f"udp://127.0.0.1:{port}") as plain:          # no role: a sender, as before
        assert not plain.listen
    with open_url(f"udp://127.0.0.1:{port}?listen=1", role="send") as forced:
        assert forced.listen and forced.local_address[1] == port
    with open_url(f"udp://127.0.0.1:{port}?listen=0", role="recv") as sender:
        assert not sender.listen and sender.local_address[1] != port
    with open_url(f"udp://:{port}", role="recv") as anywhere:   # HOST empty: every address
        assert anywhere.local_address == ("0.0.0.0", port)
    with pytest.raises(UrlError, match="a sender needs a HOST"):
        open_url(f"udp://:{port}", role="send")
    with pytest.raises(ValueError, match="role 'listen'"):
        open_url(f"udp://127.0.0.1:{port}", role="listen")


def test_role_changes_nothing_for_tcp() -> None:
    # On TCP who connects is not who receives: only listen=1 makes a server.
    with open_url("tcp://127.0.0.1:0?listen=1", role="send") as server:
        port = server.local_address[1]
        with open_url(f"tcp://127.0.0.1:{port}", role="recv") as client:
            client.send(ONE_RECORD)
            m = server.recv(timeout=2)
            assert m is not None and m.data == ONE_RECORD


def test_unicast_port_in_use_names_the_url() -> None:
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    with open_url(url, role="recv"):
        for other in (url, f"udp://127.0.0.1:{port}?listen=1", f"udp://:{port}?rcvbuf=65536"):
            with pytest.raises(OSError) as e:
                open_url(other, role="recv")
            assert e.value.errno == errno.EADDRINUSE
            assert str(e.value).startswith(f"{other}: ") and "already in use" in str(e.value)
            assert "\n" not in str(e.value)
    with open_url(url, role="recv"):  # free again once closed
        pass


def test_multicast_listeners_share_their_group_and_port() -> None:
    port = free_port()
    group = f"udp://239.255.86.9:{port}?iface=127.0.0.1"
    with open_url(group, role="recv") as a, open_url(group, role="recv") as b, \
            open_url(group, role="send") as tx:
        tx.send(ONE_RECORD)
        for rx in (a, b):
            m = rx.recv(timeout=2)
            assert m is not None and m.data == ONE_RECORD


def test_tcp_listener_port_in_use_names_the_url() -> None:
    with open_url("tcp://127.0.0.1:0?listen=1") as server:
        port = server.local_address[1]
        url = f"tcp://127.0.0.1:{port}?listen=1"
        with pytest.raises(OSError) as e:
            open_url(url)
        assert e.value.errno == errno.EADDRINUSE
        assert str(e.value).startswith(f"{url}: ") and "already in use" in str(e.value)


def test_open_errors_name_the_url(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = f"tcp://127.0.0.1:{s.getsockname()[1]}?connect_timeout=1"  # bound, not listening
        with pytest.raises(ConnectionRefusedError) as e:
            open_url(refused)
    assert str(e.value).startswith(f"{refused}: cannot connect")
    missing = f"serial://{tmp_path}/no-such-tty?baud=9600"
    with pytest.raises(OSError) as e2:
        open_url(missing)
    assert str(e2.value).startswith(f"{missing}: ")
    not_mine = "udp://127.0.0.1:9000?bind=192.0.2.123"  # TEST-NET-1: not an address of this host
    with pytest.raises(OSError) as e3:
        open_url(not_mine)
    assert str(e3.value).startswith(f"{not_mine}: cannot bind 192.0.2.123")


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(CLI + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ready(p: subprocess.Popen[str]) -> None:
    assert p.stdout is not None
    line = p.stdout.readline().strip()
    if line != "ready":
        p.kill()
        _, err = p.communicate(timeout=10)
        raise AssertionError(f"not ready: {line!r} {err}")


def _stop(p: subprocess.Popen[str]) -> dict:
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _reap(*procs: subprocess.Popen[str]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.communicate(timeout=10)


def test_second_echo_on_one_port_fails_naming_the_url_and_the_first_still_answers() -> None:
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    first = _start(["echo", "--in", url])
    second: subprocess.Popen[str] | None = None
    try:
        _ready(first)
        second = _start(["echo", "--in", url, "--duration", "30"])
        out, err = second.communicate(timeout=20)
        assert second.returncode == 2
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and url in lines[0] and "already in use" in lines[0], err
        with open_url(url, role="send") as tx:  # what `bench --send URL --recv URL` does
            tx.send(ONE_RECORD)
            m = tx.recv(timeout=5)
            assert m is not None and m.data == ONE_RECORD
        assert _stop(first)["sent"] == 1
    finally:
        _reap(first, *([second] if second is not None else []))


def test_impair_in_without_listen_receives_what_is_sent_to_it() -> None:
    port_in, port_out = free_port(), free_port()
    with open_url(f"udp://127.0.0.1:{port_out}", role="recv") as rx:
        p = _start(["impair", "--in", f"udp://127.0.0.1:{port_in}", "--out", f"udp://127.0.0.1:{port_out}"])
        try:
            _ready(p)
            with open_url(f"udp://127.0.0.1:{port_in}", role="send") as tx:
                for i in range(5):
                    tx.send(ONE_RECORD + bytes([i]))
            got = []
            deadline = time.monotonic() + 10
            while len(got) < 5 and time.monotonic() < deadline:
                m = rx.recv(timeout=0.5)
                if m is not None:
                    got.append(m.data[-1])
            assert sorted(got) == list(range(5))
            summary = _stop(p)
            assert summary["received"] == 5 and summary["sent"] == 5
        finally:
            _reap(p)


def test_a_device_with_an_unknown_iface_says_which() -> None:
    url = f"udp://239.255.86.10:{free_port()}?iface=nosuchif0"
    p = _start(["echo", "--in", url, "--duration", "5"])
    try:
        out, err = p.communicate(timeout=20)
    finally:
        _reap(p)
    assert p.returncode == 2 and out == ""
    line = err.strip()
    assert "\n" not in line and url in line and "'nosuchif0'" in line and "interface" in line


BENCH = [sys.executable, "-m", "radarbench.bench.cli", "bench"]


def test_bench_receives_on_its_recv_url_without_listen(tmp_path: Path) -> None:
    # The example: --recv udp://127.0.0.1:B through `emulate echo --in A --out B`.
    a, b = free_port(), free_port()
    echo = _start(["echo", "--in", f"udp://127.0.0.1:{a}", "--out", f"udp://127.0.0.1:{b}"])
    try:
        _ready(echo)
        report = tmp_path / "run.json"
        p = subprocess.run(BENCH + ["--send", f"udp://127.0.0.1:{a}", "--recv", f"udp://127.0.0.1:{b}",
                                    "--rate", "100", "--duration", "1", "--report", str(report)],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        counts = json.loads(report.read_text())["counts"]
        assert counts["sent"] == 100 and counts["received"] + counts["lost"] + counts["late"] == 100
        assert counts["received"] >= 90  # loopback: nothing should be lost; margin for a busy host
        assert _stop(echo)["received"] == 100
    finally:
        _reap(echo)


def test_bench_recv_port_in_use_names_the_url() -> None:
    a = free_port()
    with open_url("udp://127.0.0.1:0", role="recv") as squatter:
        recv = f"udp://127.0.0.1:{squatter.local_address[1]}"
        p = subprocess.run(BENCH + ["--send", f"udp://127.0.0.1:{a}", "--recv", recv, "--rate", "100",
                                    "--duration", "1"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and recv in lines[0] and "already in use" in lines[0], p.stderr
