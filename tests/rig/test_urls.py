"""Bad URLs fail at open with one line that names the problem and shows the expected form."""
from __future__ import annotations

import pytest

from radarbench.rigs import UrlError, open_url
from radarbench.rigs.transports import SCHEMES

UDP_FORM = "udp://HOST:PORT[?listen=0|1&iface=ADDR|NAME&ttl=N&loop=0|1&bind=ADDR&rcvbuf=BYTES]"


def test_unknown_option_message_is_exact() -> None:
    with pytest.raises(UrlError) as e:
        open_url("udp://239.1.1.1:8600?foo=1")
    assert str(e.value) == f"udp://HOST:PORT: unknown option 'foo'; expected {UDP_FORM}"
    assert isinstance(e.value, ValueError)


def test_unknown_scheme_lists_the_known_ones() -> None:
    with pytest.raises(UrlError) as e:
        open_url("can://vcan0")
    msg = str(e.value)
    assert "unknown scheme 'can'" in msg and "\n" not in msg
    assert all(f"{s}://" in msg for s in SCHEMES)
    with pytest.raises(UrlError, match=r"unknown scheme '\(none\)'"):
        open_url("/dev/ttyUSB0")


@pytest.mark.parametrize("url, problem, form", [
    ("udp://239.1.1.1:8600?ttl=300", "option ttl='300' is not an integer in 0..255", "udp://HOST:PORT"),
    ("udp://239.1.1.1:8600?loop=yes", "option loop='yes' is not 0 or 1", "udp://HOST:PORT"),
    ("udp://239.1.1.1?listen=1", "no port in", "udp://HOST:PORT"),
    ("udp://239.1.1.1:99999", "bad port in", "udp://HOST:PORT"),
    ("udp://:8600", "a sender needs a HOST", "udp://HOST:PORT"),
    ("udp://1.2.3.4:8600?iface=1.2.3.999", "iface '1.2.3.999' is not an IPv4", "udp://HOST:PORT"),
    ("udp://1.2.3.4:8600?ttl=1&ttl=2", "option 'ttl' given twice", "udp://HOST:PORT"),
    ("tcp://127.0.0.1:8600?listen=2", "option listen='2' is not 0 or 1", "tcp://HOST:PORT"),
    ("tcp://127.0.0.1:8600?cats=48,300", "option cats='48,300' is not a comma-separated", "tcp://HOST:PORT"),
    ("tcp://:8600", "connecting needs a HOST", "tcp://HOST:PORT"),
    ("serial:///dev/ttyS0?baud=fast", "option baud='fast' is not an integer", "serial://DEVICE"),
    ("serial:///dev/ttyS0?parity=X", "option parity='X' is not one of N|E|O|M|S", "serial://DEVICE"),
    ("serial:///dev/ttyS0?stopbits=3", "option stopbits='3' is not 1, 1.5 or 2", "serial://DEVICE"),
    ("serial:///dev/ttyS0?framing=slip", "option framing='slip' is not one of hdlc|raw", "serial://DEVICE"),
    ("serial://?baud=9600", "no path in", "serial://DEVICE"),
    ("socket://127.0.0.1:7000?rtscts=1", "unknown option 'rtscts'", "socket://HOST:PORT"),
    ("rfc2217://127.0.0.1?baud=9600", "no port in", "rfc2217://HOST:PORT"),
    ("pty:///tmp/x?pace=2", "option pace='2' is not 0 or 1", "pty://PATH"),
    ("pty:///tmp/x?rtscts=1", "unknown option 'rtscts'", "pty://PATH"),
    ("loop://?maxsize=-1", "option maxsize='-1' is not an integer >= 0", "loop://"),
    ("pcap:///tmp/x.pcap?speed=-1", "option speed='-1' is not a number >= 0", "pcap://PATH"),
    ("pcap:///tmp/x.pcap?speed=1&dst=1.2.3.4:5", "unknown option 'dst'", "pcap://PATH"),
    ("pcap:///tmp/x.pcap?write=1&dst=1.2.3.4", "option dst='1.2.3.4' is not an IPv4 ADDR:PORT", "pcap://PATH"),
])
def test_bad_url(url: str, problem: str, form: str) -> None:
    with pytest.raises(UrlError) as e:
        open_url(url)
    msg = str(e.value)
    assert msg.startswith(form) and problem in msg, msg
    assert "; expected " + form in msg and "\n" not in msg


def test_every_scheme_module_opens_with_its_grammar() -> None:
    import importlib
    import inspect

    for module in set(SCHEMES.values()):
        src = inspect.getsource(importlib.import_module(f"radarbench.rigs.transports.{module}"))
        assert src.startswith("# "), module
        first = src.splitlines()[0]
        assert "://" in first, module


def test_runs_here_names_devices_on_this_host(tmp_path) -> None:
    import os

    from radarbench.rigs.urlcheck import runs_here
    assert "loopback" in runs_here("udp://127.0.0.1:9000")
    assert "loopback" in runs_here("tcp://localhost:2000")
    assert "loopback" in runs_here("udp://[::1]:9000")
    assert runs_here("udp://192.0.2.7:9000") is None and runs_here("udp://239.1.1.1:8600") is None
    assert runs_here("serial:///dev/ttyS0?baud=9600") is None
    assert "pseudo-terminal" in runs_here(f"pty://{tmp_path}/line")
    master, slave = os.openpty()
    try:
        link = tmp_path / "link"
        link.symlink_to(os.ttyname(slave))
        assert "/dev/pts/" in runs_here(f"serial://{link}?baud=9600")
    finally:
        os.close(master)
        os.close(slave)
    assert runs_here("nonsense") is None
