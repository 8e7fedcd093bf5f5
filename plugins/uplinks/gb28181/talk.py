"""Voice intercom (语音对讲): the gate's sound to the platform, during a Talk call.

The platform INVITEs a speaker's ID with `s=Talk` and a `sendrecv` audio offer; its audio
plays on the speaker as in a broadcast (broadcast.py), and the hub sends the gate's sound
back: the audio track of the camera configured as the speaker's `microphone`, pulled by
ffmpeg and converted to the G.711 law the platform chose (audio only; the video is not
touched), as RTP of 20 ms (160 samples at 8 kHz) with the offer's y= SSRC, from the hub's
own media port (symmetric RTP, so a platform behind NAT gets it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import struct
from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

__all__ = ["MicSender"]

FRAME = 160  # samples (bytes of G.711) per packet: 20 ms at 8 kHz
_CODECS = {"PCMA": ("pcm_alaw", "alaw", 8), "PCMU": ("pcm_mulaw", "mulaw", 0)}


class MicSender:
    """ffmpeg pulling a camera's audio as G.711; each 20 ms goes out as one RTP packet."""

    def __init__(self, url: str, send: Callable[[bytes], None], *, encoding: str = "PCMA",
                 ssrc: int = 0) -> None:
        self.url, self.send = url, send
        self.codec, self.fmt, self.payload_type = _CODECS[encoding]
        self.ssrc = ssrc & 0xFFFFFFFF
        self.packets = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start ffmpeg; raise OSError when it is missing."""
        ffmpeg = await asyncio.to_thread(shutil.which, "ffmpeg")
        if ffmpeg is None:
            raise OSError("ffmpeg is not installed (Debian package ffmpeg)")
        self._proc = await asyncio.create_subprocess_exec(
            ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
            "-rtsp_transport", "tcp", "-i", self.url, "-vn", "-ac", "1", "-ar", "8000",
            "-c:a", self.codec, "-f", self.fmt, "pipe:1",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        self._task = asyncio.get_running_loop().create_task(self._pump(),
                                                            name="gb28181 talk microphone")

    async def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                frame = await self._proc.stdout.readexactly(FRAME)
                marker = 0x80 if self.packets == 0 else 0  # the start of a talkspurt
                self.send(struct.pack(">BBHII", 0x80, marker | self.payload_type,
                                      self.packets & 0xFFFF, (self.packets * FRAME) & 0xFFFFFFFF,
                                      self.ssrc) + frame)
                self.packets += 1
        _LOGGER.info("GB28181 talk: the microphone stream ended after %d packets",
                     self.packets)

    async def stop(self) -> None:
        """Stop ffmpeg and the sending."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._proc is not None and self._proc.returncode is None:
            self._proc.kill()
            await self._proc.wait()
