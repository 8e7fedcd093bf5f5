"""CameraSimulator: one simulated ONVIF camera with its HTTP, RTSP, discovery and zeroconf parts."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any

from aiohttp import web

from .advertise import ZeroconfAdvertiser
from .config import Fault, SimulatorConfig
from .control import build_control_app
from .discovery import DiscoveryResponder
from .frames import FrameCache
from .http import CameraHttp
from .rtsp import RtspServer
from .scene import Scene, list_faces_blocking
from .state import DeviceContext

_LOGGER = logging.getLogger(__name__)
SHUTDOWN_TIMEOUT = 0.5


class CameraSimulator:
    """Start, stop, cut and restore a simulated camera; trigger its events and faults."""

    def __init__(self, config: SimulatorConfig | None = None, **overrides: Any) -> None:
        self.config = config or SimulatorConfig(**overrides)
        self.ctx = DeviceContext(self.config)
        for token in ("VideoSource_1",):
            self.ctx.events.initial("tamper", token)
        self.ctx.events.initial("motion", "VideoSource_1")
        for n in range(1, self.config.digital_inputs + 1):
            self.ctx.events.initial("input", f"DI_{n}")
        for token in self.ctx.relays:
            self.ctx.events.initial("relay", token)
        self.cache: FrameCache | None = None
        self.http: CameraHttp | None = None
        self.rtsp: RtspServer | None = None
        self.discovery: DiscoveryResponder | None = None
        self.zeroconf: ZeroconfAdvertiser | None = None
        self.reply_from_ephemeral = False
        self.port = 0
        self.control_port = 0
        self._runner: web.AppRunner | None = None
        self._control: web.AppRunner | None = None

    # -- addresses -----------------------------------------------------------------------
    @property
    def device_url(self) -> str:
        """ONVIF device service address."""
        return self.ctx.xaddr("device")

    @property
    def control_url(self) -> str:
        """Base address of the HTTP control endpoint."""
        return f"http://{self.config.host}:{self.control_port}"

    @property
    def down(self) -> bool:
        """True while the device is cut off."""
        return self._runner is None

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> CameraSimulator:
        """Start every enabled part; the ports chosen are kept across cut/restore."""
        c = self.config
        faces = await asyncio.to_thread(list_faces_blocking, c.faces_dir)
        self.cache = FrameCache(Scene(c.name, c.width, c.height, faces, c.face_seconds,
                                         c.face_motion), c.fps)
        self.http = CameraHttp(self.ctx, self.cache)
        await self.come_up()
        if c.control_port is not None:
            self._control = web.AppRunner(
                build_control_app(self), shutdown_timeout=SHUTDOWN_TIMEOUT
            )
            await self._control.setup()
            site = web.TCPSite(self._control, c.host, c.control_port)
            await site.start()
            self.control_port = _bound_port(self._control)
        if c.rtsp:
            self.rtsp = RtspServer(c, self.cache)
            self.ctx.rtsp_url = await self.rtsp.start()
        if c.zeroconf:
            self.zeroconf = ZeroconfAdvertiser(c)
            rtsp_port = (
                int(self.ctx.rtsp_url.rsplit(":", 1)[1].split("/")[0])
                if self.ctx.rtsp_url
                else None
            )
            await self.zeroconf.start(self.port, rtsp_port)
        _LOGGER.info("%s: ONVIF at %s", c.name, self.device_url)
        return self

    async def come_up(self) -> None:
        """Power on: serve HTTP on the same port as before, answer discovery again."""
        if self._runner is not None:
            return
        assert self.http is not None
        runner = web.AppRunner(self.http.build_app(), shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        await web.TCPSite(runner, self.config.host, self.port or self.config.port).start()
        self._runner = runner
        self.port = _bound_port(runner)
        self.ctx.base_url = f"http://{self.config.host}:{self.port}"
        if self.config.discovery:
            self.discovery = DiscoveryResponder(
                self.config, lambda: self.device_url, self.reply_from_ephemeral
            )
            await self.discovery.start()

    async def go_down(self) -> None:
        """Power off: close the HTTP port and every connection, forget subscriptions, say Bye."""
        if self.discovery is not None:
            self.discovery.stop()
            self.discovery = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        self.ctx.events.clear()

    async def stop(self) -> None:
        """Stop everything."""
        await self.go_down()
        if self.zeroconf is not None:
            await self.zeroconf.stop()
        if self.rtsp is not None:
            await self.rtsp.stop()
        if self._control is not None:
            await self._control.cleanup()
            self._control = None

    async def __aenter__(self) -> CameraSimulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- test switches -------------------------------------------------------------------
    def trigger(self, kind: str, value: bool = True, token: str | None = None) -> None:
        """Change an event value: kind motion, tamper, input (token DI_n, default DI_1) or relay
        (AlarmOut_n: as if the camera's own rule switched it)."""
        if kind == "relay":
            self.ctx.set_relay(token or "AlarmOut_1", value)
            return
        default = "DI_1" if kind == "input" else "VideoSource_1"
        self.ctx.events.publish(kind, token or default, value)

    def set_fault(self, fault: Fault | str) -> None:
        """Switch the SOAP endpoint's misbehaviour (Fault.NONE to heal)."""
        assert self.http is not None, "start() first"
        self.http.fault = Fault(fault)
        _LOGGER.info("%s: fault %s", self.config.name, self.http.fault)

    def status(self) -> dict[str, Any]:
        """JSON-ready state for the control endpoint and the CLI."""
        ptz = self.ctx.ptz
        ptz.settle()
        return {
            "name": self.config.name,
            "device_url": self.device_url,
            "snapshot_url": self.ctx.snapshot_url,
            "mjpeg_url": self.ctx.mjpeg_url,
            "rtsp_url": self.ctx.rtsp_url,
            "discovery_port": self.discovery.port if self.discovery else None,
            "down": self.down,
            "fault": str(self.http.fault) if self.http else None,
            "ptz": {"pan": ptz.pan, "tilt": ptz.tilt, "zoom": ptz.zoom, "moves": ptz.moves[-20:]},
            "events": {f"{k}:{t}": v for (k, t), v in self.ctx.events.values.items()},
            "subscriptions": len(self.ctx.events.live()),
            "relays": {token: self.ctx.relay_active(token) for token in self.ctx.relays},
            "requests": dict(self.http.requests) if self.http else {},
        }


def _bound_port(runner: web.AppRunner) -> int:
    """The TCP port a started runner listens on."""
    return int(runner.addresses[0][1])
