"""One pull of a camera's RTSP stream, shared by every viewer: ffmpeg copies the camera's
H.264/H.265 to Annex-B (`-c copy`, never decoded), this module cuts it into access units,
stamps them with a 90 kHz clock and hands them to each viewer's queue. A new viewer gets the
frames since the last key frame first (a GOP cache), so its decoder starts at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import time
from dataclasses import dataclass

from .ps import annexb_nal_units, is_keyframe

_LOGGER = logging.getLogger(__name__)

__all__ = ["AccessUnit", "AccessUnitSplitter", "LiveSource", "SourcePool"]

_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"([\d.]+) fps")
START_TIMEOUT = 15.0
QUEUE_FRAMES = 150
GOP_CACHE_FRAMES = 300


@dataclass(frozen=True, slots=True)
class AccessUnit:
    """One coded picture with its parameter sets, as Annex-B bytes."""

    data: bytes
    pts: int
    keyframe: bool


def _starts_picture(nal: bytes, h265: bool) -> tuple[bool, bool]:
    """(is a VCL NAL, is the first slice of a picture / an AU-opening non-VCL NAL)."""
    if h265:
        kind = (nal[0] >> 1) & 0x3F
        if kind < 32:
            return True, len(nal) > 2 and bool(nal[2] & 0x80)
        return False, kind in (32, 33, 34, 35, 39)
    kind = nal[0] & 0x1F
    if 1 <= kind <= 5:
        return True, len(nal) > 1 and bool(nal[1] & 0x80)  # first_mb_in_slice == 0
    return False, kind in (6, 7, 8, 9)


class AccessUnitSplitter:
    """Feed Annex-B bytes in any chunking; get whole access units out."""

    def __init__(self, h265: bool) -> None:
        self.h265 = h265
        self._buf = b""
        self._nals: list[bytes] = []
        self._has_vcl = False

    def feed(self, data: bytes) -> list[bytes]:
        """Return the access units completed by `data`."""
        self._buf += data
        last = self._buf.rfind(b"\x00\x00\x01")
        if last <= 0:
            return []
        complete, self._buf = self._buf[:last], self._buf[last:]
        if self._buf and complete.endswith(b"\x00"):
            complete, self._buf = complete[:-1], b"\x00" + self._buf
        done: list[bytes] = []
        for nal in annexb_nal_units(complete):
            vcl, opens = _starts_picture(nal, self.h265)
            if self._has_vcl and opens:
                done.append(b"".join(b"\x00\x00\x00\x01" + n for n in self._nals))
                self._nals, self._has_vcl = [], False
            self._nals.append(nal)
            self._has_vcl |= vcl
        return done


class LiveSource:
    """ffmpeg pulling one RTSP URL; viewers subscribe to its access units."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.codec = ""
        self.width = self.height = 0
        self.fps = 0.0
        self.frames = 0
        self.dropped = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._viewers: list[asyncio.Queue[AccessUnit | None]] = []
        self._gop: list[AccessUnit] = []
        self._t0 = time.monotonic()
        self._last_pts = 0

    @property
    def h265(self) -> bool:
        """True for an H.265 camera."""
        return self.codec == "hevc"

    async def start(self) -> None:
        """Run ffmpeg and wait until it names the codec and size; raise OSError if it cannot."""
        ffmpeg = await asyncio.to_thread(shutil.which, "ffmpeg")
        if ffmpeg is None:
            raise OSError("ffmpeg is not installed (Debian package ffmpeg)")
        self._proc = await asyncio.create_subprocess_exec(
            ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info",
            "-rtsp_transport", "tcp", "-analyzeduration", "1000000", "-probesize", "65536",
            "-i", self.url, "-an", "-c:v", "copy", "-bsf:v", "dump_extra=freq=keyframe",
            "-f", "rawvideo", "-flush_packets", "1", "pipe:1",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            async with asyncio.timeout(START_TIMEOUT):
                await self._read_stream_info()
        except (TimeoutError, OSError):
            await self.stop()
            raise
        self._tasks = [asyncio.create_task(self._pump(), name=f"gb28181 pull {self.url}")]

    async def _read_stream_info(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        tail: list[str] = []
        while True:
            line = (await self._proc.stderr.readline()).decode(errors="replace")
            if not line:
                raise OSError(f"ffmpeg could not open the stream: {' | '.join(tail[-3:])}")
            tail.append(line.strip())
            match = _VIDEO.search(line)
            if match:
                self.codec, self.width, self.height = match.group(1), int(match.group(2)), int(
                    match.group(3))
                fps = _FPS.search(line)
                self.fps = float(fps.group(1)) if fps else 0.0
                if self.codec not in ("h264", "hevc"):
                    raise OSError(f"the camera sends {self.codec}; GB/T 28181 PS needs H.264/5")
                self._tasks.append(asyncio.create_task(self._drain_stderr(self._proc.stderr)))
                return

    async def _drain_stderr(self, stderr: asyncio.StreamReader) -> None:
        while line := await stderr.readline():
            _LOGGER.debug("ffmpeg %s: %s", self.url, line.decode(errors="replace").strip())

    async def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        splitter = AccessUnitSplitter(self.h265)
        while data := await self._proc.stdout.read(65536):
            for au in splitter.feed(data):
                self._publish(au)
        _LOGGER.info("GB28181: the stream %s ended", self.url)
        for queue in self._viewers:
            queue.put_nowait(None)

    def _publish(self, data: bytes) -> None:
        # arrival time on a 90 kHz clock; frames read in one burst still get distinct stamps
        pts = max(int((time.monotonic() - self._t0) * 90000), self._last_pts + 1)
        self._last_pts = pts
        unit = AccessUnit(data, pts, is_keyframe(data, self.h265))
        self.frames += 1
        if unit.keyframe:
            self._gop.clear()
        if self._gop or unit.keyframe:
            self._gop.append(unit)
            del self._gop[:-GOP_CACHE_FRAMES]
        for queue in self._viewers:
            if queue.full():  # a slow viewer loses frames, never the others
                self.dropped += 1
                continue
            queue.put_nowait(unit)

    def subscribe(self) -> asyncio.Queue[AccessUnit | None]:
        """A queue of access units starting at the last key frame."""
        queue: asyncio.Queue[AccessUnit | None] = asyncio.Queue(QUEUE_FRAMES)
        for unit in self._gop[-QUEUE_FRAMES // 2:]:
            queue.put_nowait(unit)
        self._viewers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[AccessUnit | None]) -> None:
        """Stop feeding a viewer."""
        with contextlib.suppress(ValueError):
            self._viewers.remove(queue)

    @property
    def viewers(self) -> int:
        """How many viewers this pull serves."""
        return len(self._viewers)

    async def stop(self) -> None:
        """End ffmpeg and the reader tasks."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            proc.terminate()
            try:
                async with asyncio.timeout(5):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()


class SourcePool:
    """One LiveSource per URL while anyone watches it."""

    def __init__(self) -> None:
        self._sources: dict[str, LiveSource] = {}
        self._starting: dict[str, asyncio.Lock] = {}
        self.pulls_started = 0

    async def acquire(self, url: str) -> tuple[LiveSource, asyncio.Queue[AccessUnit | None]]:
        """The shared pull of `url` (started if needed) and a new viewer queue on it."""
        async with self._starting.setdefault(url, asyncio.Lock()):
            source = self._sources.get(url)
            if source is None:
                source = LiveSource(url)
                await source.start()
                self._sources[url] = source
                self.pulls_started += 1
        return source, source.subscribe()

    async def release(self, source: LiveSource, queue: asyncio.Queue[AccessUnit | None]) -> None:
        """Drop a viewer; the pull stops with its last viewer."""
        source.unsubscribe(queue)
        if source.viewers == 0 and self._sources.get(source.url) is source:
            del self._sources[source.url]
            await source.stop()

    async def close(self) -> None:
        """Stop every pull."""
        sources, self._sources = list(self._sources.values()), {}
        await asyncio.gather(*(s.stop() for s in sources))
