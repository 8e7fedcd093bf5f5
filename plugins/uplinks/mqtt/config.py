"""The `type: mqtt` entry of `uplinks:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from hub import UplinkConfig

__all__ = ["MqttConfig"]


class MqttConfig(UplinkConfig):
    """An MQTT broker of a city platform: incidents (QoS 1) and device availability."""

    type: Literal["mqtt"] = "mqtt"
    url: str = Field(pattern=r"^mqtts?://[^/\s]+(:\d+)?/?$")
    topic_prefix: str = Field(default="campus", pattern=r"^[A-Za-z0-9_\-/]+$")
    username: str | None = None
    password: SecretStr | None = None
    client_id: str | None = None
    ca_file: Path | None = None
    keepalive: int = Field(default=30, ge=5, le=3600)
    timeout: float = Field(default=10.0, gt=0, le=120)
    availability: bool = True
