"""The plugin contract: every hook a Campus Hub plugin can implement.

Hooks declare, classes act: registration hooks are sync, cheap, and return declarations.
Only `startup` and `shutdown` may return awaitables; the hub awaits each. No hook is
`firstresult`. Evolve by adding arguments (implementations name the ones they use); never
rename or remove a hook.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .declarations import DiscoveryMatcher, ServiceSpec
    from .entity import Platform
    from .hub import Hub
    from .incidents import CategoryConfig
    from .kinds import DeviceKind
    from .notify import Notifier
    from .uplinks import Uplink

PROJECT = "campus_hub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]


# ---------------------------------------------------------------- registration (at load)


@hookspec
def register_platforms() -> list[type[Platform]]:
    """Return the device platforms this plugin provides.

    Runs once when the hub loads plugins, before the configuration is validated, so each
    platform's `config_model` can validate its `devices:` entries. Sync. Every
    implementation's list is used. Added in 0.1.
    """
    return []


@hookspec
def register_services() -> list[ServiceSpec]:
    """Return extra services (vendor extras go under the plugin's domain: `acme.reboot`).

    Runs once at hub start, before devices are set up. Sync. Every implementation's list is
    used. Added in 0.1.
    """
    return []


@hookspec
def register_incident_categories() -> dict[str, CategoryConfig]:
    """Return incident categories this plugin raises, with default priority and handling.

    Runs once at hub start; school IT can still override each in `incidents.categories`.
    Sync. Added in 0.1.
    """
    return {}


@hookspec
def register_discovery() -> list[DiscoveryMatcher]:
    """Return what this plugin's platforms recognise on the network (ONVIF, zeroconf).

    Runs when discovery starts. Sync. Every implementation's list is used. Added in 0.1.
    """
    return []


@hookspec
def register_kinds() -> list[DeviceKind]:
    """Return the device kinds this plugin adds (a `locker` domain, its base and services).

    Runs once when the hub loads plugins, before platforms are collected, so a platform of
    the same plugin can be of the new kind. Sync. Every implementation's list is used; a
    domain that already exists (built-in or another plugin's) disables the second plugin.
    Added in 0.2.
    """
    return []


@hookspec
def register_uplinks() -> list[type[Uplink]]:
    """Return the uplink types this plugin provides (destinations beyond the hub).

    Runs once when the hub loads plugins, before the configuration is validated, so each
    type's `config_model` can validate its `uplinks:` entries. Sync. Every
    implementation's list is used; a type name provided twice disables the second
    plugin's types. Added in 0.2.
    """
    return []


@hookspec
def register_notify_platforms() -> list[type[Notifier]]:
    """Return the notify platforms this plugin provides (WeCom, DingTalk, e-mail...).

    Runs once when the hub loads plugins, before the configuration is validated, so each
    platform's `config_model` can validate its `notify:` entries; each entry becomes the
    service `notify.<name>`. Sync. Every implementation's list is used; a platform name
    provided twice disables the second plugin. Added in 0.2.
    """
    return []


# ---------------------------------------------------------------- lifecycle


@hookspec
def startup(hub: Hub) -> Awaitable[None] | None:
    """Called once the hub's core is running, before devices are set up.

    May be a coroutine function; the hub awaits it. An exception disables only this plugin.
    Added in 0.1.
    """


@hookspec
def shutdown(hub: Hub) -> Awaitable[None] | None:
    """Called when the hub stops, after devices have shut down.

    May be a coroutine function; the hub awaits it, with a timeout. Added in 0.1.
    """
