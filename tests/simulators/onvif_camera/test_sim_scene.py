"""The camera simulator's scene: faces standing still or walking past (issue 16)."""

from __future__ import annotations

import numpy as np

from simulators.onvif_camera.scene import Scene, list_faces_blocking
from tests.prerequisites import require_faces


def _face_columns(scene: Scene, empty: Scene, now: float) -> tuple[int, int]:
    """First and last column where the face is drawn (where the picture differs from the
    same scene without faces), on a row through the face."""
    row = scene.height // 3
    diff = np.abs(scene.render_blocking(now)[row].astype(int)
                  - empty.render_blocking(now)[row].astype(int)).sum(axis=1)
    cols = np.flatnonzero(diff > 30)
    return int(cols.min()), int(cols.max())


def test_walking_faces_cross_the_picture_and_still_ones_stay():
    """With face_motion "walk" a face moves left to right within its face_seconds; with
    "still" it stays in the middle."""
    faces = list_faces_blocking(require_faces() / "known" / "Tom_Hanks")[:1]
    walk = Scene("gate", 640, 360, faces, 3.0, "walk")
    still = Scene("gate", 640, 360, faces, 3.0, "still")
    empty = Scene("gate", 640, 360, [], 3.0)
    steps = [_face_columns(walk, empty, t) for t in (0.3, 1.5, 2.7)]
    assert steps[0][0] < steps[1][0] < steps[2][0]
    assert steps[2][0] - steps[0][0] > 300
    assert steps[0][1] - steps[0][0] < 640 // 4 + 2  # smaller than a still face
    assert _face_columns(still, empty, 0.3) == _face_columns(still, empty, 2.7)
