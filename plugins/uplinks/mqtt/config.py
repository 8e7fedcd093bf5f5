"""The `type: mqtt` entry of `uplinks:`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from hub import UplinkConfig
from hub.recognition.const import CATEGORY_GUARD_OFF_POST

__all__ = ["MqttConfig"]

_URL = r"^mqtts?://[^/\s]+(:\d+)?/?$"


class MqttConfig(UplinkConfig):
    """A city platform's MQTT broker (or cluster): incidents, availability, heartbeats,
    the gates' five duties, and the platform's commands down."""

    type: Literal["mqtt"] = "mqtt"
    #: Sent besides the forwarded categories: the platform's daily report counts off-post
    #: warnings (panic tests go up too: `include_tests`); `[]` sends only forwarded ones.
    also_categories: list[str] = Field(default_factory=lambda: [CATEGORY_GUARD_OFF_POST])
    #: One broker; `urls` lists the nodes of a cluster (tried in turn on failure).
    url: str | None = Field(default=None, pattern=_URL)
    urls: list[str] = Field(default_factory=list)
    topic_prefix: str = Field(default="campus", pattern=r"^[A-Za-z0-9_\-/]+$")
    username: str | None = None
    password: SecretStr | None = None
    #: Default: the hub's site id when `commands` is on (a persistent session per school).
    client_id: str | None = None
    ca_file: Path | None = None
    keepalive: int = Field(default=30, ge=5, le=3600)
    timeout: float = Field(default=10.0, gt=0, le=120)
    availability: bool = True
    #: Seconds between heartbeats; 0 = none. The platform shows a school offline after two.
    heartbeat_interval: float = Field(default=30.0, ge=0, le=3600)
    #: Publish the gates' five duties with every Nth heartbeat (and on every change).
    duties_every: int = Field(default=10, ge=1, le=1000)
    #: Take the platform's commands (incident steps, broadcasts) and acknowledge them.
    commands: bool = False
    #: Reconnect delay after the first failure, doubling up to the maximum, with jitter.
    reconnect_delay: float = Field(default=0.5, gt=0, le=60)
    reconnect_max_delay: float = Field(default=30.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _some_broker(self) -> MqttConfig:
        import re

        for i, url in enumerate(self.urls):
            if not re.match(_URL, url):
                raise ValueError(f"urls[{i}]: expected mqtt://host:port or mqtts://host:port, "
                                 f"got {url!r}")
        if self.url is None and not self.urls:
            raise ValueError("give the broker's `url` or the cluster's `urls`")
        return self

    def broker_urls(self) -> list[str]:
        """Return every broker address, `url` first."""
        return ([self.url] if self.url else []) + [u for u in self.urls if u != self.url]
