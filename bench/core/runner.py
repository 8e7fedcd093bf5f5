"""Run every scenario on both sides, run after run, and keep each run's figures."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .sides import Side
from .spec import Sizes

__all__ = ["Results", "run_bench", "throughput_jobs"]

Job = dict[str, Any]


@dataclass
class Results:
    """Per side and job key, one result dict per run."""

    runs: int
    sizes: Sizes
    by_side: dict[str, dict[str, list[dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    load: list[tuple[float, float, float]] = field(default_factory=list)
    seconds: float = 0.0

    def values(self, side: str, key: str) -> list[dict[str, Any]]:
        """Return the per-run results of one job on one side."""
        return self.by_side[side][key]


def throughput_jobs(sizes: Sizes, recorder: bool = False) -> list[tuple[str, Job]]:
    """Return (key, job) for the bus, state and automation scenarios, in run order."""
    rec = {"recorder": True} if recorder else {}
    jobs: list[tuple[str, Job]] = [
        (
            "events_1",
            {
                "scenario": "events",
                "params": {
                    "n": sizes.events,
                    "other_listeners": 0,
                    "repeats": sizes.repeats,
                    **rec,
                },
            },
        ),
        (
            "events_100",
            {
                "scenario": "events",
                "params": {
                    "n": sizes.events,
                    "other_listeners": 100,
                    "repeats": sizes.repeats,
                    **rec,
                },
            },
        ),
        (
            "state_writes",
            {
                "scenario": "state_writes",
                "params": {
                    "n": sizes.state_writes,
                    "entities": sizes.state_entities,
                    "repeats": sizes.repeats,
                    **rec,
                },
            },
        ),
    ]
    for count in sizes.latency_automations:
        jobs.append(
            (
                f"latency_{count}",
                {
                    "scenario": "latency",
                    "params": {"automations": count, "samples": sizes.latency_samples, **rec},
                },
            )
        )
    jobs.append(
        (
            "burst",
            {
                "scenario": "burst",
                "params": {
                    "automations": sizes.burst_automations,
                    "rounds": sizes.burst_rounds,
                    **rec,
                },
            },
        )
    )
    return jobs


def startup_jobs(sizes: Sizes, recorder: bool = False) -> list[tuple[str, Job]]:
    """Return (key, job) for the start-up scenarios; each runs in its own process."""
    rec = {"recorder": True} if recorder else {}
    return [
        (
            f"startup_{kind}",
            {
                "scenario": "startup",
                "params": {
                    "automations": sizes.startup_automations,
                    "entities": sizes.startup_entities,
                    "entity_objects": kind == "objects",
                    **rec,
                },
            },
        )
        for kind in ("states", "objects")
    ]


def sustained_job(sizes: Sizes) -> list[tuple[str, Job]]:
    """Return the recorder's keep-up job (Campus Hub only)."""
    params = {
        "rate": sizes.sustained_rate,
        "seconds": sizes.sustained_seconds,
        "entities": sizes.state_entities,
    }
    return [("sustained", {"scenario": "sustained", "params": params})]


Step = tuple[str, Side, str, list[tuple[str, Job]]]


def _steps(ours: Side, theirs: Side, sizes: Sizes, run: int, recorder: bool) -> list[Step]:
    """Return one run's steps: throughput on both sides, then start-ups taking turns."""
    pairs = [("ours", ours), ("theirs", theirs)]
    if recorder:
        pairs.append(("ours+recorder", ours))
    if run % 2:
        pairs.reverse()
    steps: list[Step] = []
    for name, side in pairs:
        steps.append(
            (
                name,
                side,
                "bus, states, automations",
                throughput_jobs(sizes, recorder=name == "ours+recorder"),
            )
        )
    # Start-up is the figure the machine's load moves most: each side starts in turn,
    # several times, so a busy moment does not land on one side only.
    for _ in range(sizes.startup_repeats):
        for name, side in pairs:
            for key, job in startup_jobs(sizes, recorder=name == "ours+recorder"):
                steps.append((name, side, key, [(key, job)]))
    if recorder:
        steps.append(("ours+recorder", ours, "sustained writes", sustained_job(sizes)))
    return steps


def run_bench(
    ours: Side, theirs: Side, sizes: Sizes, runs: int, recorder: bool, log: Any = print
) -> Results:
    """Run `runs` rounds; in each, both sides run every scenario (order alternates)."""
    results = Results(runs, sizes)
    began = time.monotonic()
    results.load.append(os.getloadavg())
    for run in range(runs):
        for name, side, what, jobs in _steps(ours, theirs, sizes, run, recorder):
            started = time.monotonic()
            _record(results, name, jobs, side.run)
            log(f"run {run + 1}/{runs}: {name}: {what} ({time.monotonic() - started:.1f} s)")
        results.load.append(os.getloadavg())
    results.seconds = time.monotonic() - began
    return results


def _record(results: Results, side: str, jobs: list[tuple[str, Job]], run: Any) -> None:
    outputs = run([job for _, job in jobs])
    for (key, _), output in zip(jobs, outputs, strict=True):
        results.by_side[side][key].append(output)
