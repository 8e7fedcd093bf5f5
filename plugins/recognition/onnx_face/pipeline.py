"""The blocking face pipeline: detect, landmarks, quality, liveness, align, embed (issue 6).

Runs inside a worker (thread or process); every method here blocks. Sessions are built once
per worker and reused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from hub.recognition import DetectedFace, RejectReason

from .geometry import (
    ARCFACE_TEMPLATE_112,
    covered,
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
    #: Frames wider than this are reduced to it and searched in detector-sized windows.
    detect_width: int = 960
    min_face_size: int = 40
    #: Variance of the Laplacian on the 112x112 aligned grey face.
    min_blur: float = 20.0
    #: Faces smaller than this (px) get landmarks averaged over shifted and scaled boxes and
    #: a bicubic warp to the embedder's size (0: off).
    refine_below: int = 0
    #: Tracked streams: frames are judged with the cheap alignment only (one landmark run,
    #: warped bicubic so sharpness reads as on the refined crop), and the sightings a track
    #: keeps are refined (any size) when it is decided (`embed_refined`).
    refine_decisions: bool = False
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
        """Return square face boxes in image pixels with detector scores, best first.

        Frames up to `detect_width` wide go through the detector whole. Wider ones are
        reduced to `detect_width` and covered by overlapping windows of the detector's own
        input size (plus the whole frame, for big faces), so a face a few metres away keeps
        the pixels it has; landmarks and embeddings are then taken from the full-resolution
        frame (`landmarks68`, `align`).
        """
        h, w = image.shape[:2]
        if w <= self.gates.detect_width:
            boxes, scores = self._detect(image)
        else:
            scale = self.gates.detect_width / w
            small = np.asarray(cv2.resize(image, (self.gates.detect_width, round(h * scale)),
                                          interpolation=cv2.INTER_AREA), np.uint8)
            boxes, scores = self._detect_windows(small)
            boxes = boxes / scale
        if not len(scores):
            return []
        kept = _drop_contained(boxes, scores, nms(boxes, scores, self.gates.nms_iou))
        # On the squared boxes (what the rest takes), drop a box lying mostly over better
        # ones, several together: the detector also finds a weaker box straddling two faces
        # side by side (IoU ~0.39 with each, under NMS's 0.4), a third "face" that made a
        # second track of a walker in bench_gate.py.
        out: list[tuple[F32, float]] = []
        for i in kept:
            square = _square(boxes[i], w, h)
            if covered(square, [b for b, _ in out]) <= 0.6:
                out.append((square, float(scores[i])))
        return out

    def _detect(self, image: U8Image) -> tuple[F32, F32]:
        """Run the detector once on the whole image: boxes (pixels) and scores above the gate."""
        spec = self.models.detector
        scores, boxes = self._det.run(None, {self._det_in: to_tensor(image, spec)})
        face_scores = scores[0][:, 1]
        mask = face_scores >= self.gates.detect_threshold
        raw = boxes[0][mask]
        if self.models.detector_boxes == "raw":
            raw = decode_raw_boxes(raw, self._priors[mask])
        h, w = image.shape[:2]
        scale = np.array([w, h, w, h], dtype=np.float32)
        return (np.asarray(raw * scale, np.float32).reshape(-1, 4),
                np.asarray(face_scores[mask], np.float32))

    def _detect_windows(self, image: U8Image) -> tuple[F32, F32]:
        """The whole image, then windows of the detector's input size overlapping by 1/4."""
        spec = self.models.detector
        h, w = image.shape[:2]
        all_boxes, all_scores = [], []
        boxes, scores = self._detect(image)
        all_boxes.append(boxes)
        all_scores.append(scores)
        for y in _starts(h, spec.height):
            for x in _starts(w, spec.width):
                boxes, scores = self._detect(image[y : y + spec.height, x : x + spec.width])
                all_boxes.append(boxes + np.array([x, y, x, y], np.float32))
                all_scores.append(scores)
        return np.concatenate(all_boxes), np.concatenate(all_scores)

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

    def align(self, image: U8Image, five: F32, interpolation: int = cv2.INTER_LINEAR) -> U8Image:
        """Warp the face onto the 112x112 ArcFace template (least-squares similarity)."""
        spec = self.models.embedder
        template = ARCFACE_TEMPLATE_112 * np.array([spec.width / 112, spec.height / 112])
        matrix = similarity_transform(five, template.astype(np.float32))
        warped = cv2.warpAffine(image, matrix, (spec.width, spec.height), flags=interpolation,
                                borderValue=(0, 0, 0))
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

    def analyze(self, image: U8Image, embed: bool = True, keep_aligned: bool = False,
                refine_below: int | None = None,
                warp: int = cv2.INTER_LINEAR) -> list[DetectedFace]:
        """Detect all faces, gate their quality, and embed the usable ones.

        With `embed=False, keep_aligned=True` usable faces carry their aligned crop instead,
        to be embedded later if a tracker chooses them. `refine_below` overrides the gates'
        small-face refinement limit (0: none); `warp` is the interpolation of faces not
        refined (refined ones are always bicubic).
        """
        refine = self.gates.refine_below if refine_below is None else refine_below
        faces: list[DetectedFace] = []
        aligned: list[U8Image] = []
        slots: list[int] = []
        for box, score in self.detect_boxes(image):
            face, crop = self._judge(image, box, score, refine, warp)
            if crop is not None and keep_aligned:
                face = replace(face, aligned=crop)
            faces.append(face)
            if crop is not None and embed:
                aligned.append(crop)
                slots.append(len(faces) - 1)
        if aligned:
            for slot, vector in zip(slots, self.embed_aligned(aligned), strict=True):
                faces[slot] = _with_embedding(faces[slot], vector)
        return faces

    def _judge(self, image: U8Image, box: F32, score: float, refine_below: int,
               warp: int) -> tuple[DetectedFace, U8Image | None]:
        bbox = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        if min(bbox[2] - bbox[0], bbox[3] - bbox[1]) < self.gates.min_face_size:
            return DetectedFace(bbox, score, RejectReason.TOO_SMALL), None
        side = min(bbox[2] - bbox[0], bbox[3] - bbox[1])
        small = side < refine_below
        five = self._five_points(image, box, small)
        pose = pose_from_five_points(five)
        crop = self.align(image, five, cv2.INTER_CUBIC if small else warp)
        blur = sharpness(crop, min(bbox[2] - bbox[0], bbox[3] - bbox[1]))
        live = self.liveness(image, box) if self._live is not None else None
        reason = self._reason(blur, pose, live)
        face = DetectedFace(bbox, score, reason, blur, pose, live)
        return face, (crop if reason is None else None)

    def refined_crop(self, image: U8Image, box: tuple[float, float, float, float]) -> U8Image:
        """Align one face with landmarks averaged over jittered boxes and a bicubic warp."""
        five = self._five_points(image, np.array(box, np.float32), True)
        return self.align(image, five, cv2.INTER_CUBIC)

    def embed_refined(self, image: U8Image,
                      boxes: list[tuple[float, float, float, float]]) -> F32:
        """Return embeddings (N, D) of the faces at `boxes`, refined (`refined_crop`)."""
        return self.embed_aligned([self.refined_crop(image, box) for box in boxes])

    def _five_points(self, image: U8Image, box: F32, small: bool) -> F32:
        """The five alignment points; for a small face averaged over jittered boxes, since
        the detector's box of a face a few metres away is off by several pixels."""
        if not small:
            return five_points_from_68(self.landmarks68(image, box))
        h, w = image.shape[:2]
        side = float(box[2] - box[0])
        cx, cy = float(box[0] + box[2]) / 2, float(box[1] + box[3]) / 2
        points = []
        for dx, dy, k in _JITTER:
            half = side * k / 2
            jb = np.array([cx + dx * side - half, cy + dy * side - half,
                           cx + dx * side + half, cy + dy * side + half], np.float32)
            jb = np.clip(jb, 0, np.array([w - 1, h - 1, w - 1, h - 1], np.float32))
            points.append(self.landmarks68(image, jb))
        return five_points_from_68(np.asarray(np.mean(points, axis=0), np.float32))

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


