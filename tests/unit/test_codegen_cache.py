"""The generated decoders keep some values by their raw bits: the dicts of narrow groups made
of octet tables (I048/230, I048/080, I048/060) or holding a scaled quantity among three
fields or more (I048/090), and callsigns (I048/240). Each record must still get a dict of its
own, the values must be those of the Construct reference, and each cache must stay bounded
whatever the input."""
from __future__ import annotations

import random

import pytest

from radarbench.codecs.asterix import _fast, category_spec, decode
from radarbench.codecs.asterix import codegen

# item: (FSPEC of I048/010 and the item, the item's octets, how many of the values it keeps)
ITEMS = {
    "230": (bytes([0x81, 0x01, 0x02]), 2, codegen.GROUP_CACHE_SIZE),   # FRN 21
    "090": (bytes([0x84]), 2, codegen.GROUP_CACHE_SIZE),               # FRN 6
    "240": (bytes([0x81, 0x40]), 6, codegen.STRING_CACHE_SIZE),        # FRN 9
}


def _records(item: str, values: list[int]) -> bytes:
    """One data block of CAT048 records, each I048/010 (SAC 1, SIC 2) and ``item``."""
    fspec, n, _ = ITEMS[item]
    body = b"".join(fspec + b"\x01\x02" + v.to_bytes(n, "big") for v in values)
    return bytes([48]) + (len(body) + 3).to_bytes(2, "big") + body


def _caches() -> list[dict]:
    return [v for k, v in _fast(category_spec(48)).__globals__.items()
            if k.startswith("C_") and isinstance(v, dict)]


@pytest.mark.parametrize("item,value", [("230", 0x2E4A), ("090", 0x0528)])
def test_each_record_gets_its_own_dict(item: str, value: int) -> None:
    data = _records(item, [value] * 3)
    recs = decode(data)
    assert len(recs) == 3
    dicts = [r.items[item] for r in recs]
    assert dicts[0] == dicts[1] == dicts[2]
    assert len({id(d) for d in dicts}) == 3
    want = dict(dicts[0])
    for d in dicts:
        d["G"] = 7   # a user editing a record's value
    assert [r.items[item] for r in decode(data)] == [want] * 3


def test_a_kept_callsign_is_the_decoded_one() -> None:
    # "DLH65A  " (I048/240 in the shared capture: D=4 L=12 H=8 6=54 5=53 A=1 space=32, six
    # bits each), twice, then another
    data = _records("240", [0x10C2_36D4_1820, 0x10C2_36D4_1820, 0x0410_4104_1041])
    want = ["DLH65A  ", "DLH65A  ", "AAAAAAAA"]
    assert [r.items["240"] for r in decode(data)] == want
    assert [r.items["240"] for r in decode(data, engine="construct")] == want


@pytest.mark.parametrize("item", list(ITEMS))
def test_values_match_the_reference_and_the_cache_stays_bounded(item: str) -> None:
    fspec, n, size = ITEMS[item]
    rng = random.Random(int(item))
    values = [rng.randrange(1 << (8 * n)) for _ in range(3 * size)]
    data = b"".join(_records(item, values[i:i + 1000]) for i in range(0, len(values), 1000))
    fast = decode(data)
    assert len(set(values)) > size  # more values than it keeps
    reference = decode(data, engine="construct")
    assert [r.items for r in fast] == [r.items for r in reference]
    assert [r.warnings for r in fast] == [r.warnings for r in reference]
    caches = _caches()
    assert all(len(c) <= max(codegen.GROUP_CACHE_SIZE, codegen.STRING_CACHE_SIZE) for c in caches)
    assert max(len(c) for c in caches) == size


def test_a_group_holding_a_group_is_not_kept() -> None:
    # 16 bits, three fields and a quantity, as I048/090, but one field is itself a group: a
    # kept dict's shallow copy would share that inner dict between records, so it is built
    # for each record instead
    from radarbench.codecs.asterix.codegen import generate
    from radarbench.codecs.asterix.spec import Category, Group, Item, Quantity, Raw

    inner = Item("090", "nested", Group("V" / Raw(1), "IN" / Group("A" / Raw(1), "B" / Raw(2)),
                                      "FL" / Quantity(12, 0.25, "FL", signed=True)))
    cat = Category(48, "t", "nested group", [inner])
    src, dec = generate(cat)
    assert ".get(" not in src
    record = bytes([0x80, 0x50, 0x28])  # V 0, A 1, B 1, FL 40 x 0.25
    first, _ = dec(record, 0, 3, [])
    first["090"]["IN"]["A"] = 9  # a user editing a value
    second, _ = dec(record, 0, 3, [])
    assert second["090"] == {"V": 0, "IN": {"A": 1, "B": 1}, "FL": 10.0}
