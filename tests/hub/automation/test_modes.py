"""Run modes: single, restart, queued, parallel (with max), and max_exceeded."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.testing import wait_for

from .conftest import Site, fired

RUN = """
automation:
  - id: gate_cycle
    mode: {mode}
    max: {max}
    trigger: {{platform: event, event_type: go}}
    action:
      - event: started
        event_data: {{n: "{{{{ trigger.event.data.n }}}}"}}
      - delay: 0.4
      - event: ended
        event_data: {{n: "{{{{ trigger.event.data.n }}}}"}}
"""


ORDER: list[str] = []


Burst = tuple[list[str], list[Any], list[Any]]


async def _burst(site: Site, mode: str, max_runs: int = 10) -> Burst:
    """Fire three triggers 20 ms apart at a 400 ms automation; return results and events."""
    h = await site(RUN.format(mode=mode, max=max_runs))
    for n in (1, 2, 3):
        h.hub.bus.fire("go", {"n": n})
        await asyncio.sleep(0.02)
    automation = h.hub.components["automation"].get("gate_cycle")
    await wait_for(lambda: all(t.finished for t in automation.traces), timeout=5)
    results = [t.result for t in automation.traces]
    started = [e["n"] for e in fired(h, "started")]
    ended = [e["n"] for e in fired(h, "ended")]
    ORDER[:] = [e.event_type for e in h.events if e.event_type in ("started", "ended")]
    return results, started, ended


async def test_single_ignores_triggers_while_running(site: Site) -> None:
    """single: a trigger during a run is skipped (and traced as skipped)."""
    results, started, ended = await _burst(site, "single")
    assert results == ["finished", "skipped", "skipped"]
    assert started == ended == [1]


async def test_restart_cancels_the_running_run(site: Site) -> None:
    """restart: a new trigger cancels the running run and starts again."""
    results, started, ended = await _burst(site, "restart")
    assert results == ["cancelled", "cancelled", "finished"]
    assert started == [1, 2, 3] and ended == [3]


async def test_queued_runs_one_after_another(site: Site) -> None:
    """queued: runs wait their turn and run in order, never overlapping."""
    results, started, ended = await _burst(site, "queued")
    assert results == ["finished", "finished", "finished"]
    assert started == ended == [1, 2, 3]
    assert ORDER == ["started", "ended"] * 3


async def test_queued_max_refuses_beyond_queue(site: Site) -> None:
    """queued with max 2: one running plus one waiting; the third is skipped."""
    results, started, _ = await _burst(site, "queued", 2)
    assert results == ["finished", "finished", "skipped"]
    assert started == [1, 2]


async def test_parallel_runs_overlap_up_to_max(site: Site) -> None:
    """parallel: runs overlap (all start before any ends); beyond max they are skipped."""
    results, started, ended = await _burst(site, "parallel")
    assert results == ["finished"] * 3
    assert started == [1, 2, 3] and sorted(ended) == [1, 2, 3]
    assert ORDER == ["started"] * 3 + ["ended"] * 3
    results, started, _ = await _burst(site, "parallel", 2)
    assert results == ["finished", "finished", "skipped"]
