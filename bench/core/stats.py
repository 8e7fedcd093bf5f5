"""Small statistics and process helpers shared by the scenario modules (stdlib only)."""

from __future__ import annotations

import math
import resource
import statistics
from collections.abc import Sequence

__all__ = ["cpu_seconds", "latency_figures", "median", "percentile", "preemptions", "rss_mib"]


def median(values: Sequence[float]) -> float:
    """Return the median of `values` (nan when empty)."""
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the nearest-rank percentile `pct` (0-100) of `values`."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def rss_mib() -> tuple[float, float]:
    """Return this process's (current RSS, peak RSS) in MiB from /proc/self/status."""
    fields = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", math.nan), fields.get("VmHWM", math.nan)


def preemptions() -> int:
    """Return how often the OS has preempted this thread (involuntary context switches)."""
    return resource.getrusage(resource.RUSAGE_THREAD).ru_nivcsw


def latency_figures(samples: list[float], preempted: list[bool]) -> dict[str, float]:
    """Return p50/p99 in ms over all samples and over the samples the OS did not preempt."""
    clean = [s for s, hit in zip(samples, preempted, strict=True) if not hit]
    return {
        "p50_ms": percentile(samples, 50) * 1e3,
        "p99_ms": percentile(samples, 99) * 1e3,
        "clean_p50_ms": percentile(clean, 50) * 1e3,
        "clean_p99_ms": percentile(clean, 99) * 1e3,
        "preempted_share": 1 - len(clean) / len(samples) if samples else math.nan,
    }


def cpu_seconds() -> float:
    """Return the CPU time (user + system, all threads) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
