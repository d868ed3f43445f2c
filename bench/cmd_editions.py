"""`radarbench editions`, `radarbench inspect` and `radarbench generate-editions`.

editions: every category edition radarbench has a declaration of (category, edition, title,
the default marked, the RE expansions known for the category), as a table or --json.

inspect FILE (bare data blocks or a pcap/pcapng capture): for each category in the file, its
data blocks and records, and for each known edition of that category whether it decodes
every record, strict (spare bits must be zero) and lenient, or where it first fails (block,
byte offset, item, reason) and in how many blocks; then which edition to use: the default if
it decodes everything, else the editions that do (`--edition CAT=ED`). Categories without a
declaration are listed as skipped with their block count. Exit 0 when every category with a
declaration has an edition that decodes all of it (and the data blocks frame cleanly), 1
otherwise, 2 for a file that cannot be read as blocks or a capture.

generate-editions SPECS_DIR [--out DIR]: regenerate the category declarations from an
asterix-specs checkout (radarbench.codecs.asterix.generator).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radarbench.bench.cli import UserError
from radarbench.codecs.asterix import DecodeError, iter_decode, split_blocks
from radarbench.codecs.asterix import editions as registry

GENERATOR = "radarbench.codecs.asterix.generator"


def add_parser(sub: Any) -> None:
    e = sub.add_parser("editions", help="list the ASTERIX category editions radarbench knows",
                       description="Every category edition with a declaration: category, edition, "
                                   "title, the default (*) and the RE expansions known.")
    e.add_argument("category", nargs="*", type=int, metavar="CAT", help="only these categories")
    e.add_argument("--json", action="store_true", help="JSON on stdout instead of a table")
    e.set_defaults(func=run_editions)

    i = sub.add_parser("inspect", help="which edition decodes a file: per category, every known edition tried",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("file", help="bare data blocks (.ast, raw), or a pcap/pcapng capture")
    i.add_argument("--json", action="store_true", help="JSON on stdout instead of text")
    i.set_defaults(func=run_inspect)

    g = sub.add_parser("generate-editions", help="regenerate the category declarations from asterix-specs",
                       description="Regenerate every category edition's declaration from the .ast "
                                   "files of an asterix-specs checkout (the folder holding specs/catNNN/).")
    g.add_argument("specs_dir", metavar="SPECS_DIR", help="an asterix-specs checkout (or its specs/ folder)")
    g.add_argument("--commit", metavar="SHA", help="the asterix-specs commit to name in each file "
                                                   "(default: the one the checkout's README.md names)")
    g.add_argument("--out", metavar="DIR", help="where to write the package (default: the installed "
                                                "radarbench.codecs.asterix.categories)")
    g.set_defaults(func=run_generate)


# ------------------------------------------------------------------ editions


def _version(ed: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in ed.split("."))
    except ValueError:
        return (0,)


def _title(load: Any, cat: int, ed: str) -> str:
    try:
        return str(getattr(load(cat, ed), "title", ""))
    except Exception as exc:  # a declaration that does not load is shown, not fatal to the list
        return f"(does not load: {exc})"


def edition_table(categories: list[int] | None = None) -> dict[str, Any]:
    """The registry as data: {"editions": [...], "refs": [...]} (refs: [] if none known)."""
    wanted = set(categories or ())
    rows = []
    known_refs = getattr(registry, "known_refs", None)  # not in every registry
    load_ref = getattr(registry, "load_ref", None)
    refs = sorted(known_refs() if known_refs else [], key=lambda ce: (ce[0], _version(ce[1])))
    refs_of: dict[int, list[str]] = {}
    for cat, ed in refs:
        refs_of.setdefault(cat, []).append(ed)
    for cat, ed in registry.known():
        if wanted and cat not in wanted:
            continue
        rows.append({"category": cat, "edition": ed, "title": _title(registry.load, cat, ed),
                     "default": registry.DEFAULT_EDITIONS.get(cat) == ed,
                     "refs": refs_of.get(cat, [])})
    ref_rows = [{"category": cat, "edition": ed,
                 "title": _title(load_ref, cat, ed) if load_ref else ""}
                for cat, ed in refs if not wanted or cat in wanted]
    return {"editions": rows, "refs": ref_rows}


def run_editions(args: argparse.Namespace) -> int:
    table = edition_table(args.category)
    if args.category and not table["editions"]:
        raise UserError("no declaration of " + ", ".join(f"CAT{c:03d}" for c in args.category)
                        + "; `radarbench editions` lists the known ones")
    out = sys.stdout
    if args.json:
        json.dump(table, out, indent=1, ensure_ascii=False)
        out.write("\n")
        return 0
    rows = table["editions"]
    with_refs = any(r["refs"] for r in rows)
    ed_w = max([len("EDITION")] + [len(r["edition"]) for r in rows])
    title_w = max([len("TITLE")] + [len(r["title"]) for r in rows])
    head = f"{'CAT':<4} {'EDITION':<{ed_w}}  {'DEFAULT':<7}  {'TITLE':<{title_w}}"
    out.write((head + ("  REF" if with_refs else "")).rstrip() + "\n")
    for r in rows:
        line = (f"{r['category']:03d}  {r['edition']:<{ed_w}}  {'*' if r['default'] else '':<7}  "
                f"{r['title']:<{title_w}}")
        if with_refs:
            line += "  " + ", ".join(r["refs"])
        out.write(line.rstrip() + "\n")
    cats = {r["category"] for r in rows}
    out.write(f"{len(rows)} editions of {len(cats)} categories; * = the default "
              "(--edition CAT=ED picks another)\n")
    return 0


# ------------------------------------------------------------------ inspect


@dataclass(slots=True)
class Block:
    """One data block of the input: its index (from 0, over the whole file), where it starts
    (byte offset in the file, or in its datagram), the capture frame it came in, its bytes."""

    index: int
    offset: int
    frame: int | None
    data: bytes


@dataclass
class Trial:
    """One edition tried on every block of its category, in one mode (strict or lenient)."""

    records: int = 0                 # records decoded
    failed_blocks: int = 0           # blocks where decoding broke
    warned_records: int = 0          # records decoded with warnings (lenient mode)
    warning_kinds: dict[str, int] = field(default_factory=dict)  # kind of warning -> records
    first_error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.failed_blocks == 0

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "records": self.records, "failed_blocks": self.failed_blocks,
                # decoding breaks at one record a block; the records after it cannot be found
                "records_failed": self.failed_blocks,
                "warned_records": self.warned_records, "warning_kinds": dict(self.warning_kinds),
                "first_error": self.first_error}


def warning_kind(text: str) -> str:
    """What a lenient decode's warning is about, in a few words (for counting)."""
    if "spare" in text:
        return "non-zero spare bits"
    if "FSPEC announces no item" in text:
        return "an empty FSPEC (00)"
    if "do not parse as REF" in text:
        return "RE contents not as its expansion"
    return "other warnings"


