"""The Home Assistant side of the core bench; runs inside bench/.ha-venv (homeassistant 2024.3.3).

Reads `{"jobs": [{"scenario": name, "params": {...}}, ...]}` on stdin and prints one JSON line
per job. Each job runs on a fresh event loop with a fresh `HomeAssistant` in a temporary
config folder: base registries loaded (bootstrap.async_load_base_functionality), the
automation component set up through async_setup_component, no HTTP, no recorder.
Bus listeners use HA's fastest path (`@callback`, run_immediately=True), as HA's own
state-trigger tracking does.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_T_PROCESS = time.time()
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.core.spec import ACTION_EVENT, BUS_EVENT, automation_config, entity_id  # noqa: E402
from bench.core.stats import (  # noqa: E402
    cpu_seconds,
    latency_figures,
    median,
    preemptions,
    rss_mib,
)

_T_IMPORT = time.time()
from homeassistant import bootstrap, config_entries, core, loader  # noqa: E402
from homeassistant.const import EVENT_STATE_CHANGED  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402

_IMPORT_S = time.time() - _T_IMPORT
logging.basicConfig(level=logging.ERROR)


async def _make_hass(config_dir: str) -> core.HomeAssistant:
    hass = core.HomeAssistant(config_dir)
    loader.async_setup(hass)
    hass.config.skip_pip = True
    hass.config.set_time_zone("UTC")
    hass.config_entries = config_entries.ConfigEntries(hass, {})
    await bootstrap.async_load_base_functionality(hass)
    return hass


async def _start(hass: core.HomeAssistant, automations: int, domain: str = "sensor") -> None:
    if automations:
        config = {"automation": automation_config(automations, domain)}
        if not await async_setup_component(hass, "automation", config):
            raise RuntimeError("automation component failed to set up")
    await hass.async_start()
    await hass.async_block_till_done()


async def _stop(hass: core.HomeAssistant) -> None:
    await hass.async_stop(force=True)


async def _until(done: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the bench waited 60 s for listeners: events were lost")
        await asyncio.sleep(0)


def _counter() -> tuple[list[int], Callable[[core.Event], None]]:
    box = [0]

    @core.callback
    def listener(event: core.Event) -> None:
        box[0] += 1

    return box, listener


async def events(params: dict[str, Any], config_dir: str) -> dict[str, Any]:
    """Events/s to one listener (optionally with listeners on other event types)."""
    hass = await _make_hass(config_dir)
    await _start(hass, 0)
    box, listener = _counter()
    hass.bus.async_listen(BUS_EVENT, listener, run_immediately=True)
    for k in range(params["other_listeners"]):
        hass.bus.async_listen(f"other_event_{k}", _counter()[1], run_immediately=True)
    n, rates = params["n"], []
    for _ in range(params["repeats"]):
        box[0] = 0
        fire = hass.bus.async_fire
        start = time.perf_counter()
        for i in range(n):
            fire(BUS_EVENT, {"n": i})
        await _until(lambda: box[0] >= n)
        rates.append(n / (time.perf_counter() - start))
    await _stop(hass)
    return {"events_per_s": median(rates)}


async def state_writes(params: dict[str, Any], config_dir: str) -> dict[str, Any]:
    """State writes/s with one state_changed listener."""
    hass = await _make_hass(config_dir)
    await _start(hass, 0)
    box, listener = _counter()
    hass.bus.async_listen(EVENT_STATE_CHANGED, listener, run_immediately=True)
    count = params["entities"]
    ids = [entity_id(i) for i in range(count)]
    attrs = [{"friendly_name": f"Bench {i}"} for i in range(count)]
    for i in range(count):
        hass.states.async_set(ids[i], "off", attrs[i])
    n, rates = params["n"], []
    passes = n // count  # each pass flips every entity, so every write is a change
    for rep in range(params["repeats"]):
        box[0] = 0
        set_state = hass.states.async_set
        start = time.perf_counter()
        for i in range(passes * count):
            index = i % count
            flip = (rep * passes + i // count) % 2 == 0
            set_state(ids[index], "on" if flip else "off", attrs[index])
        await _until(lambda: box[0] >= passes * count)
        rates.append(n / (time.perf_counter() - start))
    await _stop(hass)
    return {"writes_per_s": median(rates)}


async def _automation_hass(count: int, config_dir: str) -> core.HomeAssistant:
    hass = await _make_hass(config_dir)
    for i in range(count):
        hass.states.async_set(entity_id(i), "off")
    await _start(hass, count)
    return hass


async def latency(params: dict[str, Any], config_dir: str) -> dict[str, Any]:
    """Trigger-to-action latency: state set -> automation's event action seen by a listener."""
    count = params["automations"]
    hass = await _automation_hass(count, config_dir)
    seen: list[float] = []

    @core.callback
    def on_action(event: core.Event) -> None:
        seen.append(time.perf_counter())

    hass.bus.async_listen(ACTION_EVENT, on_action, run_immediately=True)
    samples: list[float] = []
    preempted: list[bool] = []
    step = max(1, count // 7 + 1)
    flipped = [False] * count
    for k in range(params["samples"] + 10):
        index = (k * step) % count
        flipped[index] = not flipped[index]
        seen.clear()
        switches = preemptions()
        start = time.perf_counter()
        hass.states.async_set(entity_id(index), "on" if flipped[index] else "off")
        await _until(lambda: bool(seen))
        if k >= 10:  # the first runs warm caches
            samples.append(seen[0] - start)
            preempted.append(preemptions() != switches)
        for _ in range(3):
            await asyncio.sleep(0)
    await hass.async_block_till_done()
    await _stop(hass)
    return latency_figures(samples, preempted)


async def burst(params: dict[str, Any], config_dir: str) -> dict[str, Any]:
    """Triggers/s when every one of N automations' entities changes at once."""
    count = params["automations"]
    hass = await _automation_hass(count, config_dir)
    box, listener = _counter()
    hass.bus.async_listen(ACTION_EVENT, listener, run_immediately=True)
    rates = []
    for rnd in range(params["rounds"]):
        box[0] = 0
        value = "on" if rnd % 2 == 0 else "off"
        start = time.perf_counter()
        for i in range(count):
            hass.states.async_set(entity_id(i), value)
        await _until(lambda: box[0] >= count)
        rates.append(count / (time.perf_counter() - start))
        await hass.async_block_till_done()
    await _stop(hass)
    return {"triggers_per_s": median(rates)}


async def startup(params: dict[str, Any], config_dir: str) -> dict[str, Any]:
    """Start with N input_boolean entities and M automations; report times and RSS."""
    begin = time.time()
    hass = await _make_hass(config_dir)
    if params["entity_objects"]:
        domain = "input_boolean"
        booleans = {f"bench_{i}": {"name": f"Bench {i}"} for i in range(params["entities"])}
        if not await async_setup_component(hass, domain, {domain: booleans}):
            raise RuntimeError("input_boolean failed to set up")
    else:
        domain = "sensor"
        for i in range(params["entities"]):
            hass.states.async_set(entity_id(i), "off", {"friendly_name": f"Bench {i}"})
    await _start(hass, params["automations"], domain)
    ready = time.time()
    cpu = cpu_seconds()
    if len(hass.states.async_entity_ids()) < params["entities"] + params["automations"]:
        raise RuntimeError("not every entity or automation is in the state machine")
    gc.collect()
    rss, peak = rss_mib()
    return {
        "ready_wall": ready,
        "setup_s": ready - begin,
        "import_s": _IMPORT_S,
        "process_to_ready_s": ready - _T_PROCESS,
        "cpu_s": cpu,
        "rss_mib": rss,
        "peak_rss_mib": peak,
    }


SCENARIOS = {
    "events": events,
    "state_writes": state_writes,
    "latency": latency,
    "burst": burst,
    "startup": startup,
}


def main() -> None:
    """Run the jobs read from stdin; print one JSON line per job."""
    request = json.load(sys.stdin)
    for job in request["jobs"]:
        with tempfile.TemporaryDirectory(prefix="ha-bench-") as config_dir:
            result = asyncio.run(SCENARIOS[job["scenario"]](job["params"], config_dir))
        print(json.dumps({"scenario": job["scenario"], "result": result}), flush=True)
        gc.collect()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of HA's executor threads


if __name__ == "__main__":
    main()
