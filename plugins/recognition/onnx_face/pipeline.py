"""The blocking face pipeline: detect, landmarks, quality, liveness, align, embed (issue 6).

Runs inside a worker (thread or process); every method here blocks. Sessions are built once
per worker and reused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from hub.recognition import DetectedFace, RejectReason

from .geometry import (
    ARCFACE_TEMPLATE_112,
    decode_raw_boxes,
    five_points_from_68,
    nms,
    pose_from_five_points,
    similarity_transform,
    ultraface_priors,
)
from .models import InputSpec, ModelSet

_LOGGER = logging.getLogger(__name__)

__all__ = ["FacePipeline", "QualityGates", "make_session"]

U8Image = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class QualityGates:
    """Limits below which a face is not matched or enrolled."""

    detect_threshold: float = 0.7
    nms_iou: float = 0.4
    min_face_size: int = 40
    #: Variance of the Laplacian on the 112x112 aligned grey face.
    min_blur: float = 20.0
    max_yaw: float = 45.0
    max_pitch: float = 40.0
    liveness: bool = False
    min_liveness: float = 0.5


def make_session(path: str, intra_threads: int = 1) -> ort.InferenceSession:
    """Build an onnxruntime CPU session with the settings measured in issue 6."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = intra_threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # The embedder has thousands of denormal weights: 36 ms -> 8 ms per face.
    opts.add_session_config_entry("session.set_denormal_as_zero", "1")
    # Spinning threads fight each other when several sessions share 2 cores.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


def to_tensor(image: U8Image, spec: InputSpec) -> F32:
    """Resize and normalise an image (B,G,R uint8) to the model's NCHW float input."""
    size = (spec.width, spec.height)
    if spec.channels == "gray":
        if image.shape[1] != spec.width or image.shape[0] != spec.height:
            image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR), np.uint8)
        plane = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        arr = plane[None, None, :, :].astype(np.float32)
        return np.ascontiguousarray((arr - spec.mean) / spec.std, dtype=np.float32)
    # One OpenCV call (GIL released): resize, subtract, scale, channel swap, HWC -> NCHW.
    blob = cv2.dnn.blobFromImage(image, 1.0 / spec.std, size, (spec.mean,) * 3,
                                 swapRB=spec.channels == "rgb", crop=False)
    return np.asarray(blob, dtype=np.float32)


