"""MQTT brokers of a city platform: the `mqtt` uplink type."""

from __future__ import annotations

from hub import Uplink, hookimpl

from .uplink import MqttUplink

__all__ = ["MqttUplink", "register_uplinks"]


@hookimpl
def register_uplinks() -> list[type[Uplink]]:
    """The `mqtt` uplink type."""
    return [MqttUplink]
