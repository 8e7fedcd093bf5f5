"""The core configuration sections and the validated configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..entity import DeviceConfig
from ..incidents import IncidentsConfig

__all__ = ["CoreConfig", "HubConfig"]


class CoreConfig(BaseModel):
    """The `hub:` section."""

    model_config = ConfigDict(extra="forbid")

    name: str = "Campus Hub"
    site: str = Field(default="school", pattern=r"^[A-Za-z0-9_.-]+$")
    time_zone: str = "UTC"
    language: Literal["en", "zh"] = "en"
    data_dir: str = "var"
    external_url: str = "http://127.0.0.1:8123"
    blocking_workers: int = Field(default=4, ge=1, le=64)
    setup_timeout: float = Field(default=10.0, gt=0, le=300)
    snapshot_retention_days: int = Field(default=30, ge=1, le=3650)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                             "Asia/Shanghai or Europe/Berlin") from None
        return value


@dataclass
class HubConfig:
    """A validated configuration: core sections, devices, and component sections."""

    core: CoreConfig = field(default_factory=CoreConfig)
    incidents: IncidentsConfig = field(default_factory=IncidentsConfig)
    devices: list[DeviceConfig] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def config_dir(self) -> Path:
        """Return the folder of the configuration file (or the working folder)."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def data_dir(self) -> Path:
        """Return the data folder, relative paths taken from the config folder."""
        path = Path(self.core.data_dir)
        return path if path.is_absolute() else self.config_dir / path
