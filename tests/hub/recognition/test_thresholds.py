"""Thresholds that follow the list's size keep false alarms per search at the target (issue 16).

The rule is checked on a population whose impostor scores are known exactly: random unit
vectors in 64 dimensions (cosine ~ normal with sd 1/8), so the curve handed to the rule is
the true false-match rate per comparison, and searches are simulated against lists of 10 to
3,000 entries.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hub.recognition.config import RecognitionConfig
from hub.recognition.thresholds import SizedThresholds, threshold_for

DIM = 64


def _curve() -> list[tuple[float, float]]:
    """Exact false-match rate per comparison of random unit vectors in DIM dimensions."""
    sd = 1 / math.sqrt(DIM)
    return [(0.5 * math.erfc(t / sd / math.sqrt(2)), t) for t in np.arange(0.1, 0.75, 0.05)]


def _false_alarms(threshold: float, entries: int, searches: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    gallery = rng.standard_normal((entries, DIM)).astype(np.float32)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    probes = rng.standard_normal((searches, DIM)).astype(np.float32)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    return float(((probes @ gallery.T).max(axis=1) >= threshold).mean())


@pytest.mark.parametrize("entries", [10, 300, 3000])
def test_false_alarms_per_search_stay_at_the_target_whatever_the_list_size(entries):
    """At 1 % per search the measured rate is <= 1 % at 10, 300 and 3,000 entries, while one
    fixed threshold (right for 10) lets the rate grow with the list."""
    curve = _curve()
    sized = threshold_for(curve, 0.01, entries)
    rate = _false_alarms(sized, entries, 4000, seed=entries)
    assert rate <= 0.013, f"{entries} entries: {rate:.4f} false alarms per search"
    fixed = threshold_for(curve, 0.01, 10)
    if entries >= 300:
        assert _false_alarms(fixed, entries, 4000, seed=entries) > 0.05
    assert threshold_for(curve, 0.01, entries * 10) > sized  # longer list, higher threshold


def test_rule_interpolates_in_log_rate_and_extends_the_last_segment():
    """Between measured points the threshold is interpolated in log10(rate); past the rarest
    point the last segment is extended; very short lists keep the lowest threshold."""
    curve = [(1e-3, 0.3), (1e-4, 0.4), (1e-5, 0.5)]
    assert threshold_for(curve, 0.01, 10) == pytest.approx(0.3)
    assert threshold_for(curve, 0.01, 100) == pytest.approx(0.4)
    assert threshold_for(curve, 0.01, 300) == pytest.approx(0.4 + 0.1 * math.log10(3))
    assert threshold_for(curve, 0.01, 10**4) == pytest.approx(0.6)
    assert threshold_for(curve, 0.01, 10**5) == pytest.approx(0.7)
    assert threshold_for(curve, 0.5, 1) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        threshold_for(curve, 1.5, 10)


def test_fixed_thresholds_win_and_the_default_is_a_floor():
    """A configured threshold is used as is; a sized one never falls below the default."""
    curve = [(1e-3, 0.3), (1e-4, 0.4), (1e-5, 0.5), (1e-6, 0.6)]
    rule = SizedThresholds({"allow": 0.7}, {"allow": 0.001, "watch": 0.01}, curve,
                           {"allow": 0.55, "watch": 0.45})
    assert rule["allow"] == 0.7 and rule["watch"] == 0.45
    assert rule.resize({"allow": 10, "watch": 10_000})
    assert rule["allow"] == 0.7 and rule["watch"] == pytest.approx(0.6)
    assert not rule.resize({"allow": 10, "watch": 10_000})
    assert rule.explain()["watch"] == {"threshold": 0.6, "faces": 10_000,
                                       "rule": "target 0.01 per search"}
    no_curve = SizedThresholds({}, {"watch": 0.01}, None, {"allow": 0.775, "watch": 0.725})
    no_curve.resize({"watch": 10_000})
    assert no_curve["watch"] == 0.725


def test_config_takes_a_rate_per_list_and_refuses_a_percentage():
    """`false_alarm_rate` defaults to 0.1 % (allow) and 1 % (watch); 5 (meaning 5 %) is
    refused with the field named."""
    assert RecognitionConfig().false_alarm_rate == {"allow": 0.001, "watch": 0.01}
    with pytest.raises(ValueError, match="false_alarm_rate") as err:
        RecognitionConfig(false_alarm_rate={"watch": 5})
    assert "between 0 and 1" in str(err.value)
