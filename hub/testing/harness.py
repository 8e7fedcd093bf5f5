"""Start a real hub from a YAML text in a temporary folder, for tests."""

from __future__ import annotations

import asyncio
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..bus import MATCH_ALL, Event
from ..config import validate_config
from ..config.yaml_loader import load_yaml
from ..hub import Hub
from ..plugins import PluginRegistry
from ..states import State

__all__ = ["HubHarness", "make_hub", "wait_for", "wait_for_state"]


@dataclass
class HubHarness:
    """A started hub and every event it fired."""

    hub: Hub
    events: list[Event] = field(default_factory=list)

    def of_type(self, event_type: str) -> list[Event]:
        """Return the recorded events of one type."""
        return [e for e in self.events if e.event_type == event_type]


async def make_hub(tmp_path: Path, yaml_text: str = "", registry: PluginRegistry | None = None,
                   start: bool = True) -> HubHarness:
    """Write `yaml_text` as site.yaml under tmp_path, validate it, build (and start) a hub."""
    if registry is None:
        registry = PluginRegistry()
        registry.load_entry_points()
    path = tmp_path / "site.yaml"
    await asyncio.to_thread(path.write_text, textwrap.dedent(yaml_text) or "hub: {}\n")
    raw = await asyncio.to_thread(load_yaml, path)
    # In a thread: a config model may read a file it names (a barrier's profile).
    config = await asyncio.to_thread(validate_config, raw, registry.config_models(), path,
                                     uplinks=registry.uplink_models(),
                                     notifiers=registry.notify_models())
    hub = Hub(config, registry)
    harness = HubHarness(hub)
    hub.bus.listen(MATCH_ALL, harness.events.append)
    if start:
        await hub.start()
    return harness


async def wait_for(predicate: Callable[[], Any], timeout: float = 5.0,
                   interval: float = 0.01) -> Any:
    """Wait until `predicate()` is truthy; return its value or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def wait_for_state(hub: Hub, entity_id: str, state: str, timeout: float = 5.0) -> State:
    """Wait until an entity has the given state."""
    def check() -> State | None:
        current = hub.states.get(entity_id)
        return current if current is not None and current.state == state else None

    result: State = await wait_for(check, timeout)
    return result
