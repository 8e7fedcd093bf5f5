"""Alarm inputs of Modbus IO modules, alarm panels and metal detectors: hook implementations."""

from __future__ import annotations

from hub import Platform, hookimpl

from .device import ModbusIODevice


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The `modbus_io` platform."""
    return [ModbusIODevice]
