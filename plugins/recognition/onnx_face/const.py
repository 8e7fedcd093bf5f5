"""Constants of the onnx_face recognizer."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "onnx_face"

#: Cosine thresholds per list, chosen from measured false-match rates (docs/recognition.md).
DEFAULT_THRESHOLDS: Final = {"allow": 0.55, "watch": 0.45}

#: False-match rate per comparison -> cosine threshold, a bound measured by bench/lfw_openset.py
#: --fit (bench/openset_curve.py, bench/README.md): LFW faces of people not on the list (and
#: of listed people against everyone else), ~130 px and ~50 px in 640x480 frames, through
#: the tracked-stream and the still pipeline, against 1,674 enrolment photos: 19.2 M pairs
#: each (LFW's misfiled photos and duplicate names left out, bench/lfw_errata.py). Each
#: point is the 95 % upper bound of its rate, and the curve is the highest of the four, so
#: a list's threshold keeps its target whichever face size and path a search takes. Each
#: list's threshold follows its size from these points (hub/recognition/thresholds.py);
#: below 1e-6 (lists over 10,000 at 1 % per search) the last segment is extended: an
#: extrapolation, not a measurement (docs/recognition.md).
FAR_PER_COMPARISON: Final = (
    (1e-2, 0.247),
    (3.16e-3, 0.296),
    (1e-3, 0.341),
    (3.16e-4, 0.381),
    (1e-4, 0.419),
    (3.16e-5, 0.451),
    (1e-5, 0.481),
    (3.16e-6, 0.517),
    (1e-6, 0.565),
)
