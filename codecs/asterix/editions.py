"""Which category editions radarbench knows, and which one is used when none is asked for.

Adding an edition is one new declaration file plus one line in EDITIONS.
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Mapping

from radarbench.codecs.asterix.spec import Category

# (category, edition) -> module under radarbench.codecs.asterix holding CATEGORY
EDITIONS: dict[tuple[int, str], str] = {
    (34, "1.29"): "cat034_1_29",
    (48, "1.31"): "cat048_1_31",
    (48, "1.32"): "cat048_1_32",
    (62, "1.19"): "cat062_1_19",
    (62, "1.21"): "cat062_1_21",
}

DEFAULT_EDITIONS: dict[int, str] = {34: "1.29", 48: "1.32", 62: "1.21"}


def known() -> list[tuple[int, str]]:
    """Every (category, edition) pair that has a declaration."""
    return sorted(EDITIONS, key=lambda ce: (ce[0], tuple(int(x) for x in ce[1].split("."))))


@lru_cache(maxsize=None)
def load(category: int, edition: str) -> Category:
    """The declaration of one category edition. Raises KeyError if there is none."""
    module = EDITIONS[(category, edition)]
    return importlib.import_module(f"radarbench.codecs.asterix.{module}").CATEGORY


def resolve(editions: Mapping[int, str] | None) -> dict[int, str]:
    """Default editions overlaid with the ones asked for; ValueError names an unknown one."""
    chosen = dict(DEFAULT_EDITIONS)
    for cat, ed in (editions or {}).items():
        cat = int(cat)
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
