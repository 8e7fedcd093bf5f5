"""Events and incident categories of face recognition, with their payloads."""

from __future__ import annotations

from typing import Any, Final, TypedDict

__all__ = [
    "CATEGORY_GUARD_OFF_POST",
    "CATEGORY_WATCHLIST_MATCH",
    "DOMAIN",
    "EVENT_FACE_CAPTURED",
    "EVENT_FACE_RECOGNIZED",
    "EVENT_FACE_UNKNOWN",
    "SNAPSHOT_KIND_CAPTURE",
    "SNAPSHOT_KIND_ENROLLED",
    "SNAPSHOT_KIND_UNKNOWN",
    "FaceCapturedData",
    "FaceRecognizedData",
    "FaceUnknownData",
]

DOMAIN: Final = "recognition"
EVENT_FACE_RECOGNIZED: Final = "face_recognized"
EVENT_FACE_UNKNOWN: Final = "face_unknown"
#: Each reported face with crop and scene snapshots (hub/recognition/capture.py), for uplinks.
EVENT_FACE_CAPTURED: Final = "face_captured"
CATEGORY_WATCHLIST_MATCH: Final = "watchlist_match"
CATEGORY_GUARD_OFF_POST: Final = "guard_off_post"
#: Snapshot kinds in the hub's snapshot store; unknown captures have their own retention.
SNAPSHOT_KIND_CAPTURE: Final = "face_capture"
SNAPSHOT_KIND_UNKNOWN: Final = "face_unknown"
SNAPSHOT_KIND_ENROLLED: Final = "enrolled_photo"


class FaceRecognizedData(TypedDict):
    """Payload of `face_recognized`: an allow-list person seen by a camera."""

    person_id: str
    name: str
    list: str
    group: str
    camera: str
    gate: str | None
    score: float
    snapshot_id: str | None


class FaceUnknownData(TypedDict):
    """Payload of `face_unknown`: a usable face that matched nobody."""

    camera: str
    gate: str | None
    best_score: float | None
    snapshot_id: str | None


class FaceCapturedData(TypedDict):
    """Payload of `face_captured`: a reported face, its crop and scene, and the match."""

    capture_id: str
    camera: str
    gate: str | None
    time: float
    scene_snapshot_id: str
    crop_snapshot_id: str
    box: list[int]
    match: dict[str, Any] | None
    track_id: str | None
