"""pytest fixtures for Campus Hub and vendor plugins: `hub_factory`, `register_plugin`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..manifest import Manifest
from ..plugins import PluginRegistry
from .harness import HubHarness, make_hub

__all__ = ["hub_factory", "plugin_registry", "register_plugin"]


@pytest.fixture
def plugin_registry() -> PluginRegistry:
    """A registry with every installed plugin loaded through its entry point."""
    registry = PluginRegistry()
    registry.load_entry_points()
    return registry


@pytest.fixture
def register_plugin(plugin_registry: PluginRegistry) -> Iterator[Callable[..., None]]:
    """Register a plugin object for one test; unregistered afterwards."""
    added: list[str] = []

    def register(module: Any, domain: str, kinds: list[str] | None = None) -> None:
        manifest = Manifest(domain=domain, name=domain, kinds=kinds or ["other"],
                            version="0.0.0")
        plugin_registry.register(module, manifest)
        plugin_registry.collect_kinds()
        plugin_registry.collect_platforms()
        plugin_registry.collect_uplinks()
        plugin_registry.collect_notifiers()
        added.append(domain)

    yield register
    for domain in added:
        plugin_registry.unregister(domain)


@pytest.fixture
async def hub_factory(tmp_path: Path,
                      plugin_registry: PluginRegistry) -> AsyncIterator[Callable[..., Any]]:
    """Start hubs from YAML text in tmp_path; every hub is stopped after the test."""
    harnesses: list[HubHarness] = []

    async def factory(yaml_text: str = "", start: bool = True) -> HubHarness:
        harness = await make_hub(tmp_path, yaml_text, plugin_registry, start)
        harnesses.append(harness)
        return harness

    yield factory
    for harness in harnesses:
        await harness.hub.stop()
