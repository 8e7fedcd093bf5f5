"""A simulated IP loudspeaker: an HTTP API that plays WAV audio or text, and remembers.

API (all under /api, JSON unless said otherwise; auth: HTTP Basic or `Authorization:
Bearer <token>`):

- ``POST /api/play``: body ``audio/wav`` (a RIFF/WAVE file; query ``priority``,
  ``volume``, ``label``) or JSON ``{"text": ..., "volume": 0-100, "priority": ...,
  "repeat": 1-5}`` (the speaker's own text-to-speech). Answers 202 with ``{"id": N,
  "duration": seconds}``; 400 for a bad body, 401 without valid auth, 413 when over
  `max_bytes`.
- ``GET /api/status``: model, serial, firmware, volume, playing.
- ``GET /api/played`` (what it was told to play) and ``DELETE /api/played``.
"""

from __future__ import annotations

import array
import asyncio
import base64
import hmac
import io
import itertools
import json
import logging
import math
import sys
import time
import wave
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

_LOGGER = logging.getLogger(__name__)

__all__ = ["Played", "SpeakerSimulator"]

_WAV_TYPES = {"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}
_TEXT_SECONDS_PER_CHAR = 0.07


@dataclass(slots=True)
class Played:
    """One thing the speaker was told to play."""

    id: int
    kind: str  # "audio" or "text"
    received_at: float
    duration: float
    volume: int
    priority: str
    text: str | None = None
    label: str | None = None
    size: int = 0
    sample_rate: int | None = None
    channels: int | None = None
    user: str | None = None
    #: 16-bit PCM only: loudness (RMS, 1.0 = full scale) and the zero-crossing pitch (Hz)
    rms: float | None = None
    frequency: float | None = None


def _measure(frames: bytes, width: int, channels: int, rate: int) -> tuple[float, float] | None:
    """RMS (full scale 1.0) and zero-crossing frequency of 16-bit PCM; None for other sizes."""
    if width != 2 or not frames or not rate:
        return None
    samples = array.array("h", frames[: len(frames) - len(frames) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    mono = samples[::channels]
    rms = math.sqrt(sum(x * x for x in mono) / len(mono)) / 32768
    crossings = sum(1 for a, b in itertools.pairwise(mono) if (a < 0) != (b < 0))
    return round(rms, 4), round(crossings * rate / (2 * len(mono)), 1)


class SpeakerSimulator:
    """An aiohttp server on 127.0.0.1 that records every play request it accepts."""

    kind = "speaker"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "speaker",
        token: str | None = "speaker-token",
        max_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.token = token
        self.max_bytes = max_bytes
        self.volume = 70
        self.played: list[Played] = []
        #: Switchable faults: "none", "error" (500 on play), "slow" (never answers).
        self.fault_mode = "none"
        self._runner: web.AppRunner | None = None
        self._release = asyncio.Event()

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Return whether the server is listening."""
        return self._runner is not None

    @property
    def playing(self) -> bool:
        """Return whether the last accepted item is still playing."""
        if not self.played:
            return False
        last = self.played[-1]
        return time.time() < last.received_at + last.duration

    def set_fault(self, mode: str) -> None:
        """Switch faults: none, error, slow."""
        if mode not in ("none", "error", "slow"):
            raise ValueError(f"unknown speaker fault {mode!r}")
        self.fault_mode = mode
        if mode == "slow":
            self._release.clear()
        else:
            self._release.set()

    async def start(self) -> None:
        """Listen on host:port (port 0 picks one, kept for restarts)."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=self.max_bytes)
        app.router.add_post("/api/play", self._play)
        app.router.add_get("/api/status", self._status)
        app.router.add_get("/api/played", self._list)
        app.router.add_delete("/api/played", self._clear)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening."""
        runner, self._runner = self._runner, None
        if runner is not None:
            self._release.set()
            await runner.cleanup()

    cut = stop
    restore = start

    def snapshot(self) -> dict[str, object]:
        """Return the speaker's state for the control surface."""
        return {
            "kind": self.kind,
            "running": self.running,
            "fault_mode": self.fault_mode,
            "volume": self.volume,
            "playing": self.playing,
            "played": [asdict(item) for item in self.played],
        }

    # -- handlers ----------------------------------------------------------------------------

    def _authorised(self, request: web.Request) -> str | None:
        """Return the user name for valid credentials, else None."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and self.token:
            return "token" if hmac.compare_digest(value.strip(), self.token) else None
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            ok = hmac.compare_digest(user, self.username) and hmac.compare_digest(
                password, self.password
            )
            return user if ok else None
        return None

    def _require_auth(self, request: web.Request) -> str:
        user = self._authorised(request)
        if user is None:
            raise web.HTTPUnauthorized(
                headers={"WWW-Authenticate": 'Basic realm="speaker"'},
                text=json.dumps({"error": "unauthorized"}),
                content_type="application/json",
            )
        return user

    async def _play(self, request: web.Request) -> web.Response:
        user = self._require_auth(request)
        if self.fault_mode == "slow":
            await self._release.wait()
        if self.fault_mode == "error":
            return web.json_response({"error": "amplifier fault"}, status=500)
        if request.content_type in _WAV_TYPES:
            item = self._audio_item(await request.read(), request.query, user)
        elif request.content_type == "application/json":
            item = self._text_item(await _json_body(request), user)
        else:
            raise _bad_request(f"unsupported content type {request.content_type!r}")
        self.played.append(item)
        _LOGGER.info("speaker playing %s #%s (%.1f s)", item.kind, item.id, item.duration)
        return web.json_response({"id": item.id, "duration": item.duration}, status=202)

    def _audio_item(self, body: bytes, query: Any, user: str) -> Played:
        try:
            with wave.open(io.BytesIO(body), "rb") as wav:
                frames, rate, channels = wav.getnframes(), wav.getframerate(), wav.getnchannels()
                measured = _measure(wav.readframes(frames), wav.getsampwidth(), channels, rate)
        except (wave.Error, EOFError) as err:
            raise _bad_request(f"not a WAV file: {err}") from err
        return Played(
            id=len(self.played) + 1,
            kind="audio",
            received_at=time.time(),
            duration=round(frames / rate, 3) if rate else 0.0,
            volume=_volume(query.get("volume"), self.volume),
            priority=str(query.get("priority", "normal")),
            label=query.get("label"),
            size=len(body),
            sample_rate=rate,
            channels=channels,
            user=user,
            rms=measured[0] if measured else None,
            frequency=measured[1] if measured else None,
        )

    def _text_item(self, data: dict[str, Any], user: str) -> Played:
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("text: expected a non-empty string")
        repeat = data.get("repeat", 1)
        if not isinstance(repeat, int) or not 1 <= repeat <= 5:
            raise _bad_request("repeat: expected an integer 1-5")
        return Played(
            id=len(self.played) + 1,
            kind="text",
            received_at=time.time(),
            duration=round(len(text) * _TEXT_SECONDS_PER_CHAR * repeat, 3),
            volume=_volume(data.get("volume"), self.volume),
            priority=str(data.get("priority", "normal")),
            text=text,
            user=user,
        )

    async def _status(self, request: web.Request) -> web.Response:
        self._require_auth(request)
        return web.json_response(
            {
                "model": "SIM-SPK-1",
                "serial": f"SPK{self.port:05d}",
                "firmware": "1.0.0",
                "volume": self.volume,
                "playing": self.playing,
            }
        )

    async def _list(self, request: web.Request) -> web.Response:
        self._require_auth(request)
        return web.json_response([asdict(item) for item in self.played])

    async def _clear(self, request: web.Request) -> web.Response:
        self._require_auth(request)
        self.played.clear()
        return web.json_response({"cleared": True})


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError as err:
        raise _bad_request(f"invalid JSON: {err}") from err
    if not isinstance(data, dict):
        raise _bad_request("expected a JSON object")
    return data


def _volume(value: Any, default: int) -> int:
    if value is None:
        return default
    try:
        volume = int(value)
    except (TypeError, ValueError) as err:
        raise _bad_request("volume: expected an integer 0-100") from err
    if not 0 <= volume <= 100:
        raise _bad_request("volume: expected an integer 0-100")
    return volume


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")