class FacePipeline:
    """Owns the sessions of one model set; every method blocks."""

    def __init__(self, models: ModelSet, gates: QualityGates, intra_threads: int = 1) -> None:
        self.models = models
        self.gates = gates
        self._det = make_session(str(models.detector.path), intra_threads)
        self._lmk = make_session(str(models.landmarks.path), intra_threads)
        self._emb = make_session(str(models.embedder.path), intra_threads)
        self._live = (
            make_session(str(models.liveness.path), intra_threads)
            if models.liveness is not None and gates.liveness
            else None
        )
        spec = models.detector
        self._priors = ultraface_priors(spec.width, spec.height)
        self._det_in = self._det.get_inputs()[0].name
        self._lmk_in = self._lmk.get_inputs()[0].name
        self._emb_in = self._emb.get_inputs()[0].name

    # -- detection -------------------------------------------------------------------------

    def detect_boxes(self, image: U8Image) -> list[tuple[F32, float]]:
        """Return square face boxes in image pixels with detector scores, best first."""
        spec = self.models.detector
        scores, boxes = self._det.run(None, {self._det_in: to_tensor(image, spec)})
        face_scores = scores[0][:, 1]
        mask = face_scores >= self.gates.detect_threshold
        if not mask.any():
            return []
        raw = boxes[0][mask]
        if self.models.detector_boxes == "raw":
            raw = decode_raw_boxes(raw, self._priors[mask])
        kept = nms(raw, face_scores[mask], self.gates.nms_iou)
        h, w = image.shape[:2]
        scale = np.array([w, h, w, h], dtype=np.float32)
        return [(_square(raw[i] * scale, w, h), float(face_scores[mask][i])) for i in kept]

    def landmarks68(self, image: U8Image, box: F32) -> F32:
        """Return 68 (x, y) points in image pixels for one square face box."""
        x1, y1, x2, y2 = (round(float(v)) for v in box)
        crop = image[max(y1, 0) : max(y2, y1 + 1), max(x1, 0) : max(x2, x1 + 1)]
        out = self._lmk.run(None, {self._lmk_in: to_tensor(crop, self.models.landmarks)})[0]
        pts = np.asarray(out, np.float32).reshape(-1, 2)
        scale = np.array([crop.shape[1], crop.shape[0]], np.float32)
        shift = np.array([max(x1, 0), max(y1, 0)], np.float32)
        return np.asarray(pts * scale + shift, np.float32)

    # -- alignment and embedding -----------------------------------------------------------

    def align(self, image: U8Image, five: F32) -> U8Image:
        """Warp the face onto the 112x112 ArcFace template (least-squares similarity)."""
        spec = self.models.embedder
        template = ARCFACE_TEMPLATE_112 * np.array([spec.width / 112, spec.height / 112])
        matrix = similarity_transform(five, template.astype(np.float32))
        warped = cv2.warpAffine(image, matrix, (spec.width, spec.height), borderValue=(0, 0, 0))
        return np.asarray(warped, dtype=np.uint8)

    def embed_aligned(self, faces: list[U8Image]) -> F32:
        """Return L2-normalised embeddings (N, D) for aligned faces."""
        if not faces:
            return np.zeros((0, 0), np.float32)
        rows = [self._embed_one(f) for f in faces]
        emb = np.stack(rows).astype(np.float32)
        return np.asarray(emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12),
                          np.float32)

    def _embed_one(self, face: U8Image) -> F32:
        spec = self.models.embedder
        out = np.asarray(self._emb.run(None, {self._emb_in: to_tensor(face, spec)})[0][0],
                         np.float32)
        if self.models.flip_embed:
            mirror = np.ascontiguousarray(face[:, ::-1])
            out = out + np.asarray(
                self._emb.run(None, {self._emb_in: to_tensor(mirror, spec)})[0][0], np.float32)
        return out

    def liveness(self, image: U8Image, box: F32) -> float:
        """Return the probability that the face is live (MiniFASNet-style crop, B,G,R)."""
        assert self._live is not None and self.models.liveness is not None
        crop = _scaled_crop(image, box, self.models.liveness_crop_scale)
        name = self._live.get_inputs()[0].name
        logits = self._live.run(None, {name: to_tensor(crop, self.models.liveness)})[0][0]
        probs = np.exp(logits - logits.max())
        return float(probs[self.models.live_class] / probs.sum())

    # -- the whole thing -------------------------------------------------------------------

    def analyze(self, image: U8Image, embed: bool = True) -> list[DetectedFace]:
        """Detect all faces, gate their quality, and embed the usable ones."""
        faces: list[DetectedFace] = []
        aligned: list[U8Image] = []
        slots: list[int] = []
        for box, score in self.detect_boxes(image):
            face, crop = self._judge(image, box, score)
            faces.append(face)
            if crop is not None and embed:
                aligned.append(crop)
                slots.append(len(faces) - 1)
        if aligned:
            for slot, vector in zip(slots, self.embed_aligned(aligned), strict=True):
                faces[slot] = _with_embedding(faces[slot], vector)
        return faces

    def _judge(self, image: U8Image, box: F32, score: float) -> tuple[DetectedFace, U8Image | None]:
        bbox = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        if min(bbox[2] - bbox[0], bbox[3] - bbox[1]) < self.gates.min_face_size:
            return DetectedFace(bbox, score, RejectReason.TOO_SMALL), None
        five = five_points_from_68(self.landmarks68(image, box))
        pose = pose_from_five_points(five)
        crop = self.align(image, five)
        blur = float(cv2.Laplacian(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())
        live = self.liveness(image, box) if self._live is not None else None
        reason = self._reason(blur, pose, live)
        face = DetectedFace(bbox, score, reason, blur, pose, live)
        return face, (crop if reason is None else None)

    def _reason(
        self, blur: float, pose: tuple[float, float, float], live: float | None
    ) -> RejectReason | None:
        g = self.gates
        if blur < g.min_blur:
            return RejectReason.TOO_BLURRED
        if abs(pose[0]) > g.max_yaw or abs(pose[1]) > g.max_pitch:
            return RejectReason.BAD_POSE
        if live is not None and live < g.min_liveness:
            return RejectReason.NOT_LIVE
        return None


def _with_embedding(face: DetectedFace, vector: F32) -> DetectedFace:
    return DetectedFace(
        face.box, face.score, face.rejected, face.blur, face.pose, face.liveness, vector
    )


def _square(box: F32, w: int, h: int) -> F32:
    """Make the detector box square on its height, centred, clipped to the image."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = (box[3] - box[1]) / 2
    out = np.array([cx - half, cy - half, cx + half, cy + half], dtype=np.float32)
    return np.clip(out, 0, np.array([w - 1, h - 1, w - 1, h - 1], dtype=np.float32))


def _scaled_crop(image: U8Image, box: F32, scale: float) -> U8Image:
    """Crop a box grown by `scale` around its centre, shifted to stay inside the image."""
    h, w = image.shape[:2]
    bw, bh = float(box[2] - box[0]), float(box[3] - box[1])
    s = min((h - 1) / max(bh, 1.0), (w - 1) / max(bw, 1.0), scale)
    nw, nh = bw * s, bh * s
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x1 = int(min(max(cx - nw / 2, 0), w - nw))
    y1 = int(min(max(cy - nh / 2, 0), h - nh))
    return image[y1 : y1 + int(nh), x1 : x1 + int(nw)]
