"""Both record engines side by side, for the hand-written declarations of test_vocab_*.py.

``decode_both`` runs the generated decoder and the Construct reference on one record and
asserts the same outcome: equal values, end and warnings, or the same DecodeError (category,
item, byte offset, reason). ``encode_both`` asserts both encoders give the same octets.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest

from radarbench.codecs.asterix.codegen import Fallback, generate, generate_encoder
from radarbench.codecs.asterix.errors import DecodeError, EncodeError
from radarbench.codecs.asterix.record import build_record, parse_record
from radarbench.codecs.asterix.spec import Category


@lru_cache(maxsize=None)
def fast_decoder(cat: Category) -> Any:
    return generate(cat)[1]


@lru_cache(maxsize=None)
def fast_encoder(cat: Category) -> Any:
    return generate_encoder(cat)[1]


def _outcome(dec: Any, data: bytes, strict: bool, compare_warnings: bool) -> tuple:
    W: list[str] | None = None if strict else []
    try:
        items, end = dec(data, 0, len(data), W)
    except DecodeError as exc:
        return ("error", exc.category, exc.item, exc.offset, exc.reason)
    return ("ok", items, end, W if compare_warnings else len(W or []))


def decode_both(cat: Category, data: bytes, strict: bool = False, compare_warnings: bool = True) -> tuple:
    fast = _outcome(fast_decoder(cat), data, strict, compare_warnings)
    ref = _outcome(lambda b, p, e, W: parse_record(cat, b, p, e, W), data, strict, compare_warnings)
    assert fast == ref, f"engines differ on {data.hex()}:\n fast      {fast}\n construct {ref}"
    return fast


def decoded(cat: Category, data: bytes, strict: bool = False, compare_warnings: bool = True) -> tuple[dict, Any]:
    """(items, warnings) of a record both engines decode alike; it must use all of ``data``."""
    out = decode_both(cat, data, strict, compare_warnings)
    assert out[0] == "ok", out
    assert out[2] == len(data), f"record ends at {out[2]} of {len(data)}"
    return out[1], out[3]


def decode_error(cat: Category, data: bytes, strict: bool = False) -> tuple:
    """(category, item, offset, reason) of the DecodeError both engines raise alike."""
    out = decode_both(cat, data, strict)
    assert out[0] == "error", out
    return out[1:]


def encode_both(cat: Category, items: dict) -> bytes:
    ref = build_record(cat, items)
    assert fast_encoder(cat)(items) == ref  # the generated encoder takes every valid value itself
    return ref


def encode_error(cat: Category, items: dict) -> EncodeError:
    """The reference's EncodeError; the generated encoder declines (and so defers to it)."""
    with pytest.raises(EncodeError) as ei:
        build_record(cat, items)
    with pytest.raises(Exception) as fi:
        fast_encoder(cat)(items)
    assert isinstance(fi.value, (Fallback, KeyError, TypeError, ValueError))
    return ei.value
