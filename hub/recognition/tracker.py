"""Face tracks on one camera: one person walking through is one track, decided once (issue 16).

Faces are associated with the previous frame's tracks by box overlap (IoU), or by centre
distance for small fast faces; a track's box is first moved by its measured velocity over
the time since it was last seen, so a walker is still followed when the hub drops frames
(a loaded hub or a slow camera: newest frame wins). Each usable sighting gets a quality
score (size, sharpness, frontal pose); a track is ready to decide when it has
`decide_after` usable sightings or when it ends (not seen for `max_gap` seconds) with at
least one. The best `best_k` sightings are then embedded and fused; the track is never
decided again. `update` notes the sightings it kept and dropped, so the caller can embed a
kept one ahead of the decision (`Sighting.pending`) and drop that work when it is displaced.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field

from .recognizer import DetectedFace, Embedding, Image

__all__ = ["FaceTrack", "FaceTracker", "Sighting", "face_quality"]

Box = tuple[float, float, float, float]


def face_quality(face: DetectedFace, full_size: float = 112.0) -> float:
    """Return 0..1: bigger (up to `full_size` px), sharper and more frontal is better."""
    size = min(face.size / full_size, 1.0)
    sharp = min((face.blur or 0.0) / 100.0, 1.0) ** 0.5
    yaw, pitch = (face.pose[0], face.pose[1]) if face.pose else (0.0, 0.0)
    frontal = max(math.cos(math.radians(yaw)) * math.cos(math.radians(pitch)), 0.0)
    return float(size * sharp * frontal)


@dataclass(slots=True, eq=False)  # compared by identity (it holds a frame)
class Sighting:
    """One usable face of a track, with the frame it was seen in."""

    face: DetectedFace
    image: Image
    ts: float
    quality: float
    #: Its embedding, being computed ahead of the decision (FaceService), if any.
    pending: asyncio.Future[Embedding] | None = None


@dataclass(slots=True)
class FaceTrack:
    """A face followed across frames."""

    id: int
    box: Box
    first_seen: float
    last_seen: float
    frames: int = 1
    usable: int = 0
    decided: bool = False
    best: list[Sighting] = field(default_factory=list)
    #: Centre velocity in pixels per second (0 until the second sighting).
    velocity: tuple[float, float] = (0.0, 0.0)

    def best_sightings(self) -> list[Sighting]:
        """Return the kept sightings, best first."""
        return sorted(self.best, key=lambda s: -s.quality)

    def predicted(self, now: float) -> Box:
        """Return where the face should be at `now`, moving at its measured velocity."""
        dt = now - self.last_seen
        dx, dy = self.velocity[0] * dt, self.velocity[1] * dt
        return (self.box[0] + dx, self.box[1] + dy, self.box[2] + dx, self.box[3] + dy)

    def move(self, box: Box, now: float) -> None:
        """Follow the face to `box` seen at `now`, updating the velocity."""
        dt = now - self.last_seen
        if dt > 0:
            vx = ((box[0] + box[2]) - (self.box[0] + self.box[2])) / 2 / dt
            vy = ((box[1] + box[3]) - (self.box[1] + self.box[3])) / 2 / dt
            if self.frames > 1:  # smoothed: detector boxes jitter by a few pixels
                vx, vy = (vx + self.velocity[0]) / 2, (vy + self.velocity[1]) / 2
            self.velocity = (vx, vy)
        self.box, self.last_seen = box, now
        self.frames += 1


def iou(a: Box, b: Box) -> float:
    """Return the intersection over union of two boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _near(a: Box, b: Box) -> float:
    """Return centre distance in units of the larger box side (0 = same place)."""
    side = max(a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1], 1.0)
    dx = (a[0] + a[2] - b[0] - b[2]) / 2
    dy = (a[1] + a[3] - b[1] - b[3]) / 2
    return math.hypot(dx, dy) / side


class FaceTracker:
    """The tracks of one camera."""

    def __init__(self, *, min_iou: float = 0.2, max_jump: float = 0.8, max_gap: float = 0.6,
                 decide_after: int = 3, best_k: int = 2) -> None:
        self.min_iou = min_iou
        self.max_jump = max_jump
        self.max_gap = max_gap
        self.decide_after = decide_after
        self.best_k = best_k
        self.tracks: list[FaceTrack] = []
        self._next = 1
        #: Sightings the last `update` kept (in a track not yet ready) and displaced.
        self.kept: list[Sighting] = []
        self.dropped: list[Sighting] = []

    def update(self, faces: list[DetectedFace], image: Image,
               now: float) -> list[FaceTrack]:
        """Add one frame's faces; return the tracks that are now ready to be decided."""
        self.kept, self.dropped = [], []
        ready = [t for t in self.tracks if now - t.last_seen > self.max_gap
                 and not t.decided and t.usable > 0]
        self.tracks = [t for t in self.tracks if now - t.last_seen <= self.max_gap]
        for face, track in self._associate(faces, now):
            if track is None:
                track = FaceTrack(self._next, face.box, now, now)
                self._next += 1
                self.tracks.append(track)
            else:
                track.move(face.box, now)
            if face.rejected is None and not track.decided:
                self._keep(track, Sighting(face, image, now, face_quality(face)))
                if track.usable >= self.decide_after:
                    ready.append(track)
        for track in ready:
            track.decided = True
        self.kept = [s for s in self.kept if not any(s in t.best for t in ready)]
        return ready

    def near_decision(self) -> bool:
        """Return whether the next usable sighting of some track would decide it."""
        return any(not t.decided and t.usable >= self.decide_after - 1 for t in self.tracks)

    def flush(self) -> list[FaceTrack]:
        """Return every undecided track with a usable sighting (e.g. the stream ended)."""
        ready = [t for t in self.tracks if not t.decided and t.usable > 0]
        for track in ready:
            track.decided = True
        self.tracks = []
        return ready

    def _keep(self, track: FaceTrack, sighting: Sighting) -> None:
        track.usable += 1
        track.best.append(sighting)
        self.kept.append(sighting)
        if len(track.best) > self.best_k:
            worst = min(track.best, key=lambda s: s.quality)
            track.best.remove(worst)
            if worst in self.kept:
                self.kept.remove(worst)
            else:
                self.dropped.append(worst)

    def _associate(self, faces: list[DetectedFace],
                   now: float) -> list[tuple[DetectedFace, FaceTrack | None]]:
        """Greedy matching with each track's predicted box, best overlap first; each track
        takes at most one face."""
        pairs = []
        predicted = [t.predicted(now) for t in self.tracks]
        for i, face in enumerate(faces):
            for j, box in enumerate(predicted):
                overlap = iou(face.box, box)
                jump = _near(face.box, box)
                if overlap >= self.min_iou or jump <= self.max_jump:
                    pairs.append((overlap - jump, i, j))
        pairs.sort(reverse=True)
        face_to: dict[int, FaceTrack] = {}
        taken: set[int] = set()
        for _, i, j in pairs:
            if i in face_to or j in taken:
                continue
            face_to[i] = self.tracks[j]
            taken.add(j)
        return [(face, face_to.get(i)) for i, face in enumerate(faces)]
