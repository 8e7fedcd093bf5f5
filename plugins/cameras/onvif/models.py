"""Values the ONVIF client returns: device identity, media profiles, camera events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EventKind = Literal["motion", "tamper", "input", "relay"]


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Identity of a camera (GetDeviceInformation and the first interface's MAC)."""

    manufacturer: str
    model: str
    firmware: str
    serial: str
    hardware_id: str
    mac: str | None = None


@dataclass(frozen=True, slots=True)
class MediaProfile:
    """One media profile: token, video encoding and size, whether PTZ is bound to it."""

    token: str
    name: str
    encoding: str
    width: int
    height: int
    ptz: bool


@dataclass(frozen=True, slots=True)
class CameraEvent:
    """A change reported through the PullPoint: motion, tamper or a digital input."""

    kind: EventKind
    source: str
    value: bool
    topic: str
    initial: bool


@dataclass(frozen=True, slots=True)
class RelayOutput:
    """A relay output of the DeviceIO service: token, mode and (monostable) delay."""

    token: str
    monostable: bool
    delay: float
    idle_state: str
