"""RtspCamera: a camera from a stream URL and/or a snapshot URL, with optional motion."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from hub import Camera, CameraState, DeviceConfig, DeviceUnavailable, Frame

from .api import FrameGrabber, GrabbedFrame, decode_jpeg_blocking, encode_jpeg_blocking
from .config import RtspCameraConfig, without_credentials
from .const import (
    ATTR_FRAMES_DROPPED,
    ATTR_FRAMES_GRABBED,
    ATTR_MOTION,
    EVENT_MOTION_CHANGED,
    PLATFORM,
    MotionChangedData,
)
from .motion import MotionDetector
from .snapshot import SnapshotError, fetch_snapshot

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)
HEALTH_INTERVAL = 1.0
STATS_INTERVAL = 30.0


class RtspCamera(Camera):
    """Frames from OpenCV in a thread (newest wins); snapshots from the URL or the newest frame."""

    platform: ClassVar[str] = PLATFORM
    config_model: ClassVar[type[DeviceConfig]] = RtspCameraConfig

    def __init__(self, hub: Hub, config: DeviceConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, RtspCameraConfig)
        self.cfg = config
        self.grabber: FrameGrabber | None = None
        self.motion = False
        self._motion_seen = 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._stats_at = 0.0

    async def setup(self) -> None:
        """Start grabbing (stream) or check the snapshot URL; supervise availability."""
        url = self.cfg.stream_url_with_credentials()
        if url:
            cfg = self.cfg
            self.grabber = FrameGrabber(
                url, name=self.name, reconnect_seconds=cfg.reconnect_seconds,
                reconnect_max_seconds=cfg.reconnect_max_seconds,
                timeout_ms=int(cfg.timeout * 1000),
                read_timeout_ms=int((cfg.read_timeout or cfg.timeout) * 1000),
                transport=cfg.rtsp_transport,
            )  # fmt: skip
            self.grabber.start()
        self._tasks.append(self.hub.create_task(self._supervise(), f"{self.entity_id} health"))
        if self.cfg.motion:
            self._tasks.append(
                self.hub.create_task(self._detect_motion(), f"{self.entity_id} motion")
            )
        await self._check()

    async def _check(self) -> None:
        if self.grabber is not None:
            frame = self.grabber.latest()
            fresh = frame is not None and time.time() - frame.ts < self.cfg.timeout
            if self.grabber.connected or fresh:
                self.state = CameraState.STREAMING
                self.set_available(True)
            else:
                self._unavailable(self.grabber.error or "stream does not deliver frames")
            return
        try:
            await self._snapshot_from_url()
        except SnapshotError as err:
            self._unavailable(str(err))
        else:
            self.state = CameraState.IDLE
            self.set_available(True)

    def _unavailable(self, reason: str) -> None:
        self.set_available(False, reason)
        self.write_state()  # set_available only writes on a change; the reason may be new

    async def _supervise(self) -> None:
        interval = HEALTH_INTERVAL if self.grabber is not None else max(HEALTH_INTERVAL, 10.0)
        while True:
            await asyncio.sleep(interval)
            await self._check()
            now = time.monotonic()
            if self.grabber is not None and now - self._stats_at > STATS_INTERVAL:
                self._stats_at = now
                self.write_state()

    async def _detect_motion(self) -> None:
        detector = MotionDetector(self.cfg.motion_threshold, self.cfg.motion_area)
        while True:
            try:
                async for frame in self.frames(self.cfg.motion_fps):
                    moving = await self.hub.run_blocking(detector.update_blocking, frame.image)
                    self._set_motion(moving, detector.changed)
            except (TimeoutError, DeviceUnavailable) as err:
                _LOGGER.debug("%s: no frames for motion detection: %s", self.name, err)
                await asyncio.sleep(self.cfg.reconnect_seconds)

    def _set_motion(self, moving: bool, changed: float) -> None:
        now = time.monotonic()
        if moving:
            self._motion_seen = now
        elif self.motion and now - self._motion_seen < self.cfg.motion_clear_seconds:
            return
        if moving == self.motion:
            return
        self.motion = moving
        self.write_state()
        data: MotionChangedData = {
            "entity_id": self.entity_id, "motion": moving, "changed": round(changed, 4)
        }  # fmt: skip
        self.hub.bus.fire(EVENT_MOTION_CHANGED, dict(data))

    async def _snapshot_from_url(self) -> bytes:
        assert self.cfg.snapshot_url is not None
        password = self.cfg.password.get_secret_value() if self.cfg.password else None
        return await fetch_snapshot(
            self.hub.client_session, self.cfg.snapshot_url, username=self.cfg.username,
            password=password, auth=self.cfg.snapshot_auth, timeout=self.cfg.timeout,
        )  # fmt: skip

    async def snapshot_bytes(self) -> bytes:
        """JPEG from the snapshot URL, else the newest stream frame encoded."""
        if self.cfg.snapshot_url:
            try:
                return await self._snapshot_from_url()
            except SnapshotError as err:
                raise DeviceUnavailable(f"{self.name}: snapshot failed: {err}") from err
        frame = await self._next_stream_frame(0)
        return await self.hub.run_blocking(encode_jpeg_blocking, frame.image)

    async def _next_stream_frame(self, after: int) -> GrabbedFrame:
        assert self.grabber is not None
        try:
            return await self.grabber.next_frame(after, self.cfg.timeout)
        except TimeoutError as err:
            raise DeviceUnavailable(f"{self.name}: no frame within {self.cfg.timeout:g} s") from err

    def stream_url(self) -> str | None:
        """The configured stream URL, without credentials."""
        return without_credentials(self.cfg.stream_url)

    async def frames(self, fps: float) -> AsyncIterator[Frame]:
        """Newest frame at most `fps` times a second; from the stream, else the snapshot URL."""
        if self.grabber is not None:
            async for grabbed in self.grabber.frames(fps, self.cfg.timeout):
                yield Frame(camera=self.entity_id, ts=grabbed.ts, image=grabbed.image)
            return
        interval = 1.0 / fps
        while True:
            started = time.monotonic()
            jpeg = await self.snapshot_bytes()
            image = await self.hub.run_blocking(decode_jpeg_blocking, jpeg)
            if image is not None:
                yield Frame(camera=self.entity_id, ts=time.time(), image=image)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Camera attributes plus motion and grab counters."""
        attrs = super().extra_attributes | {ATTR_MOTION: self.motion}
        if self.grabber is not None:
            attrs[ATTR_FRAMES_GRABBED] = self.grabber.grabbed
            attrs[ATTR_FRAMES_DROPPED] = self.grabber.dropped
        return attrs

    async def shutdown(self) -> None:
        """Stop the tasks and the grabbing thread."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.grabber is not None:
            await self.grabber.stop()