def _trial(blocks: list[Block], cat: int, ed: str, strict: bool) -> Trial:
    t = Trial()
    chosen = {cat: ed}
    for b in blocks:
        try:
            for r in iter_decode(b.data, strict=strict, editions=chosen):
                t.records += 1
                if r.warnings:
                    t.warned_records += 1
                    for kind in {warning_kind(w) for w in r.warnings}:
                        t.warning_kinds[kind] = t.warning_kinds.get(kind, 0) + 1
        except DecodeError as exc:
            t.failed_blocks += 1
            if t.first_error is None:
                t.first_error = {"block": b.index, "frame": b.frame,
                                 "offset": b.offset + (exc.offset or 0),
                                 "item": exc.item, "reason": exc.reason}
    return t


@dataclass
class Inspection:
    """What inspect found in one file."""

    path: str
    capture: bool
    payloads: int = 0                                  # datagrams/LLC frames (1 for a bare file)
    blocks: dict[int, list[Block]] = field(default_factory=dict)
    framing_errors: int = 0                            # payloads whose blocks broke off
    first_framing_error: dict[str, Any] | None = None
    unread: dict[str, int] = field(default_factory=dict)


def read_blocks(path: Path) -> Inspection:
    """Every data block of the file, by category. Raises UserError for a file that cannot be
    read or holds no data block at all."""
    from radarbench.bench.cmd_codec import check_input, inputs
    from radarbench.rigs.pcapfile import Unread, is_pcap

    check_input(path)
    found = Inspection(str(path), is_pcap(path))
    unread = Unread()
    index = 0
    try:
        for data, extra in inputs(path, unread):
            found.payloads += 1
            frame = extra.get("frame")
            try:
                for p, cat, end in split_blocks(data):
                    found.blocks.setdefault(cat, []).append(Block(index, p, frame, data[p:end]))
                    index += 1
            except DecodeError as exc:
                found.framing_errors += 1
                if found.first_framing_error is None:
                    found.first_framing_error = {"frame": frame, "offset": exc.offset,
                                                 "reason": exc.reason}
    except ValueError as exc:  # not a capture scapy can read
        raise UserError(str(exc)) from None
    found.unread = dict(unread)
    if not found.blocks:
        if not found.payloads or (not found.capture and not path.stat().st_size):
            raise UserError(f"{path}: empty file, no data blocks")
        e = found.first_framing_error or {}
        where = f"frame {e['frame']}, " if e.get("frame") else ""
        raise UserError(f"{path}: no ASTERIX data blocks found ({where}offset {e.get('offset')}: "
                        f"{e.get('reason')}); expected bare data blocks (CAT, LEN, records) or a pcap")
    return found


