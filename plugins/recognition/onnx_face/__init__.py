"""onnx_face: face recognition on local ONNX models (hook implementations only)."""

from __future__ import annotations

from hub import Platform, hookimpl

from .recognizer import OnnxFaceRecognizer


@hookimpl
def register_platforms() -> list[type[Platform]]:
    """The local onnxruntime recognizer."""
    return [OnnxFaceRecognizer]
