"""`--edition CAT=ED` options and `editions = {48 = "1.31"}` rig file tables, checked.

One place for what the command lines (decode, encode, bench, the gateway device) and rig
files accept, so that an unknown edition is refused alike everywhere, naming the option or
key: `--edition: no declaration of CAT048 edition 1.99 (known editions: 1.31, 1.32)`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from radarbench.codecs.asterix.editions import parse_edition_option, resolve


def editions_from_options(values: Iterable[str] | None, name: str = "--edition") -> dict[int, str]:
    """{category: edition} from repeated CAT=ED options. Raises ValueError naming ``name``."""
    chosen: dict[int, str] = {}
    for text in values or ():
        try:
            cat, ed = parse_edition_option(text)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        if not 0 <= cat <= 255:
            raise ValueError(f"{name}: {text!r}: {cat} is not a category number (0..255)")
        if cat in chosen and chosen[cat] != ed:
            raise ValueError(f"{name}: CAT{cat:03d} given twice ({chosen[cat]} and {ed}); give one")
        chosen[cat] = ed
    return checked(chosen, name)


def editions_from_table(table: Any, name: str) -> dict[int, str]:
    """{category: edition} from a TOML table {48 = "1.31"} (keys: category numbers).

    Raises ValueError naming ``name`` (the key, e.g. ``bench.editions``)."""
    if not isinstance(table, Mapping):
        raise ValueError(f"{name}: expected a table of CATEGORY = \"EDITION\", e.g. {{48 = \"1.31\"}}")
    chosen: dict[int, str] = {}
    for key, ed in table.items():
        k = str(key).strip()
        if not k.isdigit() or not 0 <= int(k) <= 255:
            raise ValueError(f"{name}.{key}: expected a category number (0..255) as the key")
        if not isinstance(ed, str) or not ed.strip():
            raise ValueError(f"{name}.{key}: expected an edition as a string, e.g. \"1.31\", not {ed!r}")
        chosen[int(k)] = ed.strip()
    return checked(chosen, name)


def checked(chosen: Mapping[int, str], name: str) -> dict[int, str]:
    """``chosen`` if every edition in it is known; ValueError naming ``name`` and the known ones."""
    try:
        resolve(chosen)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return dict(chosen)


def as_options(chosen: Mapping[int, str]) -> list[str]:
    """{48: "1.31"} -> ["48=1.31"], the form the command lines take."""
    return [f"{cat}={ed}" for cat, ed in sorted(chosen.items())]
