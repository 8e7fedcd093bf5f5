"""Load plugins: entry points -> manifest check -> import -> register -> check_pending.

Isolation: hooks are called one plugin at a time (`call_each`, `call_each_async`); a plugin
that raises in any hook, lifecycle hooks included, is disabled (its platforms and uplink
types go), reported in `failed` with the hook and the error, and logged with its name. The
manifest's `hub` version range and `dependencies` are checked at load.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from . import hookspecs
from .entity import DeviceConfig, Platform
from .exceptions import PluginError, PluginValidationError
from .kinds import BUILTIN_KINDS, DeviceKind, check_kind
from .manifest import Manifest, find_manifest, read_manifest
from .notify.base import Notifier, NotifyConfig
from .uplinks.base import Uplink, check_subscription
from .uplinks.config import UplinkConfig
from .version import HUB_VERSION

if TYPE_CHECKING:
    from .config import HubConfig

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "ENTRY_POINT_GROUP",
    "LoadedPlugin",
    "PluginFailure",
    "PluginRegistry",
    "check_hub_version",
]

ENTRY_POINT_GROUP = "campus_hub.plugins"
_TRACE = os.environ.get("CAMPUS_HUB_TRACE_PLUGINS") == "1"


def check_hub_version(manifest: Manifest) -> None:
    """Raise PluginError when the manifest's `hub` range does not include this hub."""
    try:
        wanted = SpecifierSet(manifest.hub)
    except InvalidSpecifier:
        raise PluginError(f"plugin {manifest.domain}: manifest hub range {manifest.hub!r} is "
                          "not a version range like '>=0.1,<0.3'") from None
    if not wanted.contains(HUB_VERSION, prereleases=True):
        raise PluginError(f"plugin {manifest.domain} supports hub {manifest.hub}; "
                          f"this hub is {HUB_VERSION}")


@dataclass(slots=True)
class LoadedPlugin:
    """A plugin that loaded: its manifest, module and platforms."""

    domain: str
    manifest: Manifest
    module: ModuleType
    hooks: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    uplinks: list[str] = field(default_factory=list)
    notifiers: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    distribution: str | None = None


@dataclass(slots=True, frozen=True)
class PluginFailure:
    """A plugin that did not load or was disabled, and why (`hook`: where it failed)."""

    domain: str
    error: str
    hook: str = "load"


