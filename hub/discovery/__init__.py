"""Discovery: ONVIF WS-Discovery and zeroconf; matches devices to plugins; proposes YAML."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Final, TypedDict

from ..hubkey import DISCOVERY
from .config import DiscoveryConfig
from .devices import DiscoveredDevice, yaml_snippet
from .scanner import DiscoveryService, collect_matchers
from .wsdiscovery import HelloListener

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "DOMAIN", "EVENT_DEVICE_DISCOVERED", "DeviceDiscoveredData", "DiscoveredDevice",
    "DiscoveryConfig", "DiscoveryService", "discovered_devices", "setup", "yaml_snippet",
]  # fmt: skip

DOMAIN: Final = "discovery"
EVENT_DEVICE_DISCOVERED: Final = "device_discovered"
RETRY_FIRST = 1.0
RETRY_MAX = 60.0


class DeviceDiscoveredData(TypedDict):
    """Payload of device_discovered: the device and the config entries proposed for it."""

    device: dict[str, Any]
    proposed: list[dict[str, Any]]


async def setup(hub: Hub, config: DiscoveryConfig | None) -> None:
    """Scan at start (then every scan_interval s); with multicast, also listen for Hello."""
    config = config or DiscoveryConfig()

    def on_new(device: DiscoveredDevice, proposed: list[dict[str, Any]]) -> None:
        data: DeviceDiscoveredData = {"device": device.as_dict(), "proposed": proposed}
        hub.bus.fire(EVENT_DEVICE_DISCOVERED, dict(data))

    service = DiscoveryService(config, lambda: collect_matchers(hub.plugins), on_new)
    hub.components[DISCOVERY] = service
    if config.multicast:
        listener = HelloListener(config.interface, service.hello)
        try:
            await listener.start()
        except OSError as err:
            _LOGGER.error("Discovery: cannot listen for WS-Discovery Hello: %s", err)
        else:
            hub.on_stop(listener.stop)
    if config.on_start or config.scan_interval:
        hub.create_task(_scan_loop(service, config), name="discovery")


async def _scan_loop(service: DiscoveryService, config: DiscoveryConfig) -> None:
    """Scan at start (cameras already up sent their Hello long ago), then every scan_interval.

    A scan the network refuses (the hub started before its interface came up) is retried
    with backoff until one goes out, so the cameras already up are still found.
    """
    if not config.on_start:
        await asyncio.sleep(config.scan_interval)
    retry = RETRY_FIRST
    while True:
        try:
            await service.scan()
        except OSError as err:
            log = _LOGGER.error if retry == RETRY_FIRST else _LOGGER.debug
            log("Discovery scan failed (retrying in %g s): %s", retry, err)
            await asyncio.sleep(retry)
            retry = min(retry * 2, RETRY_MAX)
            continue
        if retry != RETRY_FIRST:
            _LOGGER.info("Discovery scan works again")
            retry = RETRY_FIRST
        if not config.scan_interval:
            return
        await asyncio.sleep(config.scan_interval)


def discovered_devices(hub: Hub) -> list[dict[str, Any]]:
    """What discovery found so far (for the API); [] when discovery is not configured."""
    service = hub.components.get(DISCOVERY)
    return service.as_list() if service is not None else []
