"""Benchmarks: out of the default run (pyproject's addopts ignore this folder).

Run them with:  python3 -m pytest tests/benchmarks -p no:cacheprovider --benchmark-enable
(`--benchmark-only` also works). Peers are loaded from .peers/ (see peers.py).
"""
import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
_TESTS = str(Path(__file__).resolve().parents[1])
for p in (_HERE, _TESTS):
    if p not in sys.path:
        sys.path.insert(0, p)
