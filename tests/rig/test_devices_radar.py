"""The emulated radar: scan schedule, plots per scan, determinism, and bytes two decoders accept.

Runs on real UDP loopback sockets, in-process and as a `radarbench emulate radar` process.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from radarbench.codecs.asterix import decode
from radarbench.rigs import open_url
from radarbench.rigs.devices.radar import Radar

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from oracle import libasterix_values, values_diff

EDITIONS = {48: "1.32", 34: "1.29"}


def _listener() -> tuple[object, int]:
    rx = open_url("udp://127.0.0.1:0?listen=1")
    return rx, rx.local_address[1]  # type: ignore[attr-defined]


def _drain(rx: object, quiet_s: float = 0.3) -> list[bytes]:
    out = []
    while (m := rx.recv(quiet_s)) is not None:  # type: ignore[attr-defined]
        out.append(m.data)
    return out


def _check_with_libasterix(datagram: bytes) -> None:
    """Each data block decodes with libasterix to the values our decoder gives."""
    p = 0
    while p < len(datagram):
        cat, n = datagram[p], datagram[p + 1] << 8 | datagram[p + 2]
        block = datagram[p:p + n]
        ours = [r.items for r in decode(block, strict=True)]
        theirs = libasterix_values(cat, EDITIONS[cat], block)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert values_diff(a, b, rel_tol=1e-9, abs_tol=1e-6) == []
        p += n


def test_scan_schedule_plots_and_both_decoders() -> None:
    rx, port = _listener()
    with rx:  # type: ignore[attr-defined]
        radar = Radar(f"udp://127.0.0.1:{port}", period_s=1.0, targets=20, seed=7, duration_s=3.0,
                      false_plots=3, sac=25, sic=13, lat_deg=52.3, lon_deg=4.76)
        t0 = time.time()
        radar.start()
        summary = radar.join(10)
        datagrams = _drain(rx)
    assert summary["sent"] == len(datagrams) == 96       # 3 s of 32 sectors a second
    assert summary["late_sectors"] == 0
    kinds: Counter[str] = Counter()
    per_scan: Counter[int] = Counter()
    for d in datagrams:
        recs = decode(d, strict=True)
        assert recs[-1].category == 34 and recs[-1].items["000"] == 2  # every datagram: one sector message
        for r in recs:
            assert r.items["010"] == {"SAC": 25, "SIC": 13}
            if r.category == 34:
                kinds["north" if r.items["000"] == 1 else "sector"] += 1
                if r.items["000"] == 1:
                    assert r.items["041"] == 1.0 and abs(r.items["120"]["LAT"] - 52.3) < 1e-4
            elif r.items["020"]["TYP"] == 1:
                kinds["false"] += 1
            else:
                kinds["plot"] += 1
                per_scan[kinds["north"]] += 1
                # I048/140: UTC time of day of detection, within the run.
                tod = r.items["140"]
                assert abs((t0 % 86400) - tod) < 4.0 or abs((t0 % 86400) - tod) > 86390
        _check_with_libasterix(d)
    assert kinds["north"] == 3 and kinds["sector"] == 96
    assert 40 <= kinds["plot"] <= 80 and kinds["plot"] == summary["plots"]
    # pd = 1: every target in each full scan.
    assert per_scan[1] == 20 and per_scan[2] == 20
    assert kinds["false"] == summary["false_plots"] and 6 <= kinds["false"] <= 9
    # Sector messages step 11.25 deg (8 LSB of 360/2**8) through the revolution.
    sectors = [r.items["020"] for d in datagrams for r in decode(d) if r.category == 34 and r.items["000"] == 2]
    assert sectors[:3] == [0.0, 11.25, 22.5] and sectors[32] == 0.0


def _scenario(seed: int, events: int, **kw: object) -> list[list[dict]]:
    radar = Radar("loop://", period_s=4.0, targets=30, seed=seed, **kw)  # type: ignore[arg-type]
    radar._started_ns = time.monotonic_ns()  # the schedule's origin; no real time passes
    out = []
    for i in range(events):
        items = [r.items for r in decode(radar.sector_datagram(i, time.monotonic_ns()))]
        for it in items:
            it.pop("140", None)
            it.pop("030", None)
        out.append(items)
    return out


def test_same_seed_same_scenario() -> None:
    a = _scenario(3, 100, pd=0.7, false_plots=2)
    assert a == _scenario(3, 100, pd=0.7, false_plots=2)
    assert a != _scenario(4, 100, pd=0.7, false_plots=2)
    # pd changes which plots are seen, not where the aircraft fly.
    full = {(r["161"]["TRN"], r["040"]["RHO"]) for d in _scenario(3, 100) for r in d if "161" in r}
    seen = {(r["161"]["TRN"], r["040"]["RHO"]) for d in a for r in d if "161" in r}
    assert seen < full and len(seen) > 0.5 * len(full)


def test_targets_move() -> None:
    scans = _scenario(1, 32 * 6 + 1)
    by_trn: dict[int, list[tuple[float, float, float]]] = {}
    for d in scans:
        for r in d:
            if "161" in r:
                by_trn.setdefault(r["161"]["TRN"], []).append((r["040"]["RHO"], r["040"]["THETA"], r["090"]["FL"]))
    assert len(by_trn) == 30 and all(len(v) == 6 for v in by_trn.values())  # once a scan each
    assert all(v[0][:2] != v[-1][:2] for v in by_trn.values())


def test_subprocess_ready_and_sigterm_summary() -> None:
    rx, port = _listener()
    with rx:  # type: ignore[attr-defined]
        p = subprocess.Popen(
            [sys.executable, "-m", "radarbench.bench.cli", "emulate", "radar", "--out", f"udp://127.0.0.1:{port}",
             "--period", "1", "--targets", "5", "--seed", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
            assert rx.recv(3.0) is not None  # type: ignore[attr-defined]
            time.sleep(1.2)
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=5)
        finally:
            p.kill() if p.poll() is None else None
        received = 1 + len(_drain(rx, 0.2))
    assert p.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["device"] == "radar" and summary["sent"] == received
    assert summary["north_markers"] >= 2 and summary["dropped"] == 0


def test_bad_settings_are_user_errors() -> None:
    p = subprocess.run([sys.executable, "-m", "radarbench.bench.cli", "emulate", "radar",
                        "--out", "udp://127.0.0.1:9?listen=1", "--pd", "1.5"],
                       check=False, capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "pd must be in 0..1" in p.stderr and len(p.stderr.splitlines()) == 1
    with pytest.raises(ValueError):
        Radar("loop://", sectors=0)
