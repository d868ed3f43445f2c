"""pytest plugin of radarbench (registered by entry point): the ``--rb-rig`` option.

The fixtures that hand a test a rig and a bench runner build on this option.
"""
from __future__ import annotations

from typing import Any


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("radarbench")
    group.addoption("--rb-rig", action="store", default=None, metavar="FILE",
                    help="radarbench rig file (TOML) for tests that need a real rig")
