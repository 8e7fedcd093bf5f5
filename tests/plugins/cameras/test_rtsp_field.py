"""RTSP cameras of other vendors (issue 10.12): transport, refusals, quiet FFmpeg, snapshot auth.

Streams come from the simulator's GStreamer RTSP server (/usr/bin/python3 with python3-gi);
without it these tests skip, and fail under CI=true.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

from hub.testing.harness import wait_for, wait_for_state
from plugins.cameras.rtsp.camera import RtspCamera
from plugins.cameras.rtsp.rtsp_probe import describe_blocking
from simulators.onvif_camera import CameraSimulator

from .conftest import HubFactory, camera_of, state_of


def _require_gstreamer() -> None:
    check = "import gi; gi.require_version('GstRtspServer', '1.0')"
    if subprocess.run(["/usr/bin/python3", "-c", check], capture_output=True).returncode == 0:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("no GStreamer RTSP server for /usr/bin/python3 (python3-gi)")
    pytest.skip("no GStreamer RTSP server for /usr/bin/python3 (python3-gi)")


def cameras_yaml(*cameras: dict[str, object]) -> str:
    """A site.yaml with these rtsp cameras."""
    text = "devices:\n"
    for camera in cameras:
        text += "  - platform: rtsp\n" + "".join(f"    {k}: {v}\n" for k, v in camera.items())
    return text


@pytest.fixture
async def rtsp_sim(request: pytest.FixtureRequest) -> AsyncIterator[CameraSimulator]:
    """An RTSP camera; `@pytest.mark.parametrize("rtsp_sim", [{...}], indirect=True)` switches."""
    _require_gstreamer()
    switches = getattr(request, "param", {})
    sim = CameraSimulator(control_port=None, rtsp=True, width=160, height=120, **switches)
    async with sim:
        assert sim.ctx.rtsp_url, "the RTSP server did not start"
        yield sim


def _with_user(url: str, credentials: str) -> str:
    return url.replace("rtsp://", f"rtsp://{credentials}@")


@pytest.mark.parametrize("rtsp_sim", [{"rtsp_transports": "udp"}], indirect=True)
async def test_transport_is_configurable_and_tcp_by_default(
    hub_factory: HubFactory, rtsp_sim: CameraSimulator
) -> None:
    """A camera that only streams over UDP: the default (tcp) gets no frames, udp does."""
    url = rtsp_sim.ctx.rtsp_url
    h = await hub_factory(cameras_yaml(
        {"name": "Default", "stream_url": url, "timeout": 3, "reconnect_seconds": 0.5},
        {"name": "Over UDP", "stream_url": url, "timeout": 3, "rtsp_transport": "udp"},
    ))  # fmt: skip
    await wait_for_state(h.hub, "camera.over_udp", "streaming", timeout=20)
    frame = await anext(aiter(camera_of(h, "camera.over_udp").frames(5)))
    assert frame.image.shape == (120, 160, 3)
    assert state_of(h, "camera.default").state == "unavailable"


@pytest.mark.parametrize("rtsp_sim", [{"stream_auth": "basic"}], indirect=True)
async def test_401_and_404_in_the_state_logged_once_with_backoff(
    hub_factory: HubFactory, rtsp_sim: CameraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Wrong password, wrong path: the state says which, one log line each, retries back off."""
    url = rtsp_sim.ctx.rtsp_url
    assert url is not None
    common: dict[str, object] = {"timeout": 2, "reconnect_seconds": 0.2}
    with caplog.at_level(logging.INFO):
        h = await hub_factory(cameras_yaml(
            {"name": "Wrong password", "stream_url": _with_user(url, "admin:nope"), **common},
            {"name": "Wrong path", "stream_url": _with_user(url, "admin:admin") + "x", **common},
        ))  # fmt: skip
        refused = await wait_for(lambda: (s := h.hub.states.get("camera.wrong_password")) and
                                 "401" in s.attributes.get("unavailable_reason", "") and s)
        missing = await wait_for(lambda: (s := h.hub.states.get("camera.wrong_path")) and
                                 "404" in s.attributes.get("unavailable_reason", "") and s)
        await asyncio.sleep(3)
    assert refused.attributes["unavailable_reason"] == (
        "RTSP 401 Unauthorized (check username and password)"
    )
    assert missing.attributes["unavailable_reason"].startswith("RTSP 404 Not Found")
    lines = [r.getMessage() for r in caplog.records if "RTSP 40" in r.getMessage()]
    assert len([x for x in lines if "401" in x]) == 1 and len([x for x in lines if "404" in x]) == 1
    assert not any("nope" in r.getMessage() for r in caplog.records)
    camera = h.hub.entities["camera.wrong_password"]
    assert isinstance(camera, RtspCamera) and camera.grabber is not None
    # 0.2 s doubling: about 5 attempts in 4-5 s (25 without backoff)
    assert 2 <= camera.grabber.failures <= 7


