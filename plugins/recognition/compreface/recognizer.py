"""The compreface Recognizer: detection, embedding and gallery live in a remote service."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import cv2
import numpy as np

from hub.recognition import (
    Candidate,
    DetectedFace,
    Enrolment,
    FaceRejected,
    GalleryEntry,
    Image,
    RecognizedFace,
    Recognizer,
    RejectReason,
    pick_enrolment_face,
)

from .api import CompreFaceClient, CompreFaceError, FoundFace
from .config import CompreFaceConfig
from .const import DEFAULT_THRESHOLDS, DOMAIN

if TYPE_CHECKING:
    from hub.hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["CompreFaceRecognizer"]


class CompreFaceRecognizer(Recognizer):
    """Sends frames to CompreFace; the service keeps the faces, the hub keeps the people."""

    platform = DOMAIN
    config_model = CompreFaceConfig
    score_kind = "probability"
    default_thresholds = dict(DEFAULT_THRESHOLDS)

    config: CompreFaceConfig

    def __init__(self, config: CompreFaceConfig, hub: Hub | None = None) -> None:
        super().__init__(config, hub)
        self._own_session: aiohttp.ClientSession | None = None
        self._client: CompreFaceClient | None = None
        self._limit = asyncio.Semaphore(config.max_concurrent)

    async def start(self) -> None:
        """Build the client on the hub's shared HTTP session (or our own without a hub)."""
        if self.hub is not None:
            session = self.hub.client_session
        else:
            self._own_session = session = aiohttp.ClientSession()
        self._client = CompreFaceClient(
            session, self.config.url, self.config.api_key.get_secret_value(),
            self.config.timeout, self.config.det_prob_threshold)

    async def stop(self) -> None:
        """Close our own HTTP session, if we made one."""
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None

    @property
    def client(self) -> CompreFaceClient:
        """Return the started client."""
        if self._client is None:
            raise RuntimeError("compreface recognizer is not started")
        return self._client

    async def _found(self, image: Image, count: int) -> list[FoundFace]:
        data = image if isinstance(image, bytes) else await asyncio.to_thread(_jpeg, image)
        async with self._limit:
            return await self.client.recognize(data, count)

    def _face(self, found: FoundFace) -> DetectedFace:
        face = DetectedFace(found.box, found.probability)
        if face.size < self.config.min_face_size:
            return DetectedFace(found.box, found.probability, RejectReason.TOO_SMALL)
        return face

    async def detect(self, image: Image) -> list[DetectedFace]:
        """Find faces through the service (it reports boxes, not sharpness or pose)."""
        return [self._face(f) for f in await self._found(image, 1)]

    async def recognize(self, image: Image, top_k: int = 3) -> list[RecognizedFace]:
        """Ask the service for each face's most similar subjects."""
        out = []
        for found in await self._found(image, max(top_k, self.config.prediction_count)):
            face = self._face(found)
            if face.rejected is None:
                candidates = tuple(Candidate(s, score) for s, score in found.subjects[:top_k])
                out.append(RecognizedFace(face, candidates))
        return out

    async def add_face(self, subject: str, image: Image) -> Enrolment:
        """Check the photo has one big enough face, then add it to the service."""
        data = image if isinstance(image, bytes) else await asyncio.to_thread(_jpeg, image)
        try:
            faces = await self.detect(data)
        except CompreFaceError as err:
            if err.status is not None and 400 <= err.status < 500:
                raise FaceRejected(RejectReason.UNREADABLE, str(err)) from None
            raise
        face = pick_enrolment_face(faces)
        async with self._limit:
            image_id = await self.client.add_example(subject, data)
        return Enrolment(image_id, subject, face, None)

    async def remove_faces(self, face_ids: list[str]) -> None:
        """Delete faces from the service."""
        for face_id in face_ids:
            async with self._limit:
                await self.client.delete_example(face_id)

    async def load_gallery(self, entries: list[GalleryEntry]) -> None:
        """Check the service still holds the faces the hub enrolled; warn about differences."""
        remote = dict(await self.client.list_examples())
        missing = [e.face_id for e in entries if e.face_id not in remote]
        if missing:
            _LOGGER.warning("CompreFace lacks %d of the %d enrolled faces; enrol them again",
                            len(missing), len(entries))

    async def gallery_size(self) -> int:
        """Return how many faces the service holds."""
        return len(await self.client.list_examples())


def _jpeg(image: np.ndarray[Any, Any]) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise ValueError("could not encode the frame as JPEG")
    return bytes(buf)
