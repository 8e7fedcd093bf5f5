"""The running recognition component: frames in, events and incidents out (issue 6)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from ..camera import Camera, Frame
from ..exceptions import ServiceValidationError
from ..incidents.messages import localized_message
from .access import FaceAccess
from .capture import fire_captured
from .config import RecognitionConfig, WatchCamera
from .const import (
    CATEGORY_WATCHLIST_MATCH,
    EVENT_FACE_RECOGNIZED,
    EVENT_FACE_UNKNOWN,
    SNAPSHOT_KIND_CAPTURE,
    SNAPSHOT_KIND_ENROLLED,
    SNAPSHOT_KIND_UNKNOWN,
    FaceRecognizedData,
    FaceUnknownData,
)
from .gallery import Gallery
from .matcher import Cooldown, Decision, Matcher, UnknownTracker
from .offpost import OffPostWatcher
from .recognizer import Image, RecognizedFace, Recognizer, TrackingRecognizer
from .thresholds import SizedThresholds
from .tracker import FaceTrack, FaceTracker

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["FaceService"]

_RETRY_MAX = 30.0


class FaceService:
    """Watches the configured cameras and turns faces into events and incidents."""

    def __init__(self, hub: Hub, config: RecognitionConfig, recognizer: Recognizer,
                 gallery: Gallery) -> None:
        self.hub = hub
        self.config = config
        self.recognizer = recognizer
        self.gallery = gallery
        thresholds = SizedThresholds({str(k): v for k, v in config.thresholds.items()},
                                     {str(k): v for k, v in config.false_alarm_rate.items()},
                                     recognizer.far_curve, recognizer.default_thresholds)
        self.matcher = Matcher(thresholds, {name: c.threshold for name, c in
                                            config.categories.items() if c.threshold is not None})
        self.cooldown = Cooldown(config.cooldown)
        self.unknown = UnknownTracker(config.unknown_cooldown)
        self.offpost = OffPostWatcher(hub, config.guard) if config.guard else None
        self.frames_processed = 0
        self.tracks_decided = 0
        #: One face tracker per camera (streams only; `process` is frame by frame).
        self.trackers: dict[str, FaceTracker] = {}
        self.frames_failed = 0
        #: What the HTTP API uses: gallery operations with every face-image read audited.
        self.access = FaceAccess(self)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start one watcher per configured camera (and the guard-room camera)."""
        cameras = list(self.config.cameras)
        guard = self.config.guard
        if guard is not None and guard.camera not in {c.entity_id for c in cameras}:
            cameras.append(WatchCamera(entity_id=guard.camera, fps=guard.fps, gate=guard.gate))
        for cam in cameras:
            self.hub.create_task(self._watch(cam), name=f"faces {cam.entity_id}")
        if self.offpost is not None:
            self.hub.create_task(self.offpost.run(), name="faces off-post")

    async def stop(self) -> None:
        """Stop the recognizer (watch tasks are cancelled by the hub)."""
        await self.recognizer.stop()

    # ------------------------------------------------------------------ frames

    async def _watch(self, cam: WatchCamera) -> None:
        delay = 1.0
        while True:
            camera = self.hub.entities.get(cam.entity_id)
            if not isinstance(camera, Camera) or not camera.available:
                await asyncio.sleep(0.5)
                continue
            try:
                async for frame in _frames(camera, cam.fps):
                    await self.process_stream(frame.image, cam.entity_id, cam.gate, frame.ts,
                                              cam.fps)
                    delay = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _LOGGER.warning("%s: frame source failed (%s); retrying in %.0f s",
                                cam.entity_id, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RETRY_MAX)

    async def process(self, image: Image, camera: str, gate: str | None = None,
                      ts: float | None = None) -> list[Decision]:
        """Recognize one frame and report what it shows; return the decisions."""
        now = time.time() if ts is None else ts
        try:
            async with asyncio.timeout(self.recognizer.config.timeout):
                faces = await self.recognizer.recognize(image, top_k=3)
        except Exception as exc:  # one bad frame must not stop the watcher
            self.frames_failed += 1
            _LOGGER.debug("%s: recognition failed: %s", camera, exc)
            return []
        self.frames_processed += 1
        self.follow_gallery()
        decisions = []
        frame = _FrameJpeg(image)  # encoded once, and only if a report needs a capture
        for face in faces:
            decision = self.matcher.decide(face, self.gallery.by_id)
            decisions.append(decision)
            await self._report(decision, face, frame, camera, gate, now)
        return decisions

    async def process_stream(self, image: Image, camera: str, gate: str | None = None,
                             ts: float | None = None, fps: float | None = None) -> list[Decision]:
        """Process one frame of a camera stream: tracked (one decision per person) if the
        recognizer supports it and tracking is on, else frame by frame like `process`."""
        recognizer = self.recognizer
        if not (self.config.tracking.enabled and isinstance(recognizer, TrackingRecognizer)):
            return await self.process(image, camera, gate, ts)
        now = time.time() if ts is None else ts
        try:
            async with asyncio.timeout(self.recognizer.config.timeout):
                faces = await recognizer.sightings(image)
        except Exception as exc:  # one bad frame must not stop the watcher
            self.frames_failed += 1
            _LOGGER.debug("%s: face detection failed: %s", camera, exc)
            faces = []
        else:
            self.frames_processed += 1
        self.follow_gallery()
        tracker = self.trackers.get(camera)
        if tracker is None:
            t = self.config.tracking
            # A slow camera (the guard room's 1 fps) needs a longer gap to follow a face.
            gap = max(t.max_gap, 2.5 / fps) if fps else t.max_gap
            tracker = self.trackers[camera] = FaceTracker(
                decide_after=t.decide_after, best_k=t.best_k, max_gap=gap)
        decisions = []
        for track in tracker.update(faces, image, now):
            decision = await self._decide_track(recognizer, track, camera, gate, now)
            if decision is not None:
                decisions.append(decision)
        return decisions

    async def _decide_track(self, recognizer: TrackingRecognizer, track: FaceTrack, camera: str,
                            gate: str | None, now: float) -> Decision | None:
        """Embed a track's best sightings, fuse them, search once and report once."""
        best = track.best_sightings()
        try:
            async with asyncio.timeout(self.recognizer.config.timeout):
                vectors = await recognizer.embed_faces([s.face for s in best])
                fused = np.sum(np.stack(vectors), axis=0).astype(np.float32)
                fused /= max(float(np.linalg.norm(fused)), 1e-12)
                candidates = await recognizer.search(fused, top_k=3)
        except Exception as exc:
            self.frames_failed += 1
            _LOGGER.debug("%s: track %d could not be decided: %s", camera, track.id, exc)
            return None
        face = RecognizedFace(replace(best[0].face, embedding=fused, aligned=None), candidates)
        decision = self.matcher.decide(face, self.gallery.by_id)
        self.tracks_decided += 1
        await self._report(decision, face, _FrameJpeg(best[0].image), camera, gate, now)
        return decision

    def follow_gallery(self) -> None:
        """Move the thresholds with the lists' sizes (cheap when nothing changed)."""
        sized = self.matcher.thresholds
        if sized.resize(self.gallery.face_counts()):
            _LOGGER.info("recognition thresholds now %s", sized.explain())

    async def _report(self, decision: Decision, face: RecognizedFace, image: _FrameJpeg,
                      camera: str, gate: str | None, now: float) -> None:
        person = decision.person
        if person is not None and self.offpost is not None and camera == self.offpost.camera \
                and person.list_name == "allow" and person.group == self.offpost.group:
            await self.offpost.seen(now)
        if decision.kind == "unknown":
            if self.unknown.hit(camera, face.face.embedding, now):
                snap = await self._unknown(decision, image, camera, gate)
                await fire_captured(self.hub, decision, face, image.source, camera, gate, now,
                                    snap)
            return
        assert person is not None and decision.score is not None
        if not self.cooldown.hit(camera, person.id, now):
            return
        if decision.kind == "watch":
            snap = await self._watchlist(decision, image, camera, gate)
            await fire_captured(self.hub, decision, face, image.source, camera, gate, now, snap)
            return
        snap = await self._save(image, camera, SNAPSHOT_KIND_CAPTURE)
        data: FaceRecognizedData = {
            "person_id": person.id, "name": person.name, "list": person.list_name,
            "group": person.group, "camera": camera, "gate": gate,
            "score": round(decision.score, 4), "snapshot_id": snap,
        }
        self.hub.bus.fire(EVENT_FACE_RECOGNIZED, dict(data))
        await fire_captured(self.hub, decision, face, image.source, camera, gate, now, snap)

    async def _unknown(self, decision: Decision, image: _FrameJpeg, camera: str,
                       gate: str | None) -> str | None:
        snap = await self._save(image, camera, SNAPSHOT_KIND_UNKNOWN)
        data: FaceUnknownData = {
            "camera": camera, "gate": gate, "snapshot_id": snap,
            "best_score": None if decision.score is None else round(decision.score, 4),
        }
        self.hub.bus.fire(EVENT_FACE_UNKNOWN, dict(data))
        return snap

    async def _watchlist(self, decision: Decision, image: _FrameJpeg, camera: str,
                         gate: str | None) -> str | None:
        person = decision.person
        assert person is not None and decision.score is not None
        category = self.config.categories.get(person.group)
        message, text = localized_message("watchlist_match", name=person.name, group=person.group,
                                  camera=camera)
        data: dict[str, Any] = {
            "person_id": person.id, "name": person.name, "category": person.group,
            "source": person.source, "score": round(decision.score, 4), "camera": camera,
            **text,
        }
        if category is not None and category.instructions:
            data["instructions"] = category.instructions
        incident = await self.hub.incidents.raise_incident(
            CATEGORY_WATCHLIST_MATCH, source=f"{camera}/{person.id}", message=message,
            priority=category.priority if category else None, gate=gate, cameras=[camera],
            data=data)
        capture = await self._save(image, camera, SNAPSHOT_KIND_CAPTURE, incident.id)
        enrolled = await self.gallery.first_photo(person.id)
        enrolled_id = None
        if enrolled is not None:
            enrolled_id = await self.hub.snapshots.save(
                enrolled, camera, incident_id=incident.id, kind=SNAPSHOT_KIND_ENROLLED)
        await self.hub.incidents.add_step(
            incident.id, "face_match", note=f"score {decision.score:.3f}",
            data={"capture_snapshot_id": capture, "enrolled_snapshot_id": enrolled_id})
        for snap in (capture, enrolled_id):
            if snap is not None:
                await self.hub.incidents.attach_snapshot(incident.id, snap, camera)
        return capture

    async def _save(self, image: _FrameJpeg, camera: str, kind: str,
                    incident_id: str | None = None) -> str | None:
        try:
            jpeg = await image.get()
            return await self.hub.snapshots.save(jpeg, camera, incident_id=incident_id,
                                                 kind=kind)
        except Exception as exc:  # a full disk must not stop recognition
            _LOGGER.warning("%s: could not store the face capture: %s", camera, exc)
            return None


