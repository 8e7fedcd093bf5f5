"""Test devices the panel needs and no simulator offers yet: a camera and a metal detector.

The camera encodes a real JPEG (OpenCV, in an executor); the metal detector is an alarm input
of category `metal_detected` that counts passes like the Modbus simulator's arch does.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal

import cv2
import numpy as np

from hub import (
    AlarmConfig,
    AlarmInput,
    Camera,
    DeviceConfig,
    EntityServiceData,
    Platform,
    ServiceSpec,
    hookimpl,
)
from hub.exceptions import ServiceValidationError
from hub.services import ServiceCall


class TestCameraConfig(DeviceConfig):
    """A camera drawing a clock."""

    platform: Literal["test_camera"]


class TestMetalConfig(AlarmConfig):
    """A walk-through metal detector."""

    platform: Literal["test_metal"]
    category: str = "metal_detected"


def _jpeg_blocking(text: str) -> bytes:
    image = np.full((180, 320, 3), 60, dtype=np.uint8)
    cv2.putText(image, text, (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return bytes(data.tobytes())


class TestCamera(Camera):
    """A camera whose picture shows the time; PTZ moves are counted."""

    platform: ClassVar[str] = "test_camera"
    config_model: ClassVar[type[DeviceConfig]] = TestCameraConfig
    supports_ptz = True

    async def setup(self) -> None:
        """Nothing to connect to."""
        self.moves: list[dict[str, Any]] = []
        self.state = "idle"
        self.set_available(True)

    async def snapshot_bytes(self) -> bytes:
        """Return a JPEG showing the current time."""
        return await self.hub.run_blocking(_jpeg_blocking, time.strftime("%H:%M:%S"))

    async def ptz(self, move: str = "continuous", pan: float = 0, tilt: float = 0,
                  zoom: float = 0, preset: str | None = None, seconds: float = 0.5) -> None:
        """Record the move."""
        self.moves.append({"move": move, "pan": pan, "tilt": tilt, "zoom": zoom})


class TestMetalDetector(AlarmInput):
    """An arch that counts passes; a pass with metal triggers it."""

    platform: ClassVar[str] = "test_metal"
    config_model: ClassVar[type[DeviceConfig]] = TestMetalConfig

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Add the pass counter."""
        return {**super().extra_attributes, "passes": getattr(self, "passes", 0)}

    def walk(self, metal: bool) -> None:
        """Walk one person through."""
        self.passes = getattr(self, "passes", 0) + 1
        self.write_state()
        if metal:
            self.set_triggered(True)
            self.set_triggered(False)


def _walk(hub: Any, call: ServiceCall) -> None:
    for entity_id in call.data.targets():
        entity = hub.entities.get(entity_id)
        if not isinstance(entity, TestMetalDetector):
            raise ServiceValidationError(f"entity_id: {entity_id} is not a test metal detector",
                                         [("entity_id", "not a test metal detector")])
        entity.walk(call.data.metal)


class WalkData(EntityServiceData):
    """Data of testdev.walk."""

    metal: bool = False


class TestDevicesPlugin:
    """Hook implementations of the test devices."""

    @hookimpl
    def register_platforms(self) -> list[type[Platform]]:
        """The test camera and metal detector."""
        return [TestCamera, TestMetalDetector]

    @hookimpl
    def register_services(self) -> list[ServiceSpec]:
        """`testdev.walk`: walk someone through the arch."""
        return [ServiceSpec("testdev", "walk", _walk, WalkData, "Walk through.", ("admin",))]
