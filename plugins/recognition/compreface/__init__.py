"""compreface: a remote recognizer speaking CompreFace's REST API (hook implementations only)."""

from __future__ import annotations

from hub import Platform, hookimpl

from .recognizer import CompreFaceRecognizer


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The CompreFace recognizer."""
    return [CompreFaceRecognizer]
