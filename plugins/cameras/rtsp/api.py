"""Frame grabbing from a stream URL with OpenCV in a thread: newest frame wins, drops counted.

No hub imports: this module could ship to PyPI alone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

_LOGGER = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]

__all__ = ["FrameGrabber", "GrabbedFrame", "Image", "decode_jpeg_blocking", "encode_jpeg_blocking"]


@dataclass(frozen=True, slots=True)
class GrabbedFrame:
    """A decoded BGR frame, its wall-clock time and its sequence number."""

    seq: int
    ts: float
    image: Image


def encode_jpeg_blocking(image: Image, quality: int = 85) -> bytes:
    """JPEG bytes of a BGR image (run in an executor)."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buffer.tobytes())


def decode_jpeg_blocking(data: bytes) -> Image | None:
    """BGR image of JPEG bytes, or None when they do not decode (run in an executor)."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if image is None else np.asarray(image, np.uint8)


class FrameGrabber:
    """Reads `url` in a daemon thread and keeps only the newest frame.

    A frame replaced before anybody took it counts as dropped, so a slow consumer sees
    the newest picture and never a backlog.
    """

    def __init__(
        self, url: str, *, name: str = "", reconnect_seconds: float = 2.0,
        timeout_ms: int = 5000,
    ) -> None:  # fmt: skip
        self.url, self.name = url, name or "stream"
        self.reconnect_seconds, self.timeout_ms = reconnect_seconds, timeout_ms
        self.grabbed = 0
        self.dropped = 0
        self.failures = 0
        self.connected = False
        self._latest: GrabbedFrame | None = None
        self._taken_seq = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def running(self) -> bool:
        """True while the grabbing thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (call from the event loop)."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run_blocking, name=f"grab {self.name}", daemon=True
        )
        self._thread.start()

    async def stop(self) -> None:
        """Stop the thread and wait for it (off the loop)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, self.timeout_ms / 1000 + 2)
        self.connected = False

    def _open_blocking(self) -> cv2.VideoCapture:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, self.timeout_ms,
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, self.timeout_ms]  # fmt: skip
        return cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)

    def _run_blocking(self) -> None:
        while not self._stop.is_set():
            capture = self._open_blocking()
            try:
                if capture.isOpened():
                    self._read_blocking(capture)
            finally:
                capture.release()
            self._set_connected(False)
            if not self._stop.is_set():
                self.failures += 1
                self._stop.wait(self.reconnect_seconds)

    def _read_blocking(self, capture: cv2.VideoCapture) -> None:
        while not self._stop.is_set():
            ok, image = capture.read()
            if not ok or image is None:
                _LOGGER.debug("%s: stream ended or read failed", self.name)
                return
            self._set_connected(True)
            self._publish(np.asarray(image, np.uint8))

    def _set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            _LOGGER.info("%s: stream %s", self.name, "connected" if connected else "lost")

    def _publish(self, image: Image) -> None:
        with self._lock:
            self.grabbed += 1
            if self._latest is not None and self._latest.seq > self._taken_seq:
                self.dropped += 1
            self._latest = GrabbedFrame(self.grabbed, time.time(), image)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def latest(self) -> GrabbedFrame | None:
        """The newest frame, marking it taken."""
        with self._lock:
            frame = self._latest
            if frame is not None:
                self._taken_seq = max(self._taken_seq, frame.seq)
            return frame

    async def next_frame(self, after: int = 0, timeout: float = 10.0) -> GrabbedFrame:
        """The newest frame newer than sequence `after`; TimeoutError if none comes in time."""
        async with asyncio.timeout(timeout):
            while True:
                frame = self.latest()
                if frame is not None and frame.seq > after:
                    return frame
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.add(waiter)
                await waiter

    async def frames(self, fps: float, timeout: float = 10.0) -> AsyncIterator[GrabbedFrame]:
        """Yield the newest frame at most `fps` times a second, each one newer than the last."""
        interval = 1.0 / fps if fps > 0 else 0.0
        seq = 0
        while True:
            started = time.monotonic()
            frame = await self.next_frame(seq, timeout)
            seq = frame.seq
            yield frame
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
