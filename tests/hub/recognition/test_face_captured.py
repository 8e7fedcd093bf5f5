"""`face_captured`: each reported face with its crop and scene, only while someone listens.

A real hub with the onnx_face recognizer and real LFW faces (as test_recognition_flow.py).
"""

from __future__ import annotations

import asyncio

import cv2
import numpy as np
import pytest

from hub.bus import Event
from hub.recognition.retention import run_retention
from hub.recognition.service import FaceService

from ...plugins.recognition.helpers import person_photos

YAML = """
recognition:
  platform: onnx_face
  options: {workers: 1}
"""


@pytest.fixture
async def faces_hub(hub_factory, models_dir, faces):
    harness = await hub_factory(YAML)
    service: FaceService = harness.hub.components["recognition"]
    staff = await service.gallery.create_person("Dick Cheney", "allow", "staff")
    for path in person_photos(faces, "Dick_Cheney")[:2]:
        await service.gallery.enroll(staff.id, await asyncio.to_thread(path.read_bytes))
    return harness, service, staff


def _decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


async def test_known_and_unknown_faces_fire_face_captured_with_crop_and_scene(faces_hub, faces):
    """Crop inside the scene, box in scene pixels, the match for a known face, None else."""
    harness, service, staff = faces_hub
    got: list[Event] = []
    harness.hub.bus.listen("face_captured", got.append)
    known = await asyncio.to_thread(person_photos(faces, "Dick_Cheney")[3].read_bytes)
    unknown = await asyncio.to_thread(person_photos(faces, "Norah_Jones")[0].read_bytes)
    await service.process(known, "camera.gate", gate="main_entrance", ts=1_800_000_000.0)
    await service.process(unknown, "camera.gate")
    assert [e.data["match"] is None for e in got] == [False, True]
    first = got[0].data
    assert first["match"]["person_id"] == staff.id and first["match"]["list"] == "allow"
    assert first["time"] == 1_800_000_000.0 and first["gate"] == "main_entrance"
    scene = _decode(await harness.hub.snapshots.read(first["scene_snapshot_id"]))
    crop = _decode(await harness.hub.snapshots.read(first["crop_snapshot_id"]))
    left, top, right, bottom = first["box"]
    assert 0 <= left < right <= scene.shape[1] and 0 <= top < bottom <= scene.shape[0]
    assert right - left <= crop.shape[1] < scene.shape[1]


async def test_no_listener_no_crop_stored(faces_hub, faces, tmp_path):
    """A hub that sends captures nowhere stores no crops (privacy: minimise)."""
    harness, service, _ = faces_hub
    frame = await asyncio.to_thread(person_photos(faces, "Dick_Cheney")[3].read_bytes)
    await service.process(frame, "camera.gate")
    root = harness.hub.snapshots.root
    kinds = await asyncio.to_thread(lambda: [p.read_text() for p in root.glob("*.json")])
    assert kinds and not any('"face_crop"' in k for k in kinds)


async def test_crops_expire_with_unknown_captures(faces_hub, faces):
    """Crops made for uplinks are deleted by the unknown-capture retention (minimise)."""
    harness, service, _ = faces_hub
    got: list[Event] = []
    harness.hub.bus.listen("face_captured", got.append)
    frame = await asyncio.to_thread(person_photos(faces, "Dick_Cheney")[3].read_bytes)
    await service.process(frame, "camera.gate")
    crop = got[0].data["crop_snapshot_id"]
    assert await harness.hub.snapshots.read(crop) is not None
    await run_retention(harness.hub, service.gallery, 0)
    assert await harness.hub.snapshots.read(crop) is None
    assert await harness.hub.snapshots.read(got[0].data["scene_snapshot_id"]) is not None
