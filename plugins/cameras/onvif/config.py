"""Configuration of an `onvif` camera."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from hub import DeviceConfig


class OnvifCameraConfig(DeviceConfig):
    """An ONVIF camera: where it is, how to log in, what to use of it."""

    platform: Literal["onvif"]
    host: str
    port: int = Field(default=80, ge=1, le=65535)
    username: str = "admin"
    password: SecretStr = SecretStr("")
    profile: str | None = None  # profile token; default the first
    use_media2: bool = True
    snapshot_auth: Literal["auto", "digest", "basic"] = "auto"
    rtsp_transport: Literal["tcp", "udp", "auto"] = "tcp"  # for frames() from the stream
    events: bool = True
    tamper_incident: bool = True
    pull_timeout: float = Field(default=5.0, gt=0, le=60)
    subscription_seconds: int = Field(default=60, ge=5, le=3600)
    timeout: float = Field(default=10.0, gt=0, le=120)
    scan_interval: float = Field(default=10.0, gt=0, le=3600)
    reconnect_max_seconds: float = Field(default=30.0, gt=0, le=3600)
