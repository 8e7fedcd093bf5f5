"""The compreface client against our CompreFace-API server: auth, faults, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import cv2
import numpy as np
import pytest
from aiohttp import web

from plugins.recognition.compreface.api import CompreFaceClient, CompreFaceError
from plugins.recognition.onnx_face.models import default_model_set
from plugins.recognition.onnx_face.pipeline import FacePipeline, QualityGates

from ..compreface_server import API_KEY, FakeCompreFace
from ..helpers import person_photos, require_models


@pytest.fixture
async def server() -> AsyncIterator[tuple[FakeCompreFace, str]]:
    """Our CompreFace-API server on 127.0.0.1 (real models behind it)."""
    models = await asyncio.to_thread(require_models)
    pipeline = await asyncio.to_thread(FacePipeline, default_model_set(models), QualityGates())
    fake = FakeCompreFace(pipeline)
    app = fake.app()
    gate = asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        await gate.wait()
        return web.json_response({})

    app.router.add_post("/slow/api/v1/recognition/recognize", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield fake, f"http://127.0.0.1:{runner.addresses[0][1]}"
    gate.set()
    await runner.cleanup()


async def test_wrong_api_key_is_an_error_naming_the_header(server, faces):
    """A refused key surfaces as CompreFaceError with the service's message and status."""
    _, url = server
    photo = await asyncio.to_thread(person_photos(faces, "Tom_Hanks")[0].read_bytes)
    async with aiohttp.ClientSession() as session:
        client = CompreFaceClient(session, url, "wrong-key")
        with pytest.raises(CompreFaceError, match="x-api-key") as err:
            await client.recognize(photo)
    assert err.value.status == 401


async def test_server_fault_is_an_error_and_the_next_call_works(server, faces):
    """A 500 from the service is reported; the client keeps working afterwards."""
    fake, url = server
    photo = await asyncio.to_thread(person_photos(faces, "Tom_Hanks")[0].read_bytes)
    fake.fail_next = 1
    async with aiohttp.ClientSession() as session:
        client = CompreFaceClient(session, url, API_KEY)
        with pytest.raises(CompreFaceError) as err:
            await client.recognize(photo)
        assert err.value.status == 500
        assert len(await client.recognize(photo)) == 1


async def test_no_face_answer_is_an_empty_result(server):
    """CompreFace's code 28 (no face) on recognize means no faces, not an error."""
    _, url = server
    blank = np.full((120, 120, 3), 80, np.uint8)
    ok, buf = cv2.imencode(".jpg", blank)
    assert ok
    async with aiohttp.ClientSession() as session:
        client = CompreFaceClient(session, url, API_KEY)
        assert await client.recognize(bytes(buf)) == []


async def test_a_service_that_does_not_answer_times_out(server, faces):
    """Every call has a timeout: a hung service raises CompreFaceError within it."""
    _, url = server
    photo = await asyncio.to_thread(person_photos(faces, "Tom_Hanks")[0].read_bytes)
    async with aiohttp.ClientSession() as session:
        client = CompreFaceClient(session, url + "/slow", API_KEY, timeout=0.3)
        started = asyncio.get_running_loop().time()
        with pytest.raises(CompreFaceError):
            await client.recognize(photo)
        assert asyncio.get_running_loop().time() - started < 2