def _recommend(cat: int, tried: dict[str, dict[str, Trial]]) -> dict[str, Any]:
    default = registry.DEFAULT_EDITIONS.get(cat)
    full = [ed for ed, t in tried.items() if t["lenient"].ok]
    strict_full = [ed for ed in full if tried[ed]["strict"].ok]
    newest_first = sorted(full, key=_version, reverse=True)
    if default in full:
        choice, how = default, f"the default, {default}, decodes every record"
        if default not in strict_full:
            kinds = ", ".join(sorted(tried[default]["lenient"].warning_kinds)) or "warnings"
            how += f" (lenient, with {kinds}; --strict rejects them)"
    elif full:
        choice = newest_first[0]
        how = (f"{'editions ' + ', '.join(newest_first) + ' decode' if len(full) > 1 else choice + ' decodes'}"
               f" every record, the default ({default}) does not: use --edition {cat}={choice}")
    else:
        choice = None
        best = min(tried, key=lambda ed: (tried[ed]["lenient"].failed_blocks, [-x for x in _version(ed)]))
        n = tried[best]["lenient"].failed_blocks
        how = (f"no known edition decodes every record; fewest failures: {best} "
               f"({n} block{'s' if n != 1 else ''} fail)")
    return {"choice": choice, "default": choice is not None and choice == default,
            "editions": newest_first, "strict": sorted(strict_full, key=_version, reverse=True),
            "text": how}


def inspect_file(path: Path) -> dict[str, Any]:
    """inspect's findings as data (what --json prints). Raises UserError."""
    found = read_blocks(path)
    editions_of: dict[int, list[str]] = {}
    for cat, ed in registry.known():
        editions_of.setdefault(cat, []).append(ed)
    cats = []
    ok = found.framing_errors == 0
    for cat in sorted(found.blocks):
        blocks = found.blocks[cat]
        entry: dict[str, Any] = {"category": cat, "blocks": len(blocks)}
        if cat not in editions_of:
            entry.update(skipped=True, reason="no specification known")
            cats.append(entry)
            continue
        tried: dict[str, dict[str, Trial]] = {}
        for ed in editions_of[cat]:
            strict = _trial(blocks, cat, ed, strict=True)
            # what decodes strictly decodes alike leniently (lenient only accepts more)
            lenient = strict if strict.ok else _trial(blocks, cat, ed, strict=False)
            tried[ed] = {"strict": strict, "lenient": lenient}
        rec = _recommend(cat, tried)
        ok = ok and rec["choice"] is not None
        chosen = rec["choice"]
        entry.update(
            skipped=False,
            records=tried[chosen]["lenient"].records if chosen else None,
            editions=[{"edition": ed, "default": registry.DEFAULT_EDITIONS.get(cat) == ed,
                       "strict": t["strict"].to_json(), "lenient": t["lenient"].to_json()}
                      for ed, t in tried.items()],
            recommendation=rec,
        )
        cats.append(entry)
    from radarbench.bench.cmd_codec import framing

    return {"file": str(path), "format": "pcap" if found.capture else framing(path) or "data blocks",
            "payloads": found.payloads, "frames_not_read": found.unread,
            "blocks": sum(len(b) for b in found.blocks.values()),
            "framing_errors": found.framing_errors, "first_framing_error": found.first_framing_error,
            "categories": cats, "ok": ok}


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _where(e: dict[str, Any]) -> str:
    frame = f" (frame {e['frame']})" if e.get("frame") is not None else ""
    item = f" item {e['item']}" if e.get("item") else ""
    return f"block {e['block']}{frame}, offset {e['offset']}{item}: {e['reason']}"


