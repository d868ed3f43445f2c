"""CAT034 edition 1.29 declarations: every item through the Construct reference, against
libasterix item by item, on random bytes and on the real CAT034 blocks of the sample capture."""
from __future__ import annotations

import random

import construct as cs
import pytest

from oracle import (
    SAMPLES, libasterix_item_value, libasterix_values, pcap_udp_payloads, random_value,
    reference_decode_block, reference_encode_block, split_blocks, values_diff,
)
from radarbench.codecs.asterix.categories.cat034_1_29 import CATEGORY

PCAP = SAMPLES / "cat034_048.pcap"
KEYS = ["010", "000", "030", "020", "041", "050", "060", "070", "100", "110", "120", "090", "RE", "SP"]


def test_uap_order():
    assert CATEGORY.number == 34 and CATEGORY.edition == "1.29"
    assert [it.key if it else None for it in CATEGORY.uap] == KEYS


def _random_bytes(rng: random.Random) -> bytes:
    n = rng.choice([rng.randint(0, 12), rng.randint(0, 80), rng.randint(200, 600)])
    return rng.randbytes(n)


@pytest.mark.parametrize("key", KEYS)
def test_random_bytes_round_trip_and_libasterix(key):
    """Random bytes: whatever the reference parses, it builds back to the same octets (spare
    bits aside) and libasterix reads the same value from the same number of octets."""
    item = CATEGORY.items[key]
    rng = random.Random(f"cat034-{key}")
    ok = 0
    for _ in range(1500):
        data = _random_bytes(rng)
        warnings: list[str] = []
        try:
            ours = item.construct.parse(data, strict=False, warnings=warnings)
        except cs.ConstructError:
            ours = None
        try:
            theirs, used = libasterix_item_value(34, "1.29", key, data)
        except ValueError:
            theirs = None
        if ours is None:
            assert theirs is None, f"{key}: libasterix parsed {data.hex()} to {theirs!r}, we did not"
            continue
        assert theirs is not None, f"{key}: we parsed {data.hex()} to {ours!r}, libasterix did not"
        assert values_diff(ours, theirs) == [], (key, data.hex())
        built = item.construct.build(ours)
        assert len(built) == used
        if not warnings:  # spares were zero: the very same octets
            assert built == data[:used]
        assert item.construct.parse(built, strict=True, warnings=[]) == ours
        ok += 1
    assert ok >= 20, f"{key}: only {ok} random inputs parsed"


@pytest.mark.parametrize("key", KEYS)
def test_random_values_build_parse(key):
    """Random valid values build to octets that both the reference and libasterix read back."""
    item = CATEGORY.items[key]
    rng = random.Random(f"cat034-values-{key}")
    for _ in range(200):
        value = random_value(item.variation, rng)
        data = item.construct.build(value)
        assert values_diff(item.construct.parse(data, strict=True, warnings=[]), value) == []
        theirs, used = libasterix_item_value(34, "1.29", key, data)
        assert used == len(data)
        assert values_diff(theirs, value) == [], (key, data.hex())


def _cat034_blocks() -> list[bytes]:
    return [b for _, payload in pcap_udp_payloads(PCAP) for b in split_blocks(payload) if b[0] == 34]


def test_sample_blocks_match_libasterix():
    blocks = _cat034_blocks()
    assert len(blocks) == 34
    seen: set[str] = set()
    for block in blocks:
        ours = reference_decode_block(CATEGORY, block, strict=True)
        theirs = libasterix_values(34, "1.29", block)
        assert values_diff(ours, theirs) == [], block.hex()
        assert reference_encode_block(CATEGORY, ours) == block
        for rec in ours:
            seen.update(rec)
    assert {"010", "000", "030", "020"} <= seen


def test_sample_first_record_values():
    rec = reference_decode_block(CATEGORY, _cat034_blocks()[0])[0]
    assert rec["010"] == {"SAC": 25, "SIC": 13}
    assert rec["000"] == 2  # sector crossing
    assert rec["030"] == pytest.approx(27355.953125)
    assert rec["020"] == 135.0
