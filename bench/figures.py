"""Figures several bench scripts print: a percentile and a latency row."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

__all__ = ["latency_row", "percentile"]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0-1) of `values`: the sample nearest q of the way from least to most."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_row(name: str, seconds: Sequence[float], width: int = 34) -> str:
    """One line: `name`, the count, and p50/p99/max in milliseconds."""
    ms = [v * 1000 for v in seconds]
    return (f"{name:<{width}} n={len(ms):<4} p50 {statistics.median(ms):7.1f} ms   "
            f"p99 {percentile(ms, 0.99):7.1f} ms   max {max(ms):7.1f} ms")
