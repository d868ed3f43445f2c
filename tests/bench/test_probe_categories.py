"""Probes as CAT062 system tracks and CAT034 service messages: real records of the category
(decoded by the codec to the items intended), the tag last, parsed back fast, every damaged
bit caught, key fields where the category has them."""
from __future__ import annotations

import pytest
from radarbench.bench.probe import (
    PROBE_EDITIONS,
    Corrupted,
    ProbeCodec,
    check_probe_category,
    parse_match_keys,
    parse_tag,
    tag_bytes,
)
from radarbench.codecs.asterix import category_spec, decode

TOD_S = 45296.25   # 12:34:56.25, a whole number of 1/128 s


@pytest.mark.parametrize("k", [1, 3])
def test_cat062_probe_is_a_system_track(k: int) -> None:
    codec = ProbeCodec(0xABCDEF01, k, time_of_day_s=TOD_S, sac=7, sic=9, category=62)
    block = bytes(codec.fill(0x00123456))
    assert block[0] == 62 and int.from_bytes(block[1:3], "big") == len(block) == 3 + k * codec.record_len
    assert codec.parse(block).seqs == list(range(0x123456, 0x123456 + k))
    records = decode(block)
    assert [(r.category, r.edition) for r in records] == [(62, "1.21")] * k
    for i, rec in enumerate(records):
        seq = 0x123456 + i
        items = rec.items
        assert list(items) == ["010", "015", "070", "105", "060", "040", "080", "SP"]
        assert items["010"] == {"SAC": 7, "SIC": 9} and items["070"] == TOD_S
        assert items["105"] == {"LAT": 45.0, "LON": 22.5}
        # the seq's key bits: 0-11 in Mode 3/A (octal digits), 12-23 in the track number
        assert items["060"] == {"V": 0, "G": 0, "CH": 0, "MODE3A": f"{seq & 0xFFF:04o}"}
        assert items["040"] == (seq >> 12) & 0xFFF == 0x123
        assert items["080"]["MON"] == 1 and items["080"]["SIM"] == 1 and items["080"]["CNF"] == 0
        assert parse_tag(bytes.fromhex(items["SP"])) == (0xABCDEF01, seq)
    # SP is the last FRN of the UAP, so the tag ends every record
    assert category_spec(62, "1.21").uap[-1].key == "SP"
    assert block[-12:] == tag_bytes(0xABCDEF01, 0x123456 + k - 1)


@pytest.mark.parametrize("k", [1, 3])
def test_cat034_probe_is_a_sector_crossing(k: int) -> None:
    codec = ProbeCodec(77, k, time_of_day_s=TOD_S, sac=1, sic=2, category=34)
    block = bytes(codec.fill(4_000_000_000))
    assert block[0] == 34 and codec.record_len == 2 + 2 + 1 + 3 + 1 + 13
    assert codec.parse(block).seqs == list(range(4_000_000_000, 4_000_000_000 + k))
    records = decode(block)
    assert [(r.category, r.edition) for r in records] == [(34, "1.29")] * k
    assert records[0].items == {"010": {"SAC": 1, "SIC": 2}, "000": 2, "030": TOD_S, "020": 90.0,
                                "SP": tag_bytes(77, 4_000_000_000).hex()}
    assert category_spec(34, "1.29").uap[-1].key == "SP"


def test_seq_wraps_at_32_bits_in_every_category() -> None:
    for cat in (48, 62, 34):
        codec = ProbeCodec(1, 2, category=cat)
        assert codec.parse(bytes(codec.fill(0xFFFFFFFF))).seqs == [0xFFFFFFFF, 0]


@pytest.mark.parametrize("cat,k", [(62, 1), (62, 3), (34, 1), (34, 3)])
def test_every_single_bit_flip_is_corruption(cat: int, k: int) -> None:
    codec = ProbeCodec(7, k, category=cat)
    block = bytes(codec.fill(123456))
    for bit in range(len(block) * 8):
        damaged = bytearray(block)
        damaged[bit // 8] ^= 0x80 >> (bit % 8)
        with pytest.raises(Corrupted):
            codec.parse(bytes(damaged))


@pytest.mark.parametrize("cat", [62, 34])
def test_foreign_and_reblocked(cat: int) -> None:
    ours, theirs = ProbeCodec(1, 2, category=cat), ProbeCodec(2, 2, category=cat)
    parsed = ours.parse(bytes(theirs.fill(5)))
    assert parsed.seqs == [] and parsed.foreign == 2
    codec = ProbeCodec(3, 4, category=cat)
    block = bytes(codec.fill(40))
    rl = codec.record_len
    one_each = b"".join(bytes([cat, 0, 3 + rl]) + block[3 + i * rl:3 + (i + 1) * rl] for i in range(4))
    assert codec.parse(one_each).seqs == [40, 41, 42, 43]
    # A CAT048 probe of ours in a frame is not what a CAT062 / CAT034 run sends: still ours
    # by its tag (another bench's category, same run id), not corrupted.
    other = ProbeCodec(3, 1)
    assert codec.parse(bytes(other.fill(9))).seqs == [9]


def test_cat062_key_matching() -> None:
    keys = parse_match_keys("060.MODE3A,040")
    assert keys == [("060", "MODE3A", 0), ("040", None, 12)]
    codec = ProbeCodec(5, 2, category=62, match_keys=keys)
    assert codec.parse(bytes(codec.fill(0x345678))).keys == [0x345678, 0x345679]
    assert codec.key_modulus == 1 << 24
    # a gateway's CAT062 track keeps Mode 3/A of a CAT048 probe: the old form still works
    assert parse_match_keys("060.MODE3A=070.MODE3A,040=161.TRN") == keys
    with pytest.raises(ValueError, match="Mode 3/A"):
        parse_match_keys("040")


def test_categories_and_keys_refused_with_reasons() -> None:
    with pytest.raises(ValueError, match=r"CAT034 probes carry no key field.*SP tag"):
        ProbeCodec(5, 1, category=34, match_keys=parse_match_keys("070.MODE3A"))
    with pytest.raises(ValueError, match=r"category 21: probes are CAT048 .* \(48, 62 or 34\)"):
        ProbeCodec(5, 1, category=21)
    with pytest.raises(ValueError, match="category 21"):
        check_probe_category(21)
    check_probe_category(34)
    check_probe_category(62, match_keys=True)
    assert sorted(PROBE_EDITIONS) == [34, 48, 62]


def test_cat048_probe_unchanged_by_the_category_parameter() -> None:
    default, explicit = ProbeCodec(9, 2, time_of_day_s=TOD_S), ProbeCodec(9, 2, time_of_day_s=TOD_S, category=48)
    assert bytes(default.fill(100)) == bytes(explicit.fill(100))
    assert default.record_len == 31 and default.keys_at == 14
