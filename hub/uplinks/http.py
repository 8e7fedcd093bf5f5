"""HTTP: each uplink's state and the dead-letter API (admin), on the panel's API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..bus import Context
from ..jsonutil import dumps

if TYPE_CHECKING:
    from .manager import UplinkManager


__all__ = ["register_http", "route_specs"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_ADMIN = ("admin",)


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(value), status=status, content_type="application/json",
                        headers={"Cache-Control": "no-store"})


def _error(status: int, code: str, field: str, message: str) -> web.Response:
    """Return an error in the API's shape (hub/http/errors.py): error, message, errors."""
    return _json({"error": code, "message": f"{field}: {message}",
                  "errors": [{"field": field, "message": message}]}, status)


class UplinkRoutes:
    """Handlers for one hub's uplinks."""

    def __init__(self, manager: UplinkManager,
                 context_of: Callable[[web.Request], Context | None]) -> None:
        self.manager = manager
        self._context_of = context_of

    async def status(self, request: web.Request) -> web.StreamResponse:
        """Return each uplink's state, backlog and counters."""
        return _json(await self.manager.status())

    async def dead_letters(self, request: web.Request) -> web.StreamResponse:
        """Return dead letters, newest first (?uplink=&limit=)."""
        try:
            limit = max(1, min(int(request.query.get("limit", "100")), 1000))
        except ValueError:
            return _error(422, "invalid", "limit", "expected an integer")
        items = await self.manager.queue.dead_letters(request.query.get("uplink"), limit)
        return _json([item.as_dict() for item in items])

    async def requeue(self, request: web.Request) -> web.StreamResponse:
        """Requeue one dead letter."""
        try:
            item_id = int(request.match_info["item_id"])
        except ValueError:
            return _error(422, "invalid", "item_id", "expected an integer")
        item = await self.manager.requeue(item_id, self._context_of(request))
        if item is None:
            return _error(404, "not_found", "item_id",
                          f"outbox item {item_id} is not a dead letter")
        return _json(item.as_dict())


def route_specs(manager: UplinkManager, context_of: Callable[[web.Request], Context | None]
                ) -> list[tuple[str, str, Handler, tuple[str, ...], str]]:
    """Return (method, path, handler, roles, summary) for every route."""
    routes = UplinkRoutes(manager, context_of)
    return [
        ("GET", "/api/uplinks", routes.status, _ADMIN,
         "Each uplink: state, backlog, delivered, dropped, dead, last error and delivery."),
        ("GET", "/api/uplinks/dead_letters", routes.dead_letters, _ADMIN, "Dead letters."),
        ("POST", "/api/uplinks/dead_letters/{item_id}/requeue", routes.requeue, _ADMIN,
         "Send a dead letter again."),
    ]


def register_http(manager: UplinkManager) -> bool:
    """Add the routes to the panel's API when the `http:` section is set; return whether it was."""
    if "http" not in manager.hub.config.sections:
        return False
    from ..http import routing  # the panel's API, loaded only when it runs

    def context_of(request: web.Request) -> Context:
        return Context(user_id=routing.current_user(request).name, origin="http")

    routing.register_routes(manager.hub, [
        routing.Route(method, path, handler, roles=frozenset(roles), summary=summary,
                      tags=("uplinks",))
        for method, path, handler, roles, summary in route_specs(manager, context_of)])
    return True
