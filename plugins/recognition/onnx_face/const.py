"""Constants of the onnx_face recognizer."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "onnx_face"

#: Cosine thresholds per list, chosen from measured false-match rates (docs/recognition.md).
DEFAULT_THRESHOLDS: Final = {"allow": 0.55, "watch": 0.45}

#: False-match rate per comparison -> cosine threshold, measured by bench/lfw_openset.py:
#: 8,097 LFW faces of people not on the list (~130 px and ~50 px in 640x480 frames) against
#: the 1,680 enrolment photos, 13.6 M pairs (bench/README.md). Each list's threshold follows
#: its size from these points (hub/recognition/thresholds.py); below 1e-6 the last segment
#: is extended.
FAR_PER_COMPARISON: Final = (
    (1e-2, 0.242),
    (1e-3, 0.333),
    (1e-4, 0.408),
    (1e-5, 0.471),
    (1e-6, 0.597),
)
