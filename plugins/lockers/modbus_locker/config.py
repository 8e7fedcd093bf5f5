"""Config model of the modbus_locker plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, model_validator

from hub.device_profiles import ProfileFields
from plugins.alarms.modbus_io.connection import ModbusConnectionConfig
from plugins.lockers.locker_kind.config import LockerBankConfig

from .const import DEFAULT_SCAN_INTERVAL
from .profile import PROFILES, LockerProfile, ProfileError

__all__ = ["ModbusLockerConfig"]


class ModbusLockerConfig(ModbusConnectionConfig, ProfileFields, LockerBankConfig):
    """A locker bank behind one Modbus controller and the controller's register map.

    `model` names a built-in profile (or one in `profile_dir`); `profile` is a profile file.
    Relative paths start at the site configuration's folder.
    """

    model_config = ConfigDict(extra="forbid")

    platform: Literal["modbus_locker"]
    scan_interval: float = Field(default=DEFAULT_SCAN_INTERVAL, ge=0.05, le=60)

    @model_validator(mode="after")
    def _register_map(self, info: ValidationInfo) -> ModbusLockerConfig:
        profile = PROFILES.check_entry(self, info.context)
        if profile is not None:
            self.check_profile(profile)
        return self

    def load_profile_blocking(self, config_dir: Path) -> LockerProfile:
        """Load this entry's profile (file I/O)."""
        return PROFILES.load_entry_blocking(config_dir, self)

    def check_profile(self, profile: LockerProfile) -> None:
        """Refuse more doors than the controller drives."""
        if self.doors > profile.doors:
            raise ProfileError(f"doors: {self.doors} is more than model {profile.model} "
                               f"drives ({profile.doors})")
