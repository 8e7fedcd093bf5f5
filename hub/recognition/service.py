"""The running recognition component: frames in, events and incidents out (issue 6)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..camera import Camera, Frame
from ..exceptions import ServiceValidationError
from ..incidents.messages import localized_message
from .access import FaceAccess
from .capture import FrameJpeg, fire_captured
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
from .recognizer import Embedding, Image, RecognizedFace, Recognizer, TrackingRecognizer
from .thresholds import SizedThresholds
from .tracker import FaceTrack, FaceTracker, Sighting

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
        #: Stream frames the hub never saw because it was busy (newest frame wins), by the
        #: gaps in a camera's timestamps at its configured rate.
        self.frames_skipped = 0
        self._last_frame: dict[str, float] = {}
        self._interval: dict[str, float] = {}
        #: Reports of stream decisions (snapshots, events, incidents), off the frame path.
        self._reports: set[asyncio.Task[None]] = set()
        #: Embeddings of kept sightings made ahead of their track's decision.
        self._ahead: set[asyncio.Task[Embedding]] = set()
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
        """Finish the pending reports, then stop the recognizer (watch tasks are cancelled
        by the hub)."""
        await self.reports_done()
        for task in list(self._ahead):
            task.cancel()
        await self.recognizer.stop()

    async def reports_done(self) -> None:
        """Wait until every stream decision made so far is reported (stored and fired)."""
        while self._reports:
            await asyncio.gather(*list(self._reports), return_exceptions=True)

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
        frame = FrameJpeg(image)  # encoded once, and only if a report needs a capture
        for face in faces:
            decision = self.matcher.decide(face, self.gallery.by_id)
            decisions.append(decision)
            await self._report(decision, face, frame, camera, gate, now)
        return decisions

    async def process_stream(self, image: Image, camera: str, gate: str | None = None,
                             ts: float | None = None, fps: float | None = None) -> list[Decision]:
        """Process one frame of a camera stream: tracked (one decision per person) if the
        recognizer supports it and tracking is on, else frame by frame like `process`.

        Tracked decisions are returned as soon as they are made; reporting them (capture
        JPEG, snapshot store, events, incidents) runs after, off the frame's path
        (`reports_done` waits for it)."""
        recognizer = self.recognizer
        now = time.time() if ts is None else ts
        self._count_skipped(camera, now, fps)
        if not (self.config.tracking.enabled and isinstance(recognizer, TrackingRecognizer)):
            return await self.process(image, camera, gate, ts)
        tracker = self.trackers.get(camera)
        if tracker is None:
            t = self.config.tracking
            tracker = self.trackers[camera] = FaceTracker(
                decide_after=t.decide_after, best_k=t.best_k, max_gap=t.max_gap)
        try:
            async with asyncio.timeout(self.recognizer.config.timeout):
                faces = await recognizer.sightings(image, soon=tracker.near_decision())
        except Exception as exc:  # one bad frame must not stop the watcher
            self.frames_failed += 1
            _LOGGER.debug("%s: face detection failed: %s", camera, exc)
            faces = []
        else:
            self.frames_processed += 1
        self.follow_gallery()
        # A slow camera (the guard room's 1 fps) or a hub dropping frames sees a face less
        # often: the gap that ends a track follows the frames actually processed.
        tracker.max_gap = max(self.config.tracking.max_gap, 2.5 / fps if fps else 0.0,
                              2.5 * self._interval.get(camera, 0.0))
        ready = tracker.update(faces, image, now)
        self._embed_ahead(recognizer, tracker)
        if not ready:
            return []
        decided = await asyncio.gather(*(self._decide_track(recognizer, track, camera, gate, now)
                                         for track in ready))
        return [d for d in decided if d is not None]

    def _count_skipped(self, camera: str, now: float, fps: float | None) -> None:
        """Count the frames a stream skipped since its last one (gaps over 1.5 intervals)
        and follow the interval between processed frames (smoothed, capped at 2 s)."""
        last = self._last_frame.get(camera)
        self._last_frame[camera] = now
        if last is None or now <= last:
            return
        step = min(now - last, 2.0)
        previous = self._interval.get(camera)
        self._interval[camera] = step if previous is None else 0.7 * previous + 0.3 * step
        if fps and now - last > 1.5 / fps:
            self.frames_skipped += round((now - last) * fps) - 1

    def _embed_ahead(self, recognizer: TrackingRecognizer, tracker: FaceTracker) -> None:
        """Start embedding the sightings the tracker just kept (ahead of their track's
        decision, below its urgency) and stop the work of those it displaced."""
        for sighting in tracker.dropped:
            if sighting.pending is not None:
                sighting.pending.cancel()
        if not self.config.tracking.embed_ahead:
            return
        for sighting in tracker.kept:
            task = self.hub.create_task(self._embed_one(recognizer, sighting),
                                        name="faces embed ahead")
            sighting.pending = task
            self._ahead.add(task)
            task.add_done_callback(self._ahead.discard)

    @staticmethod
    async def _embed_one(recognizer: TrackingRecognizer, sighting: Sighting) -> Embedding:
        [vector] = await recognizer.embed_faces([sighting.face], [sighting.image], urgent=False)
        return vector

    async def _embeddings(self, recognizer: TrackingRecognizer,
                          best: list[Sighting]) -> list[Embedding]:
        """The best sightings' embeddings: those made ahead (awaited), the others now,
        urgently; one whose work failed or was cancelled is redone."""
        ahead = {i: s.pending for i, s in enumerate(best) if s.pending is not None}
        fresh = [i for i in range(len(best)) if i not in ahead]
        out: dict[int, Embedding] = {}

        async def embed_now(indexes: list[int]) -> None:
            vectors = await recognizer.embed_faces([best[i].face for i in indexes],
                                                   [best[i].image for i in indexes])
            out.update(zip(indexes, vectors, strict=True))

        now = asyncio.ensure_future(embed_now(fresh)) if fresh else None
        try:
            if ahead:
                await asyncio.wait(ahead.values())  # they are not cancelled if we are
            redo = [i for i, task in ahead.items()
                    if task.cancelled() or task.exception() is not None]
            out.update((i, task.result()) for i, task in ahead.items() if i not in redo)
            if redo:
                await embed_now(redo)
            if now is not None:
                await now
        finally:
            if now is not None and not now.done():
                now.cancel()
        return [out[i] for i in range(len(best))]

    async def _decide_track(self, recognizer: TrackingRecognizer, track: FaceTrack, camera: str,
                            gate: str | None, now: float) -> Decision | None:
        """Embed a track's best sightings, fuse them, search once and report once."""
        best = track.best_sightings()
        try:
            async with asyncio.timeout(self.recognizer.config.timeout):
                vectors = await self._embeddings(recognizer, best)
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
        task = self.hub.create_task(
            self._report_safely(decision, face, FrameJpeg(best[0].image), camera, gate, now),
            name=f"faces report {camera}")
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)
        return decision

    async def _report_safely(self, decision: Decision, face: RecognizedFace, image: FrameJpeg,
                             camera: str, gate: str | None, now: float) -> None:
        try:
            await self._report(decision, face, image, camera, gate, now)
        except Exception:  # one failed report must not cost the next decision
            _LOGGER.exception("%s: could not report a face decision", camera)

    def follow_gallery(self) -> None:
        """Move the thresholds with the lists' sizes (cheap when nothing changed)."""
        sized = self.matcher.thresholds
        if sized.resize(self.gallery.face_counts()):
            _LOGGER.info("recognition thresholds now %s", sized.explain())

    async def _report(self, decision: Decision, face: RecognizedFace, image: FrameJpeg,
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

    async def _unknown(self, decision: Decision, image: FrameJpeg, camera: str,
                       gate: str | None) -> str | None:
        snap = await self._save(image, camera, SNAPSHOT_KIND_UNKNOWN)
        data: FaceUnknownData = {
            "camera": camera, "gate": gate, "snapshot_id": snap,
            "best_score": None if decision.score is None else round(decision.score, 4),
        }
        self.hub.bus.fire(EVENT_FACE_UNKNOWN, dict(data))
        return snap

    async def _watchlist(self, decision: Decision, image: FrameJpeg, camera: str,
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

    async def _save(self, image: FrameJpeg, camera: str, kind: str,
                    incident_id: str | None = None) -> str | None:
        try:
            jpeg = await image.get()
            return await self.hub.snapshots.save(jpeg, camera, incident_id=incident_id,
                                                 kind=kind)
        except Exception as exc:  # a full disk must not stop recognition
            _LOGGER.warning("%s: could not store the face capture: %s", camera, exc)
            return None


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
