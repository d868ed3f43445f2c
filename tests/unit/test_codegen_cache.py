"""The generated decoders keep the dicts of narrow groups made of octet tables (I048/230,
I048/080, I048/060) by their raw bits: each record must still get a dict of its own, the
values must be those of the Construct reference, and the cache must stay bounded whatever
the input."""
from __future__ import annotations

import random

from radarbench.codecs.asterix import _fast, category_spec, decode
from radarbench.codecs.asterix import codegen


def _records_with_230(values: list[int]) -> bytes:
    """One data block of CAT048 records, each I048/010 and I048/230 (FRN 21: FSPEC 81 01 02)."""
    body = b"".join(bytes([0x81, 0x01, 0x02, 0x01, 0x02]) + v.to_bytes(2, "big") for v in values)
    return bytes([48]) + (len(body) + 3).to_bytes(2, "big") + body


def test_each_record_gets_its_own_dict() -> None:
    data = _records_with_230([0x2E4A] * 3)
    recs = decode(data)
    assert len(recs) == 3
    dicts = [r.items["230"] for r in recs]
    assert dicts[0] == dicts[1] == dicts[2]
    assert len({id(d) for d in dicts}) == 3
    want = dict(dicts[0])
    for d in dicts:
        d["COM"] = 7   # a user editing a record's value
    assert [r.items["230"] for r in decode(data)] == [want] * 3


def test_values_match_the_reference_and_the_cache_stays_bounded() -> None:
    caches = [v for k, v in _fast(category_spec(48)).__globals__.items()
              if k.startswith("C_") and isinstance(v, dict)]
    assert caches, "I048/230, 080 and 060 are groups of two octet tables: they are cached"
    rng = random.Random(230)
    values = [rng.randrange(1 << 16) for _ in range(3 * codegen.GROUP_CACHE_SIZE)]
    data = b"".join(_records_with_230(values[i:i + 1000]) for i in range(0, len(values), 1000))
    fast = decode(data)
    assert len({v for v in values}) > codegen.GROUP_CACHE_SIZE  # more values than it keeps
    assert [r.items for r in fast] == [r.items for r in decode(data, engine="construct")]
    assert [r.warnings for r in fast] == [r.warnings for r in decode(data, engine="construct")]
    assert all(len(c) <= codegen.GROUP_CACHE_SIZE for c in caches)
    assert max(len(c) for c in caches) == codegen.GROUP_CACHE_SIZE
