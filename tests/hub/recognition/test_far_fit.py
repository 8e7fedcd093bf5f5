"""The shipped false-match curve is fitted as a bound, not an estimate (issue 16).

`bench/openset_curve.py` fits onnx_face's `FAR_PER_COMPARISON` from impostor pairs. Checked
here on a population whose false-match rate is known exactly (random unit vectors in 64
dimensions, whose cosine has a known density): every fitted point's true rate is at or below the
rate it claims, so a list sized by the curve stays at its target; the plain estimate has no
such margin. And the shipped curve is what the rule needs: rarer rates, higher thresholds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bench.openset_curve import RATES, Impostors, envelope, poisson_upper
from plugins.recognition.onnx_face.const import DEFAULT_THRESHOLDS, FAR_PER_COMPARISON

DIM = 64


def _true_rate(threshold: float) -> float:
    """P(cosine >= t) of two random unit vectors: density ~ (1 - t^2)^((DIM - 3) / 2)."""
    t = np.linspace(-1.0, 1.0, 400_001)
    density = (1 - t**2) ** ((DIM - 3) / 2)
    return float(density[t >= threshold].sum() / density.sum())


def _unit(rng: np.random.Generator, n: int) -> npt.NDArray[np.float32]:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), np.float32)


def test_fitted_points_bound_the_true_false_match_rate():
    """Fitted on 6 M pairs, each point's true rate is <= its claimed rate, down to the
    rarest rate the pairs can bound; the envelope of two samples is at least each one."""
    rng = np.random.default_rng(16)
    gallery = _unit(rng, 3000)
    curves = {"a": Impostors.of(gallery, _unit(rng, 2000)),
              "b": Impostors.of(gallery, _unit(rng, 2000))}
    fitted = envelope(curves)
    assert len(fitted) >= 8  # 1e-2 .. 1e-5.5 at least
    for rate, threshold in fitted:
        assert _true_rate(threshold) <= rate, (rate, threshold, _true_rate(threshold))
        for curve in curves.values():
            bound = curve.bound(rate)
            assert bound is not None and threshold >= bound
            estimate = curve.estimate(rate)
            assert estimate is not None and bound >= estimate
    assert curves["a"].bound(min(RATES) / 100) is None  # too few pairs: no claim made
    optimistic = [r for r in RATES if (e := curves["a"].estimate(r)) is not None
                  and _true_rate(e) > r]
    assert optimistic  # the plain estimate claims too little at some rates: why the bound


def test_poisson_upper_bound_matches_the_exact_values():
    """One-sided 95 % upper bounds of a Poisson mean (exact: 3.00 for 0 events, 7.75 for 3,
    18.21 for 11, 118.08 for 100)."""
    for k, exact in ((0, 2.996), (3, 7.754), (11, 18.208), (100, 118.079)):
        assert abs(poisson_upper(k) - exact) / exact < 0.02, (k, poisson_upper(k))


def test_shipped_curve_rises_as_the_rate_falls():
    """Rarer false matches need higher thresholds, measured down to 1e-6 (10,000 people at
    1 % per search), reaching above the watch floor so that long lists get stricter."""
    points = sorted(FAR_PER_COMPARISON, reverse=True)  # most frequent first
    thresholds = [t for _, t in points]
    assert thresholds == sorted(thresholds) and len(set(thresholds)) == len(thresholds)
    assert points[0][0] >= 1e-2 and points[-1][0] <= 1e-6
    assert max(thresholds) > DEFAULT_THRESHOLDS["watch"]
