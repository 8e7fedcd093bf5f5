"""Cameras: snapshots, live streams, PTZ, and the frame source recognition consumes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import Field

from .entity import Entity, EntityServiceData
from .entity_services import EntityService
from .exceptions import ServiceValidationError

__all__ = [
    "CAMERA_SERVICES",
    "Camera",
    "CameraState",
    "Frame",
    "PtzData",
    "SnapshotData",
]


class CameraState(StrEnum):
    """States of a camera."""

    IDLE = "idle"
    STREAMING = "streaming"
    RECORDING = "recording"
    UNKNOWN = "unknown"


@dataclass(slots=True, frozen=True)
class Frame:
    """One decoded frame: BGR pixels (a numpy array) and when it was grabbed."""

    camera: str
    ts: float
    image: Any


class SnapshotData(EntityServiceData):
    """Data of camera.snapshot."""

    incident_id: str | None = None


class PtzData(EntityServiceData):
    """Data of camera.ptz: a continuous move, a relative move, go to, store or remove a
    preset."""

    move: Literal["continuous", "relative", "stop", "preset", "set_preset",
                  "remove_preset"] = "continuous"
    pan: float = Field(default=0, ge=-1, le=1)
    tilt: float = Field(default=0, ge=-1, le=1)
    zoom: float = Field(default=0, ge=-1, le=1)
    preset: str | None = None
    #: how long a continuous move runs before the hub stops it; 0: until `move: stop`
    seconds: float = Field(default=0.5, ge=0, le=30)


class Camera(Entity):
    """A camera. Subclasses implement snapshot(); PTZ and frames where the device offers them."""

    domain: ClassVar[str] = "camera"
    supports_ptz: bool = False

    async def snapshot_bytes(self) -> bytes:
        """Return a JPEG of what the camera sees now."""
        raise ServiceValidationError(f"{self.entity_id} cannot take snapshots")

    async def snapshot(self, incident_id: str | None = None) -> dict[str, Any]:
        """Take a snapshot and store it; return its id (the camera.snapshot service)."""
        data = await self.snapshot_bytes()
        snap = await self.hub.snapshots.save(data, self.entity_id, incident_id=incident_id)
        return {"snapshot_id": snap, "entity_id": self.entity_id}

    def stream_url(self) -> str | None:
        """Return the live stream URL (RTSP or MJPEG) when known."""
        return None

    def frames(self, fps: float) -> AsyncIterator[Frame]:
        """Yield the newest frame at most `fps` times a second; never builds a backlog."""
        raise ServiceValidationError(f"{self.entity_id} offers no frame source")

    async def ptz(self, move: str = "continuous", pan: float = 0, tilt: float = 0,
                  zoom: float = 0, preset: str | None = None, seconds: float = 0.5) -> None:
        """Move the camera (the camera.ptz service)."""
        raise ServiceValidationError(f"{self.entity_id} does not support PTZ")

    async def ptz_presets(self) -> dict[str, str]:
        """The camera's presets, token -> name ({} without PTZ)."""
        return {}

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the camera's attributes."""
        return {"supports_ptz": self.supports_ptz,
                "stream_url_known": self.stream_url() is not None}


CAMERA_SERVICES = [
    EntityService("snapshot", "snapshot", SnapshotData, ("admin", "guard", "police"),
                  "Take a snapshot and store it."),
    EntityService("ptz", "ptz", PtzData, ("admin", "guard"), "Pan, tilt, zoom or go to a preset."),
]
