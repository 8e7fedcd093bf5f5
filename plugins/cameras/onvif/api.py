"""ONVIF camera client on onvif-zeep-async: identity, profiles, URIs, snapshot, PTZ, PullPoint.

No hub imports: this module could ship to PyPI alone. Every call has a timeout and every
failure surfaces as an OnvifError subclass (errors.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, Literal

import aiohttp

from onvif import ONVIFCamera

from .errors import OnvifAuthError, OnvifError, OnvifFault, OnvifUnavailable, guarded
from .events import parse_message
from .media2 import TR2, Media2Client
from .models import CameraEvent, DeviceInfo, MediaProfile, RelayOutput

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "CameraEvent",
    "DeviceInfo",
    "MediaProfile",
    "OnvifAuthError",
    "OnvifClient",
    "OnvifError",
    "OnvifFault",
    "OnvifUnavailable",
    "RelayOutput",
]  # fmt: skip

PTZ_NS = "http://www.onvif.org/ver20/ptz/wsdl"
DEVICEIO_NS = "http://www.onvif.org/ver10/deviceIO/wsdl"
EVENTS_NS = "http://www.onvif.org/ver10/events/wsdl"
PULLPOINT_NS = f"{EVENTS_NS}/PullPointSubscription"
SnapshotAuth = Literal["auto", "digest", "basic"]


class OnvifClient:
    """One camera. `connect()` first; then the media, PTZ and event calls."""

    def __init__(
        self, host: str, port: int, username: str, password: str,
        session: aiohttp.ClientSession, *, timeout: float = 10.0,
        snapshot_auth: SnapshotAuth = "auto", use_media2: bool = True, max_concurrent: int = 4,
    ) -> None:  # fmt: skip
        self.host, self.port, self.timeout = host, port, timeout
        self.session = session
        self.snapshot_auth: SnapshotAuth = snapshot_auth
        self.use_media2 = use_media2
        self._limit = asyncio.Semaphore(max_concurrent)  # per-device concurrency limit
        self._username, self._password = username, password
        self._camera: ONVIFCamera | None = None
        self.info: DeviceInfo | None = None
        self.profiles: list[MediaProfile] = []
        self.media2 = False
        self.has_ptz = False
        self.has_events = False
        self.has_deviceio = False
        self._pull: Any = None
        self._subscription: Any = None
        self.subscription_expires: float = 0.0

    @property
    def name(self) -> str:
        """host:port, for log messages."""
        return f"{self.host}:{self.port}"

    async def _call(self, awaitable: Any, what: str, timeout: float | None = None) -> Any:
        async with self._limit:
            return await guarded(awaitable, f"{self.name} {what}", timeout or self.timeout)

    async def connect(self) -> DeviceInfo:
        """Find the services, read identity and profiles. Raises OnvifError subclasses."""
        await self.close()
        camera = ONVIFCamera(self.host, self.port, self._username, self._password, no_cache=True)
        self._camera = camera
        await self._call(camera.update_xaddrs(), "GetServices/GetCapabilities")
        device = await self._call(camera.create_devicemgmt_service(), "device service")
        info = await self._call(device.GetDeviceInformation(), "GetDeviceInformation")
        mac = await self._mac(device)
        self.info = DeviceInfo(
            str(info.Manufacturer), str(info.Model), str(info.FirmwareVersion),
            str(info.SerialNumber), str(info.HardwareId), mac,
        )  # fmt: skip
        self.has_ptz = PTZ_NS in camera.xaddrs
        self.has_events = EVENTS_NS in camera.xaddrs
        self.has_deviceio = DEVICEIO_NS in camera.xaddrs
        self.media2 = self.use_media2 and TR2 in camera.xaddrs
        self.profiles = await self._load_profiles()
        return self.info

    async def _mac(self, device: Any) -> str | None:
        try:
            interfaces = await self._call(device.GetNetworkInterfaces(), "GetNetworkInterfaces")
            return str(interfaces[0].Info.HwAddress) if interfaces else None
        except (OnvifError, IndexError, AttributeError) as err:
            _LOGGER.debug("%s: no MAC address: %s", self.name, err)
            return None

    def _media2(self) -> Media2Client:
        assert self._camera is not None
        url = self._camera.xaddrs[TR2]
        return Media2Client(self.session, url, self._username, self._password, self.timeout)

    async def _load_profiles(self) -> list[MediaProfile]:
        if self.media2:
            try:
                async with self._limit:
                    return await self._media2().profiles()
            except OnvifError as err:
                _LOGGER.warning("%s: Media2 failed (%s), using Media", self.name, err)
                self.media2 = False
        media = await self._call(self._require().create_media_service(), "media service")
        raw = await self._call(media.GetProfiles(), "GetProfiles")
        return [_profile(p) for p in raw or []]

    def _require(self) -> ONVIFCamera:
        if self._camera is None:
            raise OnvifUnavailable(f"{self.name}: not connected")
        return self._camera

    def profile(self, token: str | None = None) -> MediaProfile:
        """The profile with this token, or the first one."""
        for profile in self.profiles:
            if token is None or profile.token == token:
                return profile
        raise OnvifError(f"{self.name}: no media profile {token or ''}".strip())

    async def stream_uri(self, token: str) -> str:
        """The RTSP (or other) stream URI of a profile."""
        if self.media2:
            async with self._limit:
                return await self._media2().stream_uri(token)
        media = await self._call(self._require().create_media_service(), "media service")
        setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
        result = await self._call(
            media.GetStreamUri({"StreamSetup": setup, "ProfileToken": token}), "GetStreamUri"
        )
        return str(result.Uri)

    async def snapshot_uri(self, token: str) -> str:
        """The JPEG snapshot URI of a profile."""
        if self.media2:
            async with self._limit:
                return await self._media2().snapshot_uri(token)
        media = await self._call(self._require().create_media_service(), "media service")
        result = await self._call(media.GetSnapshotUri({"ProfileToken": token}), "GetSnapshotUri")
        return str(result.Uri)

    async def ping(self) -> None:
        """Check the camera still answers: GetSystemDateAndTime, which every device implements.

        A SOAP fault (ActionNotSupported, a Receiver error) is an answer, so it proves the
        camera alive; only no answer (OnvifUnavailable) or refused credentials raise.
        """
        device = await self._call(self._require().create_devicemgmt_service(), "device service")
        try:
            await self._call(device.GetSystemDateAndTime(), "GetSystemDateAndTime")
        except OnvifFault as err:
            _LOGGER.debug("%s: health check answered a fault, so it is alive: %s", self.name, err)

    async def fetch_snapshot(self, uri: str) -> bytes:
        """GET the snapshot over the shared session with digest or basic auth."""
        async with self._limit:
            return await self._fetch_snapshot(uri)

    async def _fetch_snapshot(self, uri: str) -> bytes:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        auth = self.snapshot_auth
        try:
            if auth in ("auto", "digest"):
                digest = aiohttp.DigestAuthMiddleware(self._username, self._password)
                async with self.session.get(uri, middlewares=(digest,), timeout=timeout) as resp:
                    challenge = resp.headers.get("WWW-Authenticate", "")
                    if resp.status == 200:
                        return await resp.read()
                    if not (
                        auth == "auto" and resp.status == 401 and challenge.startswith("Basic")
                    ):
                        raise _http_error(uri, resp.status)
            basic = {"Authorization": aiohttp.encode_basic_auth(self._username, self._password)}
            async with self.session.get(uri, headers=basic, timeout=timeout) as resp:
                if resp.status != 200:
                    raise _http_error(uri, resp.status)
                return await resp.read()
        except TimeoutError as err:
            raise OnvifUnavailable(
                f"{self.name} snapshot: no answer within {self.timeout:g} s"
            ) from err
        except aiohttp.ClientError as err:
            raise OnvifUnavailable(f"{self.name} snapshot: {err}") from err

    # -- PTZ ----------------------------------------------------------------------------------
    async def _ptz(self) -> Any:
        if not self.has_ptz:
            raise OnvifError(f"{self.name}: no PTZ service")
        return await self._call(self._require().create_ptz_service(), "PTZ service")

    async def ptz_continuous(self, token: str, pan: float, tilt: float, zoom: float) -> None:
        """Start a continuous move at a velocity (-1..1 each)."""
        velocity = {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}
        ptz = await self._ptz()
        await self._call(
            ptz.ContinuousMove({"ProfileToken": token, "Velocity": velocity}), "ContinuousMove"
        )

    async def ptz_relative(self, token: str, pan: float, tilt: float, zoom: float) -> None:
        """Move by a translation."""
        translation = {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}
        ptz = await self._ptz()
        await self._call(
            ptz.RelativeMove({"ProfileToken": token, "Translation": translation}), "RelativeMove"
        )

    async def ptz_stop(self, token: str) -> None:
        """Stop pan, tilt and zoom."""
        ptz = await self._ptz()
        await self._call(ptz.Stop({"ProfileToken": token, "PanTilt": True, "Zoom": True}), "Stop")

    async def ptz_presets(self, token: str) -> dict[str, str]:
        """Preset token -> name."""
        ptz = await self._ptz()
        presets = await self._call(ptz.GetPresets({"ProfileToken": token}), "GetPresets")
        return {str(p.token): str(p.Name or p.token) for p in presets or []}

    async def _preset_token(self, token: str, preset: str) -> str | None:
        presets = await self.ptz_presets(token)
        by_name = {name: tok for tok, name in presets.items()}
        return preset if preset in presets else by_name.get(preset)

    async def ptz_goto_preset(self, token: str, preset: str) -> None:
        """Go to a preset given by token or by name."""
        target = await self._preset_token(token, preset)
        if target is None:
            known = sorted((await self.ptz_presets(token)).values())
            raise OnvifError(f"{self.name}: no preset {preset!r} (known: {known})")
        ptz = await self._ptz()
        await self._call(
            ptz.GotoPreset({"ProfileToken": token, "PresetToken": target}), "GotoPreset"
        )

    async def ptz_set_preset(self, token: str, name: str) -> str:
        """Store the current position as a named preset (overwriting the preset of that
        name, as cameras refuse a second one); return its token."""
        existing = await self._preset_token(token, name)
        request: dict[str, str] = {"ProfileToken": token, "PresetName": name}
        if existing is not None:
            request["PresetToken"] = existing
        ptz = await self._ptz()
        result = await self._call(ptz.SetPreset(request), "SetPreset")
        return str(result)

    async def ptz_remove_preset(self, token: str, preset: str) -> None:
        """Remove a preset given by token or by name."""
        target = await self._preset_token(token, preset)
        if target is None:
            raise OnvifError(f"{self.name}: no preset {preset!r} to remove")
        ptz = await self._ptz()
        await self._call(
            ptz.RemovePreset({"ProfileToken": token, "PresetToken": target}), "RemovePreset"
        )

    # -- relay outputs (DeviceIO) -------------------------------------------------------------
    async def relay_outputs(self) -> list[RelayOutput]:
        """The camera's relay outputs ([] without a DeviceIO service)."""
        if not self.has_deviceio:
            return []
        deviceio = await self._call(self._require().create_deviceio_service(), "DeviceIO service")
        outputs = await self._call(deviceio.GetRelayOutputs(), "GetRelayOutputs")
        return [_relay(raw) for raw in outputs or []]

    async def set_relay(self, token: str, active: bool) -> None:
        """Set one relay output's logical state (active or inactive)."""
        deviceio = await self._call(self._require().create_deviceio_service(), "DeviceIO service")
        state = {"RelayOutputToken": token, "LogicalState": "active" if active else "inactive"}
        await self._call(deviceio.SetRelayOutputState(state), "SetRelayOutputState")

    # -- events -------------------------------------------------------------------------------
    async def subscribe(self, seconds: int = 60) -> None:
        """Create a PullPoint subscription (replacing any previous one)."""
        camera = self._require()
        if not self.has_events:
            raise OnvifError(f"{self.name}: no event service")
        events = await self._call(camera.create_events_service(), "event service")
        result = await self._call(
            events.CreatePullPointSubscription({"InitialTerminationTime": f"PT{seconds}S"}),
            "CreatePullPointSubscription",
        )
        camera.xaddrs[PULLPOINT_NS] = str(result.SubscriptionReference.Address._value_1)
        self._pull = await self._call(camera.create_pullpoint_service(), "pullpoint service")
        self._subscription = await self._call(
            camera.create_subscription_service("PullPointSubscription"), "subscription service"
        )
        self.subscription_expires = asyncio.get_running_loop().time() + seconds

    async def pull(self, wait: float = 5.0, limit: int = 100) -> list[CameraEvent]:
        """Long-poll the subscription for up to `wait` seconds; return the handled events."""
        if self._pull is None:
            raise OnvifError(f"{self.name}: not subscribed")
        request = {"Timeout": dt.timedelta(seconds=wait), "MessageLimit": limit}
        result = await self._call(
            self._pull.PullMessages(request), "PullMessages", wait + self.timeout
        )
        messages = getattr(result, "NotificationMessage", None) or []
        return [event for m in messages if (event := parse_message(m)) is not None]

    async def renew(self, seconds: int = 60) -> None:
        """Extend the subscription."""
        if self._subscription is None:
            raise OnvifError(f"{self.name}: not subscribed")
        await self._call(self._subscription.Renew(f"PT{seconds}S"), "Renew")
        self.subscription_expires = asyncio.get_running_loop().time() + seconds

    async def unsubscribe(self) -> None:
        """End the subscription (best effort)."""
        subscription, self._subscription, self._pull = self._subscription, None, None
        if subscription is None:
            return
        try:
            await self._call(subscription.Unsubscribe(), "Unsubscribe", min(self.timeout, 3.0))
        except OnvifError as err:
            _LOGGER.debug("%s: unsubscribe failed: %s", self.name, err)

    async def close(self) -> None:
        """Close the library's transports."""
        camera, self._camera = self._camera, None
        self._pull = self._subscription = None
        if camera is not None:
            await camera.close()


