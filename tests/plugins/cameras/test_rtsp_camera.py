"""The rtsp plugin in a running hub: frames (newest wins), snapshots, motion, stream loss."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from hub import ConfigError
from hub.testing.harness import wait_for, wait_for_state
from simulators.onvif_camera import CameraSimulator
from tests.prerequisites import require_gstreamer_rtsp

from .conftest import HubFactory, camera_of, state_of

ENTITY = "camera.yard"


def rtsp_yaml(**options: object) -> str:
    """A site.yaml with one rtsp camera `camera.yard`."""
    lines = "".join(f"    {k}: {v}\n" for k, v in options.items())
    return f"devices:\n  - platform: rtsp\n    name: Yard\n{lines}"


@pytest.fixture
async def sim() -> AsyncIterator[CameraSimulator]:
    """A simulator streaming MJPEG at 10 fps (stream without auth, snapshots with digest)."""
    camera = CameraSimulator(control_port=None, fps=10, width=320, height=240)
    await camera.start()
    yield camera
    await camera.stop()


async def test_frames_newest_wins_and_drops_counted(
    hub_factory: HubFactory, sim: CameraSimulator
) -> None:
    """frames(fps) yields BGR frames no faster than asked; frames nobody took count as dropped."""
    h = await hub_factory(rtsp_yaml(stream_url=sim.ctx.mjpeg_url, timeout=5))
    await wait_for_state(h.hub, ENTITY, "streaming")
    camera = camera_of(h, ENTITY)
    stamps = []
    async for frame in camera.frames(2):
        assert frame.camera == ENTITY and frame.image.shape == (240, 320, 3)
        stamps.append(frame.ts)
        if len(stamps) == 4:
            break
    assert all(b - a >= 0.4 for a, b in itertools.pairwise(stamps))
    attributes = camera.attributes
    assert attributes["frames_dropped"] > 0 and attributes["frames_grabbed"] > 4


async def test_snapshot_only_camera_with_digest(
    hub_factory: HubFactory, sim: CameraSimulator
) -> None:
    """A snapshot_url camera fetches JPEGs with digest auth and offers frames from them."""
    yaml = rtsp_yaml(snapshot_url=sim.ctx.snapshot_url, username="admin", password="admin")
    h = await hub_factory(yaml)
    await wait_for_state(h.hub, ENTITY, "idle")
    [result] = await h.hub.services.call("camera", "snapshot", {"entity_id": ENTITY})
    jpeg = await h.hub.snapshots.read(result["snapshot_id"])
    assert jpeg is not None and jpeg[:2] == b"\xff\xd8"
    frame = await anext(aiter(camera_of(h, ENTITY).frames(5)))
    assert frame.image.shape == (240, 320, 3)


async def test_snapshot_wrong_password_unavailable(
    hub_factory: HubFactory, sim: CameraSimulator
) -> None:
    """A refused snapshot URL leaves the camera unavailable with the HTTP status as reason."""
    yaml = rtsp_yaml(snapshot_url=sim.ctx.snapshot_url, username="admin", password="nope")
    h = await hub_factory(yaml)
    state = state_of(h, ENTITY)
    assert state.state == "unavailable" and "401" in state.attributes["unavailable_reason"]


async def test_stream_loss_and_return(hub_factory: HubFactory, sim: CameraSimulator) -> None:
    """When the stream's device goes down the camera is unavailable; back up, it streams again."""
    h = await hub_factory(rtsp_yaml(stream_url=sim.ctx.mjpeg_url, timeout=1, reconnect_seconds=0.2))
    await wait_for_state(h.hub, ENTITY, "streaming")
    await sim.go_down()
    await wait_for_state(h.hub, ENTITY, "unavailable", timeout=10)
    await sim.come_up()
    await wait_for_state(h.hub, ENTITY, "streaming", timeout=10)


def _write_faces_blocking(folder: Path) -> None:
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.zeros((64, 64, 3), np.uint8))
    cv2.imwrite(str(folder / "b.png"), np.full((64, 64, 3), 255, np.uint8))


async def test_motion_by_frame_differencing(hub_factory: HubFactory, tmp_path: Path) -> None:
    """A picture that changes a lot sets motion and fires rtsp_motion_changed."""
    await asyncio.to_thread(_write_faces_blocking, tmp_path / "faces")
    sim = CameraSimulator(control_port=None, fps=10, faces_dir=tmp_path / "faces", face_seconds=0.5)
    async with sim:
        yaml = rtsp_yaml(stream_url=sim.ctx.mjpeg_url, motion="true", motion_fps=5)
        h = await hub_factory(yaml)
        [event] = await wait_for(lambda: h.of_type("rtsp_motion_changed"), timeout=10)
        assert event.data["motion"] is True and event.data["changed"] > 0.01
        assert state_of(h, ENTITY).attributes["motion"] is True


async def test_config_needs_a_url(hub_factory: HubFactory) -> None:
    """An rtsp camera with neither stream_url nor snapshot_url is a config error naming it."""
    with pytest.raises(ConfigError, match="stream_url, snapshot_url"):
        await hub_factory(rtsp_yaml(motion="true"))


async def test_rtsp_h264_frames(hub_factory: HubFactory) -> None:
    """An RTSP H.264 stream from the simulator's GStreamer server is read frame by frame."""
    require_gstreamer_rtsp()
    async with CameraSimulator(control_port=None, rtsp=True, width=320, height=240) as sim:
        h = await hub_factory(rtsp_yaml(stream_url=sim.ctx.rtsp_url, timeout=10))
        await wait_for_state(h.hub, ENTITY, "streaming", timeout=20)
        frame = await anext(aiter(camera_of(h, ENTITY).frames(5)))
        assert frame.image.shape == (240, 320, 3)
