"""Mutable device state shared by the service handlers: addresses, PTZ position, presets."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from .config import SimulatorConfig
from .events import EventHub


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(slots=True)
class PtzState:
    """Pan/tilt in [-1, 1] and zoom in [0, 1], moving at a velocity until stopped."""

    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    since: float = field(default_factory=time.monotonic)
    presets: dict[str, tuple[str, float, float, float]] = field(default_factory=dict)
    moves: list[str] = field(default_factory=list)

    def settle(self) -> None:
        """Integrate the current velocity up to now."""
        now = time.monotonic()
        elapsed, self.since = now - self.since, now
        vp, vt, vz = self.velocity
        self.pan = _clamp(self.pan + vp * elapsed, -1.0, 1.0)
        self.tilt = _clamp(self.tilt + vt * elapsed, -1.0, 1.0)
        self.zoom = _clamp(self.zoom + vz * elapsed, 0.0, 1.0)

    @property
    def moving(self) -> bool:
        """True while a continuous move runs."""
        return any(v != 0.0 for v in self.velocity)

    def continuous(self, pan: float, tilt: float, zoom: float) -> None:
        """Start moving at a velocity."""
        self.settle()
        self.velocity = (pan, tilt, zoom)
        self.moves.append(f"continuous {pan:g} {tilt:g} {zoom:g}")

    def stop(self) -> None:
        """Stop any continuous move."""
        self.settle()
        self.velocity = (0.0, 0.0, 0.0)
        self.moves.append("stop")

    def absolute(self, pan: float, tilt: float, zoom: float) -> None:
        """Jump to a position."""
        self.settle()
        self.pan, self.tilt = _clamp(pan, -1.0, 1.0), _clamp(tilt, -1.0, 1.0)
        self.zoom = _clamp(zoom, 0.0, 1.0)
        self.moves.append(f"absolute {pan:g} {tilt:g} {zoom:g}")

    def relative(self, pan: float, tilt: float, zoom: float) -> None:
        """Move by a translation."""
        self.settle()
        self.absolute(self.pan + pan, self.tilt + tilt, self.zoom + zoom)
        self.moves[-1] = f"relative {pan:g} {tilt:g} {zoom:g}"


@dataclass(slots=True)
class RelayState:
    """One relay output: active or not, and since when (monostable relays fall back)."""

    active: bool = False
    since: float = 0.0
    changes: list[bool] = field(default_factory=list)


@dataclass(slots=True)
class DeviceContext:
    """Everything a SOAP handler may read or change."""

    config: SimulatorConfig
    base_url: str = ""
    rtsp_url: str | None = None
    events: EventHub = field(default_factory=EventHub)
    ptz: PtzState = field(default_factory=PtzState)
    relays: dict[str, RelayState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for n in range(1, self.config.relay_outputs + 1):
            self.relays[f"AlarmOut_{n}"] = RelayState()

    def set_relay(self, token: str, active: bool) -> None:
        """Switch a relay and announce it (tns1:Device/Trigger/Relay); a monostable relay
        falls back to idle after relay_delay, announced too."""
        relay = self.relays[token]
        relay.active, relay.since = active, time.monotonic()
        relay.changes.append(active)
        self.events.publish("relay", token, active)
        if active and self.config.relay_mode == "monostable":
            since = relay.since
            asyncio.get_running_loop().call_later(
                self.config.relay_delay, self._fall_back, token, since
            )

    def _fall_back(self, token: str, since: float) -> None:
        relay = self.relays[token]
        if relay.active and relay.since == since:
            relay.active = False
            self.events.publish("relay", token, False)

    def relay_active(self, token: str) -> bool:
        """A relay's logical state now (a monostable one is idle again after its delay)."""
        relay = self.relays[token]
        c = self.config
        if relay.active and c.relay_mode == "monostable":
            relay.active = time.monotonic() - relay.since < c.relay_delay
        return relay.active

    def xaddr(self, service: str) -> str:
        """Service address, e.g. xaddr("media") -> http://127.0.0.1:P/onvif/media_service."""
        return f"{self.base_url}/onvif/{service}_service"

    @property
    def snapshot_url(self) -> str:
        """JPEG snapshot address."""
        return f"{self.base_url}/snapshot.jpg"

    @property
    def mjpeg_url(self) -> str:
        """MJPEG-over-HTTP stream address."""
        return f"{self.base_url}/mjpeg"

    @property
    def stream_url(self) -> str:
        """The best stream this camera serves: RTSP when running, else MJPEG."""
        return self.rtsp_url or self.mjpeg_url
