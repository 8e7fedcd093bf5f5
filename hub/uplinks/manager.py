"""The running uplinks: one instance per `uplinks:` entry, started and stopped with the hub."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .base import Uplink
from .config import UplinkConfig

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["DOMAIN", "UplinkManager"]

DOMAIN = "uplinks"


class UplinkManager:
    """`hub.components["uplinks"]`: the configured uplinks by name."""

    def __init__(self, hub: Hub, configs: list[UplinkConfig],
                 types: Mapping[str, type[Uplink]]) -> None:
        self.hub = hub
        self.uplinks: dict[str, Uplink] = {}
        for config in configs:
            self.uplinks[config.name] = types[config.type](hub, config)

    def get(self, name: str) -> Uplink | None:
        """Return the uplink of that name, or None."""
        return self.uplinks.get(name)

    async def start(self) -> None:
        """Start every uplink; one that fails to start is logged and retried by its outbox."""
        for uplink in self.uplinks.values():
            try:
                await uplink.start()
            except Exception:
                _LOGGER.exception("Uplink %s (%s): start failed", uplink.name, uplink.type)
        if self.uplinks:
            _LOGGER.info("Uplinks: %s", ", ".join(self.uplinks))

    async def stop(self) -> None:
        """Stop every uplink."""
        for uplink in self.uplinks.values():
            try:
                await uplink.stop()
            except Exception:
                _LOGGER.exception("Uplink %s: stop failed", uplink.name)

    def status(self) -> list[dict[str, Any]]:
        """Return each uplink's status, in configuration order."""
        out = []
        for uplink in self.uplinks.values():
            try:
                own = uplink.status()
            except Exception as exc:  # a plugin bug must not hide the other uplinks
                own = {"state": "error", "last_error": f"status(): {exc}"}
            out.append({"name": uplink.name, "type": uplink.type, **own})
        return out
