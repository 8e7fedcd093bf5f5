"""From a face capture (crop, scene, camera's APE id, time, box) to a GA/T 1400 FaceObject."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .ids import IdFactory
from .objects import IMAGE_TYPE_FACE, IMAGE_TYPE_SCENE, Dialect, SubImage, face_object

__all__ = ["CaptureImages", "FaceBuilder", "FaceIds"]


@dataclass(frozen=True)
class CaptureImages:
    """The JPEGs of one capture: the face crop and the scene it was found in."""

    crop: bytes = field(repr=False)
    scene: bytes = field(repr=False)


@dataclass(frozen=True)
class FaceIds:
    """The ids one capture travels under: Face id, scene (source) image id, crop image id."""

    face_id: str
    scene_id: str
    crop_id: str

    def as_dict(self) -> dict[str, str]:
        """Return the ids for a stored payload."""
        return {"face_id": self.face_id, "scene_id": self.scene_id, "crop_id": self.crop_id}


class FaceBuilder:
    """Makes ids once (at enqueue) and Face objects from them (at delivery)."""

    def __init__(self, dialect: Dialect, ids: IdFactory) -> None:
        self.dialect = dialect
        self._ids = ids

    def new_ids(self, ape_id: str, shot: dt.datetime) -> FaceIds:
        """Return fresh ids for a capture by `ape_id` at `shot`."""
        local = shot.astimezone(self.dialect.zone)
        scene = self._ids.image_id(ape_id, local)
        crop = self._ids.image_id(ape_id, local)
        return FaceIds(IdFactory.object_id(scene), scene, crop)

    def face(self, ape_id: str, shot: dt.datetime, box: tuple[int, int, int, int],
             images: CaptureImages, ids: FaceIds | None = None) -> dict[str, Any]:
        """Return the FaceObject of one capture with both images inline."""
        ids = ids or self.new_ids(ape_id, shot)
        return face_object(
            face_id=ids.face_id, source_id=ids.scene_id, device_id=ape_id, box=box,
            appear=shot, disappear=None, dialect=self.dialect,
            images=[SubImage(ids.crop_id, ape_id, IMAGE_TYPE_FACE, shot, images.crop),
                    SubImage(ids.scene_id, ape_id, IMAGE_TYPE_SCENE, shot, images.scene)])
