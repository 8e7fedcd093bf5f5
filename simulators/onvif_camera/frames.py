"""Frames of the scene, rendered off the loop, newest wins; snapshot and MJPEG handlers."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from .scene import Image, Scene, encode_jpeg_blocking

_LOGGER = logging.getLogger(__name__)
BOUNDARY = "campusframe"


class FrameCache:
    """Renders at most `fps` frames a second, on demand, in the default executor."""

    def __init__(self, scene: Scene, fps: float) -> None:
        self.scene, self.interval = scene, 1.0 / fps
        self._lock = asyncio.Lock()
        self._stamp = 0.0
        self._image: Image | None = None
        self._jpeg = b""

    def _render_blocking(self, now: float) -> tuple[Image, bytes]:
        image = self.scene.render_blocking(now)
        return image, encode_jpeg_blocking(image)

    async def latest(self) -> tuple[Image, bytes]:
        """The newest frame and its JPEG, rendering a new one if this one is stale."""
        async with self._lock:
            now = time.time()
            if self._image is None or now - self._stamp >= self.interval:
                loop = asyncio.get_running_loop()
                self._image, self._jpeg = await loop.run_in_executor(
                    None, self._render_blocking, now
                )
                self._stamp = now
            image = self._image
            assert image is not None
            return image, self._jpeg


async def serve_snapshot(cache: FrameCache) -> web.Response:
    """A JPEG snapshot."""
    _, jpeg = await cache.latest()
    return web.Response(body=jpeg, content_type="image/jpeg")


async def serve_mjpeg(request: web.Request, cache: FrameCache) -> web.StreamResponse:
    """multipart/x-mixed-replace JPEG frames at the scene rate until the client leaves."""
    response = web.StreamResponse(
        headers={"Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}"}
    )
    await response.prepare(request)
    try:
        while True:
            started = time.monotonic()
            _, jpeg = await cache.latest()
            head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}"
            await response.write(head.encode() + b"\r\n\r\n" + jpeg + b"\r\n")
            await asyncio.sleep(max(0.0, cache.interval - (time.monotonic() - started)))
    except (ConnectionResetError, ConnectionError):
        _LOGGER.debug("MJPEG client left")
    return response
