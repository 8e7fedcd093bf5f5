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

from hub.hubkey import RECOGNITION
from hub.recognition import DetectedFace, FaceRejected, RejectReason, TrackingRecognizer
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


def test_a_walker_is_still_one_track_when_the_hub_drops_frames():
    """A walker crossing at 200 px/s is seen at 10 fps for three frames, then the hub falls
    behind and sees only every 4th frame (80 px jumps, more than the 75 px face): the track
    follows the face at its measured speed, so the walker is decided once, not once per
    sighting."""
    tracker = FaceTracker(decide_after=5, best_k=2, max_gap=0.6)
    times = [0.0, 0.1, 0.2, 0.6, 1.0, 1.4, 1.8, 2.2]
    decided = []
    for now in [*times, 3.0]:
        faces = [_face(20 + 200 * now, 150, size=75)] if now <= 2.2 else []
        decided += tracker.update(faces, b"frame", now)
    assert [(t.id, t.frames) for t in decided] == [(1, len(times))]


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


def test_the_tracker_says_what_it_kept_displaced_and_when_a_decision_is_near():
    """What FaceService embeds ahead of a decision: each update names the sightings it kept
    and the earlier ones it displaced (their work is dropped); a sighting that completes a
    track is not kept for later (its decision embeds it now). `near_decision` is true when
    the next usable sighting decides a track, so that frame goes first in the workers."""
    tracker = FaceTracker(decide_after=5, best_k=2)
    sizes_blurs = [(60, 50), (100, 300), (70, 80), (110, 40), (104, 250)]
    seen = []
    for i, (size, blur) in enumerate(sizes_blurs):
        near = tracker.near_decision()
        tracker.update([_face(100 + 4 * i, 100, size, blur)], f"f{i}".encode(), i * 0.1)
        seen.append((near, [s.image for s in tracker.kept], [s.image for s in tracker.dropped]))
    assert seen == [(False, [b"f0"], []), (False, [b"f1"], []), (False, [b"f2"], [b"f0"]),
                    (False, [b"f3"], [b"f2"]), (True, [], [b"f3"])]
    assert not tracker.near_decision()  # decided


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
    service: FaceService = harness.hub.components[RECOGNITION]
    staff = await service.gallery.create_person("Dick Cheney", "allow", "staff")
    for path in person_photos(faces, "Dick_Cheney")[:2]:
        await service.gallery.enroll(staff.id, await asyncio.to_thread(path.read_bytes))
    return harness, service


async def test_each_walker_is_one_event_even_with_cooldowns_off(tracked, faces):
    """A staff member and a stranger walk past together for 10 frames: exactly one
    face_recognized and one face_unknown, each decided from its kept faces and the frames
    they were seen in; frame-by-frame processing of the same frames fires an event per
    frame."""
    harness, service = tracked
    cheney = _read(person_photos(faces, "Dick_Cheney")[3])
    stranger = _read(sorted((faces / "unknown").glob("*.jpg"))[0])
    frames = _frames([cheney, stranger], [40, 280], 10) + _frames([], [], 8)
    recognizer = service.recognizer
    assert isinstance(recognizer, TrackingRecognizer)
    embed_faces, handed, urgency = recognizer.embed_faces, [], []

    async def embed_from_frames(kept, images=None, urgent=True):  # the real call, noted
        handed.append([any(image is frame for frame in frames) for image in images or []])
        urgency.append(urgent)
        return await embed_faces(kept, images, urgent)

    recognizer.embed_faces = embed_from_frames  # type: ignore[method-assign]
    decisions = []
    for i, frame in enumerate(frames):
        decisions += await service.process_stream(frame, "camera.gate", "main", 100 + i * 0.1)
    await service.reports_done()
    # each decision's two kept faces went with the frames they were seen in (refined there)
    assert handed == [[True, True], [True, True]] and urgency == [True, True]
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
    """Walking past, leaving for a second and coming back gives two decisions. With
    `tracking.embed_ahead` each kept face is embedded when it is kept (not urgently), so
    each decision embeds at most its newest face itself."""
    harness, service = tracked
    service.config.tracking.embed_ahead = True
    recognizer = service.recognizer
    assert isinstance(recognizer, TrackingRecognizer)
    embed_faces, urgency = recognizer.embed_faces, []

    async def noted(kept, images=None, urgent=True):  # the real call, its urgency noted
        urgency.append(urgent)
        return await embed_faces(kept, images, urgent)

    recognizer.embed_faces = noted  # type: ignore[method-assign]
    cheney = _read(person_photos(faces, "Dick_Cheney")[4])
    walk = _frames([cheney], [150], 5)
    empty = _frames([], [], 10)
    ts = 0.0
    for frame in [*walk, *empty, *walk, *empty]:
        await service.process_stream(frame, "camera.gate", None, ts)
        ts += 0.1
    await service.reports_done()
    assert len(harness.of_type("face_recognized")) == 2
    assert urgency.count(True) <= 2 and urgency.count(False) >= 4


async def test_a_one_fps_camera_still_follows_a_face(tracked, faces):
    """On a 1 fps camera (the guard room's) frames are 1 s apart, longer than max_gap: the
    gap follows the frame rate, so a face seen in 4 frames is still one decision."""
    harness, service = tracked
    frames = _frames([_read(person_photos(faces, "Dick_Cheney")[3])], [150], 1) * 4
    for i, frame in enumerate(frames):
        await service.process_stream(frame, "camera.guard_room", None, 50.0 + i, fps=1.0)
    await service.reports_done()
    assert len(harness.of_type("face_recognized")) == 1


async def test_a_hub_that_drops_frames_still_follows_a_face(tracked, faces):
    """A 10 fps camera of which a busy hub processes only one frame in eight (0.8 s apart,
    longer than max_gap): the gap follows the frames actually processed, so a face seen
    in 5 of them is one decision, and the 28 frames never processed are counted."""
    harness, service = tracked
    frames = _frames([_read(person_photos(faces, "Dick_Cheney")[3])], [150], 1) * 5
    for i, frame in enumerate(frames):
        await service.process_stream(frame, "camera.gate", None, 70.0 + 0.8 * i, fps=10)
    await service.process_stream(_frames([], [], 1)[0], "camera.gate", None, 78.0, fps=10)
    await service.reports_done()
    assert len(harness.of_type("face_recognized")) == 1
    assert service.frames_skipped == 4 * 7 + 47  # and 4.8 s to the empty frame


async def test_a_slow_snapshot_store_does_not_delay_the_decision(tracked, faces):
    """With the snapshot store taking 1 s per write (a failing SD card), the frame that
    completes a walker's evidence still returns its decision at once; the capture and the
    face_recognized event follow when the store is done. Skipped frames are counted."""
    harness, service = tracked
    store = harness.hub.snapshots
    real_save = store.save

    async def slow_save(data, camera, **kw):
        await asyncio.sleep(1.0)
        return await real_save(data, camera, **kw)

    store.save = slow_save
    frames = _frames([_read(person_photos(faces, "Dick_Cheney")[3])], [150], 4)
    loop = asyncio.get_running_loop()
    decided_in = []
    for i, frame in enumerate(frames):
        started = loop.time()
        if await service.process_stream(frame, "camera.gate", None, 10 + i * 0.2, fps=10):
            decided_in.append(loop.time() - started)
    assert len(decided_in) == 1 and decided_in[0] < 0.8
    assert harness.of_type("face_recognized") == []
    await service.reports_done()
    assert len(harness.of_type("face_recognized")) == 1
    assert service.frames_skipped == 3  # every other frame of the 10 fps stream


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
