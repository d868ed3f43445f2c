"""Probe messages: CAT048 plots that carry a run id and a sequence number, and their parsing.

A probe is a real CAT048 record (010, 140, 020, 040, 070, 161 and SP), so every device on
the path treats it as a plot. Its SP field holds the tag:

    "RB" | run id (4 octets) | sequence number (4 octets) | CRC-16/CCITT of run id + seq (2)

and, for devices that rewrite messages (a gateway turning plots into CAT062 tracks), the
sequence number is also spread over key fields: bits 0-11 in I048/070 Mode 3/A (which every
tracker and gateway carries through, e.g. into I062/060) and bits 12-23 in I048/161 TRN.

Encoding through Construct costs ~150 us a record, so the block is built once and only the
sequence bytes are patched per send. Parsing is fast too: a frame of the expected length is
checked byte for byte against the block the bench would have sent for the sequence numbers
it names (any difference is a corrupted frame); only frames of another shape go through the
full decoder.
"""
from __future__ import annotations

import binascii
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from radarbench.codecs.asterix import DecodeError, decode, encode_one, split_blocks

MAGIC = b"RB"
TAG_LEN = 12  # magic 2, run id 4, seq 4, crc 2
_TAG = struct.Struct(">2sIIH")
_SEQ_CRC = struct.Struct(">IH")
_KEYS = struct.Struct(">HH")  # I048/070 then I048/161: adjacent in the record (FRN 5, FRN 11)
# Which probe field a received key mirrors, and so which bits of seq it carries.
SENT_FIELDS = {"070.MODE3A": 0, "161.TRN": 12}
KEY_BITS = 12
KEY_MASK = (1 << KEY_BITS) - 1
SEQ_LIMIT = 1 << 32

CATEGORY = 48
EDITION = "1.32"
HEADER_LEN = 3


def tag_crc(run_id: int, seq: int) -> int:
    """CRC-16/CCITT over run id and sequence number: catches any flipped bit in the tag."""
    return binascii.crc_hqx(struct.pack(">II", run_id, seq), 0)


def tag_bytes(run_id: int, seq: int) -> bytes:
    """The SP contents of probe `seq` of run `run_id`."""
    return _TAG.pack(MAGIC, run_id, seq, tag_crc(run_id, seq))


def parse_tag(contents: bytes) -> tuple[int, int] | None:
    """(run id, seq) from SP contents, or None if they are not an intact probe tag."""
    if len(contents) != TAG_LEN or contents[:2] != MAGIC:
        return None
    _, run_id, seq, crc = _TAG.unpack(contents)
    if crc != tag_crc(run_id, seq):
        return None
    return run_id, seq


class Corrupted(Exception):
    """A frame that is not what was sent: undecodable, or a probe whose bytes differ.

    undecodable: True when the frame broke the ASTERIX specification (a decode error).
    """

    def __init__(self, message: str, undecodable: bool = False) -> None:
        super().__init__(message)
        self.undecodable = undecodable


@dataclass
class Parsed:
    """What one received frame held.

    seqs: the sequence numbers of intact probes of this run (possibly several per frame);
    keys: for key matching, the seq bits recovered from key fields (modulo 2^(12 * nkeys));
    foreign: records that are not probes of this run (another run, or other traffic).
    """

    seqs: list[int] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    foreign: int = 0


def _octal_or_int(value: Any) -> int:
    # Octal items decode to their digits as a string ('1234'), raw ones to an int.
    if isinstance(value, str):
        return int(value, 8)
    return int(value)


def parse_match_keys(text: str) -> list[tuple[str, str | None, int]]:
    """'161.TRN,070.MODE3A' -> [('161', 'TRN', 12), ('070', 'MODE3A', 0)].

    Each key is RECEIVED[=SENT]: the received item (and sub-field) that mirrors one of the
    probe's key fields, 070.MODE3A (seq bits 0-11) or 161.TRN (bits 12-23). SENT may be left
    out for a field named MODE3A or TRN (060.MODE3A of a CAT062 track mirrors 070.MODE3A).
    A Mode 3/A key is required. Raises ValueError naming the bad key and the expected form.
    """
    form = "expected RECEIVED[=SENT] keys such as 070.MODE3A, 060.MODE3A or 161.TRN"
    keys: list[tuple[str, str | None, int]] = []
    for part in text.split(","):
        part = part.strip()
        received, _, sent = part.partition("=")
        item, _, sub = received.partition(".")
        if not item or not item.isdigit():
            raise ValueError(f"match key {part!r}: {form}")
        if not sent:
            sent = {"MODE3A": "070.MODE3A", "TRN": "161.TRN"}.get(sub, "")
        if sent not in SENT_FIELDS:
            raise ValueError(f"match key {part!r}: mirrors which probe field (070.MODE3A or 161.TRN)? {form}")
        keys.append((item, sub or None, SENT_FIELDS[sent]))
    shifts = [shift for _, _, shift in keys]
    if 0 not in shifts or len(set(shifts)) != len(shifts):
        raise ValueError(f"--match-keys {text!r}: give one Mode 3/A key (seq bits 0-11) and at most one TRN key")
    return keys


