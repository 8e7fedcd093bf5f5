"""Constants of the onnx_face recognizer."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "onnx_face"

#: Cosine thresholds per list, chosen from measured false-match rates (docs/recognition.md).
DEFAULT_THRESHOLDS: Final = {"allow": 0.55, "watch": 0.45}
