"""Load plugins: entry points -> manifest check -> import -> register -> check_pending."""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .entity import DeviceConfig, Platform
from .exceptions import PluginError, PluginValidationError
from .manifest import Manifest, find_manifest, read_manifest
from .uplinks.base import Uplink, check_subscription
from .uplinks.config import UplinkConfig

_LOGGER = logging.getLogger(__name__)

__all__ = ["ENTRY_POINT_GROUP", "LoadedPlugin", "PluginFailure", "PluginRegistry"]

ENTRY_POINT_GROUP = "campus_hub.plugins"


@dataclass(slots=True)
class LoadedPlugin:
    """A plugin that loaded: its manifest, module and platforms."""

    domain: str
    manifest: Manifest
    module: ModuleType
    hooks: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    uplinks: list[str] = field(default_factory=list)
    distribution: str | None = None


@dataclass(slots=True, frozen=True)
class PluginFailure:
    """A plugin that did not load, and why."""

    domain: str
    error: str


class PluginRegistry:
    """The pluggy manager plus what each plugin registered."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.loaded: dict[str, LoadedPlugin] = {}
        self.failed: list[PluginFailure] = []
        self.platforms: dict[str, type[Platform]] = {}
        self.uplinks: dict[str, type[Uplink]] = {}
        if os.environ.get("CAMPUS_HUB_TRACE_PLUGINS") == "1":
            self.pm.trace.root.setwriter(lambda msg: _LOGGER.info("plugin trace: %s", msg.strip()))
            self.pm.enable_tracing()

    @property
    def hook(self) -> Any:
        """Return the pluggy hook relay."""
        return self.pm.hook

    def load_entry_points(self, only: set[str] | None = None) -> None:
        """Load every plugin of the entry-point group (or those CAMPUS_HUB_LOAD_PLUGINS names)."""
        env = os.environ.get("CAMPUS_HUB_LOAD_PLUGINS")
        if only is None and env is not None:
            only = {name.strip() for name in env.split(",") if name.strip()}
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if only is not None and ep.name not in only:
                continue
            self._load_entry_point(ep)
        self.collect_platforms()
        self.collect_uplinks()

    def _load_entry_point(self, ep: EntryPoint) -> None:
        if ep.name in self.loaded:
            return
        try:
            manifest = read_manifest(find_manifest(ep.module))
            if manifest.domain != ep.name:
                raise PluginError(f"manifest domain '{manifest.domain}' != entry point '{ep.name}'")
            module = importlib.import_module(ep.module)
            dist = ep.dist.name if ep.dist else None
            self.register(module, manifest, dist)
        except Exception as exc:
            _LOGGER.error("Plugin %s not loaded: %s", ep.name, exc)
            self.failed.append(PluginFailure(ep.name, f"{type(exc).__name__}: {exc}"))

    def register(self, module: Any, manifest: Manifest, distribution: str | None = None) -> None:
        """Register a plugin object under its manifest's domain; validate its hooks."""
        try:
            self.pm.register(module, name=manifest.domain)
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            if self.pm.is_registered(module):
                self.pm.unregister(module)
            raise PluginValidationError(f"plugin {manifest.domain}: {exc}") from None
        hooks = [h.name for h in self.pm.get_hookcallers(module) or []]
        self.loaded[manifest.domain] = LoadedPlugin(manifest.domain, manifest, module, hooks,
                                                    distribution=distribution)

    def unregister(self, domain: str) -> None:
        """Remove a plugin and its platforms."""
        plugin = self.loaded.pop(domain, None)
        if plugin is not None:
            self.pm.unregister(plugin.module)
            self.collect_platforms()
            self.collect_uplinks()

    def collect_platforms(self) -> None:
        """Ask every plugin for its platforms; a duplicate or bad platform is a failure."""
        self.platforms = {}
        for plugin in list(self.loaded.values()):
            plugin.platforms = []
            impl = self.pm.subset_hook_caller("register_platforms", remove_plugins=[
                p.module for p in self.loaded.values() if p is not plugin])
            try:
                for result in impl():
                    for platform in result:
                        self._add_platform(plugin, platform)
            except Exception as exc:
                _LOGGER.error("Plugin %s: register_platforms failed: %s", plugin.domain, exc)
                self.failed.append(PluginFailure(plugin.domain, f"register_platforms: {exc}"))

    def _add_platform(self, plugin: LoadedPlugin, platform: type[Platform]) -> None:
        name = getattr(platform, "platform", "")
        if not name or not issubclass(platform.config_model, DeviceConfig):
            raise PluginError(f"{platform!r} needs `platform` and a DeviceConfig `config_model`")
        if name in self.platforms:
            raise PluginError(f"platform '{name}' is already provided by another plugin")
        self.platforms[name] = platform
        plugin.platforms.append(name)

    def collect_uplinks(self) -> None:
        """Ask every plugin for its uplink types; a duplicate or bad type is a failure."""
        self.uplinks = {}
        for plugin in list(self.loaded.values()):
            plugin.uplinks = []
            impl = self.pm.subset_hook_caller("register_uplinks", remove_plugins=[
                p.module for p in self.loaded.values() if p is not plugin])
            try:
                found = {cls.type: cls for result in impl() for cls in result
                         if _check_uplink(cls, self.uplinks)}
            except Exception as exc:
                _LOGGER.error("Plugin %s: register_uplinks failed: %s", plugin.domain, exc)
                self.failed.append(PluginFailure(plugin.domain, f"register_uplinks: {exc}"))
                continue
            self.uplinks.update(found)
            plugin.uplinks = list(found)

    def config_models(self) -> dict[str, type[DeviceConfig]]:
        """Return each platform's config model by platform name."""
        return {name: cls.config_model for name, cls in self.platforms.items()}

    def uplink_models(self) -> dict[str, type[UplinkConfig]]:
        """Return each uplink type's config model by type name."""
        return {name: cls.config_model for name, cls in self.uplinks.items()}


def _check_uplink(cls: type[Uplink], known: dict[str, type[Uplink]]) -> bool:
    """Return True for a well-formed uplink type; raise PluginError saying what is wrong."""
    name = getattr(cls, "type", "")
    model = getattr(cls, "config_model", None)
    if not (isinstance(cls, type) and issubclass(cls, Uplink)) or not name:
        raise PluginError(f"{cls!r} needs to subclass Uplink and set `type`")
    if not (isinstance(model, type) and issubclass(model, UplinkConfig)):
        raise PluginError(f"uplink {name}: `config_model` must subclass UplinkConfig")
    for subscription in cls.subscribes:
        check_subscription(subscription)
    if name in known:
        raise PluginError(f"uplink type '{name}' is already provided by another plugin")
    return True
