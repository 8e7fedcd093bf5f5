"""Zeroconf (mDNS) browse with python-zeroconf's asyncio API; multicast, so opt-in only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

_LOGGER = logging.getLogger(__name__)

__all__ = ["ZeroconfService", "browse"]
RESOLVE_MS = 1500


@dataclass(frozen=True, slots=True)
class ZeroconfService:
    """One resolved service instance."""

    type: str
    name: str
    host: str
    port: int
    properties: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        """The instance name without its type suffix."""
        return self.name.removesuffix("." + self.type)


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", "replace") if value is not None else ""


async def _resolve(zc: Zeroconf, service_type: str, name: str) -> ZeroconfService | None:
    info = AsyncServiceInfo(service_type, name)
    if not await info.async_request(zc, RESOLVE_MS):
        _LOGGER.debug("zeroconf: %s did not resolve", name)
        return None
    addresses = info.parsed_addresses(IPVersion.V4Only)
    if not addresses or info.port is None:
        return None
    props = tuple(sorted((_text(k), _text(v)) for k, v in info.properties.items()))
    return ZeroconfService(service_type, name, addresses[0], info.port, props)


async def browse(
    types: Sequence[str], *, interface: str = "127.0.0.1", timeout: float = 2.0
) -> list[ZeroconfService]:
    """Browse the given service types on one interface for `timeout` seconds; resolve each."""
    if not types:
        return []
    seen: set[tuple[str, str]] = set()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is not ServiceStateChange.Removed:
            seen.add((service_type, name))

    azc = AsyncZeroconf(interfaces=[interface], ip_version=IPVersion.V4Only)
    browser = AsyncServiceBrowser(azc.zeroconf, list(types), handlers=[on_change])
    try:
        await asyncio.sleep(timeout)
        resolved = await asyncio.gather(*(_resolve(azc.zeroconf, t, n) for t, n in sorted(seen)))
    finally:
        await browser.async_cancel()
        await azc.async_close()
    return [service for service in resolved if service is not None]
