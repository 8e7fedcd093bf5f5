"""Sensors: a value the device measures (counters, battery, temperature)."""

from __future__ import annotations

from typing import Any, ClassVar

from .entity import Entity

__all__ = ["Sensor"]


class Sensor(Entity):
    """A read-only value; `unit` and `device_class` travel as attributes."""

    domain: ClassVar[str] = "sensor"
    unit: str | None = None
    device_class: str | None = None

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the sensor's attributes."""
        attrs: dict[str, Any] = {}
        if self.unit:
            attrs["unit_of_measurement"] = self.unit
        if self.device_class:
            attrs["device_class"] = self.device_class
        return attrs
