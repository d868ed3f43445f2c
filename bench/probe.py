"""Probe messages: ASTERIX records that carry a run id and a sequence number, and their parsing.

A probe is a real record of one of three categories, so every device on the path treats it
as its own kind of traffic:

- CAT048 (edition 1.32, the default) a target report: 010, 140, 020, 040, 070, 161, SP;
- CAT062 (edition 1.21) a system track: 010, 015, 070, 105 (WGS-84), 060, 040, 080, SP;
- CAT034 (edition 1.29) a service message, a sector crossing: 010, 000, 030, 020, SP.

Its SP field holds the tag, and SP is the last item present in each (FRN 27 of 28 in CAT048,
35 of 35 in CAT062, 14 of 14 in CAT034; the CAT048 probe has no RE), so the tag ends the record:

    "RB" | run id (4 octets) | sequence number (4 octets) | CRC-16/CCITT of run id + seq (2)

and, for devices that rewrite messages (a gateway turning plots into CAT062 tracks), the
sequence number is also spread over key fields: bits 0-11 in Mode 3/A (I048/070, which every
tracker and gateway carries through, e.g. into I062/060; I062/060 in a CAT062 probe) and bits
12-23 in the track number (I048/161 TRN; I062/040 in a CAT062 probe). A CAT034 probe has no
such field: it is matched by its tag alone.

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
# Mode 3/A then track number: adjacent in the record (I048/070 FRN 5 and I048/161 FRN 11;
# I062/060 FRN 9 and I062/040 FRN 12), 12 bits of seq in the low bits of 16 each.
_KEYS = struct.Struct(">HH")
# Which probe field a received key mirrors, and so which bits of seq it carries.
SENT_FIELDS = {"070.MODE3A": 0, "161.TRN": 12, "060.MODE3A": 0, "040": 12}
KEY_BITS = 12
KEY_MASK = (1 << KEY_BITS) - 1
SEQ_LIMIT = 1 << 32

CATEGORY = 48       # the default probe category
EDITION = "1.32"    # its edition
# The edition each probe category is encoded with.
PROBE_EDITIONS = {48: "1.32", 62: "1.21", 34: "1.29"}
PROBE_CATEGORIES = tuple(PROBE_EDITIONS)
# The probe's key fields (Mode 3/A: seq bits 0-11, track number: bits 12-23) per category.
KEY_FIELDS: dict[int, tuple[str, str]] = {48: ("070.MODE3A", "161.TRN"), 62: ("060.MODE3A", "040")}
HEADER_LEN = 3
# Where a CAT062 probe is (I062/105), WGS-84 degrees: any fixed position does (these two are
# whole multiples of the LSB, 180/2^25 deg, so they decode as written).
PROBE_LAT_DEG = 45.0
PROBE_LON_DEG = 22.5


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


def check_probe_category(category: int, match_keys: bool = False) -> None:
    """Raises ValueError when `category` has no probe (48, 62 and 34 have), or when key
    matching is asked of CAT034 probes, which carry no key field."""
    if category not in PROBE_EDITIONS:
        raise ValueError(f"category {category}: probes are CAT048 target reports, CAT062 system tracks "
                         "or CAT034 service messages (48, 62 or 34)")
    if match_keys and category not in KEY_FIELDS:
        raise ValueError(f"CAT{category:03d} probes carry no key field (no Mode 3/A, no track number): "
                         "they are matched by their SP tag alone, so give no match keys")


def parse_match_keys(text: str) -> list[tuple[str, str | None, int]]:
    """'161.TRN,070.MODE3A' -> [('161', 'TRN', 12), ('070', 'MODE3A', 0)].

    Each key is RECEIVED[=SENT]: the received item (and sub-field) that mirrors one of the
    probe's key fields: 070.MODE3A or 060.MODE3A (seq bits 0-11: Mode 3/A of a CAT048 or a
    CAT062 probe), 161.TRN or 040 (bits 12-23: the track number of a CAT048 or a CAT062
    probe). SENT may be left out for a received field named MODE3A or TRN (060.MODE3A of a
    CAT062 track mirrors 070.MODE3A), and for a received key that is one of those four.
    A Mode 3/A key is required. Raises ValueError naming the bad key and the expected form.
    """
    form = "expected RECEIVED[=SENT] keys such as 070.MODE3A, 060.MODE3A, 161.TRN or 040"
    keys: list[tuple[str, str | None, int]] = []
    for part in text.split(","):
        part = part.strip()
        received, _, sent = part.partition("=")
        item, _, sub = received.partition(".")
        if not item or not item.isdigit():
            raise ValueError(f"match key {part!r}: {form}")
        if not sent:
            sent = received if received in SENT_FIELDS else {"MODE3A": "070.MODE3A", "TRN": "161.TRN"}.get(sub, "")
        if sent not in SENT_FIELDS:
            raise ValueError(f"match key {part!r}: mirrors which probe field (070.MODE3A or 060.MODE3A: "
                             f"seq bits 0-11; 161.TRN or 040: bits 12-23)? {form}")
        keys.append((item, sub or None, SENT_FIELDS[sent]))
    shifts = [shift for _, _, shift in keys]
    if 0 not in shifts or len(set(shifts)) != len(shifts):
        raise ValueError(f"--match-keys {text!r}: give one Mode 3/A key (seq bits 0-11) and at most one TRN key")
    return keys


def _probe_items(category: int, run_id: int, tod: float, sac: int, sic: int) -> dict[str, Any]:
    """The items of a probe record of `category` with seq 0 (the key fields and tag zero)."""
    tag = tag_bytes(run_id, 0).hex()
    if category == 62:
        return {
            "010": {"SAC": sac, "SIC": sic},
            "015": 1,                                                    # service identification
            "070": tod,
            "105": {"LAT": PROBE_LAT_DEG, "LON": PROBE_LON_DEG},
            "060": {"V": 0, "G": 0, "CH": 0, "MODE3A": "0000"},
            "040": 0,
            # monosensor, confirmed; simulated (the first extension, as SIM of the CAT048 probe)
            "080": {"MON": 1, "SPI": 0, "MRH": 0, "SRC": 0, "CNF": 0,
                    "SIM": 1, "TSE": 0, "TSB": 0, "FPC": 0, "AFF": 0, "STP": 0, "KOS": 0},
            "SP": tag,
        }
    if category == 34:
        return {
            "010": {"SAC": sac, "SIC": sic},
            "000": 2,                                                    # sector crossing
            "030": tod,
            "020": 90.0,
            "SP": tag,
        }
    return {
        "010": {"SAC": sac, "SIC": sic},
        "140": tod,
        "020": {"TYP": 5, "SIM": 1, "RDP": 0, "SPI": 0, "RAB": 0},  # simulated SSR+PSR plot
        "040": {"RHO": 50.0, "THETA": 90.0},
        "070": {"V": 0, "G": 0, "L": 0, "MODE3A": "0000"},
        "161": {"TRN": 0},
        "SP": tag,
    }


def _field(items: dict[str, Any], name: str) -> Any:
    """items["070"]["MODE3A"] for "070.MODE3A", items["040"] for "040"."""
    item, _, sub = name.partition(".")
    value = items.get(item)
    return value.get(sub) if sub and isinstance(value, dict) else value


class ProbeCodec:
    """Builds probe blocks (K records each) for one run and parses what comes back.

    run_id: 32-bit id of the run (tells its probes from another run's);
    records_per_block: K probes per datagram / data block, each with its own seq;
    time_of_day_s: the time of day of every probe (I048/140, I062/070, I034/030; constant:
    only the tag and key fields change per send);
    match_keys: from parse_match_keys, to match rewritten messages by key fields;
    editions: {category: edition} to decode received frames that are not byte-identical
    probes (rewritten by a device, other traffic) with, over the defaults;
    category: 48 (a CAT048 target report, the default), 62 (a CAT062 system track) or 34 (a
    CAT034 sector crossing), in the edition PROBE_EDITIONS gives (module docstring).
    Raises ValueError for K outside 1..2000 (a data block holds at most 65535 octets), a
    category with no probe, or match keys with CAT034 probes (check_probe_category).
    """

    def __init__(self, run_id: int, records_per_block: int = 1, time_of_day_s: float = 0.0,
                 sac: int = 0, sic: int = 1,
                 match_keys: Sequence[tuple[str, str | None, int]] | None = None,
                 editions: Mapping[int, str] | None = None, category: int = CATEGORY) -> None:
        if not 1 <= records_per_block <= 2000:
            raise ValueError(f"records per block must be 1..2000, not {records_per_block}")
        check_probe_category(category, bool(match_keys))
        self.category = category
        self.run_id = run_id & 0xFFFFFFFF
        self.k = records_per_block
        self.match_keys = list(match_keys) if match_keys else None
        self.editions = dict(editions) if editions else None
        tod = round(time_of_day_s * 128) / 128 % 86400
        items = _probe_items(category, self.run_id, tod, sac, sic)
        _, self.edition, record = encode_one({"category": category, "edition": PROBE_EDITIONS[category],
                                              "items": items})
        self.record = bytes(record)
        self.record_len = len(record)
        # The tag is the last item (SP), so it ends the record; the key fields sit at a fixed
        # place after the fixed-size items before them (checked by a decode below).
        self.tag_at = self.record_len - TAG_LEN
        self.keys_at = self._find_keys_at()
        self.block_len = HEADER_LEN + self.k * self.record_len
        if self.block_len > 0xFFFF:
            raise ValueError(f"{self.k} records of {self.record_len} octets do not fit one data block")
        self.block = bytearray(bytes([category, self.block_len >> 8, self.block_len & 0xFF])
                               + self.record * self.k)
        self._self_check()

    def _find_keys_at(self) -> int | None:
        if self.category == 62:
            # FSPEC (5 octets: FRN 1-35, SP is FRN 35) then 010 (2) 015 (1) 070 (3) 105 (8):
            # 060 starts 19 octets in, 040 right after it (245 and 380 absent).
            return 5 + 2 + 1 + 3 + 8
        if self.category == 34:
            return None  # no key field
        # FSPEC (4 octets: 010 140 020 040 070 | 161 | - | SP) then 010 (2) 140 (3) 020 (1)
        # 040 (4): 070 starts 14 octets in, 161 right after it.
        return 4 + 2 + 3 + 1 + 4

    def _self_check(self) -> None:
        # The offsets above are derived from the layout; prove them once on a real decode
        # rather than trust them for a whole run.
        seq = 0x00ABC123 & 0xFFFFFF
        block = bytes(self.fill(seq))
        recs = decode(block, editions={self.category: self.edition})
        rec = recs[0].items
        fields = KEY_FIELDS.get(self.category)
        if fields is not None:
            got = (_octal_or_int(_field(rec, fields[0])), int(_field(rec, fields[1])))
            want = (seq & KEY_MASK, (seq >> KEY_BITS) & KEY_MASK)
            if got != want:
                raise AssertionError(f"probe layout check failed: {got} != {want}")
        if recs[0].category != self.category or parse_tag(bytes.fromhex(rec["SP"])) != (self.run_id, seq):
            raise AssertionError(f"probe layout check failed: the tag of CAT{self.category:03d} probe {seq}")

    def fill(self, first_seq: int) -> bytearray:
        """The block for sends whose records carry seqs first_seq .. first_seq + K - 1.

        Returns the codec's one buffer, patched in place: send it before the next fill.
        """
        buf = self.block
        run_id = self.run_id
        at = HEADER_LEN
        if self.keys_at is None:
            for seq in range(first_seq, first_seq + self.k):
                seq &= 0xFFFFFFFF
                _SEQ_CRC.pack_into(buf, at + self.tag_at + 6, seq,
                                   binascii.crc_hqx(struct.pack(">II", run_id, seq), 0))
                at += self.record_len
            return buf
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
        if self.keys_at is not None:
            _KEYS.pack_into(rec, self.keys_at, seq & KEY_MASK, (seq >> KEY_BITS) & KEY_MASK)
        _SEQ_CRC.pack_into(rec, self.tag_at + 6, seq, tag_crc(self.run_id, seq))
        return bytes(rec)

    def parse(self, frame: bytes) -> Parsed:
        """The probes of this run in a received frame.

        Raises Corrupted for a frame that does not decode, or holds a probe of this run whose
        bytes differ from those sent. Frames of the expected size take a fast path (slices and
        compares, ~1 us a record); others (re-blocked, rewritten, other traffic) are decoded.
        """
        if self.match_keys is None and len(frame) == self.block_len and frame[0] == self.category \
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
            if rec.category == self.category and rec.offset is not None:
                # A probe of ours in the category we send must be byte-identical to what was sent.
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
