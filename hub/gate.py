"""Gates: barriers and turnstiles. States and the gate.* services."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from .entity import Entity, EntityServiceData
from .entity_services import EntityService
from .exceptions import ServiceValidationError

__all__ = ["GATE_SERVICES", "Gate", "GateState", "HoldOpenData"]


class GateState(StrEnum):
    """States a gate passes through."""

    CLOSED = "closed"
    OPENING = "opening"
    OPEN = "open"
    CLOSING = "closing"
    STOPPED = "stopped"
    HELD_OPEN = "held_open"
    FAULT = "fault"
    UNKNOWN = "unknown"


class HoldOpenData(EntityServiceData):
    """Data of gate.hold_open: how long to hold, 0 for until closed."""

    seconds: float = Field(default=0, ge=0, le=86400)


class Gate(Entity):
    """A barrier or turnstile. Subclasses implement open() and close()."""

    domain: ClassVar[str] = "gate"

    async def open(self) -> None:
        """Open the gate once (it closes by itself if the device auto-closes)."""
        raise ServiceValidationError(f"{self.entity_id} cannot open")

    async def close(self) -> None:
        """Close the gate."""
        raise ServiceValidationError(f"{self.entity_id} cannot close")

    async def stop(self) -> None:
        """Stop the gate where it is."""
        raise ServiceValidationError(f"{self.entity_id} does not support stop")

    async def hold_open(self, seconds: float = 0) -> None:
        """Keep the gate open (0 = until closed)."""
        raise ServiceValidationError(f"{self.entity_id} does not support hold_open")

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the gate's attributes."""
        return {}


_ROLES = ("admin", "guard")
GATE_SERVICES = [
    EntityService("open", "open", roles=_ROLES, description="Open the gate once."),
    EntityService("close", "close", roles=_ROLES, description="Close the gate."),
    EntityService("stop", "stop", roles=_ROLES, description="Stop the gate where it is."),
    EntityService("hold_open", "hold_open", HoldOpenData, _ROLES,
                  "Hold the gate open for a time (0 = until closed)."),
]
