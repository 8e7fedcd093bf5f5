"""Face recognition: the recognizer kind, galleries (allow and watch lists), recognition of
camera frames, the off-post warning. One name for one concept: the `recognition:` section,
this package, the recognizer plugins in plugins/recognition/ and docs/recognition.md.

`recognizer.py` is the kind every recognizer plugin implements (re-exported here); the
component's entry point is `hub.recognition.component:setup`; `fetch_models` obtains the
default model files. Importing this package is cheap: the component loads when configured.
"""

from __future__ import annotations

from .fetch import default_models_dir, fetch_models
from .recognizer import (
    Candidate,
    DetectedFace,
    Embedding,
    Enrolment,
    FaceRejected,
    GalleryEntry,
    Image,
    RecognizedFace,
    Recognizer,
    RecognizerConfig,
    RejectReason,
    TrackingRecognizer,
    pick_enrolment_face,
)

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
    "default_models_dir",
    "fetch_models",
    "pick_enrolment_face",
]
