"""radarbench.codecs: pure bytes <-> values (ASTERIX, line framing). No I/O, clocks or threads."""
from radarbench.codecs._version import __version__

__all__ = ["__version__"]
