"""Locker banks behind Modbus TCP / RTU controllers: hook implementations."""

from __future__ import annotations

from hub import Platform, hookimpl

from .device import LockerController


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The `modbus_locker` platform."""
    return [LockerController]
