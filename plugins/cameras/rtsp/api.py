"""Frame grabbing from a stream URL with OpenCV in a thread: newest frame wins, drops counted.

No hub imports: this module could ship to PyPI alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from .rtsp_probe import describe_blocking

_LOGGER = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
Transport = Literal["tcp", "udp", "auto"]

# FFmpeg prints every failed open ("[rtsp @ 0x..] method DESCRIBE failed: 401") on stderr,
# every reconnect, and OpenCV adds a warning of its own: that flooded the log every 2 s.
# OpenCV reads OPENCV_FFMPEG_LOGLEVEL once, before its first capture, so it is set at import
# (unless the operator set it). The reason a stream fails is learnt with an RTSP DESCRIBE
# (rtsp_probe.py) and logged once by the grabber.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

#: FFmpeg RTSP options per transport; "auto" tries TCP first, then UDP.
_TRANSPORT_OPTIONS = {"tcp": "rtsp_transport;tcp", "udp": "rtsp_transport;udp",
                      "auto": "rtsp_flags;prefer_tcp"}  # fmt: skip
_HINTS = {401: "check username and password", 403: "the user may not watch this stream",
          404: "check the path of the stream URL"}  # fmt: skip


class _CaptureOptions:
    """OpenCV takes FFmpeg options from one environment variable, read when a capture opens.

    Opens that want the same options run together; one that wants others waits until they
    are done, so two cameras with different transports never read each other's.
    """

    VARIABLE = "OPENCV_FFMPEG_CAPTURE_OPTIONS"

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._value: str | None = None
        self._users = 0

    @contextlib.contextmanager
    def using(self, value: str) -> Iterator[None]:
        """Hold the variable at `value` while the caller opens a capture."""
        with self._cond:
            self._cond.wait_for(lambda: self._users == 0 or self._value == value)
            if self._value != value:
                os.environ[self.VARIABLE] = value
                self._value = value
            self._users += 1
        try:
            yield
        finally:
            with self._cond:
                self._users -= 1
                self._cond.notify_all()


_OPTIONS = _CaptureOptions()

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
        timeout_ms: int = 5000, read_timeout_ms: int | None = None,
        transport: Transport = "tcp", reconnect_max_seconds: float = 60.0,
    ) -> None:  # fmt: skip
        self.url, self.name = url, name or "stream"
        self.reconnect_seconds, self.timeout_ms = reconnect_seconds, timeout_ms
        self.read_timeout_ms = read_timeout_ms or timeout_ms
        self.transport: Transport = transport
        self.reconnect_max_seconds = max(reconnect_max_seconds, reconnect_seconds)
        #: Why the stream does not open, when the server said (e.g. "RTSP 401 Unauthorized").
        self.error: str | None = None
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
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, self.read_timeout_ms]  # fmt: skip
        if not self.url.startswith(("rtsp://", "rtsps://")):
            return cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
        with _OPTIONS.using(_TRANSPORT_OPTIONS[self.transport]):
            return cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)

    def _run_blocking(self) -> None:
        failed = 0  # opens in a row that gave no frame: the retry delay doubles with each
        while not self._stop.is_set():
            capture = self._open_blocking()
            try:
                delivered = capture.isOpened() and self._read_blocking(capture)
            finally:
                capture.release()
            self._set_connected(False)
            if self._stop.is_set():
                return
            self.failures += 1
            failed = 0 if delivered else failed + 1
            if not delivered:
                self._diagnose_blocking()
            delay = self.reconnect_seconds * 2 ** min(max(failed - 1, 0), 16)
            self._stop.wait(min(delay, self.reconnect_max_seconds))

    def _diagnose_blocking(self) -> None:
        """Ask the RTSP server why (DESCRIBE); log a new reason once."""
        if not self.url.startswith("rtsp://"):
            return
        try:
            answer = describe_blocking(self.url, self.timeout_ms / 1000)
        except OSError as err:
            error: str | None = f"no RTSP answer ({err})"
        else:
            hint = _HINTS.get(answer.status)
            error = None if answer.status == 200 else (
                f"RTSP {answer.status} {answer.reason}" + (f" ({hint})" if hint else "")
            )  # fmt: skip
        if error != self.error and error is not None:
            _LOGGER.warning("%s: the stream does not open: %s", self.name, error)
        self.error = error

    def _read_blocking(self, capture: cv2.VideoCapture) -> bool:
        """Read until the stream ends; True when it gave at least one frame."""
        delivered = False
        while not self._stop.is_set():
            ok, image = capture.read()
            if not ok or image is None:
                _LOGGER.debug("%s: stream ended or read failed", self.name)
                return delivered
            if not delivered:
                delivered, self.error = True, None
            self._set_connected(True)
            self._publish(np.asarray(image, np.uint8))
        return delivered

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
        last: float | None = None
        while True:
            if last is not None:  # paced from the last frame handed out, not from the ask:
                # a frame that came late must not be followed by the next one at once
                await asyncio.sleep(max(0.0, last + interval - time.monotonic()))
            frame = await self.next_frame(seq, timeout)
            last = time.monotonic()
            seq = frame.seq
            yield frame
