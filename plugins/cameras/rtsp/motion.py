"""Motion by frame differencing on small grey frames (run `update_blocking` in an executor)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from .api import Image

_WIDTH = 160


class MotionDetector:
    """True when more than `area` of the picture changed by more than `threshold` grey levels."""

    def __init__(self, threshold: int = 25, area: float = 0.01) -> None:
        self.threshold, self.area = threshold, area
        self._previous: npt.NDArray[np.uint8] | None = None
        self.changed = 0.0

    def update_blocking(self, image: Image) -> bool:
        """Compare with the previous frame; return whether there is motion."""
        height = max(1, image.shape[0] * _WIDTH // max(1, image.shape[1]))
        small = cv2.cvtColor(cv2.resize(image, (_WIDTH, height)), cv2.COLOR_BGR2GRAY)
        grey = np.asarray(cv2.GaussianBlur(small, (5, 5), 0), np.uint8)
        previous, self._previous = self._previous, grey
        if previous is None or previous.shape != grey.shape:
            return False
        diff = cv2.absdiff(previous, grey)
        self.changed = float(np.count_nonzero(diff > self.threshold)) / diff.size
        return self.changed > self.area
