"""Config model of the modbus_locker plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, model_validator

from plugins.alarms.modbus_io.connection import ModbusConnectionConfig
from plugins.lockers.locker_kind.config import LockerBankConfig

from .const import DEFAULT_SCAN_INTERVAL
from .profile import LockerProfile, ProfileError, known_models, load_device_profile_blocking

__all__ = ["ModbusLockerConfig"]


class ModbusLockerConfig(ModbusConnectionConfig, LockerBankConfig):
    """A locker bank behind one Modbus controller and the controller's register map.

    `model` names a built-in profile (or one in `profile_dir`); `profile` is a profile file.
    Relative paths start at the site configuration's folder.
    """

    model_config = ConfigDict(extra="forbid")

    platform: Literal["modbus_locker"]
    model: str | None = None
    profile: str | None = None
    profile_dir: str | None = None
    scan_interval: float = Field(default=DEFAULT_SCAN_INTERVAL, ge=0.05, le=60)

    @model_validator(mode="after")
    def _register_map(self, info: ValidationInfo) -> ModbusLockerConfig:
        if (self.model is None) == (self.profile is None):
            raise ValueError("give `model` (a profile name) or `profile` (a profile file)")
        config_dir = (info.context or {}).get("config_dir")
        if isinstance(config_dir, Path):  # validating a site file: read the map it names
            try:
                self.check_profile(self.load_profile_blocking(config_dir))
            except ProfileError as err:
                raise ValueError(str(err)) from None
        elif self.profile is None and self.profile_dir is None and self.model not in known_models():
            raise ValueError(
                f"unknown model {self.model!r}; profiles: {', '.join(known_models())}"
            )
        return self

    def load_profile_blocking(self, config_dir: Path) -> LockerProfile:
        """Load this entry's profile (file I/O)."""
        return load_device_profile_blocking(config_dir, self.model, self.profile,
                                            self.profile_dir)

    def check_profile(self, profile: LockerProfile) -> None:
        """Refuse more doors than the controller drives."""
        if self.doors > profile.doors:
            raise ProfileError(f"doors: {self.doors} is more than model {profile.model} "
                               f"drives ({profile.doors})")
