"""Which category editions radarbench knows, and which one is used when none is asked for.

Every edition is a module of :mod:`radarbench.codecs.asterix.categories`, generated from
asterix-specs by :mod:`radarbench.codecs.asterix.generator`; that package's index
(``EDITIONS``, ``REFS``) is all this module reads until an edition is asked for: :func:`load`
imports its module then, and binds the category's newest REF expansion to its ``explicit re``
items. A new edition is a regenerated package, nothing here.
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Mapping

from radarbench.codecs.asterix.categories import EDITIONS, REFS
from radarbench.codecs.asterix.spec import Category, Expansion

__all__ = [
    "EDITIONS", "REFS", "DEFAULT_EDITIONS", "NEWEST_REFS", "known", "known_refs", "load", "load_ref",
    "resolve", "parse_edition_option", "edition_key",
]

PACKAGE = "radarbench.codecs.asterix.categories"


def edition_key(edition: str) -> tuple[int, int]:
    """'1.32' -> (1, 32): editions order by major, then minor, as integers (1.9 < 1.10)."""
    major, _, minor = edition.partition(".")
    return int(major), int(minor)


def _newest(index: Mapping[tuple[int, str], str]) -> dict[int, str]:
    out: dict[int, str] = {}
    for cat, ed in index:
        if cat not in out or edition_key(ed) > edition_key(out[cat]):
            out[cat] = ed
    return dict(sorted(out.items()))


# The newest edition of every category: used when none is asked for.
DEFAULT_EDITIONS: dict[int, str] = _newest(EDITIONS)

# The newest REF expansion of every category that has one: bound to its RE items by load().
NEWEST_REFS: dict[int, str] = _newest(REFS)


def _sorted(pairs: Mapping[tuple[int, str], str]) -> list[tuple[int, str]]:
    return sorted(pairs, key=lambda ce: (ce[0], edition_key(ce[1])))


def known() -> list[tuple[int, str]]:
    """Every (category, edition) pair that has a declaration, in order."""
    return _sorted(EDITIONS)


def known_refs() -> list[tuple[int, str]]:
    """Every (category, REF edition) pair that has a declaration, in order."""
    return _sorted(REFS)


@lru_cache(maxsize=None)
def load_ref(category: int, edition: str) -> Expansion:
    """The declaration of one REF (reserved expansion) edition. Raises KeyError if there is none."""
    module = REFS[(category, edition)]
    return importlib.import_module(f"{PACKAGE}.{module}").EXPANSION


@lru_cache(maxsize=None)
def load(category: int, edition: str) -> Category:
    """The declaration of one category edition, with the category's newest REF expansion (if
    any) bound to its ``explicit re`` items. Raises KeyError if there is none."""
    module = EDITIONS[(category, edition)]
    spec: Category = importlib.import_module(f"{PACKAGE}.{module}").CATEGORY
    ref = NEWEST_REFS.get(category)
    if ref is not None:
        spec = spec.with_expansion(load_ref(category, ref))
    return spec


def resolve(editions: Mapping[int, str] | None) -> dict[int, str]:
    """Default editions overlaid with the ones asked for; ValueError names an unknown one."""
    chosen = dict(DEFAULT_EDITIONS)
    if editions is not None and not isinstance(editions, Mapping):
        raise ValueError(f"editions must be a mapping {{category: 'edition'}}, such as {{48: '1.31'}}, "
                         f"not {type(editions).__name__}")
    for cat, ed in (editions or {}).items():
        try:
            cat = int(cat)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"editions: {cat!r} is not a category number") from None
        if not isinstance(ed, str):
            raise ValueError(f"editions: the edition of CAT{cat:03d} is a {type(ed).__name__} ({ed!r}); "
                             f"editions are strings, such as '1.31'")
        if (cat, ed) not in EDITIONS:
            have = ", ".join(e for c, e in known() if c == cat) or "none"
            raise ValueError(f"no declaration of CAT{cat:03d} edition {ed} (known editions: {have})")
        chosen[cat] = ed
    return chosen


def parse_edition_option(text: str) -> tuple[int, str]:
    """'48=1.31' -> (48, '1.31'), for command lines; ValueError with the expected form."""
    cat, sep, ed = text.partition("=")
    if not sep or not cat.strip().isdigit() or not ed.strip():
        raise ValueError(f"bad edition {text!r}; expected CAT=EDITION, e.g. 48=1.31")
    return int(cat), ed.strip()
