"""Each hook of the plugin contract, exercised through a real hub; meta-tests keep docs honest."""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub import (
    CategoryConfig,
    DiscoveryMatcher,
    EntityServiceData,
    Platform,
    ServiceSpec,
    hookimpl,
    hookspecs,
)
from hub.entity import DeviceConfig, Entity
from hub.testing import wait_for
from hub.testing.harness import wait_for_state

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "campus_hub_spec")
)


class _Thermo(Entity):
    domain = "sensor"
    platform = "test_thermo"


def _plugin(**hooks: Callable[..., Any]) -> types.ModuleType:
    module = types.ModuleType("test_plugin")
    for name, fn in hooks.items():
        setattr(module, name, hookimpl(fn))
    return module


async def test_hook_register_platforms(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any]
) -> None:
    """A registered platform validates its devices and its entity appears in the states."""

    def register_platforms() -> list[type[Platform]]:
        return [_Thermo]

    register_plugin(_plugin(register_platforms=register_platforms), "thermo")
    h = await hub_factory("devices:\n  - platform: test_thermo\n    name: Hall\n")
    assert h.hub.states.get("sensor.hall").attributes["platform"] == "test_thermo"


async def test_hook_register_services(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any]
) -> None:
    """A plugin service is callable with validated data and gets the hub."""
    calls = []

    def register_services() -> list[ServiceSpec]:
        return [
            ServiceSpec(
                "vendor", "reboot", lambda hub, call: calls.append(call.data), EntityServiceData
            )
        ]

    register_plugin(_plugin(register_services=register_services), "vendor")
    h = await hub_factory()
    await h.hub.services.call("vendor", "reboot", {"entity_id": "gate.x"})
    assert calls[0].entity_id == "gate.x"


async def test_hook_register_incident_categories(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any]
) -> None:
    """A plugin's category brings its default priority; config still overrides."""

    def register_incident_categories() -> dict[str, CategoryConfig]:
        return {"vendor_fog": CategoryConfig(priority=2, title="Fog machine")}

    register_plugin(_plugin(register_incident_categories=register_incident_categories), "fog")
    h = await hub_factory()
    inc = await h.hub.incidents.raise_incident("vendor_fog")
    assert int(inc.priority) == 2 and inc.message == "Fog machine"


def test_hook_register_discovery(register_plugin: Callable[..., Any], plugin_registry: Any) -> None:
    """Discovery declarations are collected from every plugin."""

    def register_discovery() -> list[DiscoveryMatcher]:
        return [DiscoveryMatcher("test_thermo", manufacturer="Thermo")]

    register_plugin(_plugin(register_discovery=register_discovery), "disc")
    found = [m for result in plugin_registry.hook.register_discovery() for m in result]
    assert any(m.platform == "test_thermo" for m in found)


async def test_hook_register_uplinks(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any]
) -> None:
    """A plugin's uplink type validates its `uplinks:` entries; each runs with the hub."""
    from tests.hub.uplinks.toy import ToyUplink, toy_plugin

    register_plugin(toy_plugin(), "toy")
    h = await hub_factory("uplinks:\n  - type: toy\n    name: hq\n")
    manager = h.hub.components["uplinks"]
    uplink = manager.get("hq")
    assert isinstance(uplink, ToyUplink) and uplink.started
    [status] = await manager.status()
    assert (status["name"], status["type"], status["state"]) == ("hq", "toy", "running")
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.p")
    await wait_for(lambda: uplink.delivered)
    assert (uplink.delivered[0].incident_id, uplink.delivered[0].kind) == (incident.id, "incident")
    await h.hub.stop()
    assert not uplink.started


def test_bad_uplink_type_disables_only_that_plugin(
    register_plugin: Callable[..., Any], plugin_registry: Any
) -> None:
    """An uplink class without a config model, or a bad subscription, is a plugin failure."""
    from hub import Uplink, UplinkConfig
    from tests.hub.uplinks.toy import toy_plugin

    class NoModel(Uplink):
        type = "broken"
        subscribes = frozenset({"incidents"})  # not a subscription: "incident"
        config_model = UplinkConfig

        async def deliver(self, item: Any) -> None:
            return None

    register_plugin(toy_plugin(), "toy")
    register_plugin(_plugin(register_uplinks=lambda: [NoModel]), "broken")
    assert set(plugin_registry.uplinks) >= {"toy"} and "broken" not in plugin_registry.uplinks
    failure = [f for f in plugin_registry.failed if f.domain == "broken"]
    assert "unknown subscription 'incidents'" in failure[0].error


