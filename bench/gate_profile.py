"""Where a gate decision's time goes (bench/bench_gate.py --profile; issue 16).

Every worker-pool call made for one frame (its sightings, a decision's urgent embeddings;
embeddings made ahead are only counted) is timed: waiting for a worker (the queue),
running in it, and getting back onto the event loop. A loop-lag probe (a 2 ms sleep
that wakes late) and the cyclic GC's pauses (`gc.callbacks`) are recorded on the side.
`summary` prints the mean breakdown of the median and of the slowest decisions.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: (function, asked, started in the worker, ended, back on the loop, priority)
Call = tuple[str, float, float, float, float, int]
CALLS: contextvars.ContextVar[list[Call] | None] = contextvars.ContextVar("calls", default=None)


@dataclass
class Profile:
    """What was recorded during one run."""

    gc_pauses: list[tuple[float, float]] = field(default_factory=list)
    lags: list[tuple[float, float]] = field(default_factory=list)
    rows: list[dict[str, float]] = field(default_factory=list)
    #: pool calls by (function, priority)
    calls: dict[tuple[str, int], int] = field(default_factory=dict)
    _gc_start: float = 0.0

    def install(self) -> Callable[[], None]:
        """Time every WorkerPool.run and every GC pass; return the undo."""
        from plugins.recognition.onnx_face import worker

        original = worker.WorkerPool.run

        async def timed_run(pool: Any, func: Callable[..., Any], *args: Any,
                            priority: int = worker.NORMAL) -> Any:
            calls = CALLS.get()
            if calls is None:
                return await original(pool, func, *args, priority=priority)
            marks: dict[str, float] = {}

            def inner(*a: Any) -> Any:
                marks["start"] = time.perf_counter()
                try:
                    return func(*a)
                finally:
                    marks["end"] = time.perf_counter()

            asked = time.perf_counter()
            out = await original(pool, inner, *args, priority=priority)
            calls.append((func.__name__, asked, marks["start"], marks["end"],
                          time.perf_counter(), priority))
            self.calls[func.__name__, priority] = self.calls.get((func.__name__, priority),
                                                                  0) + 1
            return out

        def on_gc(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                self._gc_start = time.perf_counter()
            else:
                self.gc_pauses.append((self._gc_start, time.perf_counter()))

        worker.WorkerPool.run = timed_run  # type: ignore[method-assign,assignment]
        gc.callbacks.append(on_gc)

        def undo() -> None:
            worker.WorkerPool.run = original  # type: ignore[method-assign]
            gc.callbacks.remove(on_gc)

        return undo

    async def probe(self, until: float) -> None:
        """Record how late a 2 ms sleep wakes (the loop busy or the GIL held)."""
        while time.perf_counter() < until:
            asked = time.perf_counter()
            await asyncio.sleep(0.002)
            late = time.perf_counter() - asked - 0.002
            if late > 0.005:
                self.lags.append((asked, late))

    def decision(self, captured: float, done: float, calls: list[Call]) -> None:
        """Break one frame -> decision time down from its pool calls."""
        from plugins.recognition.onnx_face.worker import URGENT

        sight = [c for c in calls if c[0] == "sight_in_worker"]
        embeds = [c for c in calls if c[0] != "sight_in_worker" and c[5] == URGENT]
        row = {"total": done - captured}
        if sight:
            s = sight[0]
            row |= {"sight_queue": s[2] - s[1], "sight_run": s[3] - s[2],
                    "sight_back": s[4] - s[3], "before": s[1] - captured}
            row["between"] = (min(c[1] for c in embeds) - s[4]) if embeds else 0.0
        if embeds:
            last = max(embeds, key=lambda c: c[4])
            row |= {"embed_queue": last[2] - last[1], "embed_run": last[3] - last[2],
                    "embed_back": last[4] - last[3], "after": done - last[4]}
        row["gc"] = sum(max(0.0, min(b, done) - max(a, captured)) for a, b in self.gc_pauses)
        row["lag_max"] = max((lag for t, lag in self.lags if captured <= t <= done),
                             default=0.0)
        self.rows.append(row)

    def summary(self) -> str:
        """The mean breakdown (ms) of decisions around the median and of the slowest 2 %."""
        if not self.rows:
            return "profile: no decisions"
        rows = sorted(self.rows, key=lambda r: r["total"])
        n = len(rows)
        mid = rows[int(n * 0.4) : max(int(n * 0.6), int(n * 0.4) + 1)]
        tail = rows[min(int(n * 0.98), n - 1) :]
        keys = ["total", "before", "sight_queue", "sight_run", "sight_back", "between",
                "embed_queue", "embed_run", "embed_back", "after", "gc", "lag_max"]

        def line(name: str, part: list[dict[str, float]]) -> str:
            means = {k: float(np.mean([r.get(k, 0.0) for r in part])) * 1000 for k in keys}
            return f"  {name} ({len(part)}): " + ", ".join(f"{k} {v:.0f}"
                                                           for k, v in means.items())

        pauses = [b - a for a, b in self.gc_pauses]
        return "\n".join([
            "profile, ms (queue = waiting for a worker, back = worker done -> loop resumed):",
            line("p40-60", mid), line("slowest 2 %", tail),
            f"  GC passes {len(pauses)}, longest {max(pauses, default=0) * 1000:.1f} ms, "
            f"total {sum(pauses) * 1000:.0f} ms; loop woke > 5 ms late {len(self.lags)} times, "
            f"worst {max((lag for _, lag in self.lags), default=0) * 1000:.0f} ms",
            "  pool calls (function, priority 0 urgent / 1 normal / 2 background): "
            + ", ".join(f"{f} {p}: {n}" for (f, p), n in sorted(self.calls.items())),
        ])
