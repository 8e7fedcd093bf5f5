"""Campus Hub side: trigger-to-action latency and burst triggers/s over many automations."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from hub import Hub
from hub.bus import Event

from .ours_bus import recorder_figures
from .ours_hub import start_hub, until
from .spec import ACTION_EVENT, entity_id
from .stats import latency_figures, median, preemptions

__all__ = ["burst", "latency"]

_WARMUP = 10


async def latency(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Trigger-to-action latency: state set -> automation's event action seen by a listener."""
    count = params["automations"]
    hub = await start_hub(
        data_dir, automations=count, states=count, recorder=params.get("recorder", False)
    )
    seen: list[float] = []

    def on_action(event: Event) -> None:
        seen.append(time.perf_counter())

    hub.bus.listen(ACTION_EVENT, on_action)
    samples: list[float] = []
    preempted: list[bool] = []
    step = max(1, count // 7 + 1)
    flipped = [False] * count
    for k in range(params["samples"] + _WARMUP):
        index = (k * step) % count
        flipped[index] = not flipped[index]
        seen.clear()
        switches = preemptions()
        start = time.perf_counter()
        hub.states.set(entity_id(index), "on" if flipped[index] else "off")
        await until(lambda: bool(seen))
        if k >= _WARMUP:  # the first runs warm caches
            samples.append(seen[0] - start)
            preempted.append(preemptions() != switches)
        for _ in range(3):
            await asyncio.sleep(0)
    result: dict[str, Any] = latency_figures(samples, preempted)
    if params.get("recorder"):
        result.update(await recorder_figures(hub))
    await hub.stop()
    return result


async def burst(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Triggers/s when every one of N automations' entities changes at once."""
    count = params["automations"]
    recorder = params.get("recorder", False)
    hub = await start_hub(data_dir, automations=count, states=count, recorder=recorder)
    box = [0]

    def on_action(event: Event) -> None:
        box[0] += 1

    hub.bus.listen(ACTION_EVENT, on_action)
    rates = []
    for rnd in range(params["rounds"]):
        box[0] = 0
        value = "on" if rnd % 2 == 0 else "off"
        start = time.perf_counter()
        for i in range(count):
            hub.states.set(entity_id(i), value)
        await until(lambda: box[0] >= count)
        rates.append(count / (time.perf_counter() - start))
        await _settle(hub)
    result: dict[str, Any] = {"triggers_per_s": median(rates)}
    if recorder:
        result.update(await recorder_figures(hub, expected_states=count * params["rounds"]))
    await hub.stop()
    return result


async def _settle(hub: Hub) -> None:
    """Wait until every run has finished (the HA side calls async_block_till_done)."""
    automations = hub.components["automation"].automations.values()
    await until(lambda: not any(a.runs for a in automations))
