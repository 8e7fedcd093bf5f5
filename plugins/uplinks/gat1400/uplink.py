"""The `gat1400` uplink: face captures to a police views library, session kept alive."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any

from hub.uplinks import (
    SUBSCRIPTION_FACE_CAPTURE,
    Uplink,
    UplinkConfig,
    UplinkItem,
    UplinkRejected,
    UplinkRetry,
)

from .api import AuthFailed, NotRegistered, PlatformRefused, PlatformUnavailable
from .api import ViewsLibraryClient as Client
from .builder import CaptureImages, FaceBuilder, FaceIds
from .config import Gat1400Config
from .const import AUDIT_UPLOAD_ENROLLED, DOMAIN
from .ids import IdFactory
from .objects import Dialect, ape_object, subscribe_object
from .times import zone_of

if TYPE_CHECKING:
    from hub import Hub

    from .inbound import Inbound

_LOGGER = logging.getLogger(__name__)

__all__ = ["Gat1400Uplink"]

_RETRY_MAX = 300.0
_SENT_KEEP = 20_000


class Gat1400Uplink(Uplink):
    """Registers with the views library, keeps alive, uploads Face objects."""

    type = DOMAIN
    config_model = Gat1400Config
    subscribes = frozenset({SUBSCRIPTION_FACE_CAPTURE})

    def __init__(self, hub: Hub, config: UplinkConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, Gat1400Config)
        self.cfg = config
        zone = zone_of(config.time_zone or hub.config.core.time_zone)
        self.dialect = Dialect(zone, config.time_format, config.envelope, config.content_type,
                               config.event_sort)
        self.builder = FaceBuilder(self.dialect, IdFactory(int(time.time() * 1000) % 100_000))
        self.client: Client | None = None
        self.registered = asyncio.Event()
        self._wake = asyncio.Event()
        self.state = "connecting"
        self.last_error: str | None = None
        self.last_keepalive: float | None = None
        self.clock_offset: float | None = None
        self.uploads_total = 0
        self.enrolled_uploads = 0
        self._uploads: deque[float] = deque()
        #: FaceID -> the capture it came from (for hits), newest last
        self.sent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.hits = 0
        self.inbound: Inbound | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start the session task and the routes the views library calls."""
        from .inbound import Inbound  # the panel's routing: loaded only when configured

        self.client = Client(self.hub.client_session, self.cfg.url, self.cfg.device_id,
                             self.cfg.user, self.cfg.password.get_secret_value(),
                             self.dialect, self.cfg.timeout)
        self.inbound = Inbound(self)
        self.inbound.register()
        self.hub.create_task(self._session(), name=f"gat1400 {self.name} session")

    async def stop(self) -> None:
        """Unregister (best effort)."""
        if self.client is not None and self.registered.is_set():
            try:
                async with asyncio.timeout(2):
                    await self.client.unregister()
            except Exception as exc:
                _LOGGER.debug("%s: unregister failed: %s", self.name, exc)
        self.registered.clear()
        self.state = "stopped"

    async def _session(self) -> None:
        assert self.client is not None
        delay, next_clock = 1.0, 0.0
        while True:
            try:
                if not self.registered.is_set():
                    await self._register()
                    next_clock = 0.0
                if time.monotonic() >= next_clock:
                    await self._check_clock()
                    next_clock = time.monotonic() + self.cfg.clock_interval
                self._wake.clear()
                try:
                    async with asyncio.timeout(self.cfg.keepalive_interval):
                        await self._wake.wait()
                    continue  # woken: a delivery found the registration gone
                except TimeoutError:
                    pass
                await self.client.keepalive()
                self.last_keepalive = time.time()
                self.state = "registered"
                delay = 1.0
            except NotRegistered as exc:
                self.forgotten(str(exc))
            except (AuthFailed, PlatformUnavailable) as exc:
                self._failed(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)

    async def _register(self) -> None:
        assert self.client is not None
        await self.client.register()
        apes = [ape_object(ape_id=a.ape_id, name=a.name, place=a.place,
                           place_code=a.place_code, longitude=a.longitude,
                           latitude=a.latitude) for a in self.cfg.cameras.values()]
        await self.client.declare_apes(apes)
        if self.cfg.subscribe_details:
            await self._subscribe()
        self.registered.set()
        self.state, self.last_error = "registered", None
        self.last_keepalive = time.time()
        _LOGGER.info("%s: registered with the views library at %s as %s (%d APEs)",
                     self.name, self.cfg.url, self.cfg.device_id, len(apes))

    async def _subscribe(self) -> None:
        assert self.client is not None
        now = dt.datetime.now(dt.UTC)
        addr = self.cfg.receive_addr or (self.hub.config.core.external_url.rstrip("/")
                                         + "/VIID/SubscribeNotifications")
        stamp = f"{now.astimezone(self.dialect.zone):%Y%m%d%H%M%S}"
        subscription = subscribe_object(
            subscribe_id=f"{self.cfg.device_id[:12]}03{stamp}00001",
            title="Campus Hub: police comparison results",
            detail=",".join(self.cfg.subscribe_details),
            resources=[self.cfg.device_id, *(a.ape_id for a in self.cfg.cameras.values())],
            receive_addr=addr, begin=now,
            end=now + dt.timedelta(days=self.cfg.subscribe_days),
            applicant="Campus Hub", org=self.hub.config.core.name, dialect=self.dialect)
        await self.client.subscribe([subscription])
        _LOGGER.info("%s: subscribed (%s) with notifications to %s", self.name,
                     subscription["SubscribeDetail"], addr)

    async def _check_clock(self) -> None:
        assert self.client is not None
        reading = await self.client.clock()
        self.clock_offset = round(reading.offset, 3)
        if abs(reading.offset) > self.cfg.clock_bound:
            _LOGGER.warning("%s: the views library's clock is %.1f s off the hub's (bound "
                            "%.0f s): capture times may be wrong for the police", self.name,
                            reading.offset, self.cfg.clock_bound)

    def forgotten(self, why: str) -> None:
        """The platform no longer knows the hub: register again at once."""
        if self.registered.is_set():
            _LOGGER.info("%s: the views library forgot the registration (%s); registering "
                         "again", self.name, why)
        self.registered.clear()
        self.state, self.last_error = "connecting", why
        self._wake.set()

    def _failed(self, exc: Exception) -> None:
        auth = isinstance(exc, AuthFailed)
        state = "auth_failed" if auth else "unreachable"
        if self.state != state:
            _LOGGER.warning("%s: %s", self.name, exc)
        if auth:
            self.registered.clear()
        self.state, self.last_error = state, str(exc)

    # ------------------------------------------------------------------ outbox side

    def wants(self, item: UplinkItem) -> bool:
        """Captures of configured cameras, of the people the school chose to send."""
        payload = item.payload
        if item.kind != SUBSCRIPTION_FACE_CAPTURE or payload.get("camera") not in \
                self.cfg.cameras:
            return False
        match = payload.get("match")
        if not match or match.get("list") == "watch" or self.cfg.upload == "all":
            return True
        return match.get("category") in self.cfg.visitor_groups

    def build(self, item: UplinkItem) -> dict[str, Any] | None:
        """Fix the capture's GA/T 1400 ids now, so a resend keeps them."""
        payload = item.payload
        ape = self.cfg.cameras[payload["camera"]].ape_id
        shot = dt.datetime.fromtimestamp(float(payload["time"]), dt.UTC)
        ids = self.builder.new_ids(ape, shot)
        return {**payload, "gat1400": {"ape_id": ape, **ids.as_dict()}}

    async def deliver(self, item: UplinkItem) -> str | None:
        """Upload one capture as a Face object with its crop and scene."""
        if self.client is None or not self.registered.is_set():
            raise UplinkRetry(f"not registered with the views library ({self.state})")
        payload = item.payload
        own = payload["gat1400"]
        crop_id, scene_id = _snapshot_ids(payload)
        crop = await self.hub.snapshots.read(crop_id) if crop_id else None
        scene = await self.hub.snapshots.read(scene_id) if scene_id else None
        if crop is None or scene is None:
            raise UplinkRejected("the capture's images are gone (deleted by retention)")
        shot = dt.datetime.fromtimestamp(float(payload["time"]), dt.UTC)
        box = payload.get("box") or [0, 0, 1, 1]
        ids = FaceIds(own["face_id"], own["scene_id"], own["crop_id"])
        face = self.builder.face(own["ape_id"], shot, (box[0], box[1], box[2], box[3]),
                                 CaptureImages(crop, scene), ids)
        try:
            await self.client.upload_faces([face])
        except NotRegistered as exc:
            self.forgotten(str(exc))
            raise UplinkRetry(str(exc)) from None
        except PlatformUnavailable as exc:
            self.last_error = str(exc)
            raise UplinkRetry(str(exc)) from None
        except PlatformRefused as exc:
            self.last_error = str(exc)
            raise UplinkRejected(str(exc)) from None
        self._uploaded(payload, ids.face_id)
        return ids.face_id

    def _uploaded(self, payload: dict[str, Any], face_id: str) -> None:
        now = time.time()
        self.uploads_total += 1
        self._uploads.append(now)
        while self._uploads and now - self._uploads[0] > 3600:
            self._uploads.popleft()
        crop_id, scene_id = _snapshot_ids(payload)
        self.sent[face_id] = {"camera": payload.get("camera"), "gate": payload.get("gate"),
                              "time": payload.get("time"), "match": payload.get("match"),
                              "crop_snapshot_id": crop_id, "scene_snapshot_id": scene_id}
        if len(self.sent) > _SENT_KEEP:
            self.sent.popitem(last=False)
        match = payload.get("match")
        if match and match.get("list") == "allow" and \
                match.get("category") not in self.cfg.visitor_groups:
            self.enrolled_uploads += 1
            self.hub.audit(AUDIT_UPLOAD_ENROLLED, target=match.get("person_id"),
                           details={"uplink": self.name, "face_id": face_id,
                                    "group": match.get("category"),
                                    "camera": payload.get("camera")})

    def status(self) -> dict[str, Any]:
        """Registered?, last keepalive, uploads per hour, clock offset, last error."""
        now = time.time()
        warning = None
        if self.clock_offset is not None and abs(self.clock_offset) > self.cfg.clock_bound:
            warning = (f"the views library's clock is {self.clock_offset:+.1f} s off the "
                       f"hub's (bound {self.cfg.clock_bound:.0f} s)")
        return {
            "state": self.state, "registered": self.registered.is_set(),
            "device_id": self.cfg.device_id, "last_keepalive": self.last_keepalive,
            "uploads_per_hour": sum(1 for t in self._uploads if now - t <= 3600),
            "uploads_total": self.uploads_total, "enrolled_uploads": self.enrolled_uploads,
            "police_hits": self.hits, "clock_offset": self.clock_offset,
            "clock_warning": warning, "last_error": self.last_error,
        }


def _snapshot_ids(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    """Return (crop, scene) snapshot ids of a face_captured payload (either spelling)."""
    crop = payload.get("crop_snapshot_id") or payload.get("face_snapshot")
    scene = payload.get("scene_snapshot_id") or payload.get("scene_snapshot")
    return crop, scene
