# pty://PATH[?baud=N&bytesize=5..8&parity=N|E|O|M|S&stopbits=1|1.5|2&framing=hdlc|raw&pace=0|1]
#
# Defaults: baud=9600, 8N1, framing=hdlc, pace=1. Creates a pseudo-terminal pair, keeps the
# master end and publishes the slave's device name as a symbolic link at PATH, for another
# process to open as serial://PATH. pty:///tmp/radar is absolute, pty://radar relative to the
# working directory.
"""A pseudo-terminal pair standing in for a serial cable, for CI rigs.

A pty ignores its baud rate and starts in cooked mode (echo, line editing, CR/LF mapping):
both ends are set raw, and writes are paced in software (pace=1 by default) so that the far
end sees the real line's rate.
"""
from __future__ import annotations

import os
import termios
import tty

from radarbench.rigs.transports.base import ParsedUrl
from radarbench.rigs.transports.line import LINE_OPTIONS, FdLine, FramedLineTransport, LineSettings, take_line_settings

GRAMMAR = f"pty://PATH[?{LINE_OPTIONS}]"


class PtyLine(FdLine):
    """The master end of a pty pair; owns the slave fd and the symlink at `link_path`.

    The slave fd is held open so the pair lives (and master reads do not fail with EIO)
    until the far end opens it, and after it closes it.
    """

    def __init__(self, link_path: str, settings: LineSettings) -> None:
        master, slave = os.openpty()
        try:
            for fd in (master, slave):
                tty.setraw(fd)
            attrs = termios.tcgetattr(slave)
            speed = getattr(termios, f"B{settings.baud}", None)
            if speed is not None:  # cosmetic (stty shows it); a pty does not slow down
                attrs[4] = attrs[5] = speed
                termios.tcsetattr(slave, termios.TCSANOW, attrs)
            self.device = os.ttyname(slave)
            if os.path.islink(link_path):
                os.unlink(link_path)  # left over from a run that did not close
            os.symlink(self.device, link_path)
        except BaseException:
            os.close(master)
            os.close(slave)
            raise
        super().__init__(master)
        self.slave_fd = slave
        self.link_path = link_path

    def close(self) -> None:
        try:
            if os.path.islink(self.link_path) and os.readlink(self.link_path) == self.device:
                os.unlink(self.link_path)
        finally:
            os.close(self.slave_fd)
            super().close()


class PtyTransport(FramedLineTransport):
    """The master end of a pty pair, framed and (by default) paced.

    device: the slave's device name (/dev/pts/N); link_path: the symlink to it.
    """

    line: PtyLine

    def __init__(self, url: str, line: PtyLine, settings: LineSettings) -> None:
        super().__init__(url, line, settings)
        self.device = line.device
        self.link_path = line.link_path


def open(url: str, role: str | None = None) -> PtyTransport:
    """Create a pty pair with its slave linked at PATH; return the master end.

    `role` ("send", "recv") changes nothing here: the URL alone says what opens.

    Raises UrlError for a bad URL, FileExistsError if PATH exists and is not a symlink.
    """
    path, settings = parse(url)
    return PtyTransport(url, PtyLine(path, settings), settings)


def parse(url: str) -> tuple[str, LineSettings]:
    """(PATH, line settings) of a pty:// URL, checked without creating anything. Raises UrlError."""
    u = ParsedUrl(url, GRAMMAR)
    path = u.path()
    settings = take_line_settings(u, pace_default=True)
    u.done()
    return path, settings
