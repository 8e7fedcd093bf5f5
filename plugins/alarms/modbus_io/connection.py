"""Connection fields shared by every Modbus device entry (this plugin and modbus_barrier)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .api import ConnectionSettings

__all__ = ["ModbusConnectionConfig"]


class ModbusConnectionConfig(BaseModel):
    """How to reach a Modbus device: TCP, RTU over TCP (serial gateway) or serial RTU."""

    transport: Literal["tcp", "rtu_over_tcp", "rtu"] = "tcp"
    host: str | None = None
    port: int = Field(default=502, ge=1, le=65535)
    serial_port: str | None = None
    baudrate: int = Field(default=9600, ge=300, le=921600)
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    bytesize: Literal[7, 8] = 8
    device_id: int = Field(default=1, ge=0, le=247)
    timeout: float | None = Field(default=None, gt=0, le=30)
    reconnect_max_delay: float = Field(default=2.0, ge=0.1, le=300)

    @model_validator(mode="after")
    def _address(self) -> ModbusConnectionConfig:
        if self.transport == "rtu" and not self.serial_port:
            raise ValueError("serial_port is required with transport: rtu")
        if self.transport != "rtu" and not self.host:
            raise ValueError(f"host is required with transport: {self.transport}")
        return self

    def settings(self, default_timeout: float) -> ConnectionSettings:
        """Return the api-level connection settings."""
        return ConnectionSettings(
            transport=self.transport,
            host=self.host or "",
            port=self.port,
            serial_port=self.serial_port,
            baudrate=self.baudrate,
            parity=self.parity,
            stopbits=self.stopbits,
            bytesize=self.bytesize,
            device_id=self.device_id,
            timeout=self.timeout or default_timeout,
        )
