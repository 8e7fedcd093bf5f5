"""OnvifCamera: identity, profiles, snapshots, PTZ and PullPoint events of an ONVIF camera."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from hub import (
    Camera,
    CameraState,
    DeviceConfig,
    DeviceError,
    DeviceUnavailable,
    Frame,
    localized_message,
)
from plugins.cameras.rtsp.api import FrameGrabber
from plugins.cameras.rtsp.config import with_credentials, without_credentials

from .api import CameraEvent, OnvifError
from .config import OnvifCameraConfig
from .const import (
    ATTR_INPUTS,
    ATTR_MOTION,
    ATTR_TAMPER,
    EVENT_INPUT_CHANGED,
    EVENT_MOTION_CHANGED,
    EVENT_TAMPER_CHANGED,
    INCIDENT_TAMPER,
    PLATFORM,
    CameraEventData,
)
from .device import OnvifDevice
from .models import DeviceInfo
from .relay import OnvifRelay

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)
_EVENT_TYPES = {"motion": EVENT_MOTION_CHANGED, "tamper": EVENT_TAMPER_CHANGED,
                "input": EVENT_INPUT_CHANGED}  # fmt: skip


class OnvifCamera(Camera):
    """An ONVIF camera; one background task keeps it connected and pulls its events."""

    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[DeviceConfig]] = OnvifCameraConfig

    @classmethod
    def entity_ids(cls, config: DeviceConfig) -> list[str]:
        """Return camera.<id> and switch.<id>_* (relays appear once the camera answers)."""
        return [f"camera.{config.slug}", f"switch.{config.slug}_*"]

    def __init__(self, hub: Hub, config: DeviceConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, OnvifCameraConfig)
        self.cfg = config
        #: the box: one client and connection for this camera and its relays (device.py)
        self.device = OnvifDevice(hub, config, self)
        self.client = self.device.client
        self.profile_token: str | None = None
        self._stream_uri: str | None = None
        self._snapshot_uri: str | None = None
        self.motion = False
        self.tamper = False
        self.inputs: dict[str, bool] = {}
        self._grabber: FrameGrabber | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        """Return whether the camera answers now."""
        return self.device.connected

    @property
    def relays(self) -> dict[str, OnvifRelay]:
        """The switch entities of the camera's relay outputs, by token."""
        return self.device.relays

    # -- lifecycle ------------------------------------------------------------------------------
    async def setup(self) -> None:
        """Try to connect once now, then the device keeps connected and pulls the events."""
        await self.device.connect()
        self.device.attach()

    async def on_connected(self, info: DeviceInfo) -> None:
        """The camera answered: read its profile, stream and snapshot URIs, subscribe."""
        profile = self.client.profile(self.cfg.profile)
        self.profile_token = profile.token
        self._stream_uri = await self.client.stream_uri(profile.token)
        self._snapshot_uri = await self.client.snapshot_uri(profile.token)
        if self.cfg.events and self.client.has_events:
            await self.client.subscribe(self.cfg.subscription_seconds)
        self.unique_id = info.serial or info.mac
        self.supports_ptz = self.client.has_ptz and profile.ptz
        self.state = CameraState.STREAMING if self._stream_uri else CameraState.IDLE

    async def shutdown(self) -> None:
        """Stop the stream grabber; the device stops its connection after its last entity."""
        if self._grabber is not None:
            await self._grabber.stop()
        await self.device.detach()

    # -- events ---------------------------------------------------------------------------------
    async def handle(self, event: CameraEvent) -> None:
        """One motion, tamper or digital-input event of the camera (relays: the device's)."""
        if event.kind == "motion":
            changed, self.motion = self.motion != event.value, event.value
        elif event.kind == "tamper":
            changed, self.tamper = self.tamper != event.value, event.value
        else:
            changed = self.inputs.get(event.source) != event.value
            self.inputs[event.source] = event.value
        if changed:
            self.write_state()
        if not event.initial:
            data: CameraEventData = {"entity_id": self.entity_id, "source": event.source,
                                     "value": event.value, "topic": event.topic}  # fmt: skip
            self.hub.bus.fire(_EVENT_TYPES[event.kind], dict(data))
        if event.kind == "tamper" and self.cfg.tamper_incident and changed:
            await self._tamper_incident(event)

    async def _tamper_incident(self, event: CameraEvent) -> None:
        if event.value:
            message, text = localized_message(
                "camera_tampered", name=self.name, detail=event.source
            )
            await self.hub.incidents.raise_incident(
                INCIDENT_TAMPER, source=self.entity_id, gate=self.cfg.gate, message=message,
                cameras=[self.entity_id], data={"topic": event.topic, **text},
            )  # fmt: skip
            return
        # The scene is back: tell the guard on the timeline, but leave the incident open. A
        # covered or turned camera is for a person to check, not to resolve by itself.
        incident = self.hub.incidents.find_open(INCIDENT_TAMPER, self.entity_id)
        if incident is not None:
            await self.hub.incidents.add_step(
                incident.id, "tamper_cleared", note=f"{self.name} reports its view is back",
                data={"topic": event.topic},
            )  # fmt: skip

    # -- camera services ------------------------------------------------------------------------
    def _require_connected(self) -> None:
        if not self.connected:
            raise DeviceUnavailable(f"{self.name} is unavailable")

    async def snapshot_bytes(self) -> bytes:
        """JPEG from the camera's snapshot URI (digest or basic auth)."""
        self._require_connected()
        if not self._snapshot_uri:
            raise DeviceError(f"{self.name}: the camera offers no snapshot URI")
        try:
            return await self.client.fetch_snapshot(self._snapshot_uri)
        except OnvifError as err:
            raise DeviceUnavailable(f"{self.name}: snapshot failed: {err}") from err

    def stream_url(self) -> str | None:
        """The profile's stream URI, without credentials."""
        return without_credentials(self._stream_uri)

    async def frames(self, fps: float) -> AsyncIterator[Frame]:
        """Newest frame of the stream at most `fps` times a second (grabber started on demand)."""
        self._require_connected()
        if self._grabber is None:
            assert self._stream_uri is not None
            url = with_credentials(self._stream_uri, self.cfg.username, self.cfg.password)
            self._grabber = FrameGrabber(
                url, name=self.name, timeout_ms=int(self.cfg.timeout * 1000),
                transport=self.cfg.rtsp_transport,
            )
            self._grabber.start()
        async for grabbed in self._grabber.frames(fps, self.cfg.timeout):
            yield Frame(camera=self.entity_id, ts=grabbed.ts, image=grabbed.image)

    async def ptz(
        self, move: str = "continuous", pan: float = 0, tilt: float = 0, zoom: float = 0,
        preset: str | None = None, seconds: float = 0.5,
    ) -> None:  # fmt: skip
        """Continuous move for `seconds` (0: until stop) then stop, relative move, stop, go
        to a preset, store the position as a preset (`set_preset`) or remove one
        (`remove_preset`)."""
        self._require_connected()
        if not self.supports_ptz:
            await super().ptz(move, pan, tilt, zoom, preset, seconds)
        token = self.profile_token or ""
        try:
            async with self._lock:
                await self._ptz(token, move, pan, tilt, zoom, preset, seconds)
        except OnvifError as err:
            raise DeviceError(f"{self.name}: PTZ {move} failed: {err}") from err

    async def ptz_presets(self) -> dict[str, str]:
        """The camera's presets, token -> name, read from the camera."""
        self._require_connected()
        if not self.supports_ptz:
            return {}
        try:
            async with self._lock:
                return await self.client.ptz_presets(self.profile_token or "")
        except OnvifError as err:
            raise DeviceError(f"{self.name}: GetPresets failed: {err}") from err

    async def _ptz(self, token: str, move: str, pan: float, tilt: float, zoom: float,
                   preset: str | None, seconds: float) -> None:  # fmt: skip
        if move == "continuous":
            await self.client.ptz_continuous(token, pan, tilt, zoom)
            if seconds > 0:  # 0: keep moving until a stop (GB/T 28181 PTZCmd semantics)
                await asyncio.sleep(seconds)
                await self.client.ptz_stop(token)
        elif move == "relative":
            await self.client.ptz_relative(token, pan, tilt, zoom)
        elif move == "stop":
            await self.client.ptz_stop(token)
        elif preset is None:
            raise DeviceError(f"{self.name}: move {move!r} needs `preset`")
        elif move == "set_preset":  # the current position, under this name
            await self.client.ptz_set_preset(token, preset)
        elif move == "remove_preset":
            await self.client.ptz_remove_preset(token, preset)
        else:
            await self.client.ptz_goto_preset(token, preset)

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Identity, profile and event values."""
        info = self.client.info
        attrs = super().extra_attributes | {
            ATTR_MOTION: self.motion, ATTR_TAMPER: self.tamper, ATTR_INPUTS: dict(self.inputs),
            "profile": self.profile_token, "media2": self.client.media2,
            "events": self.cfg.events and self.client.has_events,
        }  # fmt: skip
        if info is not None:
            attrs |= {"manufacturer": info.manufacturer, "model": info.model,
                      "firmware": info.firmware, "serial": info.serial}  # fmt: skip
        return attrs
