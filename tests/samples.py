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
