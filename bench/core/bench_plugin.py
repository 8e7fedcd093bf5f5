"""The bench's own plugin: one in-memory platform, registered like any plugin module."""

from __future__ import annotations

from typing import ClassVar

from hub import hookimpl
from hub.entity import Platform
from hub.sensor import Sensor

__all__ = ["BenchSensor", "register_platforms"]


class BenchSensor(Sensor):
    """An in-memory sensor: the cheapest real entity a plugin can declare."""

    platform: ClassVar[str] = "bench_sensor"


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """Declare the bench platform."""
    return [BenchSensor]
