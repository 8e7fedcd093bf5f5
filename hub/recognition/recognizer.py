"""The recognizer kind: what the hub asks of any face recognizer, local or remote (issue 6).

A recognizer finds faces in an image, judges their quality, and matches them against its
gallery of subjects. The hub keeps the people, lists and photos (the rest of
hub/recognition); a recognizer only knows opaque subject ids and face ids.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from ..entity import DeviceConfig, Entity, Platform

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = [
    "Candidate",
    "DetectedFace",
    "Embedding",
    "Enrolment",
    "FaceRejected",
    "GalleryEntry",
    "Image",
    "RecognizedFace",
    "Recognizer",
    "RecognizerConfig",
    "RejectReason",
    "TrackingRecognizer",
    "pick_enrolment_face",
]

#: A decoded image (H x W x 3, uint8, B,G,R as OpenCV gives it) or encoded JPEG/PNG bytes.
Image = npt.NDArray[np.uint8] | bytes
Embedding = npt.NDArray[np.float32]


class RejectReason(StrEnum):
    """Why a face is not good enough to enrol or to match."""

    NO_FACE = "no_face"
    TWO_FACES = "two_faces"
    TOO_SMALL = "too_small"
    TOO_BLURRED = "too_blurred"
    BAD_POSE = "bad_pose"
    NOT_LIVE = "not_live"
    UNREADABLE = "unreadable"


class FaceRejected(ValueError):
    """An enrolment photo was refused; `reason` says why."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)


