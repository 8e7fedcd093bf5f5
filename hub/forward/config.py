"""The `police:` section: where alarms go (webhooks, SIA DC-09 receivers, MQTT brokers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from ..incidents import Priority
from ..incidents.config import PriorityValue

__all__ = [
    "DestinationConfig",
    "LiveViewConfig",
    "MqttConfig",
    "PoliceConfig",
    "RetryConfig",
    "SiaConfig",
    "WebhookConfig",
]

_NAME = r"^[a-z0-9_]+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RetryConfig(_Model):
    """How deliveries are retried: exponential backoff with jitter, then a dead letter."""

    max_attempts: int = Field(default=12, ge=1, le=1000)
    initial_delay: float = Field(default=1.0, gt=0, le=600)
    max_delay: float = Field(default=300.0, gt=0, le=86400)
    concurrency: int = Field(default=4, ge=1, le=64)


class DestinationConfig(_Model):
    """Fields every destination has: a name and which incidents it wants."""

    name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    categories: list[str] | None = None
    min_priority: PriorityValue = Priority.LOW
    include_tests: bool = True
    retry: RetryConfig | None = None


class WebhookConfig(DestinationConfig):
    """A police webhook: signed JSON over HTTPS."""

    url: AnyHttpUrl
    secret: SecretStr
    verify_tls: bool = True
    ca_file: Path | None = None
    timeout: float = Field(default=10.0, gt=0, le=120)
    headers: dict[str, str] = {}

    @field_validator("secret")
    @classmethod
    def _long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("the secret must have at least 16 characters "
                             "(for example: openssl rand -hex 32)")
        return value


class SiaConfig(DestinationConfig):
    """A SIA DC-09 alarm receiver (TCP), plain or AES-encrypted with the account key."""

    host: str
    port: int = Field(ge=1, le=65535)
    account: str = Field(pattern=r"^[0-9A-Fa-f]{3,16}$")
    key: SecretStr | None = None
    key_encoding: Literal["ascii", "hex"] = "ascii"
    receiver: int = Field(default=0, ge=0, le=0xFFFFFF)
    line: int = Field(default=0, ge=0, le=0xFFFFFF)
    area: int = Field(default=1, ge=0, le=999)
    zones: dict[str, int] = {}
    codes: dict[str, tuple[str, str]] = {}
    supervision_interval: float = Field(default=60.0, ge=0, le=86400)
    timeout: float = Field(default=10.0, gt=0, le=60)

    @model_validator(mode="after")
    def _check_key(self) -> SiaConfig:
        if self.key is not None:
            raw = self.key.get_secret_value()
            if self.key_encoding == "hex":
                try:
                    size = len(bytes.fromhex(raw))
                except ValueError:
                    raise ValueError("key: expected hexadecimal digits") from None
            else:
                size = len(raw.encode())
            if size not in (16, 24, 32):
                raise ValueError(f"key: AES needs 16, 24 or 32 bytes, got {size} "
                                 f"({self.key_encoding})")
        return self

    @field_validator("codes")
    @classmethod
    def _check_codes(cls, value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        for category, pair in value.items():
            for code in pair:
                if len(code) != 2 or not code.isalpha() or not code.isupper():
                    raise ValueError(f"{category}: SIA codes are two capital letters, "
                                     f"got {code!r}")
        return value

    def key_bytes(self) -> bytes | None:
        """Return the AES key, or None for the plain variant."""
        if self.key is None:
            return None
        raw = self.key.get_secret_value()
        return bytes.fromhex(raw) if self.key_encoding == "hex" else raw.encode()


class MqttConfig(DestinationConfig):
    """An MQTT broker of a city platform: incidents (QoS 1) and device availability."""

    url: str = Field(pattern=r"^mqtts?://[^/\s]+(:\d+)?/?$")
    topic_prefix: str = Field(default="campus", pattern=r"^[A-Za-z0-9_\-/]+$")
    username: str | None = None
    password: SecretStr | None = None
    client_id: str | None = None
    ca_file: Path | None = None
    keepalive: int = Field(default=30, ge=5, le=3600)
    timeout: float = Field(default=10.0, gt=0, le=120)
    availability: bool = True


class LiveViewConfig(_Model):
    """Signed, expiring links police use to watch one camera and see the snapshots."""

    enabled: bool = True
    ttl: float = Field(default=3600.0, ge=60, le=7 * 86400)
    secret: SecretStr | None = None
    mjpeg_fps: float = Field(default=2.0, gt=0, le=10)


class PoliceConfig(_Model):
    """The `police:` section."""

    webhooks: list[WebhookConfig] = []
    sia: list[SiaConfig] = []
    mqtt: list[MqttConfig] = []
    retry: RetryConfig = Field(default_factory=RetryConfig)
    live_view: LiveViewConfig = Field(default_factory=LiveViewConfig)

    @model_validator(mode="after")
    def _unique_names(self) -> PoliceConfig:
        seen: set[str] = set()
        for dest in self.destinations():
            if dest.name in seen:
                raise ValueError(f"destination name '{dest.name}' is used twice")
            seen.add(dest.name)
        return self

    def destinations(self) -> list[DestinationConfig]:
        """Return every destination, webhooks first."""
        return [*self.webhooks, *self.sia, *self.mqtt]

    def retry_for(self, dest: DestinationConfig) -> RetryConfig:
        """Return the retry settings of a destination (its own or the section's)."""
        return dest.retry or self.retry

    def describe(self) -> list[dict[str, Any]]:
        """Return the destinations without secrets, for the API."""
        kinds = {id(d): k for k, ds in (("webhook", self.webhooks), ("sia", self.sia),
                                          ("mqtt", self.mqtt)) for d in ds}
        return [{"name": d.name, "kind": kinds[id(d)], "categories": d.categories,
                 "min_priority": int(d.min_priority)} for d in self.destinations()]
