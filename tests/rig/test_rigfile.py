"""Rig files: validation names the file and the key; the shipped examples validate; `rig check`
and `rig up` work in real processes on the loopback rig."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from radarbench.bench.cli import build_parser
from radarbench.rigs.rigfile import (
    DEVICE_OPTIONS,
    RigError,
    example_path,
    load_rig,
    loads_rig,
)
from radarbench.rigs.transports import UrlError
from radarbench.rigs.transports import open as open_url
from radarbench.rigs.urlcheck import check_url, hears_itself

EXAMPLES = ("loopback", "lab", "impaired")
CLI = [sys.executable, "-m", "radarbench.bench.cli"]

GOOD = """
[endpoints]
gw_in = "serial://{run_dir}/line?baud=115200&framing=hdlc&pace=1"
lan = "udp://239.255.9.9:8699?listen=1&iface=127.0.0.1"

[devices.gw]
kind = "gateway"
in = "pty://{gw_in.path}?baud=115200"
out = "udp://{lan.host}:{lan.port}?iface=127.0.0.1"

[bench]
send = "gw_in"
recv = "lan"
rate = 100
duration = 2
max_lost = 0
"""


def err(text: str, name: str = "loopback.toml") -> str:
    with pytest.raises(RigError) as e:
        loads_rig(text, name)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_the_message_of_the_issue() -> None:
    bad = GOOD.replace('kind = "gateway"', 'kind = "gatewy"')
    assert err(bad) == ("loopback.toml: devices.gw.kind: unknown device kind 'gatewy'; "
                        "expected one of radar, echo, gateway, impair")


@pytest.mark.parametrize("old, new, key, problem", [
    ('rate = 100', 'rate = 100\nspeed = 3', "bench.speed", "unknown key"),
    ('kind = "gateway"', 'kind = "gateway"\nbaud = 9600', "devices.gw.baud", "unknown option of a gateway"),
    ('[endpoints]', 'colour = "red"\n[endpoints]', "colour", "unknown key"),
    ('in = "pty://{gw_in.path}?baud=115200"', '', "devices.gw.in", "missing"),
    ('?baud=115200"', '?baud=fast"', "devices.gw.in", "option baud='fast' is not an integer"),
    ('listen=1&iface', 'listen=1&colour=red&iface', "endpoints.lan", "unknown option 'colour'"),
    ('{lan.port}', '{lann.port}', "devices.gw.out", "unknown reference {lann.port}; endpoints are gw_in, lan"),
    ('{lan.port}', '{lan.colour}', "devices.gw.out", "unknown part 'colour'"),
    ('send = "gw_in"', 'send = "gw_inn"', "bench.send", "no endpoint 'gw_inn'"),
    ('rate = 100', 'rate = "fast"', "bench.rate", "expected an integer or a number"),
    ('rate = 100', 'rate = -1', "bench.rate", "must be > 0"),
    ('max_lost = 0', 'max_lost = -1', "bench.max_lost", "must be >= 0"),
    ('rate = 100', 'rate = 100\nmode = "sink"', "bench.mode", "does not fit"),
    ('kind = "gateway"', 'kind = "gateway"\nsic = 300', "devices.gw", "SAC and SIC must be 0..255"),
    ('kind = "gateway"', 'kind = "gateway"\nafter = ["nobody"]', "devices.gw.after", "no other device"),
    ('kind = "gateway"', 'kind = "gateway"\nbidir = "yes"', "devices.gw.bidir", "expected true or false"),
    ('[devices.gw]', '[devices."g w"]', 'devices.g w', "names are letters"),
    ('lan = "udp', 'lan = "{run_dir}/udp', "endpoints.lan", "unknown scheme"),
])
def test_errors_name_file_and_key(old: str, new: str, key: str, problem: str) -> None:
    assert old in GOOD
    msg = err(GOOD.replace(old, new), "rigs/x.toml")
    assert msg.startswith(f"rigs/x.toml: {key}: "), msg
    assert problem in msg, msg


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    assert err("[bench\n", "r.toml").startswith("r.toml: not valid TOML: ")
    with pytest.raises(RigError, match=r"nope\.toml: cannot read: "):
        load_rig(tmp_path / "nope.toml")


def test_references_resolve_and_run_dir_needs_a_start() -> None:
    rig = loads_rig(GOOD, "r.toml")
    with pytest.raises(RigError, match=r"endpoints.gw_in: uses \{run_dir\}"):
        rig.url("gw_in")
    bound = rig.with_run_dir("/tmp/rb")
    assert bound.url("gw_in") == "serial:///tmp/rb/line?baud=115200&framing=hdlc&pace=1"
    assert bound.device_options("gw") == {"in": "pty:///tmp/rb/line?baud=115200",
                                          "out": "udp://239.255.9.9:8699?iface=127.0.0.1"}
    assert bound.url("udp://{lan.host}:1") == "udp://239.255.9.9:1"
    with pytest.raises(RigError, match="no endpoint 'x'; endpoints are gw_in, lan"):
        bound.url("x")


def test_each_start_gets_its_own_free_ports() -> None:
    rig = load_rig(example_path("loopback"))
    assert rig.port_labels() == ["lan", "radar_lan"]
    with pytest.raises(RigError, match=r"endpoints.lan: \{port:lan\} has no port yet"):
        rig.with_run_dir("/tmp/a", ports={}).url("lan")
    one, two = rig.with_run_dir("/tmp/a"), rig.with_run_dir("/tmp/b")
    assert one.url("lan") != two.url("lan")
    # the gateway sends where the bench listens, through {lan.port}
    port = one.url("lan").split(":")[2].split("?")[0]
    assert one.device_options("gw")["out"] == f"udp://239.255.48.2:{port}?iface=127.0.0.1&ttl=1"


def test_start_order_is_downstream_first() -> None:
    rig = load_rig(example_path("loopback"))
    order = rig.start_order()
    # the radar writes into the pty that radar_gw makes: radar_gw must be up first
    assert order.index("radar_gw") < order.index("radar")
    text = GOOD + '\n[devices.a]\nkind = "echo"\nin = "udp://:9000?listen=1"\nafter = ["b"]\n' \
                  '[devices.b]\nkind = "echo"\nin = "udp://:9001?listen=1"\nafter = ["a"]\n'
    with pytest.raises(RigError, match="start order has a cycle among a, b"):
        loads_rig(text, "c.toml")


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_shipped_example_validates(name: str) -> None:
    rig = load_rig(example_path(name))
    assert rig.description and rig.bench is not None
    assert {"gw_in", "lan"} <= set(rig.endpoints) or name == "impaired"
    bound = rig.with_run_dir("/tmp/rb")
    for dev in rig.devices:
        # every option becomes a flag that `radarbench emulate` accepts
        args = build_parser().parse_args(bound.device_argv(dev))
        assert args.kind == rig.devices[dev].kind


def test_examples_are_package_data() -> None:
    path = example_path("loopback.toml")
    assert path.is_file() and path.parent.name == "examples"
    with pytest.raises(RigError, match="no example rig 'nope'; examples are impaired, lab, loopback"):
        example_path("nope")


def test_every_device_option_is_an_emulate_flag() -> None:
    for kind, schema in DEVICE_OPTIONS.items():
        argv = ["emulate", kind]
        for name, opt in schema.items():
            if opt.kind is bool:
                argv.append(opt.cli_flag(name))
            elif opt.url:
                argv += [opt.cli_flag(name), "loop://x"]
            else:
                argv += [opt.cli_flag(name), {int: "62", float: "1.5", str: "bernoulli", dict: "48=1.31"}[opt.kind]]
        build_parser().parse_args(argv)


@pytest.mark.parametrize("url", [
    "udp://239.1.1.1:8600?foo=1", "udp://239.1.1.1:8600?ttl=300", "udp://:8600",
    "udp://1.2.3.4:8600?iface=1.2.3.999", "udp://239.1.1.1?listen=1",
    "tcp://127.0.0.1:8600?cats=48,300", "tcp://:8600", "serial:///dev/ttyS0?parity=X",
    "serial://?baud=9600", "socket://127.0.0.1:7000?rtscts=1", "rfc2217://127.0.0.1?baud=9600",
    "pty:///tmp/x?pace=2", "loop://?maxsize=-1", "pcap:///tmp/x.pcap?speed=1&dst=1.2.3.4:5",
    "pcap:///tmp/x.pcap?write=1&dst=1.2.3.4", "can://vcan0",
])
def test_url_check_says_what_open_says(url: str) -> None:
    with pytest.raises(UrlError) as opened:
        open_url(url)
    with pytest.raises(UrlError) as checked:
        check_url(url)
    assert str(checked.value) == str(opened.value)


def test_rig_check_on_loopback_passes() -> None:
    out = subprocess.run(CLI + ["rig", "check", str(example_path("loopback"))], check=False,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    for name in ("gw_in", "lan", "radar_line", "radar_lan"):
        assert any(ln.startswith("ok") and f"endpoint {name}:" in ln for ln in lines), out.stdout
    for name in ("radar", "radar_gw", "gw"):
        assert any(ln.startswith("ok") and f"device {name}:" in ln for ln in lines), out.stdout
    assert "joined 239.255.48.2 on 127.0.0.1" in out.stdout


def test_rig_check_fails_on_a_missing_port_and_rejects_a_bad_file(tmp_path: Path) -> None:
    f = tmp_path / "lab.toml"
    f.write_text('[endpoints]\nline = "serial:///dev/ttyNOPE9?baud=9600"\n')
    out = subprocess.run(CLI + ["rig", "check", str(f)], check=False, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "FAIL  endpoint line: serial:///dev/ttyNOPE9?baud=9600: /dev/ttyNOPE9 does not exist" in out.stdout
    f.write_text('[devices.gw]\nkind = "gatewy"\n')
    out = subprocess.run(CLI + ["rig", "check", str(f)], check=False, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert out.stderr.strip() == (f"radarbench rig: {f}: devices.gw.kind: unknown device kind "
                                  "'gatewy'; expected one of radar, echo, gateway, impair")


def test_rig_up_starts_and_stops_on_sigint() -> None:
    proc = subprocess.Popen(CLI + ["rig", "up", str(example_path("loopback"))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C to stop"):
                break
        assert lines and lines[-1] == "Ctrl-C to stop", lines
        ready = [ln for ln in lines if ": ready (" in ln]
        assert [ln.split(":")[0] for ln in ready] == ["radar_gw", "radar", "gw"]
        run_dir = next(ln.split("run dir ")[1] for ln in lines if "run dir " in ln)
        assert os.path.islink(os.path.join(run_dir, "gw-line"))
        time.sleep(1.5)  # a scan and a half of radar traffic through radar_gw
        proc.send_signal(signal.SIGINT)
        rest, err_text = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err_text
    stopped = {ln.split(":")[0]: json.loads(ln.split(": stopped: ")[1])
               for ln in rest.splitlines() if ": stopped: " in ln}
    assert list(stopped) == ["gw", "radar", "radar_gw"]  # upstream first
    assert stopped["radar"]["sent"] > 0
    assert stopped["radar_gw"]["received"] == stopped["radar"]["sent"]
    assert not os.path.exists(run_dir)


TWO_ON_ONE_PORT = """
[endpoints]
a_in = "udp://127.0.0.1:{port:a}"
a_out = "udp://127.0.0.1:{port:out}"

