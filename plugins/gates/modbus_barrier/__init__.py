"""Barriers and turnstiles behind Modbus TCP / RTU controllers: hook implementations."""

from __future__ import annotations

from hub import Platform, hookimpl

from .gate import ModbusBarrier


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The `modbus_barrier` platform."""
    return [ModbusBarrier]
