"""The onnx_face Recognizer: local models in a worker pool, gallery in an in-memory index."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hub.recognition import (
    Candidate,
    DetectedFace,
    Embedding,
    Enrolment,
    FaceRejected,
    GalleryEntry,
    Image,
    RecognizedFace,
    RejectReason,
    TrackingRecognizer,
    pick_enrolment_face,
)
from hub.recognition.fetch import default_models_dir
from hub.recognition.index import FaceIndex

from .config import OnnxFaceConfig
from .const import DEFAULT_THRESHOLDS, DOMAIN, FAR_PER_COMPARISON
from .worker import (
    BACKGROUND,
    NORMAL,
    URGENT,
    WorkerPool,
    analyze_in_worker,
    embed_in_worker,
    embed_refined_in_worker,
    sight_in_worker,
)

_LOGGER = logging.getLogger(__name__)

__all__ = ["OnnxFaceRecognizer"]


class OnnxFaceRecognizer(TrackingRecognizer):
    """Detects, judges and embeds faces locally; matches by cosine similarity."""

    platform = DOMAIN
    config_model = OnnxFaceConfig
    score_kind = "cosine"
    default_thresholds = dict(DEFAULT_THRESHOLDS)

    config: OnnxFaceConfig

    def __init__(self, config: OnnxFaceConfig, hub: object | None = None) -> None:
        super().__init__(config, None)
        self.index = FaceIndex(config.embedding_dim)
        # The measured curve belongs to the default embedder; another one brings its own.
        self.far_curve = (tuple(config.far_curve) if config.far_curve
                          else FAR_PER_COMPARISON if config.embedder is None else None)
        self._pool: WorkerPool | None = None

    async def start(self) -> None:
        """Check the model files, start the worker pool and build every worker's sessions."""
        models = await asyncio.to_thread(lambda: self.config.model_set(default_models_dir()))
        paths = [models.detector.path, models.landmarks.path, models.embedder.path]
        if self.config.liveness and models.liveness is not None:
            paths.append(models.liveness.path)
        missing = await asyncio.to_thread(_missing, paths)
        if missing:
            raise FileNotFoundError(
                f"model files missing: {', '.join(missing)}; run `campus-hub models fetch`")
        self._pool = await WorkerPool.create(models, self.config.gates(), self.config.workers,
                                             self.config.executor, self.config.intra_op_threads)
        await self._pool.warm()
        _LOGGER.info("onnx_face ready: %d %s workers", self.config.workers, self.config.executor)

    async def stop(self) -> None:
        """Stop the worker pool."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    @property
    def pool(self) -> WorkerPool:
        """Return the running worker pool."""
        if self._pool is None:
            raise RuntimeError("onnx_face recognizer is not started")
        return self._pool

    async def detect(self, image: Image) -> list[DetectedFace]:
        """Find, judge and embed the faces of one image in a worker."""
        return await self.pool.run(analyze_in_worker, image, True)

    async def recognize(self, image: Image, top_k: int = 3) -> list[RecognizedFace]:
        """Detect faces and search the index for each usable one."""
        faces = await self.detect(image)
        usable = [f for f in faces if f.rejected is None and f.embedding is not None]
        if not usable or len(self.index) == 0:
            return [RecognizedFace(f) for f in usable]
        # The search reads a shared matrix: it runs off the loop (about 4 ms at 100k faces).
        return await asyncio.to_thread(self._search_blocking, usable, top_k)

    def _search_blocking(self, faces: list[DetectedFace], top_k: int) -> list[RecognizedFace]:
        out = []
        for face in faces:
            assert face.embedding is not None
            hits = self.index.search(face.embedding, top_k)
            out.append(RecognizedFace(face, tuple(Candidate(s, score) for s, score in hits)))
        return out

    async def sightings(self, image: Image, soon: bool = False) -> list[DetectedFace]:
        """Find and judge faces in a worker, after any waiting embedding (a decision goes
        first) and, if `soon`, before other frames; usable ones keep their aligned crop."""
        return await self.pool.run(sight_in_worker, image,
                                   priority=NORMAL if soon else BACKGROUND)

    async def embed_faces(self, faces: Sequence[DetectedFace],
                          images: Sequence[Image] | None = None,
                          urgent: bool = True) -> list[Embedding]:
        """Embed faces from `sightings`, one worker call per face (in parallel on the
        workers), before waiting frames (`urgent`: before any other call): refined from
        their frames (`images`) if `refine_decisions` is on, else their aligned crops."""
        priority = URGENT if urgent else NORMAL
        crops = [f.aligned for f in faces if f.aligned is not None]
        if len(crops) != len(faces):
            raise ValueError("only usable faces from sightings() can be embedded")
        if images is not None and self.config.refine_decisions:
            if len(images) != len(faces):
                raise ValueError("one image per face")
            rows = await asyncio.gather(*(
                self.pool.run(embed_refined_in_worker, image, face.box, priority=priority)
                for face, image in zip(faces, images, strict=True)))
        else:
            rows = await asyncio.gather(*(self.pool.run(embed_in_worker, [crop],
                                                        priority=priority) for crop in crops))
        return [row[0] for row in rows]

    async def search(self, embedding: Embedding, top_k: int = 3) -> tuple[Candidate, ...]:
        """Search the index off the loop."""
        if len(self.index) == 0:
            return ()
        hits = await asyncio.to_thread(self.index.search, embedding, top_k)
        return tuple(Candidate(s, score) for s, score in hits)

    async def add_face(self, subject: str, image: Image) -> Enrolment:
        """Enrol the one good face of an enrolment photo."""
        try:
            faces = await self.detect(image)
        except ValueError as err:
            raise FaceRejected(RejectReason.UNREADABLE, str(err)) from None
        face = pick_enrolment_face(faces)
        cfg = self.config
        if face.size < cfg.min_enrol_face_size:
            raise FaceRejected(RejectReason.TOO_SMALL, f"face is {face.size:.0f} px, enrolment "
                               f"needs {cfg.min_enrol_face_size}")
        yaw, pitch = face.pose[:2] if face.pose else (0.0, 0.0)
        if abs(yaw) > cfg.enrol_max_yaw or abs(pitch) > cfg.enrol_max_pitch:
            raise FaceRejected(RejectReason.BAD_POSE, f"yaw {yaw:.0f}, pitch {pitch:.0f}")
        assert face.embedding is not None
        face_id = os.urandom(12).hex()
        # Off the loop: at coarse_from faces an add also learns the coarse subspace.
        await asyncio.to_thread(self.index.add, face_id, subject, face.embedding)
        return Enrolment(face_id, subject, face, face.embedding)

    async def remove_faces(self, face_ids: list[str]) -> None:
        """Remove faces from the index."""
        await asyncio.to_thread(lambda: [self.index.remove(f) for f in face_ids])

    async def load_gallery(self, entries: list[GalleryEntry]) -> None:
        """Rebuild the index from persisted embeddings (no model runs needed)."""
        usable = [e for e in entries if e.embedding is not None]
        if usable:
            await asyncio.to_thread(
                self.index.add_many, [e.face_id for e in usable], [e.subject for e in usable],
                np.stack([e.embedding for e in usable if e.embedding is not None]))

    async def gallery_size(self) -> int:
        """Return how many faces the index holds."""
        return len(self.index)


def _missing(paths: list[Path]) -> list[str]:
    return [str(p) for p in paths if not p.is_file()]
