"""Build and start a real Campus Hub for one scenario: config from a dict, as from YAML."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub import Hub
from hub.config import validate_config
from hub.heap import settle
from hub.manifest import Manifest
from hub.plugins import PluginRegistry

from . import bench_plugin
from .spec import automation_config

__all__ = ["bench_registry", "hub_config", "start_hub", "until"]


def bench_registry() -> PluginRegistry:
    """Return a plugin registry holding only the bench plugin (platform `bench_sensor`)."""
    registry = PluginRegistry()
    registry.register(
        bench_plugin, Manifest(domain="bench", name="Bench", kinds=["sensor"], version="0.0.0")
    )
    registry.collect_platforms()
    return registry


def hub_config(
    data_dir: Path, *, automations: int = 0, recorder: bool = False, devices: int = 0
) -> dict[str, Any]:
    """Return the raw configuration document (what site.yaml would hold)."""
    raw: dict[str, Any] = {
        "hub": {"data_dir": str(data_dir)},
        "recorder": {"enabled": recorder},
    }
    if automations:
        raw["automation"] = automation_config(automations)
    if devices:
        raw["devices"] = [
            {"platform": "bench_sensor", "name": f"Bench {i}", "object_id": f"bench_{i}"}
            for i in range(devices)
        ]
    return raw


async def start_hub(
    data_dir: Path,
    *,
    automations: int = 0,
    recorder: bool = False,
    devices: int = 0,
    states: int = 0,
) -> Hub:
    """Validate a config like a site file's, then start a hub on it.

    `states` entity states are set before start (like HA's `async_set` before automations);
    `devices` creates real entities through the bench plugin.
    """
    registry = bench_registry()
    raw = hub_config(data_dir, automations=automations, recorder=recorder, devices=devices)
    config = validate_config(raw, registry.config_models(), data_dir / "site.yaml")
    hub = Hub(config, registry)
    settle("created")  # as `campus-hub run` does (hub/cli.py); the library no longer does
    for i in range(states):
        hub.states.set(f"sensor.bench_{i}", "off", {"friendly_name": f"Bench {i}"})
    await hub.start()
    settle("started")
    return hub


async def until(done: Callable[[], bool], timeout: float = 60.0) -> None:
    """Yield to the loop until `done()`; TimeoutError names lost events."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the bench waited 60 s for listeners: events were lost")
        await asyncio.sleep(0)
