"""The rendered picture: a gate scene with the camera name, a clock and optional faces."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

_LOGGER = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
FACE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def list_faces_blocking(folder: Path | None) -> list[Path]:
    """Image files under a folder, sorted, recursively (e.g. data/faces)."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in FACE_SUFFIXES)


class Scene:
    """Draws frames; `render_blocking` belongs in an executor."""

    def __init__(
        self, name: str, width: int, height: int, faces: list[Path], face_seconds: float,
        face_motion: str = "still",
    ) -> None:
        self.name, self.width, self.height = name, width, height
        self.faces, self.face_seconds = faces, face_seconds
        self.face_motion = face_motion
        self.frame_number = 0
        self._face_cache: dict[Path, Image | None] = {}
        self._background = self._draw_background()

    def _draw_background(self) -> Image:
        img = np.zeros((self.height, self.width, 3), np.uint8)
        ramp = np.linspace(90, 30, self.height, dtype=np.uint8)[:, None]
        img[:, :, 0] = ramp
        img[:, :, 1] = ramp // 2 + 20
        img[:, :, 2] = 40
        w, h = self.width, self.height
        cv2.rectangle(img, (w // 10, h // 3), (w // 10 + w // 12, h - 1), (120, 120, 120), -1)
        cv2.rectangle(img, (w // 10, h // 2), (w - w // 10, h // 2 + h // 30), (0, 200, 255), -1)
        return img

    def face_at(self, now: float) -> Path | None:
        """The face shown at a time, cycling every face_seconds."""
        if not self.faces:
            return None
        return self.faces[int(now / self.face_seconds) % len(self.faces)]

    def _load_face(self, path: Path) -> Image | None:
        if path not in self._face_cache:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                _LOGGER.warning("%s: cannot read face image %s", self.name, path.name)
            self._face_cache[path] = None if image is None else np.asarray(image, np.uint8)
        return self._face_cache[path]

    def render_blocking(self, now: float) -> Image:
        """One frame for a wall-clock time (seconds since the epoch)."""
        self.frame_number += 1
        img = self._background.copy()
        face_path = self.face_at(now)
        face = self._load_face(face_path) if face_path else None
        if face is not None:
            side = min(self.height * 2 // 3, self.width // 2)
            top, left = (self.height - side) // 2, (self.width - side) // 2
            if self.face_motion == "walk":  # left to right across the picture, smaller
                side = min(self.height // 2, self.width // 4)
                top = self.height // 6
                progress = (now % self.face_seconds) / self.face_seconds
                left = int(progress * (self.width - side))
            img[top : top + side, left : left + side] = cv2.resize(face, (side, side))
        x = int((now * 40) % self.width)
        cv2.circle(img, (x, self.height - 20), 8, (255, 255, 255), -1)
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-4]
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(img, self.name, (10, 28), font, 0.8, (255, 255, 255), 2, cv2.LINE_AA)
        cv2.putText(img, stamp, (10, self.height - 40), font, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
        cv2.putText(
            img, f"#{self.frame_number}", (self.width - 110, 28), font, 0.6, (200, 200, 200)
        )
        return img


def encode_jpeg_blocking(image: Image, quality: int = 80) -> bytes:
    """JPEG bytes of a BGR image."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buffer.tobytes())
