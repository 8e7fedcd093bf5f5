"""Per-plugin isolation: a plugin that raises in a hook is disabled and reported; the rest run."""

from __future__ import annotations

import logging
import re
import types
from collections.abc import Callable
from typing import Any

import pytest

from hub import Gate, Platform, hookimpl
from hub.cli import print_plugins
from hub.discovery.scanner import collect_matchers
from hub.manifest import Manifest
from hub.plugins import PluginRegistry
from hub.testing.harness import wait_for, wait_for_state
from simulators.site import Site, SiteOptions
from tests.plugins.recognition.helpers import require_models
from tests.simulators.demo_config import demo_yaml

HOOKS = ("register_platforms", "register_services", "register_incident_categories",
         "register_discovery", "register_uplinks", "startup", "shutdown")


def _failing(*hooks: str) -> types.ModuleType:
    """A plugin module whose given hooks raise (the error names the hook)."""
    module = types.ModuleType("failing_plugin")

    def raiser(name: str) -> Callable[..., Any]:
        def hook(*_args: Any) -> Any:
            raise RuntimeError(f"boom in {name}")
        hook.__name__ = name
        if name in ("startup", "shutdown"):
            def lifecycle(hub: Any) -> Any:
                raise RuntimeError(f"boom in {name}")
            lifecycle.__name__ = name
            return lifecycle
        return hook

    for name in hooks:
        setattr(module, name, hookimpl(raiser(name)))
    return module


class _ToyGate(Gate):
    platform = "toy_gate"

    async def setup(self) -> None:
        self.state = "closed"
        self.set_available(True)

    async def open(self) -> None:
        self.state = "open"
        self.write_state()

    async def close(self) -> None:
        self.state = "closed"
        self.write_state()


def _toy() -> types.ModuleType:
    module = types.ModuleType("toy_gate_plugin")

    def register_platforms() -> list[type[Platform]]:
        return [_ToyGate]

    module.register_platforms = hookimpl(register_platforms)  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize("hook", HOOKS)
async def test_a_plugin_raising_in_one_hook_is_disabled_and_reported(
    hook: str, register_plugin: Callable[..., Any], plugin_registry: PluginRegistry,
    hub_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture,
) -> None:
    """The failing plugin is disabled with the hook named (log, registry, `campus-hub
    plugins`); the other plugins' platforms and the hub keep working."""
    register_plugin(_toy(), "toy")
    register_plugin(_failing(hook), "failing")
    caplog.set_level(logging.ERROR, logger="hub.plugins")
    h = await hub_factory("devices:\n  - {platform: toy_gate, name: Front}\n")
    if hook == "register_discovery":
        collect_matchers(plugin_registry)
    await h.hub.services.call("gate", "open", {"entity_id": "gate.front"})
    await wait_for_state(h.hub, "gate.front", "open")
    if hook == "shutdown":
        await h.hub.stop()
    failures = [f for f in plugin_registry.failed if f.domain == "failing"]
    assert [f.hook for f in failures] == [hook]
    assert f"boom in {hook}" in failures[0].error
    assert "failing" not in plugin_registry.loaded and "toy" in plugin_registry.loaded
    assert any(re.search(rf"Plugin failing disabled: {hook} failed: RuntimeError: boom", r.message)
               for r in caplog.records), caplog.text
    lines = print_plugins(plugin_registry)
    assert any(line.startswith("failing") and "FAILED" in line and hook in line
               for line in lines), lines
    assert any(line.startswith("toy ") and "toy_gate" in line for line in lines), lines


def test_manifest_hub_range_and_dependencies_are_checked_at_load() -> None:
    """A plugin for another hub version or missing a dependency does not load, saying why."""
    from hub.exceptions import PluginError

    registry = PluginRegistry()
    future = Manifest(domain="future", name="f", kinds=["other"], version="1", hub=">=9.0")
    with pytest.raises(PluginError, match=r"supports hub >=9.0; this hub is 0\.1\.0"):
        registry.register(types.ModuleType("future"), future)
    needy = Manifest(domain="needy", name="n", kinds=["other"], version="1",
                     dependencies=["absent_plugin"])
    with pytest.raises(PluginError, match="needs absent_plugin, which is not loaded"):
        registry.register(types.ModuleType("needy"), needy)
    # Loaded together (entry points): the check runs once all are in; the needy one goes.
    registry.register(types.ModuleType("needy"), needy, check_dependencies=False)
    registry.check_dependencies()
    assert "needy" not in registry.loaded
    assert registry.failed[-1].hook == "dependencies"


@pytest.mark.timeout(180)
async def test_demo_works_beside_a_plugin_that_raises_in_every_hook(
    register_plugin: Callable[..., Any], plugin_registry: PluginRegistry,
    hub_factory: Callable[..., Any],
) -> None:
    """The demo site with a plugin raising in every hook: every device up, a panic press raises
    its incident, the gate opens, the speaker speaks, and the plugin is reported."""
    require_models()  # the demo runs face recognition on its gate camera
    register_plugin(_failing(*HOOKS), "failing")
    site = Site(SiteOptions(travel_time=0.2, auto_close=0.5, cameras=1))
    await site.start()
    try:
        h = await hub_factory(demo_yaml(site))
        hub = h.hub
        assert [f.domain for f in plugin_registry.failed] == ["failing"]
        assert set(plugin_registry.loaded) >= {"modbus_barrier", "modbus_io", "http_speaker",
                                               "onvif", "onnx_face"}
        devices = [e for e in hub.entities.values()]
        await wait_for(lambda: all(e.available for e in devices), timeout=30)
        site.press("panic_1", hold=0.3)
        incident = await wait_for(lambda: next(
            (i for i in hub.incidents.open_incidents() if i.category == "panic"), None), 10)
        assert incident.source == "alarm.panic_1"
        await hub.services.call("gate", "open", {"entity_id": "gate.main_barrier"})
        await wait_for_state(hub, "gate.main_barrier", "open", timeout=10)
        await hub.services.call("speaker", "broadcast",
                                {"entity_id": "speaker.gate_speaker", "message": "Test"})
        assert "http" in hub.components
        assert "recognition" in hub.components, hub.components.get("recognition_error")
    finally:
        await site.stop()
