"""radarbench.rigs: where bytes meet the world (transports by URL, devices, rig files)."""
from __future__ import annotations

from radarbench.rigs.transports import Message, Transport, TransportError, UrlError
from radarbench.rigs.transports import open as open_url

__all__ = ["Message", "Transport", "TransportError", "UrlError", "open_url"]
