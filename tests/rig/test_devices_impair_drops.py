"""The impairer's ground truth while it logs: a burst sent back to back is not dropped at its
socket for the logging's sake, and what its socket does drop is counted in its summary and
said on stderr (received + rx_queue_drops = what was sent to it), never hidden."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from procs import free_udp_port
from radarbench.codecs.asterix import encode
from radarbench.rigs import open_url
from samples import sample

CLI = [sys.executable, "-m", "radarbench.bench.cli"]


def probe(seq: int) -> bytes:
    """A CAT048 message whose SP item carries `seq` (the bench's probe tag)."""
    return encode([{"category": 48, "items": {
        "010": {"SAC": 1, "SIC": 2}, "140": 100.0, "040": {"RHO": 10.0, "THETA": 20.0},
        "SP": seq.to_bytes(4, "big").hex()}}])


def _start_impair(in_url: str, out_port: int, log: Path) -> subprocess.Popen[str]:
    p = subprocess.Popen(
        CLI + ["emulate", "impair", "--in", in_url, "--out", f"udp://127.0.0.1:{out_port}",
               "--log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.stderr
    return p


def _stop(p: subprocess.Popen[str]) -> tuple[dict, str]:
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1]), err


def test_logging_impairer_takes_a_back_to_back_replay_whole(tmp_path: Path) -> None:
    """The tester's run: `bench --replay cat034_048.pcap --speed 0 --loop 5` through `emulate
    impair --log`. It read 248 of the 500 datagrams (the first message's decode built the
    CAT034 and CAT048 decoders while the rest of the burst overflowed the socket's default
    queue) and said `received 248, rx_queue_drops 0`."""
    in_port, out_port = free_udp_port(), free_udp_port()
    log = tmp_path / "truth.jsonl"
    p = _start_impair(f"udp://127.0.0.1:{in_port}", out_port, log)
    try:
        bench = subprocess.run(
            CLI + ["bench", "--replay", str(sample("cat034_048.pcap")),
                   "--send", f"udp://127.0.0.1:{in_port}", "--recv", f"udp://127.0.0.1:{out_port}",
                   "--speed", "0", "--loop", "5", "-q"],
            capture_output=True, text=True, timeout=120)
        summary, err = _stop(p)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert "Traceback" not in bench.stderr, bench.stderr
    lines = log.read_text().splitlines()
    assert summary["rx_queue_drops"] == 0, err
    assert summary["received"] == len(lines) == 500, (summary, bench.stdout)
    assert "dropped by the kernel" not in err


def test_drops_at_the_impairers_socket_are_counted_and_said(tmp_path: Path) -> None:
    """A burst while the impairer is stopped (SIGSTOP) into a small receive queue (rcvbuf=
    in its URL, which it keeps): what the kernel dropped is in the summary, exactly (the
    drops after the last datagram read were shown on no later datagram and read as 0), and
    what waited in the queue at stop is read and logged, not discarded uncounted."""
    in_port, out_port = free_udp_port(), free_udp_port()
    sink = open_url(f"udp://127.0.0.1:{out_port}?listen=1&rcvbuf=4194304")
    log = tmp_path / "truth.jsonl"
    n = 200
    p = _start_impair(f"udp://127.0.0.1:{in_port}?rcvbuf=4096", out_port, log)
    try:
        os.kill(p.pid, signal.SIGSTOP)
        try:
            with open_url(f"udp://127.0.0.1:{in_port}") as tx:
                for i in range(n):
                    tx.send(probe(i))
        finally:
            os.kill(p.pid, signal.SIGCONT)
        time.sleep(0.2)
        summary, err = _stop(p)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
        sink.close()
    lines = [json.loads(s) for s in log.read_text().splitlines()]
    drops = summary["rx_queue_drops"]
    assert 0 < drops < n and 0 < summary["received"], summary
    assert summary["received"] + drops == n, summary
    assert len(lines) == summary["received"]
    assert [r["index"] for r in lines] == list(range(len(lines)))
    assert err.splitlines() == [
        f"radarbench emulate: impair: warning: {drops:,} datagram(s) dropped by the kernel at "
        "--in (receive queue full) before the device read them: they are in no count and no "
        "log line but this one"]
