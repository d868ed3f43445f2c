"""The link impairer: its rates lie within binomial bounds of the settings, its ground-truth
log accounts for every message, delay is scheduled (not a throughput limit), and it runs as a
process that flushes its log on SIGTERM.
"""
from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from radarbench.codecs.asterix import encode
from radarbench.rigs import open_url
from radarbench.rigs.devices.impair import Impair


def probe(seq: int) -> bytes:
    """A CAT048 message whose SP item carries `seq` (the bench's probe tag)."""
    return encode([{"category": 48, "items": {
        "010": {"SAC": 1, "SIC": 2}, "140": 100.0, "040": {"RHO": 10.0, "THETA": 20.0},
        "SP": seq.to_bytes(4, "big").hex()}}])


def within(count: int, n: int, p: float, sigmas: float = 4.0) -> bool:
    return abs(count - n * p) <= sigmas * math.sqrt(n * p * (1 - p)) + 1


def run_in_process(n: int, tmp_path: Path, **settings: object) -> tuple[dict, list[bytes], list[dict]]:
    """Send `n` probes through an Impair on loop:// links; (summary, what came out, the log)."""
    name = uuid.uuid4().hex
    log = tmp_path / f"{name}.jsonl"
    tx = open_url(f"loop://{name}-in")
    rx = open_url(f"loop://{name}-out")
    dev = Impair(f"loop://{name}-in", f"loop://{name}-out", log_path=str(log), **settings)  # type: ignore[arg-type]
    dev.start()
    payloads = [probe(i) for i in range(min(n, 1000))]
    for i in range(n):
        tx.send(payloads[i % len(payloads)] if n > 1000 else payloads[i])
    out = []
    deadline = time.monotonic() + 20
    # Read until everything has arrived at the impairer and its queue has run dry (stop()
    # would send what is still queued at once).
    while time.monotonic() < deadline:
        m = rx.recv(0.01 if dev.received < n else 0.25)
        if m is not None:
            out.append(m.data)
        elif dev.received >= n:
            break
    summary = dev.stop()
    while (m := rx.recv(0.05)) is not None:
        out.append(m.data)
    tx.close()
    rx.close()
    lines = [json.loads(s) for s in log.read_text().splitlines()]
    return summary, out, lines


def test_loss_and_duplication_rates_and_log_accounting(tmp_path: Path) -> None:
    n = 10_000
    summary, out, log = run_in_process(n, tmp_path, loss=0.1, duplicate=0.05, corrupt=0.01, seed=11)
    assert summary["received"] == n
    assert [r["index"] for r in log] == list(range(n))
    fates = Counter(r["fate"] for r in log)
    assert within(fates["dropped"], n, 0.1)
    kept = n - fates["dropped"]
    dups = sum(1 for r in log if r.get("duplicated"))
    bad = sum(1 for r in log if r.get("corrupted"))
    assert within(dups, kept, 0.05) and within(bad, kept, 0.01)
    # Every copy the log says was sent arrived, and nothing else.
    assert sum(r["copies"] for r in log) == len(out) == summary["sent"]
    assert fates["delivered"] + 2 * fates["duplicated"] + sum(r["copies"] for r in log if r["fate"] == "corrupted") == len(out)
    assert summary["dropped"] == fates["dropped"] and summary["duplicated"] == dups
    # Tags: the SP of each probe (the first 1000 payloads, reused in order).
    assert log[0]["tag"] == "00000000" and log[1234]["tag"] == (1234 % 1000).to_bytes(4, "big").hex()
    assert all(r["bytes"] == len(probe(0)) for r in log[:5])


