"""Snapshot auth, MJPEG, switchable faults and cut/restore of the simulated camera."""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import cv2
import numpy as np
import pytest
from onvif import ONVIFCamera
from onvif.exceptions import ONVIFError

from simulators.onvif_camera import CameraSimulator, Fault

from .conftest import fault_subcode, soap


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(user, password)}


async def test_snapshot_needs_digest_auth(camera: CameraSimulator) -> None:
    """The snapshot URI answers 401 with a Digest challenge, then a JPEG to digest auth."""
    url = camera.ctx.snapshot_url
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:
            assert resp.status == 401
            assert resp.headers["WWW-Authenticate"].startswith("Digest ")
        async with session.get(url, headers=_basic("admin", "admin")) as resp:
            assert resp.status == 401
        digest = aiohttp.DigestAuthMiddleware("admin", "admin")
        async with session.get(url, middlewares=(digest,)) as resp:
            assert resp.status == 200 and resp.content_type == "image/jpeg"
            image = cv2.imdecode(np.frombuffer(await resp.read(), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape == (360, 640, 3)


async def test_snapshot_basic_auth_mode() -> None:
    """With snapshot_auth=basic a Basic Authorization header is accepted, a wrong one is not."""
    sim = CameraSimulator(snapshot_auth="basic", control_port=None)
    async with sim, aiohttp.ClientSession() as session:
        async with session.get(sim.ctx.snapshot_url, headers=_basic("admin", "no")) as resp:
            assert resp.status == 401
        async with session.get(sim.ctx.snapshot_url, headers=_basic("admin", "admin")) as resp:
            assert resp.status == 200


async def test_mjpeg_stream_sends_successive_frames(camera: CameraSimulator) -> None:
    """The MJPEG stream is multipart JPEG frames that change over time."""
    async with aiohttp.ClientSession() as session, session.get(camera.ctx.mjpeg_url) as resp:
        assert resp.content_type == "multipart/x-mixed-replace"
        reader = aiohttp.MultipartReader.from_response(resp)
        frames = []
        for _ in range(2):
            part = await reader.next()
            assert isinstance(part, aiohttp.BodyPartReader)
            frames.append(await part.read())
    assert frames[0][:2] == b"\xff\xd8" and frames[0] != frames[1]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.MALFORMED, None),
        (Fault.SOAP_FAULT, "ter:Action"),
        (Fault.BAD_AUTH, "ter:NotAuthorized"),
    ],
)
async def test_faults_switch_on_and_off(
    camera: CameraSimulator, fault: Fault, expected: str | None
) -> None:
    """Each fault breaks GetDeviceInformation the way it says, and clears with Fault.NONE."""
    camera.set_fault(fault)
    if fault is Fault.MALFORMED:
        with pytest.raises(Exception):  # noqa: B017  any parse error: the body is not XML
            await soap(camera.device_url, "<tds:GetDeviceInformation/>")
    else:
        _, body = await soap(camera.device_url, "<tds:GetDeviceInformation/>")
        assert fault_subcode(body) == expected
    camera.set_fault(Fault.NONE)
    _, body = await soap(camera.device_url, "<tds:GetDeviceInformation/>")
    assert fault_subcode(body) is None


async def test_timeout_fault_never_answers(camera: CameraSimulator) -> None:
    """With the timeout fault the request hangs until the client gives up."""
    camera.set_fault(Fault.TIMEOUT)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await soap(camera.device_url, "<tds:GetDeviceInformation/>")


async def test_down_then_up_keeps_port_and_drops_subscriptions(camera: CameraSimulator) -> None:
    """A cut device refuses connections; restored, it answers on the same port, no subscriptions."""
    port = camera.port
    camera.ctx.events.subscribe(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    await camera.go_down()
    assert camera.down and camera.ctx.events.subscriptions == {}
    cam = ONVIFCamera("127.0.0.1", port, "admin", "admin", no_cache=True)
    try:
        with pytest.raises((ONVIFError, aiohttp.ClientError)):
            await cam.update_xaddrs()
        await camera.come_up()
        assert camera.port == port
        await cam.update_xaddrs()
        assert cam.xaddrs
    finally:
        await cam.close()