class PluginRegistry:
    """The pluggy manager plus what each plugin registered."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.loaded: dict[str, LoadedPlugin] = {}
        self.failed: list[PluginFailure] = []
        self.platforms: dict[str, type[Platform]] = {}
        self.uplinks: dict[str, type[Uplink]] = {}
        self.notifiers: dict[str, type[Notifier]] = {}
        self.kinds: dict[str, DeviceKind] = {kind.domain: kind for kind in BUILTIN_KINDS}
        if _TRACE:
            self.pm.trace.root.setwriter(lambda msg: _LOGGER.info("plugin trace: %s", msg.strip()))
            self.pm.enable_tracing()

    @property
    def hook(self) -> pluggy.HookRelay:
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
        self.check_dependencies()
        self.collect_kinds()
        self.collect_platforms()
        self.collect_uplinks()
        self.collect_notifiers()

    def _load_entry_point(self, ep: EntryPoint) -> None:
        if ep.name in self.loaded:
            return
        try:
            manifest = read_manifest(find_manifest(ep.module))
            if manifest.domain != ep.name:
                raise PluginError(f"manifest domain '{manifest.domain}' != entry point '{ep.name}'")
            check_hub_version(manifest)
            module = importlib.import_module(ep.module)
            dist = ep.dist.name if ep.dist else None
            self.register(module, manifest, dist, check_dependencies=False)
        except Exception as exc:
            _LOGGER.error("Plugin %s not loaded: %s", ep.name, exc)
            self.failed.append(PluginFailure(ep.name, f"{type(exc).__name__}: {exc}"))

    def register(self, module: Any, manifest: Manifest, distribution: str | None = None, *,
                 check_dependencies: bool = True) -> None:
        """Register a plugin object under its manifest's domain; validate its hooks.

        Raises PluginError when the manifest's hub range excludes this hub or (unless
        `check_dependencies` is False: `load_entry_points` checks once all are in) a
        dependency is not loaded.
        """
        check_hub_version(manifest)
        if check_dependencies:
            absent = [d for d in manifest.dependencies if d not in self.loaded]
            if absent:
                raise PluginError(f"plugin {manifest.domain} needs {', '.join(absent)}, "
                                  "which is not loaded")
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
            self.collect_kinds()
            self.collect_platforms()
            self.collect_uplinks()
            self.collect_notifiers()

    def check_dependencies(self) -> None:
        """Disable each plugin whose manifest `dependencies` are not loaded (transitively)."""
        changed = True
        while changed:
            changed = False
            for plugin in list(self.loaded.values()):
                absent = [d for d in plugin.manifest.dependencies if d not in self.loaded]
                if absent:
                    self.disable(plugin, "dependencies", PluginError(
                        f"needs {', '.join(absent)}, which is not loaded"))
                    changed = True

    def disable(self, plugin: LoadedPlugin, hook: str, exc: BaseException) -> None:
        """Take a failing plugin out: its hooks, platforms and uplink types; report why."""
        _LOGGER.error("Plugin %s disabled: %s failed: %s: %s", plugin.domain, hook,
                      type(exc).__name__, exc, exc_info=exc if hook != "dependencies" else None)
        self.failed.append(PluginFailure(plugin.domain, f"{hook}: {type(exc).__name__}: {exc}",
                                         hook))
        self.loaded.pop(plugin.domain, None)
        if self.pm.is_registered(plugin.module):
            self.pm.unregister(plugin.module)
        for name in plugin.platforms:
            self.platforms.pop(name, None)
        for name in plugin.uplinks:
            self.uplinks.pop(name, None)
        for name in plugin.notifiers:
            self.notifiers.pop(name, None)
        for name in plugin.kinds:
            self.kinds.pop(name, None)

    def _impls(self, name: str) -> Iterator[tuple[LoadedPlugin, Any]]:
        """Each loaded plugin implementing hook `name`, with its pluggy HookImpl."""
        by_module = {id(impl.plugin): impl for impl in getattr(self.pm.hook, name).get_hookimpls()}
        for plugin in list(self.loaded.values()):
            impl = by_module.get(id(plugin.module))
            if impl is not None:
                yield plugin, impl

    def call_each(self, name: str, **kwargs: Any) -> list[tuple[LoadedPlugin, Any]]:
        """Call hook `name` one plugin at a time; one that raises is disabled, the rest go on."""
        results: list[tuple[LoadedPlugin, Any]] = []
        for plugin, impl in self._impls(name):
            try:
                result = impl.function(*(kwargs[arg] for arg in impl.argnames))
            except Exception as exc:
                self.disable(plugin, name, exc)
                continue
            if _TRACE:
                _LOGGER.info("plugin trace: %s.%s -> %r", plugin.domain, name, result)
            results.append((plugin, result))
        return results

    async def call_each_async(self, name: str, timeout: float, **kwargs: Any) -> None:
        """Call a lifecycle hook plugin by plugin, awaiting each within `timeout` seconds."""
        for plugin, impl in self._impls(name):
            try:
                result = impl.function(*(kwargs[arg] for arg in impl.argnames))
                if inspect.isawaitable(result):
                    async with asyncio.timeout(timeout):
                        await result
            except Exception as exc:  # TimeoutError too: a hook that hangs is a failure
                self.disable(plugin, name, exc)

    def collect_kinds(self) -> None:
        """Add every plugin's device kinds to the built-in ones; a bad or taken one disables it."""
        self.kinds = {kind.domain: kind for kind in BUILTIN_KINDS}
        for plugin, result in self.call_each("register_kinds"):
            try:
                found: dict[str, DeviceKind] = {}
                for kind in result or ():
                    checked = check_kind(kind, {**self.kinds, **found})
                    found[checked.domain] = checked
            except Exception as exc:
                self.disable(plugin, "register_kinds", exc)
                continue
            self.kinds.update(found)
            plugin.kinds = list(found)

    def collect_platforms(self) -> None:
        """Ask every plugin for its platforms; a duplicate or bad platform disables it."""
        self.platforms = {}
        for plugin, result in self.call_each("register_platforms"):
            plugin.platforms = []
            try:
                for platform in result or ():
                    self._add_platform(plugin, platform)
            except Exception as exc:
                for name in plugin.platforms:
                    self.platforms.pop(name, None)
                self.disable(plugin, "register_platforms", exc)

    def _add_platform(self, plugin: LoadedPlugin, platform: type[Platform]) -> None:
        name = getattr(platform, "platform", "")
        if not name or not issubclass(platform.config_model, DeviceConfig):
            raise PluginError(f"{platform!r} needs `platform` and a DeviceConfig `config_model`")
        if name in self.platforms:
            raise PluginError(f"platform '{name}' is already provided by another plugin")
        self.platforms[name] = platform
        plugin.platforms.append(name)

    def collect_uplinks(self) -> None:
        """Ask every plugin for its uplink types; a duplicate or bad type disables it."""
        self.uplinks = {}
        for plugin, result in self.call_each("register_uplinks"):
            plugin.uplinks = []
            try:
                found = {cls.type: cls for cls in result or () if _check_uplink(cls, self.uplinks)}
            except Exception as exc:
                self.disable(plugin, "register_uplinks", exc)
                continue
            self.uplinks.update(found)
            plugin.uplinks = list(found)

    def collect_notifiers(self) -> None:
        """Ask every plugin for its notify platforms; a duplicate or bad one disables it."""
        self.notifiers = {}
        for plugin, result in self.call_each("register_notify_platforms"):
            plugin.notifiers = []
            try:
                found: dict[str, type[Notifier]] = {}
                for cls in result or ():
                    _check_notifier(cls, {**self.notifiers, **found})
                    found[cls.platform] = cls
            except Exception as exc:
                self.disable(plugin, "register_notify_platforms", exc)
                continue
            self.notifiers.update(found)
            plugin.notifiers = list(found)

    def config_models(self) -> dict[str, type[DeviceConfig]]:
        """Return each platform's config model by platform name."""
        return {name: cls.config_model for name, cls in self.platforms.items()}

    def uplink_models(self) -> dict[str, type[UplinkConfig]]:
        """Return each uplink type's config model by type name."""
        return {name: cls.config_model for name, cls in self.uplinks.items()}

    def notify_models(self) -> dict[str, type[NotifyConfig]]:
        """Return each notify platform's config model by platform name."""
        return {name: cls.config_model for name, cls in self.notifiers.items()}

    def load_config(self, path: str | Path) -> HubConfig:
        """Read and validate a site file against these plugins' models (ConfigError)."""
        from .config import load_config  # the YAML loader only when a file is read

        return load_config(path, self.config_models(), uplinks=self.uplink_models(),
                           notifiers=self.notify_models())


def _check_notifier(cls: type[Notifier], known: dict[str, type[Notifier]]) -> None:
    """Raise PluginError unless `cls` is a well-formed notify platform not yet known."""
    name = getattr(cls, "platform", "")
    model = getattr(cls, "config_model", None)
    if not (isinstance(cls, type) and issubclass(cls, Notifier)) or not name:
        raise PluginError(f"{cls!r} needs to subclass Notifier and set `platform`")
    if not (isinstance(model, type) and issubclass(model, NotifyConfig)):
        raise PluginError(f"notify platform {name}: `config_model` must subclass NotifyConfig")
    if name in known:
        raise PluginError(f"notify platform '{name}' is already provided by another plugin")


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
