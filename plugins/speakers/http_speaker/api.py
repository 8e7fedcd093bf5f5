"""Client for HTTP IP speakers (the simulated SIM-SPK-1 API): play WAV audio or text.

No hub imports. ``POST /api/play`` with an ``audio/wav`` body or JSON ``{"text": ...}``;
``GET /api/status``. Auth: bearer token or HTTP Basic. The aiohttp session is injected.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "PlayResult",
    "SpeakerAuthError",
    "SpeakerClient",
    "SpeakerConnectionError",
    "SpeakerError",
]


class SpeakerError(Exception):
    """The speaker refused or failed a request."""


class SpeakerConnectionError(SpeakerError):
    """The speaker could not be reached or did not answer in time."""


class SpeakerAuthError(SpeakerError):
    """The speaker refused the credentials."""


@dataclass(frozen=True, slots=True)
class PlayResult:
    """The speaker's answer to a play request."""

    id: int
    duration: float


class SpeakerClient:
    """One speaker: base URL, credentials and a timeout per request."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._headers: dict[str, str] = {}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        elif username is not None:
            self._headers["Authorization"] = aiohttp.encode_basic_auth(username, password or "")

    async def _request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> Any:
        headers = dict(self._headers)
        if content_type:
            headers["Content-Type"] = content_type
        try:
            async with asyncio.timeout(self.timeout):
                async with self.session.request(
                    method, self.url + path, data=data, json=json, params=params, headers=headers
                ) as resp:
                    body = await resp.json(content_type=None)
                    status = resp.status
        except TimeoutError as err:
            raise SpeakerConnectionError(f"{self.url}: no answer in {self.timeout} s") from err
        except aiohttp.ClientError as err:
            raise SpeakerConnectionError(f"{self.url}: {err}") from err
        except ValueError as err:
            raise SpeakerError(f"{self.url}{path}: answer is not JSON") from err
        if status == 401:
            raise SpeakerAuthError(f"{self.url}: credentials refused")
        if status >= 400:
            error = body.get("error") if isinstance(body, dict) else body
            raise SpeakerError(f"{self.url}{path}: HTTP {status}: {error}")
        return body

    async def status(self) -> dict[str, Any]:
        """Return the speaker's status (model, serial, firmware, volume, playing)."""
        body = await self._request("GET", "/api/status")
        if not isinstance(body, dict):
            raise SpeakerError(f"{self.url}/api/status: expected an object")
        return body

    async def play_wav(
        self, wav: bytes, *, volume: int = 80, label: str | None = None, priority: str = "normal"
    ) -> PlayResult:
        """Send a WAV file to play."""
        params = {"volume": str(volume), "priority": priority}
        if label:
            params["label"] = label
        body = await self._request(
            "POST", "/api/play", data=wav, params=params, content_type="audio/wav"
        )
        return _result(body)

    async def play_text(
        self, text: str, *, volume: int = 80, repeat: int = 1, priority: str = "normal"
    ) -> PlayResult:
        """Ask the speaker to speak `text` with its own voice."""
        payload = {"text": text, "volume": volume, "repeat": repeat, "priority": priority}
        return _result(await self._request("POST", "/api/play", json=payload))


def _result(body: Any) -> PlayResult:
    try:
        return PlayResult(id=int(body["id"]), duration=float(body["duration"]))
    except (KeyError, TypeError, ValueError) as err:
        raise SpeakerError(f"unexpected play answer: {body!r}") from err
