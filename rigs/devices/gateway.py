"""Gateway: moves whole messages from one endpoint to another, optionally CAT048 -> CAT062.

    radarbench emulate gateway --in serial:///dev/ttyUSB0?framing=hdlc --out udp://239.1.1.1:8600
    radarbench emulate gateway --in udp://:8600 --out udp://127.0.0.1:8700 \\
        --to-category 62 --sac 0 --sic 100 --lat 52.0 --lon 4.5

Each side's transport does its own framing (HDLC frames on a serial line, datagrams on UDP,
data blocks on TCP): the gateway hands over whole messages. With `bidirectional` it also
forwards what arrives on --out back to --in (unchanged), from a second thread.

With ``to_category=62`` it stands in for a tracker, a device under test that rewrites what it
carries: each CAT048 plot of a message becomes a CAT062 system track in one CAT062 data block
(one message out per message in that held at least one plot; other records are not carried
and are counted as `records_skipped`). See :func:`plot_to_track` for the items.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Any

from radarbench.codecs.asterix import (
    DecodeError,
    EncodeError,
    decode,
    encode_one,
    pack_blocks,
)
from radarbench.rigs.editionopts import checked
from radarbench.rigs.devices.base import STEP_S, Device, close_all, open_endpoint
from radarbench.rigs.transports import Transport

NM_M = 1852.0
WGS84_A_M = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)


def polar_to_wgs84(lat_deg: float, lon_deg: float, rho_nm: float, theta_deg: float) -> tuple[float, float]:
    """(lat, lon) in degrees of the point `rho_nm` away from the site at azimuth `theta_deg`.

    A great circle on the sphere that osculates the WGS-84 ellipsoid at the site (radius
    sqrt(M N), the Gaussian mean radius there): within ~0.1 % of the geodesic over a radar's
    range. The slant range is taken as the ground range (no height correction).
    """
    phi1 = math.radians(lat_deg)
    w = 1 - WGS84_E2 * math.sin(phi1) ** 2
    m_m = WGS84_A_M * (1 - WGS84_E2) / w ** 1.5
    n_m = WGS84_A_M / math.sqrt(w)
    delta = rho_nm * NM_M / math.sqrt(m_m * n_m)
    th = math.radians(theta_deg)
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(th))
    lam = math.atan2(math.sin(th) * math.sin(delta) * math.cos(phi1),
                     math.cos(delta) - math.sin(phi1) * math.sin(phi2))
    lon2 = (lon_deg + math.degrees(lam) + 180.0) % 360.0 - 180.0
    return math.degrees(phi2), lon2


class TrackNumbers:
    """Gives each target a CAT062 track number, keyed by I048/161 TRN, Mode S address or
    Mode-3/A code (the first present). Numbers run 1..65535 and then wrap."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, Any], int] = {}
        self._next = 1

    def new(self) -> int:
        n = self._next
        self._next = self._next % 65535 + 1
        return n

    def number(self, items48: dict[str, Any]) -> tuple[int, bool]:
        """(track number, True if the plot had a key) for the items of one CAT048 record."""
        key: tuple[str, Any] | None = None
        if "161" in items48:
            key = ("trn", items48["161"]["TRN"])
        elif "220" in items48:
            key = ("addr", items48["220"])
        elif "070" in items48:
            key = ("m3a", items48["070"]["MODE3A"])
        if key is None:
            return self.new(), False
        n = self._by_key.get(key)
        if n is None:
            n = self._by_key[key] = self.new()
        return n, True


def plot_to_track(
    items48: dict[str, Any],
    track_number: int,
    *,
    sac: int,
    sic: int,
    lat_deg: float | None = None,
    lon_deg: float | None = None,
    confirmed: bool = True,
    now_tod_s: float | None = None,
) -> dict[str, Any]:
    """The CAT062 items of the system track updated by one CAT048 plot.

    010 the tracker's SAC/SIC; 040 `track_number`; 070 the plot's I048/140 (else `now_tod_s`,
    else the current UTC time of day); 080 monosensor, confirmed or tentative; from I048/040
    polar (or I048/042 Cartesian) position: 100 X/Y in metres from the site and, if the site's
    lat/lon is given, 105 WGS-84; 060 Mode-3/A from I048/070; 136 from I048/090 FL; 185 from
    I048/200 ground speed and heading; 245 from I048/240; 380 ADR from I048/220; SP copied as
    is (the bench's probe tag). Raises KeyError/TypeError on malformed plot values.
    """
    out: dict[str, Any] = {"010": {"SAC": sac, "SIC": sic}}
    tod = items48.get("140")
    if tod is None:
        tod = now_tod_s if now_tod_s is not None else time.time() % 86400.0
    out["070"] = tod
    if "040" in items48:
        rho_nm, theta_deg = items48["040"]["RHO"], items48["040"]["THETA"]
        x_nm = rho_nm * math.sin(math.radians(theta_deg))
        y_nm = rho_nm * math.cos(math.radians(theta_deg))
    elif "042" in items48:
        x_nm, y_nm = items48["042"]["X"], items48["042"]["Y"]
        rho_nm, theta_deg = math.hypot(x_nm, y_nm), math.degrees(math.atan2(x_nm, y_nm)) % 360.0
    else:
        rho_nm = None
    if rho_nm is not None:
        if lat_deg is not None and lon_deg is not None:
            lat, lon = polar_to_wgs84(lat_deg, lon_deg, rho_nm, theta_deg)
            out["105"] = {"LAT": round(lat / (180 / 2**25)) * (180 / 2**25),
                          "LON": round(lon / (180 / 2**25)) * (180 / 2**25)}
        out["100"] = {"X": round(x_nm * NM_M * 2) / 2, "Y": round(y_nm * NM_M * 2) / 2}
    if "200" in items48:
        gsp_m_s = items48["200"]["GSP"] * NM_M
        hdg = math.radians(items48["200"]["HDG"])
        out["185"] = {"VX": round(gsp_m_s * math.sin(hdg) * 4) / 4, "VY": round(gsp_m_s * math.cos(hdg) * 4) / 4}
    if "070" in items48:
        m = items48["070"]
        out["060"] = {"V": m.get("V", 0), "G": m.get("G", 0), "CH": 0, "MODE3A": m["MODE3A"]}
    if "240" in items48:
        out["245"] = {"STI": 0, "CHR": items48["240"]}
    if "220" in items48:
        out["380"] = {"ADR": items48["220"]}
    out["040"] = track_number
    spi = items48.get("020", {}).get("SPI", 0)
    # MON 1: a monosensor track (one radar feeds this tracker); SRC 0: no altitude source.
    out["080"] = {"MON": 1, "SPI": spi, "MRH": 0, "SRC": 0, "CNF": 0 if confirmed else 1}
    if "090" in items48:
        out["136"] = items48["090"]["FL"]
    if "SP" in items48:
        out["SP"] = items48["SP"]
    return out