[devices.first]
kind = "echo"
in = "{a_in}"
out = "{a_out}"

[devices.second]
kind = "impair"
in = "udp://127.0.0.1:{a_in.port}"
out = "{a_out}"
delay = 1.0
"""


def test_two_devices_receiving_on_one_unicast_port_are_refused() -> None:
    msg = err(TWO_ON_ONE_PORT, "two.toml")
    assert msg.startswith("two.toml: devices.second.in: device second receives on udp://127.0.0.1:")
    assert "as device first does (devices.first.in)" in msg and "two receivers on one unicast udp port" in msg
    # every address and one address on the same port collide too; so do two TCP listeners
    wild = TWO_ON_ONE_PORT.replace('in = "udp://127.0.0.1:{a_in.port}"', 'in = "udp://:{a_in.port}"')
    assert "udp://:8600, the port device first receives on (devices.first.in: udp://127.0.0.1:8600)" \
        in err(wild, "two.toml")
    tcp = (TWO_ON_ONE_PORT.replace('a_in = "udp://127.0.0.1:{port:a}"', 'a_in = "tcp://127.0.0.1:{port:a}?listen=1"')
           .replace('in = "udp://127.0.0.1:{a_in.port}"', 'in = "tcp://127.0.0.1:{a_in.port}?listen=1"'))
    assert "two receivers on one unicast tcp port" in err(tcp, "two.toml")
    # a port of their own each, or a multicast group shared: fine
    loads_rig(TWO_ON_ONE_PORT.replace('in = "udp://127.0.0.1:{a_in.port}"', 'in = "udp://127.0.0.1:{port:b}"'))
    group = (TWO_ON_ONE_PORT.replace('a_in = "udp://127.0.0.1:{port:a}"', 'a_in = "udp://239.255.9.8:{port:a}?iface=lo"')
             .replace('in = "udp://127.0.0.1:{a_in.port}"', 'in = "{a_in}"'))
    loads_rig(group)


def test_a_device_and_the_bench_receiving_on_one_port_are_refused() -> None:
    text = """
