"""Routes onto other components, looked up per request: automations, webhooks, discovery,
plugins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from ..auth.roles import RESPONDERS, STAFF
from ..hubkey import AUTOMATION, DISCOVERY, HubKey
from .errors import ApiError
from .routing import Route, parse_json, read_body

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["extra_routes"]

_T = TypeVar("_T")


def _component(hub: Hub, key: HubKey[_T]) -> _T:
    component = hub.components.get(key)
    if component is None:
        raise ApiError(404, "not_set_up", f"the {key.name} component is not set up on this hub")
    return component


def _configured_addresses(hub: Hub) -> set[tuple[str, int | None]]:
    """Return (host, port) of every configured device that names a host."""
    out: set[tuple[str, int | None]] = set()
    for device in hub.config.devices:
        host = getattr(device, "host", None)
        if isinstance(host, str):
            port = getattr(device, "port", None)
            out.add((host.lower(), port if isinstance(port, int) else None))
    return out


def _is_configured(host: object, port: object,
                   configured: set[tuple[str, int | None]]) -> bool:
    # Host and port: several devices often share one address (an NVR, simulators on loopback).
    if not isinstance(host, str):
        return False
    return any(host.lower() == h and (p is None or port is None or port == p)
               for h, p in configured)


def extra_routes(hub: Hub) -> list[Route]:
    """Return the automation, webhook and discovery routes."""

    async def automations(_request: web.Request) -> Any:
        return _component(hub, AUTOMATION).list()

    async def traces(request: web.Request) -> Any:
        component = _component(hub, AUTOMATION)
        try:
            return component.traces(request.match_info["automation_id"])
        except KeyError as exc:
            raise ApiError(404, "not_found", str(exc).strip("'\""),
                           [("path.automation_id", "unknown automation")]) from None

    async def discovered(_request: web.Request) -> Any:
        _component(hub, DISCOVERY)
        from ..discovery import discovered_devices, yaml_snippet

        configured = _configured_addresses(hub)
        return [{**item, "yaml": yaml_snippet(item["proposed"]) if item["proposed"] else ""}
                for item in discovered_devices(hub)
                if not _is_configured(item.get("host"), item.get("port"), configured)]

    async def plugins(_request: web.Request) -> Any:
        registry = hub.plugins
        return {
            "loaded": [{"domain": p.domain, "version": p.manifest.version, "name": p.manifest.name,
                        "platforms": p.platforms, "uplinks": p.uplinks}
                       for p in registry.loaded.values()],
            "failed": [{"domain": f.domain, "hook": f.hook, "error": f.error}
                       for f in registry.failed],
        }

    async def webhook(request: web.Request) -> Any:
        _component(hub, AUTOMATION)
        from ..automation import fire_webhook

        raw = await read_body(request)
        data = parse_json(raw) if raw else None
        fire_webhook(hub, request.match_info["webhook_id"], json=data,
                     query=dict(request.query), method=request.method)
        # The same answer whether or not an automation listens: ids cannot be probed.
        return {"received": True}

    admin = frozenset({"admin"})
    return [
        Route("GET", "/api/automations", automations, admin,
              "Every automation with its state and last run.", tags=("automations",)),
        Route("GET", "/api/automations/{automation_id}/traces", traces, admin,
              "The last traces of one automation, newest first.", tags=("automations",)),
        Route("POST", "/api/webhook/{webhook_id}", webhook, RESPONDERS,
              "Fire the automations' webhook triggers with this id (any JSON body).",
              tags=("automations",)),
        Route("GET", "/api/plugins", plugins, STAFF,
              "Loaded plugins, and those that failed or were disabled with the hook and error.",
              tags=("devices",)),
        Route("GET", "/api/discovery", discovered, STAFF,
              "Devices found on the network that are not configured, with their YAML.",
              tags=("devices",)),
    ]
