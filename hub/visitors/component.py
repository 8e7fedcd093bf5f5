"""Set up the visitor check: the visitor log, its services and its API routes."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ..auth.database import component_database
from ..auth.roles import RESPONDERS, STAFF
from ..camera import Camera
from ..exceptions import ServiceValidationError
from ..http.routing import Route, principal, query, register_routes
from ..http.schemas import PageQuery, page, page_offset
from ..hubkey import VISITORS
from ..privacy import mask_personal
from ..services import ServiceCall
from .config import VisitorsConfig
from .log import CheckInData, VisitorLog

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["setup"]

_LOGGER = logging.getLogger(__name__)


class CheckOutData(BaseModel):
    """Data of visitor.check_out."""

    model_config = ConfigDict(extra="forbid")

    visitor_id: str = Field(min_length=1, max_length=32)


class PhotoData(BaseModel):
    """Data of visitor.take_photo: the gate whose camera takes it."""

    model_config = ConfigDict(extra="forbid")

    gate: str = Field(default="", max_length=64)


class VisitorsQuery(PageQuery):
    """Search the visitor log."""

    q: str = Field(default="", max_length=100)
    status: Literal["all", "in", "out"] = "all"


class MetalQuery(BaseModel):
    """Which gate's metal detector."""

    model_config = ConfigDict(extra="forbid")

    gate: str = Field(default="", max_length=64)


async def setup(hub: Hub, config: VisitorsConfig | None) -> None:
    """Component entry point (hub/components.py): the `visitors:` section, or the panel's.

    The older place, `http: visitors:`, still works for one release, with a warning.
    """
    http = hub.config.sections.get("http")
    if config is None and http is None:
        return  # no visitor check configured and no panel to run it from
    legacy = getattr(http, "visitors", None)
    if config is None and legacy is not None:
        _LOGGER.warning("http.visitors is deprecated: move it to a top-level `visitors:` section")
        config = legacy
    config = config or VisitorsConfig()
    # Without its own URL the log lives with the panel's tables (http.database_url, else the
    # recorder's database), as it did when the HTTP component set it up.
    db_url = config.database_url or getattr(http, "database_url", None)
    await start_visitor_log(hub, config, db_url)


async def start_visitor_log(hub: Hub, config: VisitorsConfig, db_url: str | None) -> VisitorLog:
    """Open the visitor log and register its services and routes."""
    db = await component_database(hub, db_url)
    log = VisitorLog(hub, db, config)
    hub.components[VISITORS] = log
    await log.show_rooms()

    async def check_in(call: ServiceCall) -> dict[str, Any]:
        return await log.check_in(call.data, call.context)

    async def check_out(call: ServiceCall) -> dict[str, Any]:
        return await log.check_out(call.data.visitor_id, call.context)

    async def take_photo(call: ServiceCall) -> dict[str, Any]:
        return await _photo(hub, call.data.gate)

    reg = hub.services.register
    reg("visitor", "check_in", check_in, CheckInData,
        "Check a visitor in: identity, reason, host, metal check, locker, photo; opens the gate "
        "once.", STAFF)
    reg("visitor", "check_out", check_out, CheckOutData, "Check a visitor out.", STAFF)
    reg("visitor", "take_photo", take_photo, PhotoData,
        "Take the visitor's photo with the gate camera; returns the snapshot id.", STAFF)
    register_routes(hub, _routes(log))
    hub.create_task(_retention_loop(log), name="visitor retention")
    return log


async def _retention_loop(log: VisitorLog) -> None:
    """Delete visits past `retention_days`, at start and every `purge_interval_hours`."""
    while True:
        try:
            await log.purge()
        except Exception:  # a database hiccup: try again at the next interval
            _LOGGER.exception("Visitor retention failed")
        await asyncio.sleep(log.config.purge_interval_hours * 3600)


async def _shown(log: VisitorLog, request: web.Request,
                 visits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Visits as the caller may see them (ID and phone numbers masked unless admin); audited.

    The audit row is committed before the visits are answered (issue 10).
    """
    who = principal(request)
    if who.user.role != "admin":
        visits = [mask_personal(v) for v in visits]
    if visits:
        await log.hub.audit_committed("visitors.read", target=request.path_qs[:256],
                                      details={"visits": [v["id"] for v in visits]},
                                      context=who.context())
    return visits


async def _photo(hub: Hub, gate: str) -> dict[str, Any]:
    cameras = sorted((e for e in hub.entities.values()
                      if isinstance(e, Camera) and e.available
                      and (not gate or e.config.gate == gate)), key=lambda e: e.entity_id)
    if not cameras:
        raise ServiceValidationError(f"gate: no camera available at gate '{gate or 'any'}'",
                                     [("gate", "no camera available")])
    result = await cameras[0].snapshot()
    return {"snapshot_id": result["snapshot_id"], "camera": cameras[0].entity_id}


def _routes(log: VisitorLog) -> list[Route]:
    async def visitors(request: web.Request) -> Any:
        q = query(request, VisitorsQuery)
        start = page_offset(q)
        items = await log.search(q.q, q.status, start, q.limit)
        more = len(items) > q.limit
        return page(await _shown(log, request, items[:q.limit]), q,
                    next_cursor=format(start + q.limit, "x") if more else None)

    async def metal(request: web.Request) -> Any:
        q = query(request, MetalQuery)
        last = log.metal.last_pass(q.gate or None, log.config.metal_window_seconds)
        return {"window_seconds": log.config.metal_window_seconds,
                "last_pass": last.as_dict() if last else None}

    async def lockers(request: web.Request) -> Any:
        if log.lockers.present:  # locker banks of the plugin-registered `locker` kind
            items = log.lockers.listing()
            ids = [str(i["holder"])[6:] for i in items
                   if str(i.get("holder") or "").startswith("visit:")]
            visits = {v["id"]: v for v in await _shown(log, request,
                                                        await log.visits_by_id(ids))}
            return [{**i, "visitor": visits.get(str(i["holder"] or "")[6:])} for i in items]
        used = await log.lockers_in_use()
        shown = {v["locker"]: v for v in await _shown(log, request, list(used.values()))}
        return [{"locker": name, "visitor": shown.get(name)} for name in log.config.lockers]

    async def meeting_rooms(request: web.Request) -> Any:
        await log.show_rooms()
        rooms = []
        for slug, room in log.rooms.rooms.items():
            under_way = await _shown(log, request, log.rooms.visits.get(slug, []))
            rooms.append({"id": slug, "name": room.name, "gate": room.gate,
                          "state": "occupied" if under_way else "free",
                          "cameras": room.cameras, "panic": room.panic, "visits": under_way})
        return rooms

    return [
        Route("GET", "/api/visitors/meeting_rooms", meeting_rooms, STAFF,
              "Meeting rooms: free or occupied, and the visits under way in each.",
              tags=("visitors",)),
        Route("GET", "/api/visitors", visitors, RESPONDERS,
              "The visitor log, newest first; search by name, host, id number or reason.",
              query=VisitorsQuery, tags=("visitors",)),
        Route("GET", "/api/visitors/metal", metal, STAFF,
              "The metal detector's last pass at a gate (within the configured window).",
              query=MetalQuery, tags=("visitors",)),
        Route("GET", "/api/visitors/lockers", lockers, STAFF, "Lockers and who holds each.",
              tags=("visitors",)),
    ]
