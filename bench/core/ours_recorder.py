"""Campus Hub side: does the recorder keep up with state writes at Home Assistant's rate?

State writes are paced at a target rate (HA's state-write figure) for some seconds, yielding
to the loop between chunks as device callbacks would; meanwhile a task raises an incident
every quarter second. Reported: the rate achieved, how far the recorder's queue fell behind,
how long it took to drain, how long each incident took to be committed, and what is missing
from the database afterwards.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from hub import Hub

from .ours_bus import recorder_figures
from .ours_hub import start_hub
from .spec import entity_id
from .stats import median, percentile

__all__ = ["sustained"]

_CHUNK = 250
_INCIDENT_EVERY = 0.25


async def sustained(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Write states at `rate`/s for `seconds` with the recorder on; see the module doc."""
    rate, count = float(params["rate"]), params["entities"]
    total = int(rate * params["seconds"]) // count * count
    hub = await start_hub(data_dir, recorder=True, states=count)
    writer = hub.components["recorder"].writer
    raise_times: list[float] = []
    stop = asyncio.Event()
    incidents = hub.create_task(_raise_incidents(hub, raise_times, stop), name="incidents")
    ids = [entity_id(i) for i in range(count)]
    attrs = [{"friendly_name": f"Bench {i}"} for i in range(count)]
    written, max_queue = 0, 0
    start = time.perf_counter()
    while written < total:
        for i in range(written, min(total, written + _CHUNK)):
            value = "on" if (i // count) % 2 == 0 else "off"
            hub.states.set(ids[i % count], value, attrs[i % count])
        written = min(total, written + _CHUNK)
        max_queue = max(max_queue, writer.queued)
        await asyncio.sleep(max(0.0, start + written / rate - time.perf_counter()))
    elapsed = time.perf_counter() - start
    behind = writer.queued
    stop.set()
    await incidents
    drain_start = time.perf_counter()
    await writer.flush()
    result: dict[str, Any] = {
        "target_per_s": rate,
        "achieved_per_s": written / elapsed,
        "committed_per_s": (written - behind) / elapsed,
        "queue_at_end": behind,
        "max_queue": max_queue,
        "drain_s": time.perf_counter() - drain_start,
        "incident_commit_p50_ms": median(raise_times) * 1e3,
        "incident_commit_max_ms": max(raise_times, default=float("nan")) * 1e3,
        "incident_commit_p99_ms": percentile(raise_times, 99) * 1e3,
    }
    result.update(
        await recorder_figures(hub, expected_states=written, expected_incidents=len(raise_times))
    )
    await hub.stop()
    return result


async def _raise_incidents(hub: Hub, times: list[float], stop: asyncio.Event) -> None:
    k = 0
    while not stop.is_set():
        await asyncio.sleep(_INCIDENT_EVERY)
        began = time.perf_counter()
        await hub.incidents.raise_incident("panic", source=f"alarm.sustained_{k}", message="b")
        times.append(time.perf_counter() - began)
        k += 1
