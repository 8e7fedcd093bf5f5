"""Faces: galleries (allow and watch lists), recognition of camera frames, off-post warning."""

from __future__ import annotations

from .component import setup
from .fetch import default_models_dir, fetch_models

__all__ = ["default_models_dir", "fetch_models", "setup"]
