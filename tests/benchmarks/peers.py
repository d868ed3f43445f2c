"""Peer decoders for side-by-side measurements, loaded without disturbing the environment.

asterix_decoder (the C++-backed decoder of CroatiaControl, GPL) installs a top-level package
named ``asterix``, the same name as libasterix (the test oracle), so the two cannot share one
site-packages. Install it apart:  python3 -m pip install --target .peers/asterix_decoder asterix_decoder
and this module imports it from there under its own name.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PEERS = Path(os.environ.get("RB_PEERS", ROOT / ".peers"))


def asterix_decoder() -> ModuleType | None:
    """The asterix_decoder package from .peers/asterix_decoder, or None if not installed there."""
    base = PEERS / "asterix_decoder"
    init = base / "asterix" / "__init__.py"
    if not init.is_file():
        return None
    if str(base) not in sys.path:
        sys.path.insert(0, str(base))  # for its compiled _asterix module
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k == "asterix" or k.startswith("asterix.")}
    try:
        spec = importlib.util.spec_from_file_location("asterix", init, submodule_search_locations=[str(init.parent)])
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules["asterix"] = mod
        spec.loader.exec_module(mod)
        return mod
    finally:
        for k in [k for k in sys.modules if k == "asterix" or k.startswith("asterix.")]:
            sys.modules.pop(k)
        sys.modules.update(saved)
