"""Configuration of an `rtsp` camera: a stream URL and/or a snapshot URL."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, model_validator

from hub import DeviceConfig


class RtspCameraConfig(DeviceConfig):
    """A camera without ONVIF: `stream_url` (rtsp:// or http:// MJPEG), `snapshot_url`, or both."""

    platform: Literal["rtsp"]
    stream_url: str | None = None
    snapshot_url: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    snapshot_auth: Literal["auto", "digest", "basic"] = "auto"
    rtsp_transport: Literal["tcp", "udp", "auto"] = "tcp"
    motion: bool = False
    motion_fps: float = Field(default=2.0, gt=0, le=30)
    motion_threshold: int = Field(default=25, ge=1, le=255)
    motion_area: float = Field(default=0.01, gt=0, lt=1)
    motion_clear_seconds: float = Field(default=5.0, ge=0)
    reconnect_seconds: float = Field(default=2.0, gt=0, le=300)
    reconnect_max_seconds: float = Field(default=60.0, gt=0, le=3600)
    timeout: float = Field(default=10.0, gt=0, le=120)
    read_timeout: float | None = Field(default=None, gt=0, le=120)  # default: timeout

    @model_validator(mode="after")
    def _needs_a_url(self) -> RtspCameraConfig:
        if not self.stream_url and not self.snapshot_url:
            raise ValueError("give stream_url, snapshot_url or both")
        return self

    def stream_url_with_credentials(self) -> str | None:
        """The stream URL with username/password inserted (never log it)."""
        if not self.stream_url or not self.username:
            return self.stream_url
        return with_credentials(self.stream_url, self.username, self.password)


def with_credentials(url: str, username: str, password: SecretStr | None) -> str:
    """Insert user:password into a URL's authority."""
    parts = urlsplit(url)
    secret = quote(password.get_secret_value(), safe="") if password else ""
    userinfo = quote(username, safe="") + (f":{secret}" if secret else "")
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def without_credentials(url: str | None) -> str | None:
    """A URL with any user:password removed (safe to show and log)."""
    if not url:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))
