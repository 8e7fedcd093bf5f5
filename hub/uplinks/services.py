"""The uplinks.* services: forward an incident, requeue dead letters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..exceptions import ServiceValidationError
from ..services import ServiceCall
from .manager import DOMAIN

if TYPE_CHECKING:
    from .manager import UplinkManager

__all__ = ["ForwardData", "RequeueData", "register_services"]


class ForwardData(BaseModel):
    """Data of uplinks.forward: which incident, to which uplinks (all when empty)."""

    model_config = ConfigDict(extra="forbid")

    incident_id: str = Field(min_length=1, max_length=64)
    uplinks: list[str] = []
    note: str = Field(default="", max_length=2000)


class RequeueData(BaseModel):
    """Data of uplinks.requeue: one dead letter by id, or all of them (of one uplink)."""

    model_config = ConfigDict(extra="forbid")

    outbox_id: int | None = Field(default=None, ge=1)
    all: bool = False
    uplink: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> RequeueData:
        if (self.outbox_id is None) == (not self.all):
            raise ValueError("give either outbox_id or all: true")
        return self


def register_services(manager: UplinkManager) -> None:
    """Register uplinks.forward and uplinks.requeue."""
    reg = manager.hub.services.register
    reg(DOMAIN, "forward", lambda call: _forward(manager, call), ForwardData,
        "Send an incident and its later updates to uplinks its filters skip.",
        ("admin", "guard"))
    reg(DOMAIN, "requeue", lambda call: _requeue(manager, call), RequeueData,
        "Send dead letters again.", ("admin",))


async def _forward(manager: UplinkManager, call: ServiceCall) -> dict[str, Any]:
    data: ForwardData = call.data
    await manager.forward(data.incident_id, data.uplinks, data.note, call.context)
    return {"incident_id": data.incident_id, "uplinks": data.uplinks or sorted(manager.uplinks)}


async def _requeue(manager: UplinkManager, call: ServiceCall) -> dict[str, Any]:
    data: RequeueData = call.data
    if data.outbox_id is not None:
        ids = [data.outbox_id]
    else:
        dead = await manager.queue.dead_letters(data.uplink, 10_000)
        ids = [item.id for item in dead]
    requeued = [item.id for i in ids
                if (item := await manager.requeue(i, call.context)) is not None]
    if data.outbox_id is not None and not requeued:
        raise ServiceValidationError(f"outbox_id: {data.outbox_id} is not a dead letter",
                                     [("outbox_id", "not a dead letter")])
    return {"requeued": requeued}
