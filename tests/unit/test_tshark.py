"""Wireshark's ASTERIX dissector (tshark) as a second independent decoder of the sample capture.

tshark 4.0 decodes CAT048 as edition 1.31, CAT034 as 1.29 and CAT062 as 1.19 unless told
otherwise (``tshark -G defaultprefs``: asterix.i048_version etc.), so our decode is asked for
the same editions. The capture's ports (211xx/221xx) are not ASTERIX's registered port, so
every UDP destination port in the file is decoded as ASTERIX with ``-d``.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from functools import lru_cache

import pytest

from oracle import SAMPLES, pcap_udp_payloads
from radarbench.codecs.asterix import decode

TSHARK = shutil.which("tshark")
pytestmark = [
    pytest.mark.tshark,
    pytest.mark.skipif(TSHARK is None, reason="Wireshark's tshark is not installed"),
]

PCAP = SAMPLES / "cat034_048.pcap"
TSHARK_EDITIONS = {48: "1.31", 34: "1.29", 62: "1.19"}


class _Dups(list):
    """Values of a JSON key that tshark repeats in one object (several blocks or records)."""


def _keep_duplicates(pairs):
    d: dict = {}
    for k, v in pairs:
        if k in d:
            if not isinstance(d[k], _Dups):
                d[k] = _Dups([d[k]])
            d[k].append(v)
        else:
            d[k] = v
    return d


def _many(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (_Dups, list)) else [x]


@lru_cache(maxsize=None)
def _tshark_packets() -> tuple:
    ports = sorted({port for port, _ in pcap_udp_payloads(PCAP)})
    cmd = [TSHARK, "-n", "-r", str(PCAP), "-T", "json", "-J", "asterix"]
    for p in ports:
        cmd += ["-d", f"udp.port=={p},asterix"]
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=120).stdout
    packets = json.loads(out, object_pairs_hook=_keep_duplicates)
    return tuple(packets)


def _tshark_records() -> list[tuple[int, dict]]:
    """(category, record fields) of every record tshark dissected, in capture order."""
    out = []
    for pkt in _tshark_packets():
        for block in _many(pkt["_source"]["layers"].get("asterix")):
            cat = int(block["asterix.category"])
            for msg in _many(block.get("asterix.message")):
                out.append((cat, msg))
    return out


def _our_records():
    out = []
    for _, payload in pcap_udp_payloads(PCAP):
        out.extend(decode(payload, editions=TSHARK_EDITIONS, strict=True))
    return out


def test_record_counts_per_category():
    theirs = Counter(cat for cat, _ in _tshark_records())
    ours = Counter(r.category for r in _our_records())
    assert ours == theirs
    assert ours[48] == 128 and ours[34] == 34


def _num(text: str):
    """tshark prints at most 15 significant digits: compare floats at that precision."""
    return pytest.approx(float(text), rel=1e-13, abs=1e-12)


def _f(msg: dict, item: str, field: str) -> str:
    return msg[f"asterix.048_{item}"][f"asterix.048_{item}_{field}"]


def test_cat048_values_match_tshark():
    theirs = [m for cat, m in _tshark_records() if cat == 48]
    ours = [r for r in _our_records() if r.category == 48]
    assert len(ours) == len(theirs) == 128
    checked = Counter()
    for n, (r, m) in enumerate(zip(ours, theirs)):
        it = r.items
        where = f"CAT048 record {n}"
        present = {k.split("_", 1)[1] for k in m if k.startswith("asterix.048_")}
        for key in ("010", "040", "070", "090", "140", "161", "220", "240"):
            assert (key in it) == (key in present), f"{where}: I048/{key} presence differs"
        if "010" in it:
            assert it["010"] == {"SAC": int(_f(m, "010", "SAC"), 0), "SIC": int(_f(m, "010", "SIC"), 0)}, where
        if "040" in it:
            assert it["040"]["RHO"] == _num(_f(m, "040", "RHO")), where
            assert it["040"]["THETA"] == _num(_f(m, "040", "THETA")), where
        if "070" in it:
            for f in ("V", "G", "L"):
                assert it["070"][f] == int(_f(m, "070", f)), where
            assert int(it["070"]["MODE3A"], 8) == int(_f(m, "070", "MODE3A")), where
        if "090" in it:
            for f in ("V", "G"):
                assert it["090"][f] == int(_f(m, "090", f)), where
            assert it["090"]["FL"] == _num(_f(m, "090", "FL")), where
        if "140" in it:
            assert it["140"] == _num(_f(m, "140", "VALUE")), where
        if "161" in it:
            assert it["161"]["TRN"] == int(_f(m, "161", "TRN")), where
        if "220" in it:
            assert it["220"] == int(_f(m, "220", "VALUE"), 16), where
        if "240" in it:
            # tshark shows the unused ICAO code 0 as a blank; we decode it reversibly as "@"
            assert it["240"].replace("@", " ") == _f(m, "240", "VALUE").ljust(8), where
        checked.update(k for k in it if k in ("010", "040", "070", "090", "140", "161", "220", "240"))
    assert all(checked[k] > 0 for k in ("010", "040", "070", "090", "140", "161", "220", "240")), checked


def test_first_record_as_in_samples_readme():
    r = next(r for r in _our_records() if r.category == 48)
    assert r.items["010"] == {"SAC": 25, "SIC": 201}
    assert r.items["070"]["MODE3A"] == "1000"
    assert r.items["240"] == "DLH65A  "
