"""The `http:` section: where the panel and API listen, cookies, login throttling."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from pydantic import BaseModel, ConfigDict, Field

from ..visitors.config import VisitorsConfig

__all__ = ["AuthConfig", "HttpConfig"]


class AuthConfig(BaseModel):
    """Sessions and login throttling."""

    model_config = ConfigDict(extra="forbid")

    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    login_attempts: int = Field(default=5, ge=1, le=100)
    login_window_seconds: float = Field(default=300.0, gt=0, le=86400)
    lockout_seconds: float = Field(default=300.0, ge=0, le=86400)
    #: How often open WebSockets are checked against revoked tokens and ended sessions.
    websocket_check_seconds: float = Field(default=30.0, gt=0, le=3600)
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65536, ge=8192, le=1048576)
    argon2_parallelism: int = Field(default=4, ge=1, le=16)


class HttpConfig(BaseModel):
    """The `http:` section."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8123, ge=0, le=65535)
    trusted_proxies: list[IPv4Network | IPv6Network] = []
    #: Send the session cookie only over HTTPS; default: when `hub.external_url` is https.
    cookie_secure: bool | None = None
    cookie_name: str = Field(default="campus_session", pattern=r"^[A-Za-z0-9_-]+$")
    panel: bool = True
    database_url: str | None = None
    camera_timeout: float = Field(default=5.0, gt=0, le=60)
    mjpeg_fps: float = Field(default=2.0, gt=0, le=15)
    #: A connection whose first request's headers take longer is closed (slow clients).
    header_timeout: float = Field(default=10.0, gt=0, le=300)
    #: A request body that takes longer to arrive is answered 408.
    body_timeout: float = Field(default=30.0, gt=0, le=3600)
    #: An idle keep-alive connection is closed after this many seconds.
    keepalive_timeout: float = Field(default=60.0, gt=0, le=3600)
    #: Open connections (WebSockets included) at most; more are refused at once.
    max_connections: int = Field(default=1000, ge=1, le=100000)
    #: Open connections from one address at most (trusted proxies are not limited).
    max_connections_per_address: int = Field(default=256, ge=1, le=100000)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    #: Deprecated: the top-level `visitors:` section (hub/visitors) replaces it.
    visitors: VisitorsConfig | None = None
