"""Incidents API: lists (newest first, paginated) and one incident with its timeline.

Acknowledge, note, dispatch and resolve are the incident.* services
(`POST /api/services/incident/acknowledge`), so their roles and validation live in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..auth.roles import ALL_ROLES
from ..exceptions import IncidentError
from ..hubkey import RECORDER
from ..incidents import POLICE_ROLE, Incident, police_view
from .errors import ApiError
from .routing import Route, principal, query
from .schemas import PageQuery, page, page_offset

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["incident_routes"]

_OPEN = ["raised", "acknowledged", "dispatched"]


class IncidentsQuery(PageQuery):
    """Which incidents: open (default), all, or one status; optionally one category."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "all", "raised", "acknowledged", "dispatched", "resolved",
                    "false_alarm"] = "open"
    category: str | None = Field(default=None, max_length=64)


class TimelineStepOut(BaseModel):
    """One step of an incident's timeline: who, when, what."""

    action: str
    actor: str
    at: float
    note: str
    data: dict[str, Any]


class IncidentOut(BaseModel):
    """An incident with its timeline."""

    id: str
    category: str
    priority: int
    priority_name: str
    site: str
    message: str
    source: str | None
    gate: str | None
    cameras: list[str]
    snapshots: list[str]
    status: str
    classification: str | None
    test: bool
    created_at: float
    updated_at: float
    revision: int
    timeline: list[TimelineStepOut]


def incident_routes(hub: Hub) -> list[Route]:
    """Return the incident routes."""

    async def list_incidents(request: web.Request) -> Any:
        q = query(request, IncidentsQuery)
        statuses = (_OPEN if q.status == "open" else None if q.status == "all"
                    else [q.status])
        recorder = hub.components.get(RECORDER)
        queries = recorder.queries if recorder is not None else None
        if queries is not None:
            try:
                found = await queries.incidents(status=statuses, limit=q.limit, cursor=q.cursor,
                                                category=[q.category] if q.category else None)
            except ValueError as exc:
                raise ApiError(422, "invalid_input", f"query.{exc}", [("query.cursor", str(exc))]
                               ) from None
            return page(_shown(request, found.items), q, next_cursor=found.next_cursor)
        items = [i for i in hub.incidents.all()
                 if (statuses is None or str(i.status) in statuses)
                 and (not q.category or i.category == q.category)]
        start = page_offset(q)
        return page(_shown(request, items[start:start + q.limit]), q, total=len(items))

    def _shown(request: web.Request, incidents: list[Incident]) -> list[dict[str, Any]]:
        """Incidents as the caller's role sees them; what the police read is audited."""
        who = principal(request)
        if who.user.role != POLICE_ROLE:
            return [i.as_dict() for i in incidents]
        shown = [police_view(i.as_dict(), hub.config.incidents) for i in incidents]
        if shown:
            hub.audit("incidents.read", target=request.path_qs[:256],
                      details={"incidents": [i["id"] for i in shown]}, context=who.context())
        return shown

    async def get_incident(request: web.Request) -> Any:
        incident_id = request.match_info["incident_id"]
        if len(incident_id) > 64:
            raise ApiError(404, "not_found", "unknown incident", [("path.incident_id", "unknown")])
        try:
            incident = await hub.incidents.get(incident_id)
        except IncidentError:
            raise ApiError(404, "not_found", f"incident_id: unknown incident '{incident_id}'",
                           [("path.incident_id", "unknown incident")]) from None
        return _shown(request, [incident])[0]

    return [
        Route("GET", "/api/incidents", list_incidents, ALL_ROLES,
              "Incidents newest first; open ones by default.", query=IncidentsQuery,
              tags=("incidents",)),
        Route("GET", "/api/incidents/{incident_id}", get_incident, ALL_ROLES,
              "One incident with its timeline.", response=IncidentOut, tags=("incidents",)),
    ]
