"""Config model of the modbus_barrier plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, model_validator

from hub import DeviceConfig
from hub.device_profiles import ProfileFields
from plugins.alarms.modbus_io.connection import ModbusConnectionConfig

from .const import DEFAULT_SCAN_INTERVAL
from .profile import PROFILES

__all__ = ["ModbusBarrierConfig"]


class ModbusBarrierConfig(ModbusConnectionConfig, ProfileFields, DeviceConfig):
    """A barrier or turnstile controller and its register map.

    `model` names a built-in profile (or one in `profile_dir`); `profile` is a profile file.
    Relative paths start at the site configuration's folder.
    """

    model_config = ConfigDict(extra="forbid")

    platform: Literal["modbus_barrier"]
    scan_interval: float = Field(default=DEFAULT_SCAN_INTERVAL, ge=0.05, le=60)

    @model_validator(mode="after")
    def _register_map(self, info: ValidationInfo) -> ModbusBarrierConfig:
        PROFILES.check_entry(self, info.context)
        return self
