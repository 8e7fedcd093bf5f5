"""Config model of the modbus_barrier plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from hub import DeviceConfig
from plugins.alarms.modbus_io.connection import ModbusConnectionConfig

from .const import DEFAULT_SCAN_INTERVAL
from .profile import known_models

__all__ = ["ModbusBarrierConfig"]


class ModbusBarrierConfig(ModbusConnectionConfig, DeviceConfig):
    """A barrier or turnstile controller; `model` picks its register map in profiles/."""

    model_config = ConfigDict(extra="forbid")

    platform: Literal["modbus_barrier"]
    model: str
    scan_interval: float = Field(default=DEFAULT_SCAN_INTERVAL, ge=0.05, le=60)

    @field_validator("model")
    @classmethod
    def _known(cls, value: str) -> str:
        models = known_models()
        if value not in models:
            raise ValueError(f"unknown model {value!r}; profiles: {', '.join(models)}")
        return value
