"""Constants of the compreface recognizer."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "compreface"

#: CompreFace similarity (0..1) thresholds per list. Measured against our test server,
#: whose similarity is (1 + cosine) / 2; measure again against a real deployment
#: (docs/recognition.md).
DEFAULT_THRESHOLDS: Final = {"allow": 0.775, "watch": 0.725}
