"""Zeroconf (mDNS) advertisement of the camera; multicast, so tests run it in a netns only."""

from __future__ import annotations

import logging
import socket

from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from .config import SimulatorConfig

_LOGGER = logging.getLogger(__name__)
#: Not an IANA type: the simulator's convention (like Axis's _axis-video._tcp) for ONVIF.
ONVIF_TYPE = "_onvif._tcp.local."
RTSP_TYPE = "_rtsp._tcp.local."


class ZeroconfAdvertiser:
    """Registers `_onvif._tcp` (TXT onvif=<device service path>) and, with RTSP, `_rtsp._tcp`."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._zc: AsyncZeroconf | None = None
        self._infos: list[AsyncServiceInfo] = []

    def _info(self, type_: str, port: int, properties: dict[str, str]) -> AsyncServiceInfo:
        label = f"{self.config.name} {self.config.serial}"
        return AsyncServiceInfo(
            type_,
            f"{label}.{type_}",
            addresses=[socket.inet_aton(self.config.host)],
            port=port,
            properties=properties,
            server=f"{self.config.serial.lower()}.local.",
        )

    async def start(self, http_port: int, rtsp_port: int | None) -> None:
        """Register the services."""
        c = self.config
        props = {"vendor": c.manufacturer, "model": c.model, "serial": c.serial}
        self._infos = [
            self._info(ONVIF_TYPE, http_port, props | {"onvif": "/onvif/device_service"})
        ]
        if rtsp_port:
            self._infos.append(self._info(RTSP_TYPE, rtsp_port, props | {"path": "/stream1"}))
        self._zc = AsyncZeroconf(interfaces=[c.host], ip_version=IPVersion.V4Only)
        for info in self._infos:
            await self._zc.async_register_service(info)
        _LOGGER.info("%s: advertised %d zeroconf services", c.name, len(self._infos))

    async def stop(self) -> None:
        """Unregister and close."""
        if self._zc is None:
            return
        for info in self._infos:
            await self._zc.async_unregister_service(info)
        await self._zc.async_close()
        self._zc = None
