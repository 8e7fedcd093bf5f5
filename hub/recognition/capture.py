"""The `face_captured` event: each reported face with its crop and scene, for uplinks.

Fired only while something listens to `face_captured` itself (the uplink outbox when an
uplink subscribes to face captures): a hub that sends no captures anywhere stores no crops.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from .const import EVENT_FACE_CAPTURED, SNAPSHOT_KIND_UNKNOWN, FaceCapturedData
from .matcher import Decision
from .recognizer import Image, RecognizedFace

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["SNAPSHOT_KIND_CROP", "FrameJpeg", "crop_jpeg_blocking", "fire_captured", "wanted"]

#: Crops of known faces; crops of unknown faces take the unknown kind and its retention.
SNAPSHOT_KIND_CROP = "face_crop"


def wanted(hub: Hub) -> bool:
    """Return True when something listens to `face_captured`."""
    return hub.bus.listener_count().get(EVENT_FACE_CAPTURED, 0) > 0


async def fire_captured(hub: Hub, decision: Decision, face: RecognizedFace, image: Image,
                        camera: str, gate: str | None, now: float,
                        scene_snapshot: str | None) -> None:
    """Store the face crop and fire `face_captured` (when listened to and a scene exists)."""
    if scene_snapshot is None or not wanted(hub):
        return
    box = tuple(round(v) for v in face.face.box)
    kind = SNAPSHOT_KIND_UNKNOWN if decision.kind == "unknown" else SNAPSHOT_KIND_CROP
    try:
        crop = await asyncio.to_thread(crop_jpeg_blocking, image, box)
        crop_id = await hub.snapshots.save(crop, camera, kind=kind)
    except Exception as exc:  # a capture without its crop is not worth an upload
        _LOGGER.warning("%s: could not store the face crop: %s", camera, exc)
        return
    person = decision.person
    match: dict[str, Any] | None = None
    if person is not None:
        match = {"list": person.list_name, "person_id": person.id, "category": person.group,
                 "score": None if decision.score is None else round(decision.score, 4)}
    data: FaceCapturedData = {
        "capture_id": os.urandom(16).hex(), "camera": camera, "gate": gate,
        "time": now, "scene_snapshot_id": scene_snapshot, "crop_snapshot_id": crop_id,
        "box": [box[0], box[1], box[2], box[3]], "match": match, "track_id": None,
    }
    hub.bus.fire(EVENT_FACE_CAPTURED, dict(data))


def crop_jpeg_blocking(image: Image, box: tuple[int, ...], margin: float = 0.25) -> bytes:
    """Return the face (with a margin around it) cut from the frame, as JPEG."""
    if isinstance(image, bytes):
        decoded = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            raise ValueError("the frame does not decode")
        frame: Any = decoded
    else:
        frame = image
    height, width = frame.shape[:2]
    left, top, right, bottom = box
    pad_x, pad_y = int((right - left) * margin), int((bottom - top) * margin)
    x0, y0 = max(0, left - pad_x), max(0, top - pad_y)
    x1, y1 = min(width, right + pad_x), min(height, bottom + pad_y)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"face box {box} is outside the {width}x{height} frame")
    ok, buf = cv2.imencode(".jpg", frame[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise ValueError("could not encode the crop")
    return bytes(buf)


class FrameJpeg:
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