async def test_hook_startup(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any]
) -> None:
    """An async startup hook is awaited before devices are set up; a failing one is isolated."""
    seen = []

    async def startup(hub) -> None:  # type: ignore[no-untyped-def]
        seen.append(hub.state)

    def bad_startup(hub) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("vendor bug")

    register_plugin(_plugin(startup=startup), "good")
    register_plugin(_plugin(startup=bad_startup), "bad")
    h = await hub_factory()
    assert seen == ["starting"] and h.hub.state == "running"


async def test_hook_shutdown(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any]
) -> None:
    """The shutdown hook runs when the hub stops."""
    seen = []
    register_plugin(_plugin(shutdown=lambda hub: seen.append("bye")), "bye")
    h = await hub_factory()
    await h.hub.stop()
    assert seen == ["bye"]


async def test_hook_register_kinds(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any],
    plugin_registry: Any,
) -> None:
    """A plugin adds a kind (`parcel_box`) with its service and a platform of it, no hub/ edit;
    a kind whose domain is taken disables only the plugin that brought it.

    (`locker` itself is now the locker_kind plugin's: plugins/lockers/.)"""
    from hub import DeviceKind, Entity, EntityService

    class ParcelBox(Entity):
        domain = "parcel_box"

        async def unlock(self) -> None:
            raise NotImplementedError

    class AcmeBox(ParcelBox):
        platform = "acme_box"

        async def setup(self) -> None:
            self.state = "locked"
            self.set_available(True)

        async def unlock(self) -> None:
            self.state = "unlocked"
            self.write_state()

    class NotAGate(Entity):
        domain = "gate"

    kind = DeviceKind("parcel_box", ParcelBox,
                      [EntityService("unlock", "unlock", roles=("guard",))])
    register_plugin(_plugin(register_kinds=lambda: [kind],
                            register_platforms=lambda: [AcmeBox]), "boxes", ["parcel_box"])
    register_plugin(_plugin(register_kinds=lambda: [DeviceKind("gate", NotAGate)]), "taker")
    assert plugin_registry.kinds["parcel_box"] is kind
    assert plugin_registry.kinds["gate"].base.__name__ == "Gate"
    assert [f.hook for f in plugin_registry.failed if f.domain == "taker"] == ["register_kinds"]
    h = await hub_factory("devices:\n  - {platform: acme_box, name: Box 7}\n")
    await wait_for_state(h.hub, "parcel_box.box_7", "locked")
    assert "guard" in h.hub.services.get("parcel_box", "unlock").roles
    await h.hub.services.call("parcel_box", "unlock", {"entity_id": "parcel_box.box_7"})
    await wait_for_state(h.hub, "parcel_box.box_7", "unlocked")


async def test_hook_register_notify_platforms(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any],
    plugin_registry: Any,
) -> None:
    """A plugin's notify platform validates its `notify:` entries and serves notify.<name>;
    a platform name already taken disables only the plugin that brought it."""
    from typing import Literal

    from hub import Notification, Notifier, NotifyConfig

    sent: list[Notification] = []

    class PagerConfig(NotifyConfig):
        platform: Literal["pager"] = "pager"
        number: str

    class Pager(Notifier):
        platform = "pager"
        config_model = PagerConfig

        async def send(self, notification: Notification) -> str:
            sent.append(notification)
            return "paged"

    class Taker(Pager):
        platform = "wecom"

    register_plugin(_plugin(register_notify_platforms=lambda: [Pager]), "pager", ["notify"])
    register_plugin(_plugin(register_notify_platforms=lambda: [Taker]), "taker", ["notify"])
    assert plugin_registry.notifiers["pager"] is Pager
    assert [f.hook for f in plugin_registry.failed
            if f.domain == "taker"] == ["register_notify_platforms"]
    h = await hub_factory("notify:\n  - {platform: pager, name: duty, number: '110'}\n")
    answer = await h.hub.services.call("notify", "duty", {"message": "hi", "wait": True})
    assert answer["detail"] == "paged" and sent[0].message == "hi"
    assert "guard" in h.hub.services.get("notify", "duty").roles


def test_every_hook_documented_and_tested() -> None:
    """Each hookspec has a section in docs/plugins.md and a test_hook_<name> here."""
    docs = (ROOT / "docs" / "plugins.md").read_text()
    source = Path(__file__).read_text()
    for name in HOOKS:
        assert re.search(rf"^### `?{name}`?", docs, re.M), f"{name} not documented"
        assert f"def test_hook_{name}(" in source, f"{name} has no test"


def test_every_builtin_manifest_valid() -> None:
    """Every plugin folder in the repository has a valid manifest matching its folder."""
    from hub.manifest import read_manifest

    for path in (ROOT / "plugins").glob("*/*/manifest.json"):
        manifest = read_manifest(path)
        assert manifest.domain == path.parent.name


def test_device_config_forbids_unknown_fields() -> None:
    """Plugin config models inherit extra='forbid'."""
    assert DeviceConfig.model_config.get("extra") == "forbid"
