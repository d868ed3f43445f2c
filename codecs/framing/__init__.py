"""Line framings for byte streams (serial lines): HDLC-like frames and bare data blocks.

Both offer one interface (`Framer`, `Deframer`); `make_framer("hdlc" | "raw")` picks one.
"""
from __future__ import annotations

from radarbench.codecs.framing.base import Deframer, Framer
from radarbench.codecs.framing.hdlc import (
    FCS_GOOD_RESIDUE,
    HDLC_FRAME,
    HdlcDeframer,
    HdlcFrame,
    HdlcFramer,
    encode_frame,
    fcs16,
    stuff,
)
from radarbench.codecs.framing.raw import RawDeframer, RawFramer

FRAMINGS: dict[str, type] = {"hdlc": HdlcFramer, "raw": RawFramer}


def make_framer(name: str) -> Framer:
    """Return the framing called `name` with its default settings.

    Raises ValueError for a name that is not in FRAMINGS.
    """
    try:
        return FRAMINGS[name]()
    except KeyError:
        raise ValueError(f"unknown framing {name!r}; expected one of {', '.join(FRAMINGS)}") from None


__all__ = [
    "Deframer",
    "FCS_GOOD_RESIDUE",
    "FRAMINGS",
    "Framer",
    "HDLC_FRAME",
    "HdlcDeframer",
    "HdlcFrame",
    "HdlcFramer",
    "RawDeframer",
    "RawFramer",
    "encode_frame",
    "fcs16",
    "make_framer",
    "stuff",
]
