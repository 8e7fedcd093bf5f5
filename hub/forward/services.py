"""The police.* services: forward an incident, requeue dead letters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..exceptions import ServiceValidationError
from ..services import ServiceCall
from .const import DOMAIN

if TYPE_CHECKING:
    from .forwarder import Forwarder

__all__ = ["ForwardData", "RequeueData", "register_services"]


class ForwardData(BaseModel):
    """Data of police.forward: which incident, to which destinations (all when empty)."""

    model_config = ConfigDict(extra="forbid")

    incident_id: str = Field(min_length=1, max_length=64)
    destinations: list[str] = []
    note: str = Field(default="", max_length=2000)


class RequeueData(BaseModel):
    """Data of police.requeue: one dead letter by id, or all of them (of one destination)."""

    model_config = ConfigDict(extra="forbid")

    outbox_id: int | None = Field(default=None, ge=1)
    all: bool = False
    destination: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> RequeueData:
        if (self.outbox_id is None) == (not self.all):
            raise ValueError("give either outbox_id or all: true")
        return self


def register_services(forwarder: Forwarder) -> None:
    """Register police.forward and police.requeue."""
    reg = forwarder.hub.services.register
    reg(DOMAIN, "forward", lambda call: _forward(forwarder, call), ForwardData,
        "Send an incident and its later updates to police destinations.", ("admin", "guard"))
    reg(DOMAIN, "requeue", lambda call: _requeue(forwarder, call), RequeueData,
        "Send dead letters again.", ("admin",))


async def _forward(forwarder: Forwarder, call: ServiceCall) -> dict[str, Any]:
    data: ForwardData = call.data
    await forwarder.forward(data.incident_id, data.destinations, data.note, call.context)
    return {"incident_id": data.incident_id,
            "destinations": data.destinations or sorted(forwarder.senders)}


async def _requeue(forwarder: Forwarder, call: ServiceCall) -> dict[str, Any]:
    data: RequeueData = call.data
    if data.outbox_id is not None:
        ids = [data.outbox_id]
    else:
        dead = await forwarder.queue.dead_letters(data.destination, 10_000)
        ids = [item.id for item in dead]
    requeued = [item.id for i in ids
                if (item := await forwarder.requeue(i, call.context)) is not None]
    if data.outbox_id is not None and not requeued:
        raise ServiceValidationError(f"outbox_id: {data.outbox_id} is not a dead letter",
                                     [("outbox_id", "not a dead letter")])
    return {"requeued": requeued}
