"""Echo: sends back every message it receives, or forwards it to another endpoint.

    radarbench emulate echo --in udp://127.0.0.1:8600
    radarbench emulate echo --in pty:///tmp/radar?framing=hdlc --out udp://127.0.0.1:8700

Without --out the reply goes back on the --in endpoint: for udp:// (which --in binds) the
sender of the message just received (UdpTransport.send() replies to the last sender, and the
echo replies before it receives again); for a line or a loop:// end it is the other end.
"""
from __future__ import annotations

from radarbench.rigs.devices.base import STEP_S, Device, close_all, open_endpoint
from radarbench.rigs.transports import Transport


class Echo(Device):
    """Replies with (or forwards) every message unchanged.

    A message that cannot be sent (no peer yet, I/O error) is counted as dropped.
    """

    kind = "echo"

    def __init__(self, in_url: str, out_url: str | None = None, duration_s: float | None = None) -> None:
        super().__init__(duration_s)
        self.in_url = in_url
        self.out_url = out_url
        self._opened: list[Transport] = []
        self._in: Transport | None = None
        self._out: Transport | None = None

    def open(self) -> None:
        self._in = open_endpoint(self.in_url, self._opened, "recv")
        self._out = open_endpoint(self.out_url, self._opened, "send") if self.out_url else self._in

    def step(self) -> None:
        assert self._in is not None and self._out is not None
        msg = self._in.recv(STEP_S)
        while msg is not None:
            self.received += 1
            try:
                self._out.send(msg.data)
                self.sent += 1
            except OSError:  # TransportError included: nobody to send to
                self.dropped += 1
            if self.stopping:
                return
            # Drain what is already there without waiting: a flood is served at full speed.
            msg = self._in.recv(0)

    def close(self) -> None:
        close_all(self._opened)
