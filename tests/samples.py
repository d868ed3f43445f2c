"""Where the real captures live (../shared/samples beside the project), and how to read them."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"


def sample(name: str) -> Path:
    """Path of a shared sample; skips the test with a reason if the folder is not there."""
    p = SAMPLES / name
    if not p.is_file():
        pytest.skip(f"sample {p} not found (the shared/ folder sits beside the project)")
    return p


def blocks_of(stream: bytes) -> list[bytes]:
    """Back-to-back data blocks cut by their LEN fields (the tests' own, independent splitter)."""
    out, pos = [], 0
    while pos < len(stream):
        n = stream[pos + 1] << 8 | stream[pos + 2]
        out.append(stream[pos:pos + n])
        pos += n
    return out
