"""The simulated IP speaker: auth, WAV and text play requests, the played log, faults."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator

import aiohttp
import pytest


def make_wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """Return a silent mono 16-bit WAV."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


BEARER = {"Authorization": "Bearer tok"}


async def test_wav_is_played_and_recorded(speaker, session):
    """A WAV body is accepted (202) and recorded with its duration and format."""
    async with session.post(
        f"{speaker.url}/api/play?label=drill&volume=90",
        data=make_wav(0.5),
        headers={**BEARER, "Content-Type": "audio/wav"},
    ) as resp:
        assert resp.status == 202
        assert (await resp.json())["duration"] == 0.5
    item = speaker.played[0]
    assert (item.kind, item.label, item.volume, item.sample_rate) == ("audio", "drill", 90, 8000)


async def test_text_with_basic_auth(speaker, session):
    """A JSON text request with basic auth is recorded with its text and user."""
    auth = {"Authorization": aiohttp.encode_basic_auth("admin", "speaker")}
    async with session.post(
        f"{speaker.url}/api/play", json={"text": "Gate closing"}, headers=auth
    ) as resp:
        assert resp.status == 202
    async with session.get(f"{speaker.url}/api/played", headers=auth) as resp:
        played = await resp.json()
    assert [(p["kind"], p["text"], p["user"]) for p in played] == [
        ("text", "Gate closing", "admin")
    ]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic !!"}]
)
async def test_bad_auth_is_refused(speaker, session, headers):
    """Missing or wrong credentials get 401 and nothing is played."""
    async with session.post(f"{speaker.url}/api/play", json={"text": "x"}, headers=headers) as resp:
        assert resp.status == 401
    assert speaker.played == []


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"not a wav", "audio/wav", "not a WAV"),
        (b'{"text": ""}', "application/json", "text"),
        (b'{"text": "x", "volume": 101}', "application/json", "volume"),
        (b"[1]", "application/json", "JSON object"),
        (b"hello", "text/plain", "content type"),
    ],
)
async def test_bad_bodies_are_refused(speaker, session, body, content_type, message):
    """A malformed body gets 400 naming the problem."""
    headers = {**BEARER, "Content-Type": content_type}
    async with session.post(f"{speaker.url}/api/play", data=body, headers=headers) as resp:
        assert resp.status == 400
        assert message in (await resp.json())["error"]


async def test_error_fault_and_restart_on_same_port(speaker, session):
    """The error fault answers 500; cut and restore keep the port and the log."""
    speaker.set_fault("error")
    async with session.post(f"{speaker.url}/api/play", json={"text": "x"}, headers=BEARER) as r:
        assert r.status == 500
    speaker.set_fault("none")
    port = speaker.port
    await speaker.cut()
    with pytest.raises(aiohttp.ClientConnectionError):
        await session.get(f"{speaker.url}/api/status", headers=BEARER)
    await speaker.restore()
    assert speaker.port == port
    async with session.get(f"{speaker.url}/api/status", headers=BEARER) as resp:
        assert (await resp.json())["model"] == "SIM-SPK-1"
