"""What identifies a record of each category: its key items, and the names of its elements.

    from radarbench.codecs.asterix.identity import DEFAULT_KEYS, parse_match_keys, key_items
    DEFAULT_KEYS[48].key(record.items)     # (form, SAC/SIC, time of day, TRN) or None
    key_items(48)                          # frozenset({"010", "140", "161", "040"})
    element_path(48, ("250", 0, "BDS1"))   # "I048/250[0]/BDS1"

Facts about records, with no knowledge of who uses them (codecs stay pure: nothing here
imports the transports or the bench): a matcher can pair what went into a device with what
came out by these keys, and a tool that alters a record can leave them alone so that the
altered record is still found. The keys for the categories issue 10 names come from it;
the others are 010 and the category's time item.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from radarbench.codecs.asterix import category_spec
from radarbench.codecs.asterix import editions as _editions

Path = tuple[str, ...]    # an item and its sub-fields: ("161", "TRN")


@dataclass(frozen=True, slots=True)
class KeyRule:
    """The key items of one category: ``forms`` tried in order, the first whose every slot
    is present wins; a slot is a tuple of paths tried in order (the first present).

    Text form (as :func:`parse_match_keys` reads it): forms joined by ``|``, slots by ``+``,
    alternatives of a slot by ``/``, sub-fields by ``.``: ``010+140+161.TRN|010+140+040``.
    """

    forms: tuple[tuple[tuple[Path, ...], ...], ...]

    def __str__(self) -> str:
        return "|".join("+".join("/".join(".".join(p) for p in slot) for slot in form)
                        for form in self.forms)

    def key(self, items: Mapping[str, Any]) -> tuple | None:
        """(form index, frozen values...) of a record's items; None if no form is complete."""
        for fi, form in enumerate(self.forms):
            vals: list[Any] = [fi]
            for slot in form:
                for path in slot:
                    v = items.get(path[0], MISSING)
                    for name in path[1:]:
                        v = v.get(name, MISSING) if type(v) is dict else MISSING
                    if v is not MISSING:
                        vals.append(freeze(v))
                        break
                else:
                    break
            else:
                return tuple(vals)
        return None


MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

# Issue 10's keys for the categories it names; for the others, 010 and the category's time
# item (the item titled "Time of Day", or "Time of ..." where a category has no such one:
# what time_key_rule finds in every edition radarbench declares, as
# tests/unit/test_content_match.py checks; a category missing here is keyed by
# time_key_rule when its first record comes). CAT021: 030 is the time of day of editions
# 0.23-0.26, which have no 071/073. CAT150 has no time item: its records are keyed by their
# whole content.
DEFAULT_KEYS_TEXT = (
    "1=010+141+040/042,"
    "2=010+000+030,"
    "4=010+020,"
    "7=010+140,"
    "8=010+090,"
    "9=010+070,"
    "10=010+140,"
    "11=010+140,"
    "15=010+145,"
    "16=010+140,"
    "17=010+140,"
    "18=010+002,"
    "19=010+140,"
    "20=010+140,"
    "21=010+080+071/073/030,"
    "23=010+070,"
    "25=010+070,"
    "32=010+020,"
    "34=010+000+030,"
    "48=010+140+161|010+140+040,"
    "62=010+040+070,"
    "63=010+030,"
    "65=010+030,"
    "205=010+030,"
    "240=010+140,"
    "247=010+140"
)

_ITEM_RE = re.compile(r"^(\d{3}|SP|RE)$")
_SUB_RE = re.compile(r"^[A-Za-z0-9_]+$")
_KEYS_FORM = "CAT=ITEM+ITEM[.SUB]... (alternatives: ITEM/ITEM, forms: FORM|FORM), comma separated: 48=010+140+040,62=010+040+070"


def category_items(cat: int) -> set[str] | None:
    """Items any declared edition of ``cat`` has (None: radarbench declares no edition)."""
    eds = [e for c, e in _editions.known() if c == cat]
    if not eds:
        return None
    out: set[str] = set()
    for e in eds:
        out.update(category_spec(cat, e).items)
    return out


def _parse_rule(cat: int, text: str, part: str, check: bool = True) -> KeyRule:
    known = category_items(cat) if check else None
    forms = []
    for form_text in text.split("|"):
        slots = []
        for slot_text in form_text.split("+"):
            paths = []
            for alt in slot_text.split("/"):
                names = tuple(alt.strip().split("."))
                if not _ITEM_RE.match(names[0]) or not all(_SUB_RE.match(n) for n in names[1:]):
                    raise ValueError(f"match keys: {part!r}: {alt.strip()!r} is not an item (three digits, "
                                     f"SP or RE, sub-fields after '.'); expected {_KEYS_FORM}")
                if known is not None and names[0] not in known:
                    raise ValueError(f"match keys: {part!r}: CAT{cat:03d} has no item {names[0]} in any "
                                     f"edition radarbench declares")
                paths.append(names)
            slots.append(tuple(paths))
        forms.append(tuple(slots))
    return KeyRule(tuple(forms))