def test_gilbert_elliott_losses_come_in_bursts(tmp_path: Path) -> None:
    n = 10_000
    p_gb, p_bg = 0.01, 0.25
    _, _, log = run_in_process(n, tmp_path, loss_model="gilbert", p_gb=p_gb, p_bg=p_bg, loss_bad=1.0, seed=5)
    lost = [r["fate"] == "dropped" for r in log]
    rate = sum(lost) / n
    expected = p_gb / (p_gb + p_bg)    # steady-state share of the bad state, all lost there
    assert abs(rate - expected) < 0.35 * expected
    bursts = sum(1 for i, x in enumerate(lost) if x and (i == 0 or not lost[i - 1]))
    assert sum(lost) / bursts > 2.5    # mean burst 1/p_bg = 4; Bernoulli at this rate: ~1.04


def test_delay_is_scheduled_and_corruption_flips_bits(tmp_path: Path) -> None:
    n = 2000
    t0 = time.monotonic()
    _, out, log = run_in_process(n, tmp_path, delay_ms=100, jitter_ms=10, seed=3)
    elapsed = time.monotonic() - t0
    assert len(out) == n and elapsed < 3.0       # 2000 x 100 ms one after the other would be 200 s
    assert all(90 <= r["delay_ms"] <= 110.001 for r in log)
    assert Counter(out) == Counter(probe(i % 1000) for i in range(n))


def test_corruption_flips_one_bit_of_the_logged_messages(tmp_path: Path) -> None:
    n = 1000
    summary, out, log = run_in_process(n, tmp_path, corrupt=0.2, seed=3)
    assert len(out) == n    # no delay, no jitter: order kept
    flips = [sum((a ^ b).bit_count() for a, b in zip(d, probe(i))) for i, d in enumerate(out)]
    assert [i for i, f in enumerate(flips) if f] == [r["index"] for r in log if r["corrupted"]]
    assert set(flips) == {0, 1} and within(summary["corrupted"], n, 0.2)


def test_reorder_sends_after_the_next(tmp_path: Path) -> None:
    n = 1000
    _, out, log = run_in_process(n, tmp_path, reorder=0.05, seed=9)
    seqs = [int.from_bytes(d[-4:], "big") for d in out]
    assert sorted(seqs) == list(range(n))
    late = [i for i in range(1, len(seqs)) if seqs[i] < seqs[i - 1]]
    held = [r["index"] for r in log if r["fate"] == "reordered"]
    assert within(len(held), n, 0.05)
    # Each held message comes out after at least one later message (consecutive holds go together).
    assert 0 < len(late) <= len(held)
    for idx in held[:100]:
        assert seqs.index(idx) > seqs.index(idx + 1) if idx + 1 < n and idx + 1 not in held else True


def test_rate_limits_throughput(tmp_path: Path) -> None:
    size_bits = len(probe(0)) * 8
    rate_bps = size_bits * 500.0          # 500 messages a second
    t0 = time.monotonic()
    _, out, _ = run_in_process(200, tmp_path, rate_bps=rate_bps)
    assert len(out) == 200
    assert 0.3 < time.monotonic() - t0 < 2.0   # 200 / 500 = 0.4 s