def sharpness(aligned: U8Image, face_size: float) -> float:
    """Variance of the Laplacian of the aligned face at the face's own resolution.

    A small face is enlarged to 112x112 for the embedder, which smooths it; measured on the
    enlarged crop a sharp 50 px face looked blurred (4 % of 50 px LFW faces refused). The
    crop is brought back to the face's size first, so sharpness means the same at any size.
    """
    grey = cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY)
    side = round(face_size)
    if 8 <= side < grey.shape[0]:
        grey = cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


#: (shift x, shift y, scale) of the boxes a small face's landmarks are averaged over.
_JITTER = ((0.0, 0.0, 1.0), (-0.05, 0.0, 1.0), (0.05, 0.0, 1.0), (0.0, -0.05, 1.0),
           (0.0, 0.05, 1.0), (0.0, 0.0, 0.9), (0.0, 0.0, 1.1))


def _with_embedding(face: DetectedFace, vector: F32) -> DetectedFace:
    return replace(face, embedding=vector)


def _starts(total: int, window: int) -> list[int]:
    """Window offsets covering `total` with windows of `window` overlapping by about 1/4."""
    if total <= window:
        return [0]
    n = int(np.ceil((total - window) / (window * 0.75))) + 1
    return [round(i * (total - window) / (n - 1)) for i in range(n)]


def _drop_contained(boxes: F32, scores: F32, kept: list[int]) -> list[int]:
    """Drop a box lying mostly (> 60 %) inside a better one: a face cut by a window's edge."""
    out: list[int] = []
    for i in kept:
        b = boxes[i]
        area = max(float((b[2] - b[0]) * (b[3] - b[1])), 1e-6)
        inside = False
        for j in out:
            c = boxes[j]
            iw = max(0.0, float(min(b[2], c[2]) - max(b[0], c[0])))
            ih = max(0.0, float(min(b[3], c[3]) - max(b[1], c[1])))
            if iw * ih / area > 0.6:
                inside = True
                break
        if not inside:
            out.append(i)
    return out


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
