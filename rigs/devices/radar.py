"""Radar: a rotating antenna over moving aircraft, sending CAT048 plots and CAT034 service messages.

    radarbench emulate radar --out udp://239.1.1.1:8600 --period 4 --targets 20 --seed 1

The antenna turns clockwise from north, one revolution per `period_s`, through `sectors`
equal sectors. Each time the beam leaves a sector, one datagram goes out holding the CAT048
data block of the plots detected in that sector (in azimuth order) and the CAT034 data block
of the sector crossing message for the boundary just crossed; when that boundary is north it
also holds the north marker (I034/000 = 1, with I034/041 antenna period and, if the site's
position is given, I034/120). The first datagram (at start, azimuth 0) holds the first north
marker and no plots.

Each target is seen once per revolution, when the beam passes its azimuth, with probability
`pd`; its I048/140 is the UTC time of day (time.time()) at which the beam was on it.
`false_plots` PSR-only plots per revolution appear at random positions.

The scenario is a function of `seed` and the sector schedule alone (targets are moved one
sector time at a time, not by the wall clock), so the same seed gives the same targets, the
same plots and the same detections in every run; only the times of day differ.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Any

from radarbench.codecs.asterix import encode_one, pack_blocks
from radarbench.rigs.devices.base import STEP_S, Device, close_all, open_endpoint
from radarbench.rigs.transports import Transport

SECONDS_PER_DAY = 86400.0
THETA_LSB_DEG = 360 / 2**16     # I048/040 THETA
RHO_LSB_NM = 2**-8              # I048/040 RHO
TOD_LSB_S = 2**-7               # I048/140, I034/030
SECTOR_LSB_DEG = 360 / 2**8     # I034/020
MAX_RANGE_NM = 250.0            # I048/040 RHO tops out at 256 NM
MIN_RANGE_NM = 2.0
AIRLINES = ("DLH", "AFR", "BAW", "KLM", "SAS", "THY", "RYR", "EZY", "IBE", "AUA", "SWR", "LOT")


def _q(value: float, lsb: float) -> float:
    """`value` rounded to a multiple of `lsb` (the encoder then gives back the same value)."""
    return round(value / lsb) * lsb


def _tod_q(tod_s: float) -> float:
    """A time of day truncated to the I048/140 / I034/030 LSB: rounding could put a report's
    time up to half an LSB (3.9 ms) after the instant it is sent, a negative data age."""
    return (math.floor(tod_s / TOD_LSB_S) * TOD_LSB_S) % SECONDS_PER_DAY


def _theta_q(theta_deg: float) -> float:
    """An azimuth in [0, 360) rounded to the I048/040 LSB (360 itself wraps to 0)."""
    return (round(theta_deg / THETA_LSB_DEG) % 2**16) * THETA_LSB_DEG


@dataclass
class Target:
    """One aircraft: identity, position relative to the site (x east, y north) and motion."""

    trn: int
    address: int
    mode3a: str
    callsign: str
    x_nm: float
    y_nm: float
    speed_kt: float
    heading_deg: float
    fl: float
    turn_rate_deg_s: float = 0.0
    climb_fl_s: float = 0.0
    cleared_fl: float = 0.0
    leg_s: float = 0.0          # time left in the current manoeuvre
    last_rev: int = -1          # the revolution in which it was last swept

    @property
    def rho_nm(self) -> float:
        return math.hypot(self.x_nm, self.y_nm)

    @property
    def theta_deg(self) -> float:
        return math.degrees(math.atan2(self.x_nm, self.y_nm)) % 360.0

    def advance(self, dt_s: float, rng: random.Random) -> None:
        """Fly for `dt_s`: turn, climb or descend to the cleared level, pick a new manoeuvre
        when the current one ends, and turn back towards the site at the edge of coverage."""
        self.leg_s -= dt_s
        if self.leg_s <= 0:
            self._new_leg(rng)
        self.heading_deg = (self.heading_deg + self.turn_rate_deg_s * dt_s) % 360.0
        if self.rho_nm > MAX_RANGE_NM - 10 or self.rho_nm < MIN_RANGE_NM:
            # Head back through the coverage (towards the site, or away from it when too close).
            inbound = (self.theta_deg + 180.0) % 360.0 if self.rho_nm > MIN_RANGE_NM else self.theta_deg
            self.heading_deg = inbound
            self.turn_rate_deg_s = 0.0
        step_nm = self.speed_kt * dt_s / 3600.0
        h = math.radians(self.heading_deg)
        self.x_nm += step_nm * math.sin(h)
        self.y_nm += step_nm * math.cos(h)
        if self.climb_fl_s:
            self.fl += self.climb_fl_s * dt_s
            if (self.climb_fl_s > 0) == (self.fl >= self.cleared_fl):
                self.fl, self.climb_fl_s = self.cleared_fl, 0.0

    def _new_leg(self, rng: random.Random) -> None:
        self.leg_s = rng.uniform(20.0, 120.0)
        r = rng.random()
        # Half the legs straight, the rest rate-one-half or rate-one turns either way.
        self.turn_rate_deg_s = 0.0 if r < 0.5 else rng.choice((-3.0, -1.5, 1.5, 3.0))
        if rng.random() < 0.3:
            self.cleared_fl = float(rng.randrange(50, 410, 10))
            fpm = rng.uniform(1000.0, 3000.0)
            self.climb_fl_s = math.copysign(fpm / 100.0 / 60.0, self.cleared_fl - self.fl)


def make_targets(n: int, rng: random.Random) -> list[Target]:
    """`n` targets drawn from `rng` (deterministic for a given rng state)."""
    out: list[Target] = []
    used_codes: set[str] = set()
    for i in range(n):
        rho = rng.uniform(10.0, 200.0)
        theta = math.radians(rng.uniform(0.0, 360.0))
        while True:
            # 1000..6777 octal: clear of 0000 and the 7500/7600/7700 emergency codes.
            code = f"{rng.randrange(0o1000, 0o7000):04o}"
            if code not in used_codes or len(used_codes) >= 0o6000:
                used_codes.add(code)
                break
        fl = float(rng.randrange(50, 410, 10))
        t = Target(
            trn=(i % 4095) + 1,
            address=rng.randrange(0x010000, 0xFFFFFF),
            mode3a=code,
            callsign=f"{rng.choice(AIRLINES)}{rng.randrange(1, 9999)}".ljust(8),
            x_nm=rho * math.sin(theta),
            y_nm=rho * math.cos(theta),
            speed_kt=rng.uniform(180.0, 480.0),
            heading_deg=rng.uniform(0.0, 360.0),
            fl=fl,
            cleared_fl=fl,
        )
        t._new_leg(rng)
        out.append(t)
    return out


class Radar(Device):
    """An emulated monoradar on one output endpoint (see the module docstring).

    Counters: sent (datagrams), plots, false_plots, north_markers, sector_crossings, missed
    (targets swept but not detected, pd < 1), late_sectors (sectors sent more than one sector
    time behind schedule: the host could not keep up), dropped (datagrams that failed to send).
    """

    kind = "radar"

    def __init__(
        self,
        out_url: str,
        *,
        period_s: float = 4.0,
        sectors: int = 32,
        targets: int = 10,
        pd: float = 1.0,
        false_plots: int = 0,
        sac: int = 0,
        sic: int = 1,
        lat_deg: float | None = None,
        lon_deg: float | None = None,
        seed: int = 0,
        duration_s: float | None = None,
    ) -> None:
        """Raises ValueError for a setting out of range."""
        super().__init__(duration_s)
        if not period_s > 0:
            raise ValueError(f"period must be > 0 s, not {period_s}")
        if not 1 <= sectors <= 256:
            raise ValueError(f"sectors must be 1..256, not {sectors}")
        if not 0.0 <= pd <= 1.0:
            raise ValueError(f"pd must be in 0..1, not {pd}")
        if targets < 0 or false_plots < 0:
            raise ValueError("targets and false plots cannot be negative")
        if not (0 <= sac <= 255 and 0 <= sic <= 255):
            raise ValueError("SAC and SIC must be 0..255")
        if (lat_deg is None) != (lon_deg is None):
            raise ValueError("give both the site's latitude and longitude, or neither")
        self.out_url = out_url
        self.period_s = period_s
        self.sectors = sectors
        self.pd = pd
        self.false_plots = false_plots
        self.site = {"SAC": sac, "SIC": sic}
        self.lat_deg = lat_deg
        self.lon_deg = lon_deg
        self.seed = seed
        self.sector_s = period_s / sectors
        self.sector_deg = 360.0 / sectors
        # Two streams from one seed: the flight paths do not change when pd or false_plots do.
        self._fly_rng = random.Random(f"radarbench-radar-fly-{seed}")
        self._detect_rng = random.Random(f"radarbench-radar-detect-{seed}")
        self.targets = make_targets(targets, self._fly_rng)
        self._event = 0                 # index of the next sector boundary to cross
        self._false_az_deg: list[float] = []
        self._opened: list[Transport] = []
        self._out: Transport | None = None
        for name in ("plots", "false_plots", "north_markers", "sector_crossings", "missed", "late_sectors"):
            self.extra[name] = 0

    def open(self) -> None:
        self._out = open_endpoint(self.out_url, self._opened, "send")

    def close(self) -> None:
        close_all(self._opened)

    def step(self) -> None:
        assert self._started_ns is not None
        due_ns = self._started_ns + round(self._event * self.sector_s * 1e9)
        if self.duration_s is not None and due_ns >= self._started_ns + self.duration_s * 1e9:
            self.wait_s(STEP_S)  # the run loop ends at the duration; nothing more is due
            return
        now_ns = time.monotonic_ns()
        if now_ns < due_ns:
            self.wait_s(min((due_ns - now_ns) / 1e9, STEP_S))
            return
        if now_ns - due_ns > self.sector_s * 1e9:
            self.extra["late_sectors"] += 1
        data = self.sector_datagram(self._event, now_ns)
        self._event += 1
        assert self._out is not None
        try:
            self._out.send(data)
            self.sent += 1
        except OSError:
            self.dropped += 1

    # --------------------------------------------------------------- the scenario

    def _tod_s(self, at_ns: int, now_ns: int) -> float:
        """UTC time of day (s since midnight) of the monotonic instant `at_ns` (<= now)."""
        return (time.time() - (now_ns - at_ns) / 1e9) % SECONDS_PER_DAY

    def sector_datagram(self, event: int, now_ns: int) -> bytes:
        """The datagram sent as the beam crosses boundary number `event` (0: the start).

        Moves the targets one sector time, detects those swept, and encodes the CAT048 plots
        and the CAT034 messages. Raises EncodeError if a value cannot be encoded (a bug).
        """
        assert self._started_ns is not None
        boundary = event % self.sectors
        rev_start_ns = self._started_ns + round((event // self.sectors) * self.period_s * 1e9)
        encoded: list[tuple[int, str, bytes]] = []
        if event > 0:
            for t in self.targets:
                t.advance(self.sector_s, self._fly_rng)
            swept = (event - 1) % self.sectors
            rev = (event - 1) // self.sectors
            sweep_start_ns = self._started_ns + round(rev * self.period_s * 1e9)
            encoded.extend(self._plots(swept, rev, sweep_start_ns, now_ns))
        tod_s = self._tod_s(rev_start_ns + round(boundary * self.sector_s * 1e9), now_ns)
        if boundary == 0:
            nm: dict[str, Any] = {"010": self.site, "000": 1, "030": _tod_q(tod_s),
                                  "020": 0.0, "041": _q(self.period_s, 2**-7)}
            if self.lat_deg is not None and self.lon_deg is not None:
                nm["120"] = {"HGT": 0, "LAT": _q(self.lat_deg, 180 / 2**23), "LON": _q(self.lon_deg, 180 / 2**23)}
            encoded.append(encode_one({"category": 34, "items": nm}))
            self.extra["north_markers"] += 1
        sc = {"010": self.site, "000": 2, "030": _tod_q(tod_s),
              "020": (round(boundary * self.sector_deg / SECTOR_LSB_DEG) % 256) * SECTOR_LSB_DEG}
        encoded.append(encode_one({"category": 34, "items": sc}))
        self.extra["sector_crossings"] += 1
        return pack_blocks(encoded)

    def _plots(self, swept: int, rev: int, sweep_start_ns: int, now_ns: int) -> list[tuple[int, str, bytes]]:
        """Encoded CAT048 plots of sector `swept` in revolution `rev`, in azimuth order."""
        hi_deg = (swept + 1) * self.sector_deg
        if swept == 0:
            self._false_az_deg = sorted(self._detect_rng.uniform(0.0, 360.0) for _ in range(self.false_plots))
        hits: list[tuple[float, dict[str, Any]]] = []
        for t in self.targets:
            theta = t.theta_deg
            # Seen once per revolution: when the beam has passed its azimuth and it was not seen
            # yet this revolution (a target crossing a sector boundary is neither lost nor doubled).
            if theta >= hi_deg or t.last_rev >= rev:
                continue
            t.last_rev = rev
            if self.pd < 1.0 and self._detect_rng.random() >= self.pd:
                self.extra["missed"] += 1
                continue
            at_ns = sweep_start_ns + round(theta / 360.0 * self.period_s * 1e9)
            hits.append((theta, self._plot_items(t, theta, self._tod_s(min(at_ns, now_ns), now_ns))))
        self.extra["plots"] += len(hits)
        lo_deg = swept * self.sector_deg
        for az in self._false_az_deg:
            if lo_deg <= az < hi_deg:
                rho = self._detect_rng.uniform(MIN_RANGE_NM, MAX_RANGE_NM)
                at_ns = sweep_start_ns + round(az / 360.0 * self.period_s * 1e9)
                items = {
                    "010": self.site,
                    "140": _tod_q(self._tod_s(min(at_ns, now_ns), now_ns)),
                    "020": {"TYP": 1, "SIM": 0, "RDP": 0, "SPI": 0, "RAB": 0},
                    "040": {"RHO": _q(rho, RHO_LSB_NM), "THETA": _theta_q(az)},
                }
                hits.append((az, items))
                self.extra["false_plots"] += 1
        hits.sort(key=lambda h: h[0])
        return [encode_one({"category": 48, "items": items}) for _, items in hits]

    def _plot_items(self, t: Target, theta_deg: float, tod_s: float) -> dict[str, Any]:
        return {
            "010": self.site,
            "140": _tod_q(tod_s),
            # TYP 5: single Mode S roll-call; the emulated radar is an SSR/Mode S sensor.
            "020": {"TYP": 5, "SIM": 0, "RDP": 0, "SPI": 0, "RAB": 0},
            "040": {"RHO": _q(min(t.rho_nm, 255.99), RHO_LSB_NM), "THETA": _theta_q(theta_deg)},
            "070": {"V": 0, "G": 0, "L": 0, "MODE3A": t.mode3a},
            "090": {"V": 0, "G": 0, "FL": _q(t.fl, 0.25)},
            "220": t.address,
            "240": t.callsign,
            "161": {"TRN": t.trn},
            "200": {"GSP": _q(t.speed_kt / 3600.0, 2**-14), "HDG": _theta_q(t.heading_deg)},
        }
