"""Helpers for automation tests: a site with ACME devices plus the automation YAML under test."""

from __future__ import annotations

import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.config import load_config
from hub.exceptions import ConfigError
from hub.plugins import PluginRegistry
from hub.testing import HubHarness, wait_for

DEVICES = """\
hub:
  time_zone: Asia/Shanghai
devices:
  - platform: acme_gate
    name: Main
    travel_seconds: 0.02
    auto_close_seconds: 0.05
  - platform: acme_gate
    name: Side
    travel_seconds: 0.02
    auto_close_seconds: 0
  - platform: acme_button
    name: Panic
    gate: main
"""

Site = Callable[..., Awaitable[HubHarness]]

# Why: make_hub validates hub.time_zone with ZoneInfo() on the event loop, and the first load
# of a zone reads the tz database (blockbuster fails the test). Loaded once here, off the loop,
# every test file of this folder also runs alone (test_modes.py alone failed before).
ZoneInfo("Asia/Shanghai")


@pytest.fixture
def site(hub_factory: Callable[..., Awaitable[HubHarness]]) -> Site:
    """Start a hub with the ACME gates and button plus the given YAML sections."""

    async def start(extra: str, devices: str = DEVICES) -> HubHarness:
        return await hub_factory(devices + textwrap.dedent(extra))

    return start


def fired(h: HubHarness, event_type: str) -> list[dict[str, Any]]:
    """Return the data of every recorded event of one type."""
    return [e.data for e in h.of_type(event_type)]


async def run_automation(h: HubHarness, automation_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """Trigger an automation by hand, wait for its run to finish, return the trace."""
    component = h.hub.components["automation"]
    component.trigger(automation_id)
    automation = component.get(automation_id)
    await wait_for(lambda: automation.traces[-1].finished, timeout=timeout)
    trace: dict[str, Any] = component.traces(automation_id)[0]
    return trace


def config_problems(tmp_path: Path, text: str) -> list[str]:
    """Load `text` as a site file that must fail; return its problems without the file name."""
    path = tmp_path / "site.yaml"
    path.write_text(textwrap.dedent(text))
    registry = PluginRegistry()
    registry.load_entry_points()
    with pytest.raises(ConfigError) as err:
        load_config(path, registry.config_models())
    return [p.removeprefix(f"{path}:") for p in err.value.problems]