class ProbeCodec:
    """Builds probe blocks (K records each) for one run and parses what comes back.

    run_id: 32-bit id of the run (tells its probes from another run's);
    records_per_block: K probes per datagram / data block, each with its own seq;
    time_of_day_s: I048/140 of every probe (constant: only the tag changes per send).
    editions: {category: edition} to decode received frames that are not byte-identical
    probes (rewritten by a device, other traffic) with, over the defaults.
    Raises ValueError for K outside 1..2000 (a data block holds at most 65535 octets).
    """

    def __init__(self, run_id: int, records_per_block: int = 1, time_of_day_s: float = 0.0,
                 sac: int = 0, sic: int = 1,
                 match_keys: Sequence[tuple[str, str | None, int]] | None = None,
                 editions: Mapping[int, str] | None = None) -> None:
        if not 1 <= records_per_block <= 2000:
            raise ValueError(f"records per block must be 1..2000, not {records_per_block}")
        self.run_id = run_id & 0xFFFFFFFF
        self.k = records_per_block
        self.match_keys = list(match_keys) if match_keys else None
        self.editions = dict(editions) if editions else None
        tod = round(time_of_day_s * 128) / 128 % 86400
        items = {
            "010": {"SAC": sac, "SIC": sic},
            "140": tod,
            "020": {"TYP": 5, "SIM": 1, "RDP": 0, "SPI": 0, "RAB": 0},  # simulated SSR+PSR plot
            "040": {"RHO": 50.0, "THETA": 90.0},
            "070": {"V": 0, "G": 0, "L": 0, "MODE3A": "0000"},
            "161": {"TRN": 0},
            "SP": tag_bytes(self.run_id, 0).hex(),
        }
        _, self.edition, record = encode_one({"category": CATEGORY, "edition": EDITION, "items": items})
        self.record = bytes(record)
        self.record_len = len(record)
        # The tag is the last item (SP, FRN 27), so it ends the record; 070 and 161 sit at a
        # fixed place after the fixed-size items before them (checked by a decode below).
        self.tag_at = self.record_len - TAG_LEN
        self.keys_at = self._find_keys_at()
        self.block_len = HEADER_LEN + self.k * self.record_len
        if self.block_len > 0xFFFF:
            raise ValueError(f"{self.k} records of {self.record_len} octets do not fit one data block")
        self.block = bytearray(bytes([CATEGORY, self.block_len >> 8, self.block_len & 0xFF])
                               + self.record * self.k)
        self._self_check()

    def _find_keys_at(self) -> int:
        # FSPEC (4 octets: 010 140 020 040 070 | 161 | - | SP) then 010 (2) 140 (3) 020 (1)
        # 040 (4): 070 starts 14 octets in, 161 right after it.
        return 4 + 2 + 3 + 1 + 4

    def _self_check(self) -> None:
        # The offsets above are derived from the layout; prove them once on a real decode
        # rather than trust them for a whole run.
        seq = 0x00ABC123 & 0xFFFFFF
        block = bytes(self.fill(seq))
        rec = decode(block)[0].items
        got = (_octal_or_int(rec["070"]["MODE3A"]), int(rec["161"]["TRN"]))
        want = (seq & KEY_MASK, (seq >> KEY_BITS) & KEY_MASK)
        if got != want or parse_tag(bytes.fromhex(rec["SP"])) != (self.run_id, seq):
            raise AssertionError(f"probe layout check failed: {got} != {want}")

    def fill(self, first_seq: int) -> bytearray:
        """The block for sends whose records carry seqs first_seq .. first_seq + K - 1.

        Returns the codec's one buffer, patched in place: send it before the next fill.
        """
        buf = self.block
        run_id = self.run_id
        at = HEADER_LEN
        for seq in range(first_seq, first_seq + self.k):
            seq &= 0xFFFFFFFF
            _KEYS.pack_into(buf, at + self.keys_at, seq & KEY_MASK, (seq >> KEY_BITS) & KEY_MASK)
            _SEQ_CRC.pack_into(buf, at + self.tag_at + 6, seq,
                               binascii.crc_hqx(struct.pack(">II", run_id, seq), 0))
            at += self.record_len
        return buf

    def expected_record(self, seq: int) -> bytes:
        """The exact bytes of probe `seq` (for comparison with what arrived)."""
        rec = bytearray(self.record)
        _KEYS.pack_into(rec, self.keys_at, seq & KEY_MASK, (seq >> KEY_BITS) & KEY_MASK)
        _SEQ_CRC.pack_into(rec, self.tag_at + 6, seq, tag_crc(self.run_id, seq))
        return bytes(rec)

    def parse(self, frame: bytes) -> Parsed:
        """The probes of this run in a received frame.

        Raises Corrupted for a frame that does not decode, or holds a probe of this run whose
        bytes differ from those sent. Frames of the expected size take a fast path (slices and
        compares, ~1 us a record); others (re-blocked, rewritten, other traffic) are decoded.
        """
        if self.match_keys is None and len(frame) == self.block_len and frame[0] == CATEGORY \
                and frame[1] == self.block_len >> 8 and frame[2] == self.block_len & 0xFF:
            out = Parsed()
            rl, tag_at = self.record_len, self.tag_at
            at = HEADER_LEN
            for _ in range(self.k):
                seq = _probe_seq(frame, at + tag_at, self.run_id)
                if seq is None or frame[at:at + rl] != self.expected_record(seq):
                    # Not byte-identical: maybe another run's probe (foreign), maybe damage.
                    return self._slow(frame)
                out.seqs.append(seq)
                at += rl
            return out
        return self._slow(frame)

    def _slow(self, frame: bytes) -> Parsed:
        try:
            bounds = list(split_blocks(frame))
            records = decode(frame, editions=self.editions)
        except DecodeError as exc:
            raise Corrupted(str(exc), undecodable=True) from None
        out = Parsed()
        other_runs = 0
        for i, rec in enumerate(records):
            if self.match_keys is not None:
                key = self._key_of(rec.items)
                if key is None:
                    out.foreign += 1
                else:
                    out.keys.append(key)
                continue
            sp = rec.items.get("SP")
            tag = parse_tag(bytes.fromhex(sp)) if isinstance(sp, str) and len(sp) == 2 * TAG_LEN else None
            if tag is None:
                if isinstance(sp, str) and sp.startswith(MAGIC.hex()) and len(sp) == 2 * TAG_LEN:
                    raise Corrupted("probe tag fails its CRC")
                if len(frame) == self.block_len:
                    # The size of our probe blocks but no intact tag: damage in the tag's
                    # magic or the FSPEC, far likelier than stray traffic of the same size.
                    raise Corrupted("a frame of probe size without an intact tag")
                out.foreign += 1
                continue
            run_id, seq = tag
            if run_id != self.run_id:
                # An intact probe of another bench (two runs sharing a port or a group).
                out.foreign += 1
                other_runs += 1
                continue
            if rec.category == CATEGORY and rec.offset is not None:
                # A CAT048 probe of ours must be byte-identical to what was sent.
                nxt = records[i + 1].offset if i + 1 < len(records) and records[i + 1].block == rec.block else None
                end = nxt if nxt is not None else _block_end(bounds, rec.offset)
                if frame[rec.offset:end] != self.expected_record(seq):
                    raise Corrupted(f"probe {seq} differs from what was sent")
            out.seqs.append(seq)
        if self.match_keys is None and len(frame) == self.block_len \
                and len(out.seqs) + other_runs != self.k:
            # The size of one of our blocks, yet not K intact probes (a flipped CAT octet makes
            # an "unknown category" block that decodes to nothing): damage, not stray traffic.
            raise Corrupted("a frame of probe size without its probes")
        return out

    def _key_of(self, items: dict[str, Any]) -> int | None:
        assert self.match_keys is not None
        key = 0
        for item, sub, shift in self.match_keys:
            value = items.get(item)
            if value is None:
                return None
            if sub is not None:
                if not isinstance(value, dict) or sub not in value:
                    return None
                value = value[sub]
            try:
                key |= (_octal_or_int(value) & KEY_MASK) << shift
            except (TypeError, ValueError):
                return None
        return key

    @property
    def key_modulus(self) -> int:
        """Key matching recovers seq modulo this (2^12 per key)."""
        return 1 << (KEY_BITS * len(self.match_keys or ()))


def _probe_seq(frame: bytes, tag_at: int, run_id: int) -> int | None:
    if frame[tag_at:tag_at + 2] != MAGIC:
        return None
    _, rid, seq, _crc = _TAG.unpack_from(frame, tag_at)  # the CRC is checked by the byte compare
    if rid != run_id:
        return None
    return seq


def _block_end(bounds: list[tuple[int, int, int]], offset: int) -> int:
    for p, _cat, end in bounds:
        if p <= offset < end:
            return end
    return offset
