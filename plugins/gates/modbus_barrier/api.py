"""Barrier / turnstile controller client: commands and state through a profile.

No hub imports. Uses the Modbus connection of the modbus_io plugin (declared in the
manifest's dependencies) and a `Profile` (profile.py) for the register map.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from plugins.alarms.modbus_io.api import ModbusClient

from .profile import BIT_TABLES, Profile, ReadSpec, StatusSpec

_LOGGER = logging.getLogger(__name__)

__all__ = ["BarrierClient", "BarrierReading", "decode_state"]


@dataclass(frozen=True, slots=True)
class BarrierReading:
    """What one poll found: the state name and the named raw values."""

    state: str
    attributes: dict[str, Any] = field(default_factory=dict)


def decode_state(status: StatusSpec, values: list[bool] | list[int]) -> str:
    """Return the state a status read means under the profile's rules."""
    if status.table in BIT_TABLES:
        for rule in status.bits:
            if bool(values[rule.bit]) == rule.active:
                return rule.state
        return status.otherwise
    assert status.register_index is not None  # checked by the profile model
    return status.values.get(int(values[status.register_index]), "fault")


def _named(spec: ReadSpec, values: list[bool] | list[int]) -> dict[str, Any]:
    return {name: value for name, value in zip(spec.names, values, strict=False) if name}


class BarrierClient:
    """Drive one controller: `command("open")`, `read()`."""

    def __init__(self, client: ModbusClient, profile: Profile) -> None:
        self.client = client
        self.profile = profile
        self._commands = {str(name): spec for name, spec in profile.commands.items()}

    def supports(self, command: str) -> bool:
        """Return whether the profile maps `command`."""
        return command in self._commands

    async def command(self, name: str) -> None:
        """Perform a command (open, close, stop, hold_open, release, reset)."""
        spec = self._commands.get(name)
        if spec is None:
            raise KeyError(f"{self.profile.model} has no {name!r} command")
        _LOGGER.debug(
            "%s: %s -> %s %s = %s",
            self.client.settings.label,
            name,
            spec.table,
            spec.address,
            spec.value,
        )
        if spec.table == "coils":
            await self.client.write_coil(spec.address, bool(spec.value))
        else:
            await self.client.write_register(spec.address, spec.value)

    async def _read(self, spec: ReadSpec) -> list[bool] | list[int]:
        table = spec.table
        if table == "coils" or table == "discrete_inputs":
            return await self.client.read_bits(table, spec.address, spec.count)
        return await self.client.read_registers(table, spec.address, spec.count)

    async def read(self) -> BarrierReading:
        """Read the status (one bulk read) and the profile's attribute reads."""
        status = self.profile.status
        values = await self._read(status)
        attributes = _named(status, values)
        for spec in self.profile.attributes:
            attributes.update(_named(spec, await self._read(spec)))
        return BarrierReading(decode_state(status, values), attributes)
