"""Automation engine figures: trigger-to-action latency, burst triggers/s, load time, templates.

    .venv/bin/python bench/bench_automation.py [--samples 2000] [--rounds 5]

Our side only; bench/bench_core.py runs the same kind of scenarios against Home Assistant.
Each automation: the state of its own entity changes -> fire an event (HA's shape). The
recorder is off, as in the core bench's first table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub import Hub
from hub.bus import Event
from hub.config import validate_config
from hub.plugins import PluginRegistry

ACTION = "bench_action"


def _automations(count: int, templated: bool) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        item: dict[str, Any] = {
            "id": f"bench_{i}",
            "trigger": [{"platform": "state", "entity_id": f"sensor.bench_{i}"}],
            "action": [{"event": ACTION, "event_data": {"n": i}}],
        }
        if templated:
            item["condition"] = ["{{ trigger.to_state.state in ('on', 'off') }}"]
            item["action"] = [{"event": ACTION, "event_data": {
                "n": i, "state": "{{ trigger.to_state.state }}",
                "gate": "{{ states('sensor.bench_0') }}"}}]
        out.append(item)
    return out


async def _hub(data_dir: Path, count: int, templated: bool = False) -> tuple[Hub, float]:
    raw = {"hub": {"data_dir": str(data_dir)}, "recorder": {"enabled": False},
           "automation": _automations(count, templated)}
    started = time.perf_counter()
    config = validate_config(raw, {}, data_dir / "site.yaml")
    hub = Hub(config, PluginRegistry())
    for i in range(count):
        hub.states.set(f"sensor.bench_{i}", "off")
    await hub.start()
    return hub, time.perf_counter() - started


async def _until(done: Any) -> None:
    while not done():  # noqa: ASYNC110 - a busy yield adds no wake-up latency to the figure
        await asyncio.sleep(0)


async def latency(data_dir: Path, count: int, samples: int, templated: bool = False
                  ) -> tuple[float, float]:
    """Return p50 and p99 ms from states.set to the automation's event."""
    hub, _ = await _hub(data_dir, count, templated)
    seen: list[float] = []
    hub.bus.listen(ACTION, lambda event: seen.append(time.perf_counter()))
    values = [False] * count
    out = []
    for k in range(samples + 20):
        index = (k * 7919) % count
        values[index] = not values[index]
        seen.clear()
        start = time.perf_counter()
        hub.states.set(f"sensor.bench_{index}", "on" if values[index] else "off")
        await _until(lambda: seen)
        if k >= 20:
            out.append(seen[0] - start)
        automation = hub.components["automation"].automations[f"bench_{index}"]
        await _until(lambda a=automation: not a.runs)
    await hub.stop()
    out.sort()
    return out[len(out) // 2] * 1e3, out[int(len(out) * 0.99)] * 1e3


async def burst(data_dir: Path, count: int, rounds: int, templated: bool = False) -> float:
    """Return the median triggers/s when all `count` entities change at once."""
    hub, _ = await _hub(data_dir, count, templated)
    box = [0]

    def seen(event: Event) -> None:
        box[0] += 1

    hub.bus.listen(ACTION, seen)
    automations = list(hub.components["automation"].automations.values())
    rates = []
    for rnd in range(rounds):
        box[0] = 0
        start = time.perf_counter()
        for i in range(count):
            hub.states.set(f"sensor.bench_{i}", "on" if rnd % 2 == 0 else "off")
        await _until(lambda: box[0] >= count)
        rates.append(count / (time.perf_counter() - start))
        await _until(lambda: not any(a.runs for a in automations))
    await hub.stop()
    return statistics.median(rates)


async def untouched(data_dir: Path, count: int, writes: int) -> float:
    """Return state writes/s on entities no automation watches, with `count` automations."""
    hub, _ = await _hub(data_dir, count)
    start = time.perf_counter()
    for k in range(writes):
        hub.states.set("sensor.other", "on" if k % 2 else "off")
    rate = writes / (time.perf_counter() - start)
    await hub.stop()
    return rate


async def load(data_dir: Path, count: int) -> tuple[float, float]:
    """Return seconds to validate and start a hub with `count` automations (imports warm),
    and the MiB they hold (a second start under tracemalloc, which slows it down)."""
    times = []
    for _ in range(3):
        gc.collect()
        hub, seconds = await _hub(data_dir, count)
        times.append(seconds)
        await hub.stop()
    gc.collect()
    tracemalloc.start()
    hub, _ = await _hub(data_dir, count)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    await hub.stop()
    return statistics.median(times), held


async def main() -> None:
    """Run every scenario and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        print("trigger-to-action latency, state -> event action (p50 / p99 ms):")
        for count in (1, 100, 1000):
            p50, p99 = await latency(data, count, args.samples)
            print(f"  {count:5d} automations: {p50:.3f} / {p99:.3f}   (HA 1,000: 0.15 / 0.46)")
        p50, p99 = await latency(data, 1000, args.samples, templated=True)
        print(f"  1000 templated (condition + 2 data templates): {p50:.3f} / {p99:.3f}")
        rate = await burst(data, 1000, args.rounds)
        print(f"burst over 1,000 automations: {rate:,.0f} triggers/s   (HA: 2,800)")
        rate = await burst(data, 1000, args.rounds, templated=True)
        print(f"burst over 1,000 templated automations: {rate:,.0f} triggers/s")
        rate = await untouched(data, 1000, 100_000)
        print(f"state writes/s on an unwatched entity with 1,000 automations: {rate:,.0f}")
        seconds, held = await load(data, 1000)
        print(f"validate + start with 1,000 automations: {seconds:.3f} s, "
              f"{held:.1f} MiB allocated (tracemalloc)")


if __name__ == "__main__":
    asyncio.run(main())
