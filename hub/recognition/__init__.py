"""Face recognition: the recognizer kind, galleries (allow and watch lists), recognition of
camera frames, the off-post warning. One name for one concept: the `recognition:` section,
this package, the recognizer plugins in plugins/recognition/ and docs/recognition.md.

`recognizer.py` is the kind every recognizer plugin implements (re-exported here); the
component's entry point is `hub.recognition.component:setup`; `fetch_models` obtains the
default model files. Importing this package is cheap: the component loads when configured.
"""

from __future__ import annotations

from . import recognizer
from .fetch import default_models_dir, fetch_models
from .recognizer import *  # noqa: F403  (the kind, re-exported: recognizer.__all__)

__all__ = [*recognizer.__all__, "default_models_dir", "fetch_models"]
