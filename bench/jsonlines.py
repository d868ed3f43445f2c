"""One JSON Lines line per object, through orjson where it is installed, with json's bytes.

`radarbench decode` spends about half its time serialising records with ``json.dumps``;
orjson does the same work ~9x faster. The output must not depend on what is installed, so
the bytes are those of ``json.dumps(obj, separators=(",", ":"))`` (ASCII, non-ASCII and
control characters escaped as ``\\uXXXX``, floats as Python's ``repr``) either way.

orjson and json agree on the compact separators, on key order, on the escapes of characters
below 0x20, on ``null`` for None, and on the shortest round-trip digits of a float. They
differ on: characters from 0x7F up (orjson writes them raw, json ``\\u007f``, ``\\u00b0``),
floats Python writes in exponent form (below 1e-4 or from 1e16 up: orjson 3.8 writes
``1e16``, ``1e-7``, and ``0.00006103515625`` for what json writes ``6.103515625e-05``), NaN
and infinities (orjson: ``null``), integers past 64 bits and non-string keys (orjson
raises). So orjson's line is kept only when it holds none of the bytes that mark those
cases: a byte outside ASCII or 0x7F, ``null``, ``0.0000``, ``e`` then a sign or a digit;
otherwise, or if orjson raises, json writes the line. The marks can also occur inside
strings (a hex SP field ``"0e12"``): those lines merely take the slow path (none of the
CAT048 records of the shared capture does). Checked over ~1M random, scaled and edge-case
floats (no line passed the check with different bytes; tests/bench/test_jsonlines.py keeps
the edge cases) and by tests/bench/test_cli_decode.py on every sample. Each check is a C-speed scan: about 1.4 us a
CAT048 record beside orjson's 1.9 us (json.dumps: 12 us); one regex with all the marks in
alternation took 16 us.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

try:
    import orjson
except ImportError:  # the `fast` extra is optional
    orjson = None  # type: ignore[assignment]

_EXPONENT = re.compile(rb"e[-+0-9]").search  # orjson writes exponents lowercase: 1e16, 1e-7

_compact = json.JSONEncoder(separators=(",", ":")).encode


def json_line(obj: Any) -> bytes:
    """``json.dumps(obj, separators=(",", ":"))`` and a newline, as ASCII bytes."""
    return _compact(obj).encode("ascii") + b"\n"


def _orjson_line(obj: Any) -> bytes:
    try:
        out = orjson.dumps(obj)
    except TypeError:  # orjson.JSONEncodeError: a >64-bit integer, a non-string key...
        return json_line(obj)
    if _suspect(out):
        return json_line(obj)  # may differ from json's bytes (see the module docstring)
    return out + b"\n"


def _suspect(out: bytes) -> bool:
    """Whether orjson's bytes ``out`` may differ from json's (see the module docstring)."""
    # (a search for "null" runs at ~2 GB/s, one for a single octet at memchr's speed: "null"
    # is looked for only where a "u" is, which decoded records seldom hold outside "uap")
    return (not out.isascii() or b"\x7f" in out or (b"u" in out and b"null" in out)
            or b"0.0000" in out or _EXPONENT(out) is not None)


def _orjson_lines(objs: list[Any]) -> bytes:
    # The checks run once over the batch's bytes: each is a C-speed scan, so on a batch they
    # cost what they cost on its lines one by one, less ~5 calls a line (~0.4 us of ~2.5).
    if not objs:
        return b""
    dumps = orjson.dumps
    try:
        parts = [dumps(o) for o in objs]
        parts.append(b"")  # the last newline, without copying the batch once more to add it
        out = b"\n".join(parts)
    except TypeError:
        return b"".join([_orjson_line(o) for o in objs])
    if _suspect(out):
        return b"".join([_orjson_line(o) for o in objs])  # find the lines json must write
    return out


def _json_lines(objs: list[Any]) -> bytes:
    return b"".join([json_line(o) for o in objs])


# The serialiser in use: orjson's when it is installed, json's otherwise (same bytes).
line: Callable[[Any], bytes] = _orjson_line if orjson is not None else json_line
# Many lines at once, the same bytes as line() of each, joined: for a stream of records.
lines: Callable[[list[Any]], bytes] = _orjson_lines if orjson is not None else _json_lines
ENGINE = "orjson" if orjson is not None else "json"