@dataclass(frozen=True, slots=True)
class DetectedFace:
    """One face found in an image, with its quality measures; pixels are image coordinates."""

    box: tuple[float, float, float, float]
    score: float
    rejected: RejectReason | None = None
    blur: float | None = None
    pose: tuple[float, float, float] | None = None
    liveness: float | None = None
    embedding: Embedding | None = field(default=None, repr=False, compare=False)
    #: The aligned face (local recognizers, tracked path): embedded later if chosen.
    aligned: npt.NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> float:
        """Return the face's smaller side in pixels."""
        return min(self.box[2] - self.box[0], self.box[3] - self.box[1])

    def summary(self) -> dict[str, object]:
        """Return a JSON-serialisable description (no embedding, no pixels)."""
        return {
            "box": [round(v, 1) for v in self.box],
            "score": round(self.score, 4),
            "rejected": self.rejected.value if self.rejected else None,
            "blur": None if self.blur is None else round(self.blur, 1),
            "pose": None if self.pose is None else [round(v, 1) for v in self.pose],
            "liveness": None if self.liveness is None else round(self.liveness, 4),
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A gallery subject a face resembles, with the recognizer's similarity score."""

    subject: str
    score: float


@dataclass(frozen=True, slots=True)
class RecognizedFace:
    """A detected face and its best gallery candidates, best first."""

    face: DetectedFace
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A face added to the gallery: the recognizer's face id, the face, and its embedding."""

    face_id: str
    subject: str
    face: DetectedFace
    embedding: Embedding | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class GalleryEntry:
    """A persisted gallery face handed back to a recognizer at startup."""

    face_id: str
    subject: str
    embedding: Embedding | None = field(default=None, repr=False, compare=False)


class RecognizerConfig(DeviceConfig):
    """Options every recognizer platform shares (`recognition.options` in YAML)."""

    name: str = "Face recognition"
    #: Minimum face side in pixels to match or enrol.
    min_face_size: int = 40
    timeout: float = 10.0


class Recognizer(Platform):
    """Base of every recognizer platform; subclasses set `platform` and `config_model`.

    Configured in the `recognition:` section (not under `devices:`); hub/recognition builds one.
    """

    platform: ClassVar[str] = ""
    config_model: ClassVar[type[DeviceConfig]] = RecognizerConfig
    #: What the scores mean, for thresholds: "cosine" (-1..1) or the service's own scale.
    score_kind: ClassVar[Literal["cosine", "probability"]] = "cosine"
    #: Default thresholds per list, measured for this platform (docs/recognition.md).
    default_thresholds: ClassVar[dict[str, float]] = {}
    #: Measured (false-match rate per comparison, score) points; with them each list's
    #: threshold follows its size and `false_alarm_rate` (hub/recognition/thresholds.py).
    far_curve: tuple[tuple[float, float], ...] | None = None

    def __init__(self, config: RecognizerConfig, hub: Hub | None = None) -> None:
        self.config = config
        self.hub = hub

    @classmethod
    def create_entities(cls, hub: Hub, config: DeviceConfig) -> Sequence[Entity]:
        """Refuse `devices:` entries: a recognizer belongs in the `recognition:` section."""
        raise TypeError(f"platform {cls.platform} is a recognizer: configure it under "
                        "`recognition:` (platform + options), not `devices:`")

    async def start(self) -> None:
        """Load models or connect; called once before any other call."""

    async def stop(self) -> None:
        """Release workers and connections."""

    @abstractmethod
    async def detect(self, image: Image) -> list[DetectedFace]:
        """Find faces and judge their quality; usable faces carry an embedding if local."""

    @abstractmethod
    async def recognize(self, image: Image, top_k: int = 3) -> list[RecognizedFace]:
        """Detect faces and return, for each usable one, its best gallery candidates."""

    @abstractmethod
    async def add_face(self, subject: str, image: Image) -> Enrolment:
        """Enrol the single good face in `image` under `subject`; raise FaceRejected if none."""

    @abstractmethod
    async def remove_faces(self, face_ids: list[str]) -> None:
        """Remove faces from the gallery; unknown ids are ignored."""

    @abstractmethod
    async def load_gallery(self, entries: list[GalleryEntry]) -> None:
        """Restore persisted gallery faces at startup (local recognizers rebuild their index)."""

    @abstractmethod
    async def gallery_size(self) -> int:
        """Return how many faces the gallery holds."""


def pick_enrolment_face(faces: list[DetectedFace]) -> DetectedFace:
    """Return the one face of an enrolment photo or raise FaceRejected saying why not."""
    if not faces:
        raise FaceRejected(RejectReason.NO_FACE)
    if len(faces) > 1:
        # A small second face far behind (a poster, a passer-by) is tolerated.
        biggest = max(faces, key=lambda f: f.size)
        others = [f for f in faces if f is not biggest]
        if any(f.size > 0.5 * biggest.size for f in others):
            raise FaceRejected(RejectReason.TWO_FACES, f"{len(faces)} faces found")
        faces = [biggest]
    face = faces[0]
    if face.rejected is not None:
        raise FaceRejected(face.rejected, _detail(face))
    return face


def _detail(face: DetectedFace) -> str:
    if face.rejected == RejectReason.TOO_SMALL:
        return f"face is {face.size:.0f} px"
    if face.rejected == RejectReason.TOO_BLURRED and face.blur is not None:
        return f"sharpness {face.blur:.0f}"
    if face.rejected == RejectReason.BAD_POSE and face.pose is not None:
        return "yaw {:.0f}, pitch {:.0f}".format(*face.pose[:2])
    return ""


class TrackingRecognizer(Recognizer):
    """A recognizer whose camera streams are tracked: only a track's best frames are embedded
    and searched once (hub/recognition/tracker.py); plain `Recognizer`s go frame by frame."""

    @abstractmethod
    async def sightings(self, image: Image, soon: bool = False) -> list[DetectedFace]:
        """Find and judge faces without embedding them (usable ones keep `aligned`);
        `soon`: this frame may complete a track's evidence (a decision may wait on it)."""

    @abstractmethod
    async def embed_faces(self, faces: Sequence[DetectedFace],
                          images: Sequence[Image] | None = None,
                          urgent: bool = True) -> list[Embedding]:
        """Return L2-normalised embeddings of faces from `sightings`, in order; `images`
        are the frames they were seen in (a recognizer may align them better from there);
        `urgent`: a decision is waiting (else embedded ahead of one)."""

    @abstractmethod
    async def search(self, embedding: Embedding, top_k: int = 3) -> tuple[Candidate, ...]:
        """Return the gallery's best candidates for one embedding, best first."""
