"""Component entry point of the uplinks: build the configured uplinks and run them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hubkey import UPLINKS
from .config import UplinkConfig
from .manager import UplinkManager

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["manager_of", "setup"]


async def setup(hub: Hub, config: list[UplinkConfig] | None) -> None:
    """Start every configured uplink; `hub.components[UPLINKS]` holds the manager.

    The manager is set up on every hub (cheap: its modules are the uplink contract's); its
    routes load aiohttp's server, so they are imported only when the panel (`http:`) runs.
    """
    from .services import register_services

    manager = UplinkManager(hub, config or [], hub.plugins.uplinks)
    hub.components[UPLINKS] = manager
    hub.on_stop(manager.stop)
    await manager.start()
    register_services(manager)
    if "http" in hub.config.sections:
        from .http import register_http

        register_http(manager)


def manager_of(hub: Hub) -> UplinkManager:
    """Return the hub's uplink manager (set up with the hub's components)."""
    manager = hub.components.get(UPLINKS)
    if manager is None:
        raise LookupError("the uplinks component is not set up")
    return manager
