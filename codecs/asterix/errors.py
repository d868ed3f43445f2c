"""The two errors of the ASTERIX codecs: bad bytes (DecodeError) and bad values (EncodeError)."""
from __future__ import annotations

import re

# The warning of a record whose FSPEC announces no item, read in lenient mode as a record of
# no items (as libasterix reads it; some producers pad a data block with 00 octets).
EMPTY_RECORD = "FSPEC announces no item (an empty record, or padding octets 00)"

# The warning (strict mode: the error) of an FSPEC whose last octet, after one with FX set,
# is 00: it announces nothing, and encoding the record leaves it out, so the bytes would
# not come back (`0d 00` -> `0c`: a newcomer found 14 of 4,080 random decodable blocks so).
FSPEC_ZERO_OCTET = "the FSPEC's last octet is 00 (no item, FX 0): a redundant octet, which encoding leaves out"
# The same of a compound item's primary subfield (`01 00` read as {}, encoded as `00`).
PRIMARY_ZERO_OCTET = ("the primary subfield's last octet is 00 (no sub-item, FX 0): a redundant octet, "
                      "which encoding leaves out")

# Every warning a decoder writes says where: "CAT048 item 020 at byte offset 17: ..."
_WARNING_AT = re.compile(r" at byte offset (\d+):")


def warning_at(warning: str, base: int) -> str:
    """The same warning with its byte offset moved by ``base``, as DecodeError.at moves an
    error's (a record decoded from a piece of a larger input: a file read in pieces)."""
    return _WARNING_AT.sub(lambda m: f" at byte offset {int(m.group(1)) + base}:", warning, count=1)


def _where(category: int | None, item: str | None, offset: int | None = None) -> str:
    """'CAT048, item 040, byte offset 17: ' (the parts that are known)."""
    parts = []
    if category is not None:
        parts.append(f"CAT{category:03d}")
    if item is not None:
        parts.append(f"item {item}" if item[:1].isdigit() or item[:2] in ("SP", "RE") else item)
    if offset is not None:
        parts.append(f"byte offset {offset}")
    return ", ".join(parts) + ": " if parts else ""


class DecodeError(ValueError):
    """Bytes that break the specification.

    Carries where it broke: the category, the item (``"040"``, ``"FSPEC"``, ``"block"``...),
    the byte offset from the start of the input given to ``decode``, and what was expected.
    """

    def __init__(
        self,
        reason: str,
        *,
        category: int | None = None,
        item: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.reason = reason
        self.category = category
        self.item = item
        self.offset = offset
        super().__init__(str(self))

    def __str__(self) -> str:
        return _where(self.category, self.item, self.offset) + self.reason

    def at(self, base: int) -> "DecodeError":
        """The same error with its offset moved by ``base`` (for a block inside a larger input)."""
        return DecodeError(
            self.reason,
            category=self.category,
            item=self.item,
            offset=None if self.offset is None else self.offset + base,
        )


class EncodeError(ValueError):
    """Values that cannot be encoded: names the item (and sub-field path) and the reason."""

    def __init__(self, reason: str, *, category: int | None = None, item: str | None = None) -> None:
        self.reason = reason
        self.category = category
        self.item = item
        super().__init__(str(self))

    def __str__(self) -> str:
        return _where(self.category, self.item) + self.reason
