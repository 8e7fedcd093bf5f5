"""Config models of the modbus_io plugin: one device entry lists many inputs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub import DeviceConfig

from .connection import ModbusConnectionConfig
from .const import DEFAULT_COUNTER_INTERVAL, DEFAULT_SCAN_INTERVAL

__all__ = ["InputConfig", "ModbusIOConfig", "OutputConfig", "RegisterConfig"]


class InputConfig(BaseModel):
    """One contact on the module: an AlarmInput entity."""

    model_config = ConfigDict(extra="forbid")

    name: str
    object_id: str | None = None
    address: int = Field(ge=0, le=65535)
    category: str = Field(default="panic", pattern=r"^[a-z][a-z0-9_]*$")
    #: `normally_open`: the contact closes (reads 1) when operated. `normally_closed`: it
    #: opens (reads 0) when operated or when its wire is cut. (Not `no`/`nc`: YAML reads
    #: a bare `no` as false.)
    contact: Literal["normally_open", "normally_closed"] = "normally_open"
    debounce: float = Field(default=0.0, ge=0, le=10)
    latch: bool = False
    raise_incident: bool = True
    cameras: list[str] | None = None


class RegisterConfig(BaseModel):
    """A register shown as a sensor entity (counters, zone, fault code)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    address: int = Field(ge=0, le=65535)
    unit: str | None = None


class OutputConfig(BaseModel):
    """A relay output (a coil) driving a siren or a strobe: a switch entity."""

    model_config = ConfigDict(extra="forbid")

    name: str
    object_id: str | None = None
    address: int = Field(ge=0, le=65535)


class ModbusIOConfig(ModbusConnectionConfig, DeviceConfig):
    """An IO module, alarm panel or metal detector on Modbus."""

    model_config = ConfigDict(extra="forbid")

    platform: Literal["modbus_io"]
    scan_interval: float = Field(default=DEFAULT_SCAN_INTERVAL, ge=0.02, le=60)
    input_table: Literal["discrete_inputs", "coils"] = "discrete_inputs"
    inputs: list[InputConfig] = Field(min_length=1)
    register_table: Literal["input_registers", "holding_registers"] = "input_registers"
    registers: list[RegisterConfig] = []
    #: relay outputs (coils) shown as switches: a siren the escalation can sound
    outputs: list[OutputConfig] = []
    counter_interval: float = Field(default=DEFAULT_COUNTER_INTERVAL, ge=0.1, le=3600)

    @model_validator(mode="after")
    def _spans(self) -> ModbusIOConfig:
        addresses = [item.address for item in self.inputs]
        if len(set(addresses)) != len(addresses):
            raise ValueError("inputs: two inputs share an address")
        if max(addresses) - min(addresses) >= 2000:
            raise ValueError("inputs: addresses must fit one read (a span under 2000)")
        if self.registers:
            regs = [item.address for item in self.registers]
            if max(regs) - min(regs) >= 125:
                raise ValueError("registers: addresses must fit one read (a span under 125)")
        return self
