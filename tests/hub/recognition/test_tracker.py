"""One person walking past a gate camera is one track and one event (issue 16).

The tracker's rules on plain detections, then walkers made of real LFW faces moving across
640x480 frames through a real hub's recognition (onnx_face models), with cooldowns off so
that only the tracking can merge a walker's frames.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import numpy as np
import pytest

from hub.recognition import DetectedFace, FaceRejected, RejectReason
from hub.recognition.service import FaceService
from hub.recognition.tracker import FaceTracker, face_quality

from ...plugins.recognition.helpers import person_photos


def _face(x: float, y: float, size: float = 80, blur: float = 200,
          rejected: RejectReason | None = None) -> DetectedFace:
    return DetectedFace((x, y, x + size, y + size), 0.99, rejected, blur, (0.0, 0.0, 0.0))


def test_two_walkers_crossing_the_frame_are_two_tracks_decided_once_each():
    """Two faces walking towards each other keep their own tracks; each is decided once,
    after three usable sightings, and never again while still in view."""
    tracker = FaceTracker(decide_after=3, best_k=2, max_gap=0.5)
    decided: list[int] = []
    for step in range(20):
        now = step * 0.1
        faces = [_face(20 + 25 * step, 100), _face(540 - 25 * step, 110)]
        decided += [t.id for t in tracker.update(faces, b"frame", now)]
    assert sorted(decided) == [1, 2]
    assert [t.frames for t in tracker.tracks] == [20, 20]


def test_a_track_seen_once_is_decided_when_the_person_leaves():
    """A face seen in one usable frame is decided when its track ends (max_gap later);
    a track that never had a usable face is dropped without a decision."""
    tracker = FaceTracker(decide_after=3, max_gap=0.5)
    assert tracker.update([_face(100, 100), _face(400, 100, rejected=RejectReason.TOO_SMALL)],
                          b"f", 0.0) == []
    assert tracker.update([], b"f", 0.3) == []
    [ended] = tracker.update([], b"f", 0.7)
    assert ended.usable == 1 and ended.frames == 1
    assert tracker.tracks == []


def test_the_best_sightings_are_kept_by_size_sharpness_and_pose():
    """Of five sightings the two largest and sharpest are kept, best first."""
    tracker = FaceTracker(decide_after=5, best_k=2)
    sizes_blurs = [(60, 50), (100, 300), (70, 80), (110, 40), (104, 250)]
    ready = []
    for i, (size, blur) in enumerate(sizes_blurs):
        ready = tracker.update([_face(100 + 4 * i, 100, size, blur)], f"frame{i}".encode(),
                               i * 0.1)
    [track] = ready
    assert [s.image for s in track.best_sightings()] == [b"frame4", b"frame1"]
    frontal = face_quality(_face(0, 0, 100, 200))
    turned = face_quality(DetectedFace((0, 0, 100, 100), 0.9, None, 200, (40.0, 0.0, 0.0)))
    assert frontal > turned > 0


YAML = """
recorder: {commit_interval: 0.05}
recognition:
  platform: onnx_face
  options: {workers: 1}
  cooldown: 0
  unknown_cooldown: 0
"""


def _read(path: Path) -> np.ndarray:
    image = cv2.imread(str(path))
    assert image is not None, path
    return np.asarray(image, np.uint8)


def _frames(photos: list[np.ndarray], rows: list[int], steps: int) -> list[np.ndarray]:
    """Frames of walkers: each photo (140 px) moves 30 px a frame along its row."""
    out = []
    for step in range(steps):
        frame = np.full((480, 640, 3), 110, np.uint8)
        for k, (photo, row) in enumerate(zip(photos, rows, strict=True)):
            x = 20 + 30 * step if k % 2 == 0 else 480 - 30 * step
            frame[row : row + 140, x : x + 140] = cv2.resize(photo, (140, 140))
        out.append(frame)
    return out


@pytest.fixture
async def tracked(hub_factory, models_dir, faces):
    """A hub with Dick Cheney on the allow list (two photos) and cooldowns off."""
    harness = await hub_factory(YAML)
    service: FaceService = harness.hub.components["recognition"]
    staff = await service.gallery.create_person("Dick Cheney", "allow", "staff")
    for path in person_photos(faces, "Dick_Cheney")[:2]:
        await service.gallery.enroll(staff.id, await asyncio.to_thread(path.read_bytes))
    return harness, service


async def test_each_walker_is_one_event_even_with_cooldowns_off(tracked, faces):
    """A staff member and a stranger walk past together for 10 frames: exactly one
    face_recognized and one face_unknown; frame-by-frame processing of the same frames
    fires an event per frame."""
    harness, service = tracked
    cheney = _read(person_photos(faces, "Dick_Cheney")[3])
    stranger = _read(sorted((faces / "unknown").glob("*.jpg"))[0])
    frames = _frames([cheney, stranger], [40, 280], 10) + _frames([], [], 8)
    decisions = []
    for i, frame in enumerate(frames):
        decisions += await service.process_stream(frame, "camera.gate", "main", 100 + i * 0.1)
    assert sorted(d.kind for d in decisions) == ["allow", "unknown"]
    assert len(harness.of_type("face_recognized")) == 1
    assert len(harness.of_type("face_unknown")) == 1
    assert service.tracks_decided == 2
    assert service.matcher.thresholds.explain()["allow"] == {
        "threshold": 0.55, "faces": 2, "rule": "target 0.001 per search"}
    for frame in frames[:3]:
        await service.process(frame, "camera.yard", None, 200.0)
    assert len(harness.of_type("face_recognized")) == 4  # 1 tracked + 3 frame by frame


async def test_a_person_who_comes_back_is_a_new_track(tracked, faces):
    """Walking past, leaving for a second and coming back gives two decisions."""
    harness, service = tracked
    cheney = _read(person_photos(faces, "Dick_Cheney")[4])
    walk = _frames([cheney], [150], 5)
    empty = _frames([], [], 10)
    ts = 0.0
    for frame in [*walk, *empty, *walk, *empty]:
        await service.process_stream(frame, "camera.gate", None, ts)
        ts += 0.1
    assert len(harness.of_type("face_recognized")) == 2


async def test_a_one_fps_camera_still_follows_a_face(tracked, faces):
    """On a 1 fps camera (the guard room's) frames are 1 s apart, longer than max_gap: the
    gap follows the frame rate, so a face seen in 4 frames is still one decision."""
    harness, service = tracked
    frames = _frames([_read(person_photos(faces, "Dick_Cheney")[3])], [150], 1) * 4
    for i, frame in enumerate(frames):
        await service.process_stream(frame, "camera.guard_room", None, 50.0 + i, fps=1.0)
    assert len(harness.of_type("face_recognized")) == 1


async def test_a_tilted_face_is_matched_but_not_enrolled(tracked, faces):
    """A face tilted past the enrolment limit (pitch 41 > 40) is still matched at the gate
    (pose gates are off for matching) but refused as an enrolment photo."""
    _harness, service = tracked
    folder = faces / "known" / "Bill_McBride"
    person = await service.gallery.create_person("Bill McBride", "allow", "staff")
    await service.gallery.enroll(person.id, await asyncio.to_thread(
        (folder / "Bill_McBride_0001.jpg").read_bytes))
    tilted = await asyncio.to_thread((folder / "Bill_McBride_0002.jpg").read_bytes)
    decisions = await service.process(tilted, "camera.gate")
    assert [d.person.name for d in decisions if d.person] == ["Bill McBride"]
    with pytest.raises(FaceRejected, match="bad_pose"):
        await service.gallery.enroll(person.id, tilted)
