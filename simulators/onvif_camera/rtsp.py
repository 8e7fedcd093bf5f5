"""Runs rtsp_gst.py under the system python and feeds it frames; absent GStreamer, does nothing."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from .config import SimulatorConfig
from .frames import FrameCache

_LOGGER = logging.getLogger(__name__)
SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("rtsp_gst.py")
START_TIMEOUT = 15.0


def _auth_args(config: SimulatorConfig) -> list[str]:
    """--basic-auth / --digest-auth USER:PASSWORD for stream_auth basic / digest."""
    if config.stream_auth == "none":
        return []
    return [f"--{config.stream_auth}-auth", f"{config.username}:{config.password}"]


class RtspServer:
    """The GStreamer RTSP subprocess; `url` is None until it listens (or if it cannot)."""

    def __init__(self, config: SimulatorConfig, cache: FrameCache) -> None:
        self.config, self.cache = config, cache
        self.url: str | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._feeder: asyncio.Task[None] | None = None

    async def start(self) -> str | None:
        """Start the subprocess; return the RTSP URL, or None when GStreamer is unavailable."""
        if await asyncio.to_thread(shutil.which, SYSTEM_PYTHON) is None:
            _LOGGER.warning("%s: no %s, MJPEG only", self.config.name, SYSTEM_PYTHON)
            return None
        c = self.config
        self._proc = await asyncio.create_subprocess_exec(
            SYSTEM_PYTHON, str(SCRIPT), "--port", str(c.rtsp_port), "--width", str(c.width),
            "--height", str(c.height), "--fps", str(max(1, int(c.fps))), "--name", c.name,
            "--source", c.rtsp_source, "--protocols", c.rtsp_transports,
            "--codec", c.rtsp_codec, "--audio", c.rtsp_audio,
            *_auth_args(c),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self._proc.stdout is not None
        try:
            async with asyncio.timeout(START_TIMEOUT):
                line = (await self._proc.stdout.readline()).decode().strip()
        except TimeoutError:
            line = ""
        if not line.startswith("RTSP "):
            _LOGGER.warning("%s: RTSP server did not start (%r), MJPEG only", c.name, line)
            await self.stop()
            return None
        self.url = line.split(" ", 1)[1]
        if c.rtsp_source == "scene":
            self._feeder = asyncio.create_task(self._feed(), name=f"rtsp-feed-{c.name}")
        return self.url

    async def _feed(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        stdin = self._proc.stdin
        while True:
            image, _ = await self.cache.latest()
            stdin.write(image.tobytes())
            await stdin.drain()
            await asyncio.sleep(self.cache.interval)

    async def stop(self) -> None:
        """Stop feeding and end the subprocess."""
        if self._feeder is not None:
            self._feeder.cancel()
            await asyncio.wait([self._feeder])
            self._feeder = None
        proc, self._proc, self.url = self._proc, None, None
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            async with asyncio.timeout(5):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
