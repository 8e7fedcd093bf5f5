"""platform.yaml: the broker cluster, PostgreSQL, workers, the console and the schools."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from hub.config.located import location_of
from hub.exceptions import ConfigError
from hub.fieldpath import format_path

__all__ = [
    "BrokerConfig",
    "ConsoleConfig",
    "PlatformConfig",
    "SchoolConfig",
    "load_platform_config",
]

SCHOOL_ID = r"^[A-Za-z0-9_-]{1,64}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BrokerConfig(_Model):
    """The clustered broker: AMQP for the workers, HTTP management for provisioning."""

    amqp_urls: list[str] = Field(min_length=1, description="amqp://user:pass@host:port/ per node")
    management_urls: list[str] = Field(default=[], description="http://host:15672 per node")
    mqtt_servers: list[str] = Field(default=[], description="host:port given to schools")
    topic_prefix: str = Field(default="campus", pattern=r"^[A-Za-z0-9_-]+$")
    partitions: int = Field(default=16, ge=1, le=1024)
    prefetch: int = Field(default=200, ge=1, le=10000)
    rebalance_interval: float = Field(
        default=1.0, gt=0, le=60,
        description="s between a worker's reads of the live workers (handovers and claims)")
    handover_pause: float = Field(
        default=5.0, ge=0, le=600,
        description="s before a partition a worker handed over may be handed over again")


class ConsoleConfig(_Model):
    """The web console."""

    host: str = "127.0.0.1"
    port: int = Field(default=8200, ge=0, le=65535)
    session_hours: float = Field(default=12.0, gt=0, le=720)
    secure_cookies: bool = False
    sound: bool = True


class SchoolConfig(_Model):
    """A school known to the platform (its hub's `hub.site`)."""

    id: str = Field(pattern=SCHOOL_ID)
    name: str = Field(min_length=1, max_length=200)
    district: str = Field(min_length=1, max_length=64)
    live_view_url: str | None = None
    password: SecretStr | None = Field(
        default=None, description="the school's broker password (provisioned on start)")


class PlatformConfig(_Model):
    """The whole platform.yaml."""

    database_url: str = Field(pattern=r"^postgresql(\+asyncpg)?://")
    broker: BrokerConfig
    workers: int = Field(default=2, ge=0, le=64)
    heartbeat_interval: float = Field(default=30.0, gt=0, le=3600,
                                      description="the schools' heartbeat period (s)")
    console: ConsoleConfig = Field(default_factory=ConsoleConfig)
    schools: list[SchoolConfig] = []
    log_level: Literal["debug", "info", "warning"] = "info"

    @model_validator(mode="after")
    def _unique_schools(self) -> PlatformConfig:
        seen: set[str] = set()
        for school in self.schools:
            if school.id in seen:
                raise ValueError(f"school id '{school.id}' is listed twice")
            seen.add(school.id)
        return self

    @property
    def offline_after(self) -> float:
        """Seconds without a heartbeat after which a school is shown offline."""
        return 1.5 * self.heartbeat_interval


def load_platform_config(path: str | Path) -> PlatformConfig:
    """Read platform.yaml; raise ConfigError naming file:line and field of every problem."""
    from hub.config import load_yaml

    raw: Any = load_yaml(path)
    try:
        return PlatformConfig.model_validate(raw or {})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = location_of(raw, tuple(err["loc"]))
            place = f"{where[0]}:{where[1]}" if where else f"{path}:0"
            message = "unknown option" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{place}: {format_path(tuple(err['loc'])) or '(top level)'}: "
                            f"{message}")
        raise ConfigError(problems) from None
