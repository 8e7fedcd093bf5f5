"""DiscoveryService: probe and browse, match to plugins, remember what was found."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..declarations import DiscoveryMatcher
from .config import DiscoveryConfig
from .devices import DiscoveredDevice, device_entry, from_probe_match, from_zeroconf, match
from .mdns import ZeroconfService, browse
from .wsdiscovery import ProbeMatch, Refusal, probe

if TYPE_CHECKING:
    from ..plugins import PluginRegistry

_LOGGER = logging.getLogger(__name__)

__all__ = ["DiscoveryService", "collect_matchers"]


def collect_matchers(registry: PluginRegistry) -> list[DiscoveryMatcher]:
    """Every plugin's register_discovery() declarations; a plugin that raises is disabled."""
    return [m for _plugin, result in registry.call_each("register_discovery")
            for m in result or []]


class DiscoveryService:
    """Scans with a config; `devices` holds everything found so far, by key."""

    def __init__(
        self, config: DiscoveryConfig, matchers: Callable[[], Sequence[DiscoveryMatcher]],
        on_new: Callable[[DiscoveredDevice, list[dict[str, Any]]], None] | None = None,
    ) -> None:  # fmt: skip
        self.config, self._matchers, self._on_new = config, matchers, on_new
        self.devices: dict[str, DiscoveredDevice] = {}
        #: Replies of the last scan that could not be used, with the reason (`discover -v`).
        self.refused: list[Refusal] = []
        self._aliases: dict[str, str] = {}  # key of a device seen another way -> kept key
        self._lock = asyncio.Lock()

    def zeroconf_types(self, matchers: Sequence[DiscoveryMatcher]) -> list[str]:
        """Service types to browse: declared by plugins plus configured extras."""
        declared = {t for m in matchers for t in m.zeroconf_types}
        return sorted(declared | set(self.config.zeroconf_types))

    async def _browse(self, types: list[str]) -> list[ZeroconfService]:
        if not self.config.zeroconf:
            return []
        try:
            return await browse(types, interface=self.config.interface, timeout=self.config.timeout)
        except OSError as err:
            _LOGGER.error("zeroconf browse on %s failed: %s", self.config.interface, err)
            return []

    async def scan(self) -> list[DiscoveredDevice]:
        """One scan; returns every device found in it (new ones are reported to on_new)."""
        async with self._lock:
            matchers = list(self._matchers())
            self.refused = []
            probed, browsed = await asyncio.gather(
                probe(self.config.targets(), interface=self.config.interface,
                      timeout=self.config.timeout, on_refused=self.refused.append),
                self._browse(self.zeroconf_types(matchers)),
            )  # fmt: skip
            found = [from_probe_match(m) for m in probed] + [from_zeroconf(s) for s in browsed]
            recorded = [self._record(device, matchers) for device in found]
            result = list({device.key: device for device in recorded}.values())
            _LOGGER.info("Discovery: %d device(s) found, %d known", len(result), len(self.devices))
            return result

    def _same_device(self, device: DiscoveredDevice) -> DiscoveredDevice | None:
        """A device already known under another key at the same host and port.

        A camera answering WS-Discovery and advertising `_onvif._tcp` is one camera: proposing
        it twice would give two entities and two incidents per event.
        """
        key = self._aliases.get(device.key)
        if key is not None:
            return self.devices.get(key)
        if device.key in self.devices or device.port is None:
            return None
        for known in self.devices.values():
            if (known.host, known.port) == (device.host, device.port):
                self._aliases[device.key] = known.key
                return known
        return None

    def _record(
        self, device: DiscoveredDevice, matchers: Sequence[DiscoveryMatcher]
    ) -> DiscoveredDevice:
        known = self._same_device(device)
        if known is not None:
            _LOGGER.debug("Discovery: %s is %s, seen by %s too", device.key, known.key, device.via)
            return known
        matched = match(device, matchers)
        platforms = tuple(dict.fromkeys(m.platform for m in matched))
        device = dataclasses.replace(device, platforms=platforms)
        if device.key not in self.devices and self._on_new is not None:
            self._on_new(device, [device_entry(device, m) for m in matched[:1]])
        self.devices[device.key] = device
        return device

    def hello(self, announcement: ProbeMatch) -> DiscoveredDevice:
        """Record a device that announced itself with a WS-Discovery Hello."""
        return self._record(from_probe_match(announcement), list(self._matchers()))

    def proposals(self, device: DiscoveredDevice) -> list[dict[str, Any]]:
        """The `devices:` entries each matching platform proposes for a device."""
        return [device_entry(device, m) for m in match(device, list(self._matchers()))]

    def as_list(self) -> list[dict[str, Any]]:
        """Everything found so far, JSON-ready, with proposed config entries."""
        return [d.as_dict() | {"proposed": self.proposals(d)} for d in self.devices.values()]
