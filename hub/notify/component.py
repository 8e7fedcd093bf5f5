"""Component entry point of the notify channels (`notify:` section)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..hubkey import HubKey
from .base import NotifyConfig
from .const import DOMAIN
from .manager import NotifyManager

if TYPE_CHECKING:
    from aiohttp import web

    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["NOTIFY", "manager_of", "setup"]

NOTIFY: HubKey[NotifyManager] = HubKey(DOMAIN)


async def setup(hub: Hub, config: list[NotifyConfig] | None) -> None:
    """Build and start every configured channel; `hub.components[NOTIFY]` holds them."""
    manager = NotifyManager(hub, config or [], hub.plugins.notifiers)
    hub.components[NOTIFY] = manager
    await manager.start()
    _register_http(manager)


def manager_of(hub: Hub) -> NotifyManager:
    """Return the hub's notify manager (set up with the hub's components)."""
    manager = hub.components.get(NOTIFY)
    if manager is None:
        raise LookupError("the notify component is not set up")
    return manager


def _register_http(manager: NotifyManager) -> None:
    """Serve GET /api/notify (admin) when the panel's API runs."""
    if "http" not in manager.hub.config.sections:
        return
    from ..http import routing  # the panel's API, loaded only when it runs
    from ..jsonutil import dumps

    async def status(request: web.Request) -> web.StreamResponse:
        from aiohttp import web

        return web.Response(text=dumps(manager.status()), content_type="application/json",
                            headers={"Cache-Control": "no-store"})

    routing.register_routes(manager.hub, [routing.Route(
        "GET", "/api/notify", status, roles=frozenset({"admin"}),
        summary="Each notify channel: state, sent, failed, last error.", tags=("notify",))])