def _mode_text(t: dict[str, Any], blocks: int) -> str:
    if t["ok"]:
        kinds = t.get("warning_kinds") or {}
        warned = ("; " + ", ".join(f"{n} with {k}" for k, n in sorted(kinds.items()))) if kinds else ""
        return f"every record ({t['records']}{warned})"
    return (f"fails in {t['failed_blocks']} of {_n(blocks, 'block')} ({_n(t['records'], 'record')} decoded); "
            f"first: {_where(t['first_error'])}")


def print_inspection(report: dict[str, Any], out: Any) -> None:
    kind = f"capture, {_n(report['payloads'], 'payload')} read, " if report["format"] == "pcap" else ""
    out.write(f"{report['file']}: {kind}{_n(report['blocks'], 'data block')}\n")
    if report["frames_not_read"]:
        from radarbench.rigs.pcapfile import Unread
        out.write(f"  {Unread(report['frames_not_read']).summary()}\n")
    if report["framing_errors"]:
        e = report["first_framing_error"]
        frame = f"frame {e['frame']}, " if e.get("frame") is not None else ""
        out.write(f"  {report['framing_errors']} payload(s) break off as data blocks; first: "
                  f"{frame}offset {e['offset']}: {e['reason']}\n")
    for c in report["categories"]:
        out.write("\n")
        if c["skipped"]:
            out.write(f"CAT{c['category']:03d}  {_n(c['blocks'], 'block')}: skipped, no specification known\n")
            continue
        records = _n(c["records"], "record") if c["records"] is not None else "records: not all decodable"
        out.write(f"CAT{c['category']:03d}  {_n(c['blocks'], 'block')}, {records}\n")
        width = max(len(e["edition"]) for e in c["editions"]) + 2
        for e in c["editions"]:
            name = e["edition"] + (" *" if e["default"] else "")
            s, le = e["strict"], e["lenient"]
            if s["ok"]:
                out.write(f"  {name:<{width}}  strict and lenient: {_mode_text(s, c['blocks'])}\n")
            else:
                out.write(f"  {name:<{width}}  strict:  {_mode_text(s, c['blocks'])}\n")
                out.write(f"  {'':<{width}}  lenient: {_mode_text(le, c['blocks'])}\n")
        out.write(f"  -> {c['recommendation']['text']}\n")


def run_inspect(args: argparse.Namespace) -> int:
    report = inspect_file(Path(args.file))
    if args.json:
        json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_inspection(report, sys.stdout)
    return 0 if report["ok"] else 1


# ------------------------------------------------------------------ generate-editions


def run_generate(args: argparse.Namespace) -> int:
    specs = Path(args.specs_dir)
    if not specs.is_dir():
        raise UserError(f"{specs}: {'not a folder' if specs.exists() else 'no such folder'}; "
                        "expected an asterix-specs checkout")
    import importlib
    generator = importlib.import_module(GENERATOR)  # only when asked for: it is not small
    out = Path(args.out) if args.out else Path(registry.__file__).parent / "categories"
    try:
        result = generator.generate(specs, out, args.commit)
    except (OSError, ValueError) as exc:
        raise UserError(str(exc) if str(specs) in str(exc) else f"{specs}: {exc}") from None
    written = len(result) if isinstance(result, (list, tuple, dict, set)) else None
    print(f"radarbench generate-editions: wrote {out}"
          + (f" ({written} files)" if written is not None else ""))
    return 0