def _http_error(uri: str, status: int) -> OnvifError:
    path = uri.split("@")[-1]  # never log credentials embedded in a URI
    if status == 401:
        return OnvifAuthError(f"snapshot {path}: not authorized")
    return OnvifError(f"snapshot {path}: HTTP {status}")


def _profile(raw: Any) -> MediaProfile:
    encoder = getattr(raw, "VideoEncoderConfiguration", None)
    resolution = getattr(encoder, "Resolution", None)
    return MediaProfile(
        token=str(raw.token),
        name=str(getattr(raw, "Name", "") or raw.token),
        encoding=str(getattr(encoder, "Encoding", "") or ""),
        width=int(getattr(resolution, "Width", 0) or 0),
        height=int(getattr(resolution, "Height", 0) or 0),
        ptz=getattr(raw, "PTZConfiguration", None) is not None,
    )


def _relay(raw: Any) -> RelayOutput:
    props = getattr(raw, "Properties", None)
    delay = getattr(props, "DelayTime", None)
    seconds = delay.total_seconds() if isinstance(delay, dt.timedelta) else 0.0
    return RelayOutput(
        token=str(raw.token),
        monostable=str(getattr(props, "Mode", "")) == "Monostable",
        delay=seconds,
        idle_state=str(getattr(props, "IdleState", "") or ""),
    )
