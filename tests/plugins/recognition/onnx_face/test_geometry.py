"""Geometry of the pipeline: priors, box decoding, NMS, 5-point similarity alignment."""

from __future__ import annotations

import math

import numpy as np
import pytest

from plugins.recognition.onnx_face.geometry import (
    ARCFACE_TEMPLATE_112,
    decode_raw_boxes,
    five_points_from_68,
    nms,
    pose_from_five_points,
    similarity_transform,
    ultraface_priors,
)


def test_priors_match_the_rfb320_output_count():
    """Ultra-Light RFB-320 at 320x240 has 4,420 priors, one per output row."""
    assert ultraface_priors(320, 240).shape == (4420, 4)


def test_raw_offsets_of_zero_decode_to_the_prior_itself():
    """A zero offset decodes to the prior box (centre form -> corners)."""
    priors = np.array([[0.5, 0.5, 0.2, 0.4]], np.float32)
    box = decode_raw_boxes(np.zeros((1, 4), np.float32), priors)[0]
    assert box == pytest.approx([0.4, 0.3, 0.6, 0.7], abs=1e-6)


def test_raw_offsets_round_trip_through_the_rfb320_priors():
    """Offsets encoded SSD-style against the real priors decode back to the same boxes."""
    priors = ultraface_priors(320, 240)[[0, 1000, 4419]]
    boxes = np.array([[0.1, 0.1, 0.2, 0.25], [0.4, 0.3, 0.6, 0.7], [0.0, 0.0, 0.9, 1.0]],
                     np.float32)
    centre, size = (boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2]
    loc = np.concatenate([(centre - priors[:, :2]) / (0.1 * priors[:, 2:]),
                          np.log(size / priors[:, 2:]) / 0.2], axis=1).astype(np.float32)
    assert decode_raw_boxes(loc, priors) == pytest.approx(boxes, abs=1e-5)


def test_nms_keeps_the_best_of_overlapping_boxes_and_separate_ones():
    """Overlapping boxes collapse to the highest score; a distant box survives."""
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.8, 0.9, 0.7], np.float32)
    assert nms(boxes, scores, 0.4) == [1, 2]


def test_similarity_transform_recovers_rotation_scale_and_shift():
    """Least squares recovers a known similarity exactly from five points."""
    angle, scale, shift = math.radians(20), 1.7, np.array([5.0, -3.0])
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    src = ARCFACE_TEMPLATE_112
    dst = (scale * (rot @ src.T)).T + shift
    m = similarity_transform(src, dst.astype(np.float32))
    assert m[:, :2] == pytest.approx(scale * rot, abs=1e-4)
    assert m[:, 2] == pytest.approx(shift, abs=1e-3)


def test_five_points_are_eye_centres_nose_tip_and_mouth_corners():
    """The 68-point reduction averages each eye's lid points and the mouth corner pairs."""
    pts = np.zeros((68, 2), np.float32)
    pts[[37, 38, 40, 41]] = [10, 20]
    pts[[36, 39]] = [0, 0]  # eye corners are not used
    pts[[43, 44, 46, 47]] = [30, 20]
    pts[30] = [20, 30]
    pts[48], pts[60] = [12, 40], [14, 40]
    pts[54], pts[64] = [28, 40], [26, 40]
    five = five_points_from_68(pts)
    assert five.tolist() == [[10, 20], [30, 20], [20, 30], [13, 40], [27, 40]]


def test_pose_of_the_template_is_frontal():
    """The ArcFace template itself is a frontal face: small yaw, pitch and roll."""
    yaw, pitch, roll = pose_from_five_points(ARCFACE_TEMPLATE_112)
    assert abs(yaw) < 5 and abs(pitch) < 15 and abs(roll) < 2
