"""Switches: an output the hub turns on and off (a camera's relay driving a siren or a door)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from .entity import Entity
from .entity_services import EntityService
from .exceptions import ServiceValidationError

__all__ = ["SWITCH_SERVICES", "Switch", "SwitchState"]


class SwitchState(StrEnum):
    """States of a switch."""

    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


class Switch(Entity):
    """An on/off output. Subclasses implement turn_on() and turn_off() and set `state`."""

    domain: ClassVar[str] = "switch"

    async def turn_on(self) -> None:
        """Switch the output on."""
        raise ServiceValidationError(f"{self.entity_id} cannot turn on")

    async def turn_off(self) -> None:
        """Switch the output off."""
        raise ServiceValidationError(f"{self.entity_id} cannot turn off")


_ROLES = ("admin", "guard")
SWITCH_SERVICES = [
    EntityService("turn_on", "turn_on", roles=_ROLES, description="Switch the output on."),
    EntityService("turn_off", "turn_off", roles=_ROLES, description="Switch the output off."),
]
