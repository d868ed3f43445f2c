"""bench.jsonlines: orjson's lines are json.dumps's bytes, on the values where the two differ."""
from __future__ import annotations

import json
import random
import struct

import pytest

from radarbench.bench import jsonlines

orjson = pytest.importorskip("orjson")

# Where orjson and json write different bytes for the same value (each must take json's path).
EDGES = [
    1e16, 1e22, 1.2345678901234568e17, 1.7976931348623157e308, -1e16,      # exponent, no "+"
    1e-5, 6.103515625e-05, -9.1552734375e-05, 1e-7, 2.9802322387695312e-08, 5e-324,  # tiny
    0.0001, 9999999999999998.0, 1e15, -0.0, 0.1, 27354.6015625,             # the same either way
    float("nan"), float("inf"), float("-inf"),                              # orjson: null
    2**64, -2**63 - 1, 2**64 - 1,                                           # orjson raises past 64 bits
    "".join(map(chr, range(256))), "\x7f", "°", "\u2028", "\ud800",          # 8-bit text, a lone surrogate
    "1e5", "0.00001", "null", None, True, [], {},
]


def test_orjson_is_the_engine_when_installed() -> None:
    assert jsonlines.ENGINE == "orjson" and jsonlines.line is not jsonlines.json_line


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_edge_values_give_json_bytes(value: object) -> None:
    obj = {"category": 48, "items": {"v": value, "l": [value]}, "offset": 3}
    assert jsonlines.line(obj) == json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def test_non_string_keys_fall_back() -> None:
    obj = {"items": {1: 2}}
    assert jsonlines.line(obj) == b'{"items":{"1":2}}\n'


def test_random_and_scaled_floats_give_json_bytes() -> None:
    rnd = random.Random(9)
    values = []
    for _ in range(20000):
        v = struct.unpack("<d", rnd.randbytes(8))[0]
        if v == v:
            values.append(v)
    for lsb in [2.0 ** -k for k in range(40)] + [0.1, 0.01, 360 / 2**16, 6.25]:
        values += [rnd.randrange(-2**40, 2**40) * lsb for _ in range(300)]
        values += [raw * lsb for raw in range(-50, 50)]
    for e in range(-30, 25):
        values += [rnd.uniform(1, 10) * 10.0 ** e for _ in range(50)]
    for v in values:
        assert jsonlines.line([v]) == json.dumps([v], separators=(",", ":")).encode() + b"\n", v


def test_a_batch_is_the_lines_of_its_objects() -> None:
    # lines() checks a whole batch at once and, when a mark is in it, finds the lines that
    # must be json's: every edge value, alone or among plain records, gives json's bytes
    plain = [{"category": 48, "items": {"040": {"RHO": 12.5, "THETA": 90.0}}, "offset": k} for k in range(5)]
    want = lambda objs: b"".join(json.dumps(o, separators=(",", ":")).encode() + b"\n" for o in objs)  # noqa: E731
    assert jsonlines.lines(plain) == want(plain)
    for value in EDGES:
        batch = plain[:2] + [{"items": {"v": value}}] + plain[2:]
        assert jsonlines.lines(batch) == want(batch), value
    assert jsonlines.lines([]) == b""
