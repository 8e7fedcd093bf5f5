"""The incident.* services: raise, acknowledge, dispatch, resolve, mark_false_alarm, note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..services import ServiceCall
from .model import IncidentStatus

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["register_incident_services"]

_STAFF = ("admin", "guard")
_RESPONDERS = ("admin", "guard", "police")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RaiseData(_Data):
    """Data of incident.raise."""

    category: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    message: str = Field(default="", max_length=2000)
    priority: int | None = Field(default=None, ge=1, le=4)
    source: str | None = None
    gate: str | None = None
    cameras: list[str] = []
    data: dict[str, Any] = {}


class StepData(_Data):
    """Data of a lifecycle service: which incident, and a note."""

    incident_id: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=2000)


class ResolveData(StepData):
    """Data of incident.resolve: also how the incident is classified."""

    classification: Literal["real", "false_alarm", "test"] | None = "real"


class NoteData(StepData):
    """Data of incident.add_note: the note is required."""

    note: str = Field(min_length=1, max_length=2000)


class CheckData(StepData):
    """Data of incident.check_step: which checklist item the guard has done."""

    item: str = Field(min_length=1, max_length=64)


def register_incident_services(hub: Hub) -> None:
    """Register the incident.* services on the hub."""
    reg = hub.services.register
    reg("incident", "raise", lambda c: _raise(hub, c), RaiseData, "Raise an incident.", _STAFF)
    for name, status, roles in (
        ("acknowledge", IncidentStatus.ACKNOWLEDGED, _RESPONDERS),
        ("dispatch", IncidentStatus.DISPATCHED, _RESPONDERS),
        ("mark_false_alarm", IncidentStatus.FALSE_ALARM, _STAFF),
    ):
        reg("incident", name, _transition(hub, status), StepData,
            f"Move an incident to {status}.", roles)
    reg("incident", "resolve", lambda c: _resolve(hub, c), ResolveData,
        "Resolve an incident with a classification.", _STAFF)
    reg("incident", "add_note", lambda c: _note(hub, c), NoteData,
        "Add a note to an incident's timeline.", _RESPONDERS)
    reg("incident", "check_step", lambda c: _check(hub, c), CheckData,
        "Tick an item of the incident's checklist (procedure).", _STAFF)


async def _raise(hub: Hub, call: ServiceCall) -> dict[str, Any]:
    d: RaiseData = call.data
    incident = await hub.incidents.raise_incident(
        d.category, source=d.source, message=d.message, priority=d.priority, gate=d.gate,
        cameras=d.cameras, data=d.data, context=call.context)
    return incident.as_dict()


def _transition(hub: Hub, status: IncidentStatus) -> Any:
    async def handle(call: ServiceCall) -> dict[str, Any]:
        d: StepData = call.data
        incident = await hub.incidents.transition(d.incident_id, status, note=d.note,
                                                  context=call.context)
        return incident.as_dict()

    return handle


async def _resolve(hub: Hub, call: ServiceCall) -> dict[str, Any]:
    d: ResolveData = call.data
    status = (IncidentStatus.FALSE_ALARM if d.classification == "false_alarm"
              else IncidentStatus.RESOLVED)
    incident = await hub.incidents.transition(d.incident_id, status, note=d.note,
                                              classification=d.classification,
                                              context=call.context)
    return incident.as_dict()


async def _note(hub: Hub, call: ServiceCall) -> dict[str, Any]:
    d: NoteData = call.data
    incident = await hub.incidents.add_step(d.incident_id, "note", note=d.note,
                                            context=call.context)
    return incident.as_dict()


async def _check(hub: Hub, call: ServiceCall) -> dict[str, Any]:
    d: CheckData = call.data
    incident = await hub.incidents.check_step(d.incident_id, d.item, note=d.note,
                                              context=call.context)
    return incident.as_dict()
