"""Constants of the onnx_face recognizer."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "onnx_face"

#: Cosine thresholds per list, chosen from measured false-match rates (docs/recognition.md).
DEFAULT_THRESHOLDS: Final = {"allow": 0.55, "watch": 0.45}

#: False-match rate per comparison -> cosine threshold, measured by bench/lfw_openset.py:
#: LFW faces in 640x480 frames searched against enrolment photos (the higher of the ~130 px
#: and ~50 px thresholds; docs/recognition.md). Each list's threshold follows its size.
FAR_PER_COMPARISON: Final = (
    (1e-3, 0.336),
    (1e-4, 0.412),
    (1e-5, 0.477),
    (1e-6, 0.575),
)
