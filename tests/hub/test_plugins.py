"""The plugin contract: entry points, manifests, isolation, the example vendor plugin."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub import GateState, Platform, ServiceValidationError, hookimpl
from hub.exceptions import ManifestError
from hub.manifest import read_manifest
from hub.plugins import PluginRegistry
from hub.testing import wait_for, wait_for_state

ROOT = Path(__file__).resolve().parents[2]


def test_example_plugin_loads_through_entry_point() -> None:
    """The third-party example (its own distribution) is found by entry point."""
    registry = PluginRegistry()
    registry.load_entry_points()
    assert "acme" in registry.loaded
    assert registry.loaded["acme"].distribution == "campus-hub-acme"
    assert {"acme_gate", "acme_button"} <= set(registry.platforms)


async def test_example_gate_end_to_end(hub_factory: Callable[..., Any]) -> None:
    """A gate from YAML opens via gate.open and its state follows through the cycle."""
    h = await hub_factory("""
        devices:
          - platform: acme_gate
            name: Main entrance
            travel_seconds: 0.05
            auto_close_seconds: 0.1
        """)
    assert h.hub.states.get("gate.main_entrance").state == "closed"
    await h.hub.services.call("gate", "open", {"entity_id": "gate.main_entrance"})
    await wait_for_state(h.hub, "gate.main_entrance", GateState.OPEN)
    await wait_for_state(h.hub, "gate.main_entrance", GateState.CLOSED)
    seen = [
        e.data["new_state"].state
        for e in h.of_type("state_changed")
        if e.data["entity_id"] == "gate.main_entrance"
    ]
    assert seen[-4:] == ["opening", "open", "closing", "closed"]


async def test_example_button_and_its_service(hub_factory: Callable[..., Any]) -> None:
    """acme.press fires acme_button_pressed and raises the button's incident; a gate refuses."""
    h = await hub_factory("""
        devices:
          - {platform: acme_button, name: Panic, gate: north}
          - {platform: acme_gate, name: Side gate, travel_seconds: 0.02,
             auto_close_seconds: 0.1}
        """)
    await h.hub.services.call("acme", "press", {"entity_id": "alarm.panic"})
    [pressed] = h.of_type("acme_button_pressed")
    assert pressed.data == {"entity_id": "alarm.panic"}
    [raised] = await wait_for(lambda: h.of_type("incident_raised"))
    assert (raised.data["source"], raised.data["gate"]) == ("alarm.panic", "north")
    with pytest.raises(ServiceValidationError, match=r"gate\.side_gate is not an ACME button"):
        await h.hub.services.call("acme", "press", {"entity_id": "gate.side_gate"})
    await h.hub.services.call("gate", "open", {"entity_id": "gate.side_gate"})
    await wait_for_state(h.hub, "gate.side_gate", GateState.OPEN)
    await h.hub.services.call("gate", "close", {"entity_id": "gate.side_gate"})
    await wait_for_state(h.hub, "gate.side_gate", GateState.CLOSED)
    await asyncio.sleep(0.15)  # past the auto-close: close cancelled it, nothing moves again
    seen = [e.data["new_state"].state for e in h.of_type("state_changed")
            if e.data["entity_id"] == "gate.side_gate"]
    assert seen[-4:] == ["opening", "open", "closing", "closed"] and seen.count("closing") == 1


def test_bad_plugin_is_skipped(register_plugin: Callable[..., Any], plugin_registry: Any) -> None:
    """A plugin whose hook does not match the spec is refused with a clear error."""
    bad = types.ModuleType("bad")

    @hookimpl
    def register_platforms(unknown_argument: object) -> list[object]:
        return []

    bad.register_platforms = register_platforms  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="unknown_argument"):
        register_plugin(bad, "bad")
    assert "acme" in plugin_registry.loaded


def test_plugin_raising_in_register_platforms_is_isolated(
    register_plugin: Callable[..., Any], plugin_registry: Any
) -> None:
    """A plugin whose register_platforms raises is recorded as failed; others stay."""
    mod = types.ModuleType("broken")

    @hookimpl
    def register_platforms() -> list[type[Platform]]:
        raise RuntimeError("vendor bug")

    mod.register_platforms = register_platforms  # type: ignore[attr-defined]
    register_plugin(mod, "broken")
    assert any(f.domain == "broken" and "vendor bug" in f.error for f in plugin_registry.failed)
    assert "acme_gate" in plugin_registry.platforms


def test_bad_manifest(tmp_path: Path) -> None:
    """A manifest with a wrong field is a ManifestError naming the field."""
    path = tmp_path / "manifest.json"
    path.write_text(
        json.dumps({"domain": "Bad-Name", "name": "x", "kinds": ["gate"], "version": "1"})
    )
    with pytest.raises(ManifestError, match="domain"):
        read_manifest(path)


def test_plugins_command_lists_versions() -> None:
    """`campus-hub plugins` lists the plugin with its version and platforms."""
    out = subprocess.run(
        [sys.executable, "-m", "hub", "plugins"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert "acme" in out and "1.0.0" in out and "acme_gate" in out


def test_load_plugins_env_restricts(monkeypatch: pytest.MonkeyPatch) -> None:
    """CAMPUS_HUB_LOAD_PLUGINS limits which plugins load."""
    monkeypatch.setenv("CAMPUS_HUB_LOAD_PLUGINS", "nothing_here")
    registry = PluginRegistry()
    registry.load_entry_points()
    assert registry.loaded == {}
