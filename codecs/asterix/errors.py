"""The two errors of the ASTERIX codecs: bad bytes (DecodeError) and bad values (EncodeError)."""
from __future__ import annotations


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
        where = []
        if self.category is not None:
            where.append(f"CAT{self.category:03d}")
        if self.item is not None:
            where.append(f"item {self.item}" if self.item[:1].isdigit() or self.item in ("SP", "RE") else self.item)
        if self.offset is not None:
            where.append(f"byte offset {self.offset}")
        return (", ".join(where) + ": " if where else "") + self.reason

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
        where = []
        if self.category is not None:
            where.append(f"CAT{self.category:03d}")
        if self.item is not None:
            where.append(f"item {self.item}")
        return (", ".join(where) + ": " if where else "") + self.reason
