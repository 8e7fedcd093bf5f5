"""Police forwarding: a durable outbox, signed webhooks, SIA DC-09, MQTT, live-view links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import PoliceConfig
from .const import DOMAIN, EVENT_MESSAGE_DEAD_LETTERED, EVENT_MESSAGE_DELIVERED
from .forwarder import Forwarder
from .signing import SignatureError, sign, verify

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = [
    "DOMAIN",
    "EVENT_MESSAGE_DEAD_LETTERED",
    "EVENT_MESSAGE_DELIVERED",
    "Forwarder",
    "PoliceConfig",
    "SignatureError",
    "setup",
    "sign",
    "verify",
]


async def setup(hub: Hub, config: PoliceConfig | None) -> None:
    """Component entry point: start forwarding to the configured police destinations."""
    from .http import register_http
    from .services import register_services

    forwarder = Forwarder(hub, config or PoliceConfig())
    hub.components[DOMAIN] = forwarder
    hub.on_stop(forwarder.stop)
    await forwarder.start()
    register_services(forwarder)
    register_http(forwarder)