def parse_match_keys(text: str, *, check: bool = True) -> dict[int, KeyRule]:
    """{category: KeyRule} from ``"48=010+140+040,62=010+040+070"`` (``--match-keys``).

    Per category: forms joined by ``|`` (the first complete one wins), items by ``+``,
    alternatives by ``/`` (the first present), sub-fields by ``.`` (``161.TRN``). Raises
    ValueError naming the bad part and the expected form, or an item no declared edition of
    the category has (``check=False``: the form only, as for the built-in table).
    """
    out: dict[int, KeyRule] = {}
    if not text or not text.strip():
        raise ValueError(f"match keys: empty; expected {_KEYS_FORM}")
    for part in text.split(","):
        part = part.strip()
        cat_text, sep, rule = part.partition("=")
        if not sep or not rule.strip():
            raise ValueError(f"match keys: {part!r} has no '='; expected {_KEYS_FORM}")
        try:
            cat = int(cat_text.strip().upper().removeprefix("CAT").removeprefix("I"))
        except ValueError:
            raise ValueError(f"match keys: {part!r}: {cat_text.strip()!r} is not a category number; "
                             f"expected {_KEYS_FORM}") from None
        if not 0 <= cat <= 255:
            raise ValueError(f"match keys: {part!r}: category {cat} is not 0..255")
        if cat in out:
            raise ValueError(f"match keys: {part!r}: CAT{cat:03d} given twice")
        out[cat] = _parse_rule(cat, rule.strip(), part, check)
    return out


DEFAULT_KEYS: dict[int, KeyRule] = parse_match_keys(DEFAULT_KEYS_TEXT, check=False)


def time_key_rule(cat: int, edition: str | None = None) -> KeyRule | None:
    """010 + the category edition's time item: the item titled "Time of Day", else the first
    titled "Time of ..." (in UAP order); None if it has no such item or no 010 (or is not
    declared). What a category missing from :data:`DEFAULT_KEYS` is keyed by."""
    spec = spec_or_none(cat, edition)
    if spec is None or "010" not in spec.items:
        return None
    titled = [k for k, it in spec.items.items() if it.title.lower().startswith("time of")]
    day = [k for k in titled if spec.items[k].title.lower() == "time of day"]
    item = (day or titled or [None])[0]
    if item is None:
        return None
    return KeyRule((((("010",),), ((item,),)),))


def freeze(v: Any) -> Any:
    """A hashable copy of a decoded value (dicts as sorted (name, value) tuples, lists as
    tuples)."""
    t = type(v)
    if t is dict:
        # (names are unique, so sorting never compares the values)
        pairs = sorted(v.items())
        for i, (k, x) in enumerate(pairs):
            if type(x) is dict or type(x) is list:
                pairs[i] = (k, freeze(x))
        return tuple(pairs)
    if t is list:
        return tuple([freeze(x) for x in v])
    return v


def key_items(category: int, edition: str | None = None) -> frozenset[str]:
    """Every item that takes part in a key of `category` (DEFAULT_KEYS, else its time item
    rule); empty when the category has no key items (its records are keyed by content)."""
    rule = DEFAULT_KEYS.get(category) or time_key_rule(category, edition)
    if rule is None:
        return frozenset()
    return frozenset(path[0] for form in rule.forms for slot in form for path in slot)


def element_path(category: int, path: tuple[Any, ...]) -> str:
    """An element's name: ``I048/040/RHO``, an index into a repetitive item in brackets:
    ``I048/250[0]/BDS1`` (path: item, then sub-field names and list indices)."""
    text = f"I{category:03d}"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f"/{part}"
    return text


def spec_or_none(cat: int, edition: str | None) -> Any:
    """The category edition's declaration (default edition if None), None if not declared."""
    try:
        return category_spec(cat, edition)
    except (KeyError, ValueError):
        return None


__all__ = ["DEFAULT_KEYS", "DEFAULT_KEYS_TEXT", "MISSING", "KeyRule", "Path", "category_items",
           "element_path", "freeze", "key_items", "parse_match_keys", "spec_or_none", "time_key_rule"]
