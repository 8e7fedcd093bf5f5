"""Model set description: which ONNX file plays which role and what input it expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["InputSpec", "ModelSet", "default_model_set"]

ChannelOrder = Literal["bgr", "rgb", "gray"]


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One model's file and input convention: tensor = (pixel - mean) / std, NCHW."""

    path: Path
    width: int
    height: int
    channels: ChannelOrder = "bgr"
    mean: float = 127.0
    std: float = 128.0


@dataclass(frozen=True, slots=True)
class ModelSet:
    """The four roles of the pipeline; liveness is optional."""

    detector: InputSpec
    landmarks: InputSpec
    embedder: InputSpec
    liveness: InputSpec | None = None
    #: "decoded": boxes are normalised corners; "raw": SSD offsets against Ultra-Light priors.
    detector_boxes: Literal["decoded", "raw"] = "decoded"
    #: How much larger than the face box the liveness crop is (MiniFASNet convention).
    liveness_crop_scale: float = 2.7
    live_class: int = 0
    #: Average the embeddings of the face and its mirror image (twice the embedder time).
    flip_embed: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def default_model_set(models_dir: Path) -> ModelSet:
    """Return the conventions measured for faceplugin-face-recognition-js 0.0.1 (issue 6)."""
    return ModelSet(
        detector=InputSpec(models_dir / "fr_detect.onnx", 320, 240, "bgr", 127.0, 128.0),
        landmarks=InputSpec(models_dir / "fr_landmark.onnx", 64, 64, "gray", 0.0, 256.0),
        # B,G,R (not the package's R,G,B): 99.2 % -> 99.5 % on LFW (issue 6).
        embedder=InputSpec(models_dir / "fr_feature.onnx", 112, 112, "bgr", 127.0, 128.0),
        liveness=InputSpec(models_dir / "fr_liveness.onnx", 128, 128, "bgr", 0.0, 1.0),
        # Face + mirror averaged: 99.47 % -> 99.53 % on LFW (bench/README.md).
        flip_embed=True,
    )
