"""The HTTP component: REST API, WebSocket, auth and the guard panel (see README.md).

Other components add routes with `register_routes(hub, [Route(...)], roles=...)` during
their setup; the server starts once the hub has started, with every route in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..auth.database import component_database
from ..auth.passwords import Passwords
from ..auth.roles import ALL_ROLES
from ..auth.store import AuthStore, User
from ..hub import EVENT_AUDIT_LOGGED, EVENT_HUB_STARTED
from ..hubkey import HTTP
from .api_auth import auth_routes
from .api_cameras import camera_routes
from .api_core import core_routes
from .api_extras import extra_routes
from .api_incidents import incident_routes
from .api_people import people_routes
from .config import HttpConfig
from .errors import ApiError
from .openapi import build_openapi
from .panel import PANEL_DIR, load_panel_blocking, panel_routes
from .routing import (
    Route,
    body,
    current_user,
    json_response,
    principal,
    query,
    register_routes,
    route_registry,
)
from .schemas import PageQuery, page
from .server import HttpComponent
from .websocket import EVENT_ROLES, websocket_route

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = [
    "EVENT_ROLES",
    "ApiError",
    "HttpComponent",
    "HttpConfig",
    "PageQuery",
    "Route",
    "User",
    "body",
    "current_user",
    "json_response",
    "page",
    "principal",
    "query",
    "register_routes",
    "setup",
]

DOMAIN = "http"


async def setup(hub: Hub, config: HttpConfig | None) -> None:
    """Open the user database, register the built-in routes, serve once the hub has started."""
    config = config or HttpConfig()
    db = await component_database(hub, config.database_url)
    registry = route_registry(hub)
    cost = config.auth
    passwords = Passwords(cost.argon2_time_cost, cost.argon2_memory_kib, cost.argon2_parallelism)
    http = HttpComponent(hub, config, AuthStore(hub, db, passwords), registry)
    http.bind()  # before devices and automations start: a taken port ends the start here
    hub.components[HTTP] = http
    hub.bus.listen(EVENT_AUDIT_LOGGED, http.audit_log.on_event)

    async def openapi(_request: web.Request) -> Any:
        return build_openapi(hub, registry.routes)

    routes = [
        *core_routes(hub), *auth_routes(http), *incident_routes(hub), *camera_routes(http),
        *extra_routes(hub), *people_routes(hub), websocket_route(http),
        Route("GET", "/api/openapi.json", openapi, ALL_ROLES, "This document.",
              tags=("core",), extra={"hidden": True}),
    ]
    if config.panel:
        cards = {k.domain: k.card for k in hub.plugins.kinds.values() if k.card is not None}
        files = await hub.run_blocking(load_panel_blocking, PANEL_DIR, cards)
        routes += panel_routes(hub, files)
    registry.add(routes)
    hub.bus.listen(EVENT_HUB_STARTED, http.on_hub_started)
    hub.on_stop(http.stop)
