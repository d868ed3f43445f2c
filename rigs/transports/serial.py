# serial://DEVICE[?baud=N&bytesize=5..8&parity=N|E|O|M|S&stopbits=1|1.5|2&rtscts=0|1&xonxoff=0|1&framing=hdlc|raw&pace=0|1]
# rfc2217://HOST:PORT[?same options]   (a terminal server speaking RFC 2217)
# socket://HOST:PORT[?same options]    (a raw TCP terminal server)
#
# Defaults: baud=9600, 8N1, no flow control, framing=hdlc, pace=0. DEVICE is a path
# (serial:///dev/ttyUSB0) or a name (serial://COM3). rfc2217 and socket go through pyserial's
# own URL handlers; the baud rate still sets line_rate_bps and the pace of writes.
"""Serial lines on pyserial: local devices, RFC 2217 and raw TCP terminal servers."""
from __future__ import annotations

import serial as pyserial

from radarbench.rigs.transports.base import ParsedUrl
from radarbench.rigs.transports.line import (
    LINE_OPTIONS, FramedLineTransport, LineSettings, PySerialLine, take_line_settings,
)

GRAMMARS = {
    "serial": f"serial://DEVICE[?{LINE_OPTIONS}&rtscts=0|1&xonxoff=0|1]",
    "rfc2217": f"rfc2217://HOST:PORT[?{LINE_OPTIONS}&rtscts=0|1&xonxoff=0|1]",
    "socket": f"socket://HOST:PORT[?{LINE_OPTIONS}]",
}
_PARITY = {"N": pyserial.PARITY_NONE, "E": pyserial.PARITY_EVEN, "O": pyserial.PARITY_ODD,
           "M": pyserial.PARITY_MARK, "S": pyserial.PARITY_SPACE}


def parse(url: str) -> tuple[str, LineSettings, dict[str, bool]]:
    """(port for pyserial, line settings, flow control) of a serial://, rfc2217:// or socket://
    URL, checked without opening anything. Raises UrlError."""
    u = ParsedUrl(url, GRAMMARS[url.split(":", 1)[0]])
    settings = take_line_settings(u, pace_default=False)
    flow = {}
    if u.scheme == "serial":
        target = u.path()
        flow = {"rtscts": u.take_bool("rtscts", False), "xonxoff": u.take_bool("xonxoff", False)}
    else:
        host, port = u.host_port()
        target = f"{u.scheme}://{host}:{port}"  # pyserial rejects options it does not know
        if u.scheme == "rfc2217":
            flow = {"rtscts": u.take_bool("rtscts", False), "xonxoff": u.take_bool("xonxoff", False)}
    u.done()
    return target, settings, flow


def open(url: str, role: str | None = None) -> FramedLineTransport:
    """Open a serial line by URL (serial://, rfc2217://, socket://).

    `role` ("send", "recv") changes nothing here: the URL alone says what opens.

    Raises UrlError for a bad URL, serial.SerialException (an OSError) if the port cannot open.
    """
    target, settings, flow = parse(url)
    port_ = pyserial.serial_for_url(
        target,
        baudrate=settings.baud,
        bytesize=settings.bytesize,
        parity=_PARITY[settings.parity],
        stopbits=settings.stopbits,
        timeout=0,
        **flow,
    )
    return FramedLineTransport(url, PySerialLine(port_), settings)
