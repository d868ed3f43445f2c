"""A file of bare ASTERIX data blocks (.ast, raw), read in pieces of whole blocks.

A recording of a line or a LAN can be gigabytes; reading it whole costs its size in memory
(twice, while a decoder copies it). ``iter_pieces`` reads a bounded amount at a time and
hands out runs of whole data blocks (cut on their LEN fields), each with the file offset of
its first octet and the index of its first block, so that a decoder fed one run at a time
reports file offsets and block numbers as if it had been given the whole file. Memory stays
at about one piece plus one block (LEN is at most 65535), whatever the file's size.

A block header that cannot be cut (LEN below 4, or past the end of the file, or fewer than 3
octets left) ends the reading: the run handed out last then holds everything from the start
of that run up to that header and the octets after it that were read, so that the decoder
finds the broken header itself and says what is wrong with it. The piece is not split at a
header it cannot read, whatever the rest of the file holds.
"""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple

from radarbench.codecs.asterix.record import BLOCK_HEADER_LEN as HEADER_LEN  # CAT, LEN

PIECE_SIZE = 256 * 1024  # octets read at a time: a few thousand records


class Piece(NamedTuple):
    """Whole data blocks (the last run may end with a header that breaks), where they start."""

    data: bytes
    offset: int  # file offset of data[0]
    block: int   # index in the file of the first block of data


def iter_pieces(path: str | Path, piece_size: int = PIECE_SIZE) -> Iterator[Piece]:
    """Runs of whole data blocks of the file, in order, about ``piece_size`` octets each.

    Raises OSError if the file cannot be read.
    """
    with open(path, "rb") as f:
        yield from read_pieces(f, piece_size)


def read_pieces(f: BinaryIO, piece_size: int = PIECE_SIZE) -> Iterator[Piece]:
    """``iter_pieces`` of an open binary file, read from where it stands."""
    offset = 0  # file offset of carry[0]
    block = 0
    carry = b""  # the octets of the block cut off by the end of the last read
    while True:
        chunk = f.read(piece_size)
        if not chunk:  # end of file: whatever is left is a block the file cuts short
            if carry:
                yield Piece(carry, offset, block)
            return
        data = carry + chunk if carry else chunk
        n = len(data)
        p = 0
        blocks = 0
        broken = False
        while n - p >= HEADER_LEN:
            length = data[p + 1] << 8 | data[p + 2]
            if length <= HEADER_LEN:
                broken = True  # nothing after this header can be found
                break
            if p + length > n:
                break  # the rest of this block is in the next read (or the file ends)
            p += length
            blocks += 1
        if broken:
            yield Piece(data, offset, block)
            return
        if p:
            yield Piece(data[:p] if p < n else data, offset, block)
        carry = data[p:] if p < n else b""
        offset += p
        block += blocks
