"""Faces: galleries (allow and watch lists), recognition of camera frames, off-post warning.

The component's entry point is `hub.faces.component:setup`; `fetch_models` obtains the
default model files.
"""

from __future__ import annotations

from .fetch import default_models_dir, fetch_models

__all__ = ["default_models_dir", "fetch_models"]
