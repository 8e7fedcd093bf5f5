"""Core API: health, states, devices, services and service calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from .. import __version__
from ..auth.audit import redact
from ..auth.roles import ALL_ROLES
from .errors import ApiError
from .routing import Route, current_user, json_response, principal, query, read_json
from .schemas import StateOut

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["core_routes"]


class StatesQuery(BaseModel):
    """Filter states by domain."""

    model_config = ConfigDict(extra="forbid")

    domain: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_]+$")


class HealthOut(BaseModel):
    """Whether the hub runs."""

    status: str
    state: str


def core_routes(hub: Hub) -> list[Route]:
    """Return the core API routes."""

    async def health(_request: web.Request) -> Any:
        status = 200 if hub.state == "running" else 503
        return json_response({"status": "ok" if status == 200 else "starting",
                              "state": hub.state}, status)

    async def info(request: web.Request) -> Any:
        who = principal(request)
        return {"name": hub.config.core.name, "site": hub.site, "version": __version__,
                "language": hub.config.core.language, "user": who.user.as_dict(),
                "csrf_token": who.csrf_token, "components": sorted(
                    k for k in hub.components if "." not in k),
                # kinds whose plugin ships a panel card: /panel/kinds/<domain>.js
                "kind_cards": sorted(k.domain for k in hub.plugins.kinds.values() if k.card)}

    async def states(request: web.Request) -> Any:
        q = query(request, StatesQuery)
        return [s.as_dict() for s in hub.states.all(q.domain)]

    async def state(request: web.Request) -> Any:
        entity_id = request.match_info["entity_id"]
        found = hub.states.get(entity_id)
        if found is None:
            raise ApiError(404, "not_found", f"entity_id: no entity '{entity_id}'",
                           [("path.entity_id", "unknown entity")])
        return found.as_dict()

    async def devices(_request: web.Request) -> Any:
        return [_device(hub, entity_id) for entity_id in sorted(hub.entities)]

    async def services(request: web.Request) -> Any:
        role = current_user(request).role
        return [s.describe() for s in hub.services.all() if role in s.roles]

    async def call_service(request: web.Request) -> Any:
        domain, name = request.match_info["domain"], request.match_info["service"]
        service = hub.services.get(domain, name)
        who = principal(request)
        if who.user.role not in service.roles:
            raise ApiError(403, "forbidden", f"role {who.user.role} may not call {domain}.{name}")
        data = await _json_object(request)
        # Committed before the call runs (a gate command...): a crash cannot lose it.
        await hub.audit_committed("service.call", target=f"{domain}.{name}",
                                  details=redact(data), context=who.context())
        result = await hub.services.call(domain, name, data, who.context())
        return {"result": result}

    everyone = ALL_ROLES
    return [
        Route("GET", "/api/health", health, public=True, response=HealthOut, tags=("core",),
              summary="Whether the hub runs (no login needed)."),
        Route("GET", "/api/info", info, everyone, "Site, version, the caller and their CSRF "
              "token.", tags=("core",)),
        Route("GET", "/api/states", states, everyone, "Every entity's state.",
              query=StatesQuery, tags=("core",), response=StateOut,
              extra={"response_list": True}),
        Route("GET", "/api/states/{entity_id}", state, everyone, "One entity's state.",
              response=StateOut, tags=("core",)),
        Route("GET", "/api/devices", devices, everyone, "Health of every device.",
              tags=("devices",)),
        Route("GET", "/api/services", services, everyone, "Services the caller may call.",
              tags=("core",)),
        Route("POST", "/api/services/{domain}/{service}", call_service, everyone,
              "Call a service; the service's own roles apply.", tags=("services",),
              audit=False, extra={"services": True}),
    ]


async def _json_object(request: web.Request) -> dict[str, Any]:
    # Checked before the call is audited: a value the recorder cannot store is a 400 here.
    data = await read_json(request, principal(request).via == "session")
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_input", "body: expected a JSON object",
                       [("body", "expected a JSON object")])
    return data


def _device(hub: Hub, entity_id: str) -> dict[str, Any]:
    entity = hub.entities[entity_id]
    state = hub.states.get(entity_id)
    attrs = dict(state.attributes) if state else {}
    return {"entity_id": entity_id, "name": entity.name, "domain": entity.domain,
            "platform": entity.platform, "gate": entity.config.gate,
            "available": entity.available, "state": state.state if state else None,
            "last_seen": state.last_updated if state else None,
            "last_changed": state.last_changed if state else None,
            "unavailable_reason": attrs.get("unavailable_reason"),
            "battery": attrs.get("battery"), "tamper": attrs.get("tamper"),
            "unique_id": entity.unique_id}