def test_subprocess_udp_sigterm_flushes_log(tmp_path: Path) -> None:
    log = tmp_path / "truth.jsonl"
    # A 4 MB receive buffer here too: the impairer sends its 408 copies in bursts, and a
    # reader thread starved on a busy host let the default buffer drop 10 of them.
    rx = open_url("udp://127.0.0.1:0?listen=1&rcvbuf=4194304")
    port_out = rx.local_address[1]  # type: ignore[attr-defined]
    probe_port = open_url("udp://127.0.0.1:0?listen=1")
    port_in = probe_port.local_address[1]  # type: ignore[attr-defined]
    probe_port.close()  # a free port for the impairer to listen on
    p = subprocess.Popen(
        [sys.executable, "-m", "radarbench.bench.cli", "emulate", "impair",
         "--in", f"udp://127.0.0.1:{port_in}?listen=1&rcvbuf=4194304", "--out", f"udp://127.0.0.1:{port_out}",
         "--loss", "0.2", "--delay", "5", "--seed", "1", "--log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got: list[bytes] = []
    done = threading.Event()

    def receive() -> None:  # concurrently: a burst of datagrams overflows an unread socket
        # Until the impairer has exited and then 0.2 s of silence: a pause of the impairer on a
        # busy host is not the end (an idle timeout of 0.5 s alone missed 15 of 408 copies
        # beside two busy loops).
        while True:
            m = rx.recv(0.2)
            if m is not None:
                got.append(m.data)
            elif done.is_set():
                return

    reader = threading.Thread(target=receive)
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        reader.start()
        with open_url(f"udp://127.0.0.1:{port_in}") as tx:
            for i in range(500):
                tx.send(probe(i))
                if i % 50 == 0:
                    time.sleep(0.005)  # let the impairer read (its 4 MB buffer holds the rest)
        # every message read and logged (line-buffered), then the stop it must flush on
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and \
                (not log.exists() or len(log.read_text().splitlines()) < 500):
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=10)
        done.set()
        reader.join(10)
    finally:
        done.set()
        if p.poll() is None:
            p.kill()
        rx.close()
    assert p.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    lines = [json.loads(s) for s in log.read_text().splitlines()]
    assert summary["received"] == len(lines) == 500
    assert getattr(rx, "rx_queue_drops", 0) in (0, None), "the test's own socket dropped copies"
    assert sum(r["copies"] for r in lines) == len(got) == summary["sent"]
    lost_tags = {r["tag"] for r in lines if r["fate"] == "dropped"}
    got_tags = {d[-4:].hex() for d in got}
    assert lost_tags.isdisjoint(got_tags) and len(lost_tags) + len(got_tags) == 500


def test_subprocess_sigkill_keeps_every_log_line(tmp_path: Path) -> None:
    """NEWCOMER #13: the log is written through, one line per message as its fate is decided,
    so a SIGKILLed impairer's log holds every message it passed on (it kept 410 of ~840)."""
    n = 840
    log = tmp_path / "truth.jsonl"
    rx = open_url("udp://127.0.0.1:0?listen=1&rcvbuf=4194304")
    port_out = rx.local_address[1]  # type: ignore[attr-defined]
    probe_port = open_url("udp://127.0.0.1:0?listen=1")
    port_in = probe_port.local_address[1]  # type: ignore[attr-defined]
    probe_port.close()
    p = subprocess.Popen(
        [sys.executable, "-m", "radarbench.bench.cli", "emulate", "impair",
         "--in", f"udp://127.0.0.1:{port_in}?rcvbuf=4194304", "--out", f"udp://127.0.0.1:{port_out}",
         "--seed", "1", "--log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got = 0
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        with open_url(f"udp://127.0.0.1:{port_in}") as tx:
            for i in range(n):
                tx.send(probe(i))
                if i % 50 == 0:
                    time.sleep(0.005)
        # every message came out, so the impairer decided every fate (and logged it first)
        while got < n and rx.recv(2.0) is not None:
            got += 1
        p.kill()
        p.communicate(timeout=5)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
        rx.close()
    assert p.returncode == -signal.SIGKILL
    assert got == n
    lines = [json.loads(s) for s in log.read_text().splitlines()]
    assert [r["index"] for r in lines] == list(range(n))
    assert all(r["fate"] == "delivered" for r in lines)


def test_unwritable_log_is_named(tmp_path: Path) -> None:
    """`--log` in a folder that does not exist: one line naming the log, exit 2, not "cannot
    open an endpoint"."""
    bad = tmp_path / "no-such-folder" / "x.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "radarbench.bench.cli", "emulate", "impair",
         "--in", "udp://127.0.0.1:0", "--out", "udp://127.0.0.1:9", "--log", str(bad)],
        capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr == f"radarbench emulate: impair: cannot write the log {bad}: No such file or directory\n"
    assert r.stdout == ""