class _FrameJpeg:
    """A frame's JPEG, made on first use (off the loop) and shared by its faces."""

    def __init__(self, image: Image) -> None:
        self._image = image
        self._jpeg: bytes | None = image if isinstance(image, bytes) else None

    @property
    def source(self) -> Image:
        """Return the frame as it came (pixels or JPEG bytes)."""
        return self._image

    async def get(self) -> bytes:
        """Return the JPEG bytes."""
        if self._jpeg is None:
            assert not isinstance(self._image, bytes)
            self._jpeg = jpeg = await asyncio.to_thread(_jpeg, self._image)
            return jpeg
        return self._jpeg


def _jpeg(image: np.ndarray[Any, Any]) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("could not encode the frame as JPEG")
    return bytes(buf)


async def _frames(camera: Camera, fps: float) -> AsyncIterator[Frame]:
    """The camera's frame source; cameras without one are polled for snapshots (JPEG)."""
    try:
        async for frame in camera.frames(fps):
            yield frame
        return
    except ServiceValidationError:
        _LOGGER.info("%s has no frame source; polling snapshots at %s fps", camera.entity_id,
                     fps)
    while True:
        started = time.monotonic()
        data = await camera.snapshot_bytes()
        yield Frame(camera.entity_id, time.time(), data)
        await asyncio.sleep(max(0.0, 1 / fps - (time.monotonic() - started)))
