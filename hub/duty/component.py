"""Set up the duty log: its services (duty.start, duty.end, duty.sign_off) and routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..auth.database import component_database
from ..auth.roles import STAFF
from ..http.routing import Route, register_routes
from ..hubkey import DUTY
from ..services import ServiceCall
from .config import DutyConfig
from .log import DutyLog, EndData, SignOffData, StartData

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["setup"]


async def setup(hub: Hub, config: DutyConfig | None) -> None:
    """Open the duty log (with the panel's tables unless `database_url`), register it."""
    http = hub.config.sections.get("http")
    url = (config.database_url if config else None) or getattr(http, "database_url", None)
    log = DutyLog(hub, await component_database(hub, url))
    hub.components[DUTY] = log
    await log.show()

    async def start(call: ServiceCall) -> dict[str, Any]:
        return await log.start(call.context)

    async def end(call: ServiceCall) -> dict[str, Any]:
        return await log.end(call.data.notes, call.context)

    async def sign_off(call: ServiceCall) -> dict[str, Any]:
        return await log.sign_off(call.data.shift_id, call.context)

    reg = hub.services.register
    reg("duty", "start", start, StartData, "Start your duty (nobody on duty, no handover "
        "waiting).", STAFF)
    reg("duty", "end", end, EndData, "End your duty: open incidents, lockers in use, visitors "
        "and your notes are handed over.", STAFF)
    reg("duty", "sign_off", sign_off, SignOffData, "Sign off the handover you take over; "
        "your duty starts.", STAFF)

    async def overview(_request: web.Request) -> Any:
        shifts = await log.history()
        return {"current": shifts[0] if shifts else None, "now": await log.to_hand_over(),
                "history": shifts}

    register_routes(hub, [Route("GET", "/api/duty", overview, STAFF,
                                "The shift on duty or the handover waiting, what would be "
                                "handed over now, and the latest shifts.", tags=("duty",))])
