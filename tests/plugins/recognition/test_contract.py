"""The Recognizer contract, run against every recognizer: onnx_face (local) and compreface.

The compreface recognizer talks HTTP to our CompreFace-API server on 127.0.0.1
(compreface_server.py), which finds faces with the same models; the local one runs them in
its worker pool. Same photos, same expectations.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from aiohttp import web

from hub.recognition import FaceRejected, GalleryEntry, Recognizer, RejectReason
from plugins.recognition.compreface.config import CompreFaceConfig
from plugins.recognition.compreface.recognizer import CompreFaceRecognizer
from plugins.recognition.onnx_face.config import OnnxFaceConfig
from plugins.recognition.onnx_face.models import default_model_set
from plugins.recognition.onnx_face.pipeline import FacePipeline, QualityGates
from plugins.recognition.onnx_face.recognizer import OnnxFaceRecognizer

from .compreface_server import API_KEY, FakeCompreFace
from .helpers import person_photos, require_faces, require_models

PLATFORMS = ["onnx_face", "compreface"]


async def _read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


async def _start_compreface(pipeline: FacePipeline) -> tuple[FakeCompreFace, web.AppRunner, str]:
    fake = FakeCompreFace(pipeline)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return fake, runner, f"http://127.0.0.1:{port}"


def _make(platform: str, url: str | None) -> Recognizer:
    if platform == "onnx_face":
        return OnnxFaceRecognizer(OnnxFaceConfig(workers=1))
    assert url is not None
    return CompreFaceRecognizer(CompreFaceConfig(url=url, api_key=API_KEY))


@pytest.fixture(params=PLATFORMS)
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Recognizer, Recognizer]]:
    """Two recognizers of one platform sharing one backend (a restart, or a second hub)."""
    models = await asyncio.to_thread(require_models)
    await asyncio.to_thread(require_faces)
    runner = url = None
    if request.param == "compreface":
        pipeline = await asyncio.to_thread(FacePipeline, default_model_set(models),
                                           QualityGates())
        _, runner, url = await _start_compreface(pipeline)
    first, second = _make(request.param, url), _make(request.param, url)
    await first.start()
    await second.start()
    yield first, second
    await first.stop()
    await second.stop()
    if runner is not None:
        await runner.cleanup()


@pytest.fixture
def recognizer(pair: tuple[Recognizer, Recognizer]) -> Recognizer:
    """One started recognizer of each platform."""
    return pair[0]


async def _enrol(rec: Recognizer, faces: Path, name: str, n: int = 2) -> list[str]:
    ids = []
    for path in person_photos(faces, name)[:n]:
        ids.append((await rec.add_face(name, await _read(path))).face_id)
    return ids


async def test_enrolled_person_is_recognised_in_another_photo(recognizer, faces):
    """A probe photo's best candidate is the enrolled person, above the allow threshold."""
    await _enrol(recognizer, faces, "Dick_Cheney")
    await _enrol(recognizer, faces, "Norah_Jones")
    probe = await _read(person_photos(faces, "Dick_Cheney")[3])
    found = await recognizer.recognize(probe)
    assert len(found) == 1
    best = found[0].candidates[0]
    assert best.subject == "Dick_Cheney"
    assert best.score >= recognizer.default_thresholds["allow"]
    assert found[0].candidates[1].subject == "Norah_Jones"
    assert found[0].candidates[1].score < best.score


async def test_strangers_stay_below_the_watch_threshold(recognizer, faces):
    """One-off faces never reach the (lower) watch-list threshold against 6 enrolled people."""
    for name in ["Dick_Cheney", "Norah_Jones", "Tom_Hanks", "Britney_Spears", "Trent_Lott",
                 "Mohamed_ElBaradei"]:
        await _enrol(recognizer, faces, name, n=1)
    for path in sorted((faces / "unknown").glob("*.jpg"))[:10]:
        for face in await recognizer.recognize(await _read(path)):
            assert face.candidates[0].score < recognizer.default_thresholds["watch"], path.name


async def test_decoded_frames_and_jpeg_bytes_are_both_accepted(recognizer, faces):
    """A B,G,R array (a camera frame) and encoded bytes give the same faces."""
    path = person_photos(faces, "Dick_Cheney")[0]
    frame = await asyncio.to_thread(cv2.imread, str(path))
    from_array = await recognizer.detect(frame)
    from_bytes = await recognizer.detect(await _read(path))
    assert len(from_array) == len(from_bytes) == 1


async def test_photo_without_a_face_is_rejected_as_no_face(recognizer):
    """Enrolling a photo with no face fails with reason no_face and adds nothing."""
    blank = await asyncio.to_thread(_jpeg, np.full((200, 200, 3), 90, np.uint8))
    with pytest.raises(FaceRejected) as err:
        await recognizer.add_face("nobody", blank)
    assert err.value.reason == RejectReason.NO_FACE
    assert await recognizer.gallery_size() == 0


async def test_photo_with_two_faces_is_rejected_as_two_faces(recognizer, faces):
    """Two similar-sized faces in one enrolment photo are refused."""
    left = await asyncio.to_thread(cv2.imread, str(person_photos(faces, "Tom_Hanks")[0]))
    right = await asyncio.to_thread(cv2.imread, str(person_photos(faces, "Norah_Jones")[0]))
    assert left is not None and right is not None
    both = await asyncio.to_thread(_jpeg, np.hstack([left, right]))
    with pytest.raises(FaceRejected) as err:
        await recognizer.add_face("two", both)
    assert err.value.reason == RejectReason.TWO_FACES


async def test_removed_faces_are_no_longer_matched(recognizer, faces):
    """After remove_faces the person is gone from the candidates and the count drops."""
    ids = await _enrol(recognizer, faces, "Dick_Cheney")
    await _enrol(recognizer, faces, "Norah_Jones", n=1)
    assert await recognizer.gallery_size() == 3
    await recognizer.remove_faces(ids)
    assert await recognizer.gallery_size() == 1
    probe = await _read(person_photos(faces, "Dick_Cheney")[3])
    subjects = [c.subject for f in await recognizer.recognize(probe) for c in f.candidates]
    assert "Dick_Cheney" not in subjects


async def test_gallery_survives_a_restart_through_load_gallery(pair, faces):
    """A second instance given the persisted entries recognises the enrolled person."""
    first, second = pair
    entries = []
    for path in person_photos(faces, "Tom_Hanks")[:2]:
        e = await first.add_face("Tom_Hanks", await _read(path))
        entries.append(GalleryEntry(e.face_id, e.subject, e.embedding))
    await second.load_gallery(entries)
    found = await second.recognize(await _read(person_photos(faces, "Tom_Hanks")[4]))
    assert found[0].candidates[0].subject == "Tom_Hanks"


def _jpeg(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", image)
    assert ok
    return bytes(buf)
