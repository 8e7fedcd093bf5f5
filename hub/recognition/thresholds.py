"""Thresholds that follow the list's size: a false-alarm rate per search, not per pair (issue 16).

A search compares one face with every face on a list. If one comparison with a stranger
passes threshold t with probability p(t) (the recognizer's measured false-match rate per
comparison), a search of N faces raises a false alarm with probability at most N x p(t)
(the union bound: it needs no independence between the comparisons). So the threshold for
a list of N faces and a target rate R per search is the t with p(t) = R / N: the target holds
by construction at any size, and the threshold rises as the list grows. It never falls
below the recognizer's fixed default (chosen on pairs, docs/recognition.md): short lists
then stay below their target, rather than being matched more loosely.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

__all__ = ["FarCurve", "SizedThresholds", "threshold_for"]

#: (false-match rate per comparison, score threshold) points, measured; any order.
FarCurve = Sequence[tuple[float, float]]


def threshold_for(curve: FarCurve, target: float, entries: int) -> float:
    """Return the score threshold that keeps false alarms per search at `target` or below.

    `entries` is the number of faces a search compares with. The curve is interpolated
    linearly in log10(rate); below its lowest measured rate the last segment is extended.
    Above its highest rate (very short lists) the threshold stays at the curve's lowest one:
    the rate only falls.
    """
    if not 0 < target < 1:
        raise ValueError(f"target false-alarm rate must be between 0 and 1, got {target}")
    if len(curve) < 2:
        raise ValueError("a false-match curve needs at least two points")
    points = sorted((math.log10(rate), thr) for rate, thr in curve)  # rarest first
    want = math.log10(target / max(entries, 1))
    if want >= points[-1][0]:
        return points[-1][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x0 <= want <= x1:
            return y0 + (y1 - y0) * (want - x0) / (x1 - x0)
    (x0, y0), (x1, y1) = points[0], points[1]
    return y0 + (y1 - y0) * (want - x0) / (x1 - x0)


class SizedThresholds:
    """Per-list thresholds: fixed where configured, else from the target rate and list size
    (never below the recognizer's default, the floor)."""

    def __init__(self, fixed: Mapping[str, float], targets: Mapping[str, float],
                 curve: FarCurve | None, defaults: Mapping[str, float]) -> None:
        self.fixed = dict(fixed)
        self.targets = dict(targets)
        self.curve = curve
        self.defaults = dict(defaults)
        self.sizes: dict[str, int] = {}
        self.current: dict[str, float] = self._compute()

    def resize(self, sizes: Mapping[str, int]) -> bool:
        """Take the lists' face counts; return True when a threshold changed."""
        if dict(sizes) == self.sizes:
            return False
        self.sizes = dict(sizes)
        before, self.current = self.current, self._compute()
        return before != self.current

    def _compute(self) -> dict[str, float]:
        out = dict(self.defaults)
        for name, target in self.targets.items():
            if self.curve is not None:
                sized = threshold_for(self.curve, target, self.sizes.get(name, 1))
                out[name] = max(sized, self.defaults.get(name, sized))
        out.update(self.fixed)
        return out

    def __getitem__(self, list_name: str) -> float:
        return self.current[list_name]

    def explain(self) -> dict[str, dict[str, float | int | str]]:
        """Return, per list, the threshold, where it comes from and the list's size."""
        return {
            name: {
                "threshold": round(thr, 4),
                "faces": self.sizes.get(name, 0),
                "rule": ("fixed" if name in self.fixed else
                         f"target {self.targets[name]:g} per search"
                         if name in self.targets and self.curve is not None else "default"),
            }
            for name, thr in self.current.items()
        }
