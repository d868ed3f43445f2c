"""Emulated devices: each runs in-process (start()/stop()) or as `radarbench emulate KIND`.

KINDS maps each kind to the module and class that implement it (one file per device).
"""
from __future__ import annotations

from radarbench.rigs.devices.base import Device, DeviceError, serve

# kind -> (module under radarbench.rigs.devices, class)
KINDS: dict[str, tuple[str, str]] = {
    "radar": ("radar", "Radar"),
    "echo": ("echo", "Echo"),
    "gateway": ("gateway", "Gateway"),
    "impair": ("impair", "Impair"),
}

__all__ = ["KINDS", "Device", "DeviceError", "serve"]