QUIET_SCRIPT = """
import asyncio, sys
from plugins.cameras.rtsp.api import FrameGrabber

async def main():
    grabber = FrameGrabber(sys.argv[1], name="quiet", reconnect_seconds=0.1,
                           reconnect_max_seconds=0.1, timeout_ms=2000)
    grabber.start()
    await asyncio.sleep(2.5)
    await grabber.stop()
    print(grabber.failures, grabber.error)

asyncio.run(main())
"""


@pytest.mark.parametrize("rtsp_sim", [{"stream_auth": "basic"}], indirect=True)
async def test_ffmpeg_does_not_flood_stderr(rtsp_sim: CameraSimulator) -> None:
    """Retrying a refused stream many times writes nothing of FFmpeg's or OpenCV's to stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", QUIET_SCRIPT, str(rtsp_sim.ctx.rtsp_url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    failures, _, error = out.decode().strip().partition(" ")
    assert proc.returncode == 0 and int(failures) >= 5 and error.startswith("RTSP 401")
    assert "[rtsp @" not in err.decode() and "WARN" not in err.decode(), err.decode()[-500:]


async def test_snapshot_only_camera_answers_a_basic_challenge(hub_factory: HubFactory) -> None:
    """snapshot_auth defaults to auto, like onvif: a camera that asks for basic gets basic."""
    async with CameraSimulator(control_port=None, snapshot_auth="basic") as sim:
        h = await hub_factory(cameras_yaml({
            "name": "Snap", "snapshot_url": sim.ctx.snapshot_url, "username": "admin",
            "password": "admin",
        }))  # fmt: skip
        await wait_for_state(h.hub, "camera.snap", "idle")
        [result] = await h.hub.services.call("camera", "snapshot", {"entity_id": "camera.snap"})
        assert result["snapshot_id"]


@pytest.mark.parametrize("rtsp_sim", [{"stream_auth": "digest"}], indirect=True)
async def test_digest_server_streams_and_names_a_wrong_password(
    hub_factory: HubFactory, rtsp_sim: CameraSimulator
) -> None:
    """An RTSP server asking for Digest: right credentials stream, wrong ones read 401."""
    url = rtsp_sim.ctx.rtsp_url
    assert url is not None
    answer = await asyncio.to_thread(describe_blocking, _with_user(url, "admin:admin"), 3)
    assert answer.status == 200  # the DESCRIBE answered the Digest challenge
    h = await hub_factory(cameras_yaml(
        {"name": "Right", "stream_url": url, "username": "admin", "password": "admin",
         "timeout": 5},
        {"name": "Wrong", "stream_url": _with_user(url, "admin:nope"), "timeout": 2},
    ))  # fmt: skip
    await wait_for_state(h.hub, "camera.right", "streaming", timeout=20)
    await wait_for(lambda: "401" in state_of(h, "camera.wrong").attributes.get(
        "unavailable_reason", ""))  # fmt: skip
