"""Configuration of the onnx_face recognizer: model files, conventions, gates, workers."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.recognition import RecognizerConfig

from .models import InputSpec, ModelSet, default_model_set
from .pipeline import QualityGates

__all__ = ["InputConfig", "OnnxFaceConfig"]


class InputConfig(BaseModel):
    """One model file and its input convention (for a model set other than the default)."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    channels: Literal["bgr", "rgb", "gray"] = "bgr"
    mean: float = 127.0
    std: float = Field(default=128.0, gt=0)

    def spec(self, base: Path) -> InputSpec:
        """Return the pipeline's spec, relative paths taken from `base`."""
        path = self.path if self.path.is_absolute() else base / self.path
        return InputSpec(path, self.width, self.height, self.channels, self.mean, self.std)


class OnnxFaceConfig(RecognizerConfig):
    """`recognition: {platform: onnx_face, options: {...}}`."""

    platform: Literal["onnx_face"] = "onnx_face"
    #: Folder of the model files; default $CAMPUS_HUB_MODELS or ./models.
    models_dir: Path | None = None
    detector: InputConfig | None = None
    landmarks: InputConfig | None = None
    embedder: InputConfig | None = None
    liveness_model: InputConfig | None = None
    detector_boxes: Literal["decoded", "raw"] = "decoded"
    embedding_dim: int = Field(default=512, gt=0)
    #: (false-match rate per comparison, threshold) points measured for another embedder
    #: (bench/lfw_openset.py); without them another embedder uses fixed thresholds.
    far_curve: list[tuple[float, float]] | None = Field(default=None, min_length=2)
    #: Average with the mirrored face's embedding: more accurate, twice the embedder time.
    flip_embed: bool = True
    #: Bounded worker pool: each worker owns its own onnxruntime sessions.
    workers: int = Field(default=2, ge=1, le=16)
    executor: Literal["thread", "process"] = "thread"
    intra_op_threads: int = Field(default=1, ge=1, le=16)
    #: Smallest face side (px) matched or enrolled: measured (bench/lfw_openset.py, faces
    #: of 32-40 px in 640x480 frames, docs/recognition.md).
    min_face_size: int = Field(default=32, ge=0)
    #: Enrolment photos are the reference for every later match: they need more pixels.
    min_enrol_face_size: int = Field(default=40, ge=0)
    detect_threshold: float = Field(default=0.7, gt=0, lt=1)
    #: Wider frames are reduced to this width and searched in detector-sized windows, so
    #: faces a few metres away are found on high-resolution streams (docs/recognition.md).
    detect_width: int = Field(default=960, ge=320, le=4096)
    min_blur: float = Field(default=20.0, ge=0)
    #: Faces under this many px get landmarks averaged over 7 shifted/scaled boxes and a
    #: bicubic warp: miss rate at 1 % false alarms for ~50 px faces 9.02 -> ~7.4 % (LFW open
    #: set, bench/README.md), +2 ms CPU per such face; 64, not 80, so the ~75 px faces of a
    #: gate camera close by do not pay it on every frame. 0 turns it off.
    refine_below: int = Field(default=64, ge=0)
    #: Tracked streams: frames are judged with the cheap alignment (one landmark run,
    #: bicubic warp; no refinement on any frame) and the sightings a track keeps for its
    #: decision are refined, at any size: miss rate at 1 % false alarms for ~130 px faces
    #: 5.29 -> 5.00 %, ~50 px 7.41 -> 7.37 % (LFW open set, bench/README.md) for ~4 ms per
    #: track instead of ~2 ms on every small face of every frame. Stills use `refine_below`.
    refine_decisions: bool = True
    #: Pose limits for matching: off (90) by default. Of the LFW faces refused at 45/40,
    #: 12 of 17 on the list were then found and 0 of 50 strangers raised a false alarm
    #: (bench/README.md); on streams the tracker prefers frontal frames anyway.
    max_yaw: float = Field(default=90.0, gt=0, le=90)
    max_pitch: float = Field(default=90.0, gt=0, le=90)
    #: Enrolment photos must be frontal: they are the reference for every later match.
    enrol_max_yaw: float = Field(default=45.0, gt=0, le=90)
    enrol_max_pitch: float = Field(default=40.0, gt=0, le=90)
    liveness: bool = False
    min_liveness: float = Field(default=0.5, ge=0, le=1)

    def model_set(self, default_dir: Path) -> ModelSet:
        """Return the model set: the default files, with any role overridden."""
        base = self.models_dir or default_dir
        default = default_model_set(base)
        return ModelSet(
            detector=self.detector.spec(base) if self.detector else default.detector,
            landmarks=self.landmarks.spec(base) if self.landmarks else default.landmarks,
            embedder=self.embedder.spec(base) if self.embedder else default.embedder,
            liveness=(self.liveness_model.spec(base) if self.liveness_model
                      else default.liveness),
            detector_boxes=self.detector_boxes,
            flip_embed=self.flip_embed,
        )

    def gates(self) -> QualityGates:
        """Return the quality gates."""
        return QualityGates(
            detect_threshold=self.detect_threshold, min_face_size=self.min_face_size,
            detect_width=self.detect_width,
            min_blur=self.min_blur, refine_below=self.refine_below,
            refine_decisions=self.refine_decisions, max_yaw=self.max_yaw,
            max_pitch=self.max_pitch,
            liveness=self.liveness, min_liveness=self.min_liveness,
        )