[endpoints]
link_in = "udp://127.0.0.1:{port:in}"
link_out = "udp://127.0.0.1:{port:out}"

[devices.link]
kind = "echo"
in = "{link_in}"
out = "{link_out}"

[bench]
send = "link_in"
recv = "link_in"
"""
    loads_rig(text)  # recv == send: the bench's own sending socket, which binds nothing
    bad = text.replace('recv = "link_in"', 'recv = "udp://127.0.0.1:{link_in.port}"')
    assert err(bad, "r.toml").startswith(
        "r.toml: bench.recv: the bench receives on udp://127.0.0.1:8600, as device link does (devices.link.in)")


def test_endpoint_roles_follow_who_uses_them() -> None:
    rig = load_rig(example_path("loopback"))
    assert rig.endpoint_role("lan") == "recv"         # [bench] recv
    assert rig.endpoint_role("gw_in") == "send"       # [bench] send
    assert rig.endpoint_role("radar_lan") == "recv"   # a device sends there
    assert check_url(rig.with_run_dir("/tmp/x").url("lan"), "recv").listens
    assert not check_url(rig.with_run_dir("/tmp/x").url("lan")).listens


def test_rig_open_opens_an_endpoint_for_its_role() -> None:
    rig = load_rig(example_path("impaired")).with_run_dir("/tmp/unused")
    with rig.open("link_out") as rx:  # the bench receives there: bound, without ?listen=1
        port = int(rig.url("link_out").rsplit(":", 1)[1])
        assert rx.listen and rx.local_address == ("127.0.0.1", port)
        with open_url(rig.url("link_out"), role="send") as tx:
            tx.send(b"\x30\x00\x03")
            m = rx.recv(timeout=2)
            assert m is not None and m.data == b"\x30\x00\x03"


def test_rig_check_says_a_port_is_taken(tmp_path: Path) -> None:
    rig = tmp_path / "taken.toml"
    with open_url("udp://127.0.0.1:0", role="recv") as squatter:
        port = squatter.local_address[1]
        rig.write_text(f'[endpoints]\nfeed = "udp://127.0.0.1:{port}"\n[bench]\nrecv = "feed"\n')
        p = subprocess.run(CLI + ["rig", "check", str(rig)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stderr
    line = next(s for s in p.stdout.splitlines() if s.startswith("FAIL"))
    assert f"udp://127.0.0.1:{port}" in line and "already in use" in line


def test_loop_0_does_not_stop_a_sender_on_lo_hearing_itself() -> None:
    """The fact behind refusing a bench on one multicast group: on the loopback interface a
    group member on the host hears a datagram sent there with loop=0 (IP_MULTICAST_LOOP off)."""
    group = "udp://239.1.2.3:{port}?iface=127.0.0.1"
    with open_url(group.format(port=0), role="recv") as rx:
        port = rx.local_address[1]
        with open_url(group.format(port=port) + "&loop=0", role="send") as tx:
            tx.send(b"\x30\x00\x03")
            m = rx.recv(timeout=1)
    assert m is not None and m.data == b"\x30\x00\x03"


@pytest.mark.parametrize("endpoints, bench", [
    ('group = "udp://239.1.2.3:8655?iface=127.0.0.1&loop=0"', 'send = "group"\nrecv = "group"'),
    ('a = "udp://239.1.2.3:8655?iface=lo"\nb = "udp://239.1.2.3:8655?iface=127.0.0.1&ttl=1"',
     'send = "a"\nrecv = "b"'),
])
def test_rig_refuses_a_bench_on_one_multicast_group(tmp_path: Path, endpoints: str, bench: str) -> None:
    rig = tmp_path / "mc.toml"
    rig.write_text(f"[endpoints]\n{endpoints}\n[bench]\n{bench}\n")
    with pytest.raises(RigError) as err:
        load_rig(rig)
    assert str(err.value) == (
        f"{rig}: bench.recv: the bench would send to and receive on the same multicast group "
        "239.1.2.3:8655, and hear its own probes (loop=0 does not prevent it on the loopback "
        "interface): a device must be between, receiving on one group or port and sending on another")
    r = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "rig", "check", str(rig)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "hear its own probes" in r.stderr and r.stderr.count("\n") == 1


def test_hears_itself_only_on_the_same_group_and_port() -> None:
    assert hears_itself("udp://239.1.2.3:8655", "udp://239.1.2.3:8655?iface=lo") is not None
    assert hears_itself("udp://239.1.2.3:8655", "udp://239.1.2.3:8656") is None  # a device between
    assert hears_itself("udp://239.1.2.3:8655", "udp://239.1.2.4:8655") is None
    assert hears_itself("udp://127.0.0.1:8655", "udp://127.0.0.1:8655") is None  # unicast: the echo's replies
    assert hears_itself("tcp://127.0.0.1:8655", "tcp://127.0.0.1:8655") is None
