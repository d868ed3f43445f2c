"""Makes tests/ importable as a folder of helpers (``from samples import sample``)."""
import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


import pytest  # noqa: E402  (after the path set-up above)

from procs import Device  # noqa: E402


@pytest.fixture
def devices():
    """A list to append started Devices (tests/procs.py) to; each is stopped and reaped after
    the test."""
    started: list[Device] = []
    yield started
    for d in started:
        d.stop()