class Gateway(Device):
    """Forwards --in to --out (and back, if bidirectional), optionally converting 48 -> 62.

    Counters: received/sent/dropped for in -> out (dropped: could not decode, convert or
    send); tracks, records_skipped, decode_errors when converting; reverse_received,
    reverse_sent, reverse_dropped for out -> in.
    """

    kind = "gateway"

    def __init__(
        self,
        in_url: str,
        out_url: str,
        *,
        to_category: int | None = None,
        sac: int = 0,
        sic: int = 100,
        lat_deg: float | None = None,
        lon_deg: float | None = None,
        bidirectional: bool = False,
        editions: dict[int, str] | None = None,
        duration_s: float | None = None,
    ) -> None:
        """Raises ValueError for an unsupported conversion or a bad setting (an unknown edition).

        editions: {category: edition} the plots are decoded with when converting (defaults
        otherwise)."""
        super().__init__(duration_s)
        if to_category not in (None, 62):
            raise ValueError(f"the gateway converts to CAT062 only, not CAT{to_category}")
        if (lat_deg is None) != (lon_deg is None):
            raise ValueError("give both the site's latitude and longitude, or neither")
        if not (0 <= sac <= 255 and 0 <= sic <= 255):
            raise ValueError("SAC and SIC must be 0..255")
        self.editions = checked(editions, "--edition") if editions else None
        self.in_url = in_url
        self.out_url = out_url
        self.to_category = to_category
        self.sac, self.sic = sac, sic
        self.lat_deg, self.lon_deg = lat_deg, lon_deg
        self.bidirectional = bidirectional
        self.tracks = TrackNumbers()
        self._opened: list[Transport] = []
        self._in: Transport | None = None
        self._out: Transport | None = None
        self._reverse: threading.Thread | None = None
        if to_category is not None:
            self.extra.update(tracks=0, records_skipped=0, decode_errors=0)
        if bidirectional:
            self.extra.update(reverse_received=0, reverse_sent=0, reverse_dropped=0)

    def open(self) -> None:
        self._in = open_endpoint(self.in_url, self._opened, "recv")
        self._out = open_endpoint(self.out_url, self._opened, "send")
        if self.bidirectional:
            self._reverse = threading.Thread(target=self._reverse_main, name="gateway-reverse", daemon=True)
            self._reverse.start()

    def close(self) -> None:
        self.request_stop()
        if self._reverse is not None:
            self._reverse.join(5.0)
            self._reverse = None
        close_all(self._opened)

    def convert(self, data: bytes) -> bytes | None:
        """The CAT062 message for one received message, or None if it held no plot.

        Raises DecodeError if `data` is not ASTERIX, EncodeError if a track cannot be encoded.
        """
        encoded = []
        for rec in decode(data, editions=self.editions):
            if rec.category != 48:
                self.extra["records_skipped"] += 1
                continue
            number, keyed = self.tracks.number(rec.items)
            items = plot_to_track(rec.items, number, sac=self.sac, sic=self.sic,
                                  lat_deg=self.lat_deg, lon_deg=self.lon_deg, confirmed=keyed)
            encoded.append(encode_one({"category": 62, "items": items}))
            self.extra["tracks"] += 1
        return pack_blocks(encoded) if encoded else None

    def step(self) -> None:
        assert self._in is not None and self._out is not None
        msg = self._in.recv(STEP_S)
        while msg is not None:
            self.received += 1
            data: bytes | None = msg.data
            if self.to_category is not None:
                try:
                    data = self.convert(msg.data)
                except DecodeError:
                    self.extra["decode_errors"] += 1
                    data = None
                except EncodeError:
                    data = None
                if data is None:
                    self.dropped += 1
            if data is not None:
                try:
                    self._out.send(data)
                    self.sent += 1
                except (OSError, ValueError):  # ValueError: the framing cannot carry it
                    self.dropped += 1
            if self.stopping:
                return
            msg = self._in.recv(0)

    def _reverse_main(self) -> None:
        assert self._in is not None and self._out is not None
        while not self.stopping:
            try:
                msg = self._out.recv(STEP_S)
            except OSError:
                if self.stopping:
                    return
                raise
            if msg is None:
                continue
            self.extra["reverse_received"] += 1
            try:
                self._in.send(msg.data)
                self.extra["reverse_sent"] += 1
            except (OSError, ValueError):
                self.extra["reverse_dropped"] += 1
