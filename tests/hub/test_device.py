"""The device layer: entities of one box share one connection, availability and supervision."""

from __future__ import annotations

import asyncio
import contextlib
import types
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from hub import Device, DeviceConfig, Entity, Hub, Platform, Sensor, Switch, hookimpl
from hub.testing.harness import wait_for


class BoxConfig(DeviceConfig):
    """A box on a TCP port that answers one line per poll."""

    port: int


class Box(Platform, Device):
    """Polls its server every 50 ms; two entities (a relay and a counter) share the poll."""

    platform: ClassVar[str] = "box"
    config_model: ClassVar[type[DeviceConfig]] = BoxConfig
    connections = 0

    @classmethod
    def create_entities(cls, hub: Hub, config: DeviceConfig) -> Sequence[Entity]:
        """One Box, two entities."""
        box = cls(hub, config)
        return box.entities

    def __init__(self, hub: Hub, config: DeviceConfig) -> None:
        Device.__init__(self, hub, config)
        assert isinstance(config, BoxConfig)
        self.port = config.port
        self.add(BoxRelay(self, "relay"))
        self.add(BoxCounter(self, "counter"))

    async def run(self) -> None:
        """Connect, then read one line per poll; on any error: down, retry after 50 ms."""
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                Box.connections += 1
                try:
                    while True:
                        writer.write(b"?\n")
                        line = await asyncio.wait_for(reader.readline(), 1)
                        if not line:
                            raise ConnectionError("closed")
                        self.set_available(True)
                        await asyncio.sleep(0.05)
                finally:
                    writer.close()
            except (OSError, TimeoutError) as exc:
                self.set_available(False, str(exc) or type(exc).__name__)
                await asyncio.sleep(0.05)


class BoxRelay(Switch):
    """The box's relay."""

    platform = "box"

    def __init__(self, box: Box, key: str) -> None:
        super().__init__(box.hub, box.config, f"{box.config.slug}_{key}")
        self.box = box

    async def setup(self) -> None:
        """Join the box's connection."""
        self.state = "off"
        self.box.attach()

    async def shutdown(self) -> None:
        """Leave it."""
        await self.box.detach()


class BoxCounter(Sensor):
    """The box's counter."""

    platform = "box"

    def __init__(self, box: Box, key: str) -> None:
        super().__init__(box.hub, box.config, f"{box.config.slug}_{key}")
        self.box = box

    async def setup(self) -> None:
        """Join the box's connection."""
        self.box.attach()

    async def shutdown(self) -> None:
        """Leave it."""
        await self.box.detach()


async def test_one_connection_one_availability_one_offline_incident(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any]
) -> None:
    """Two entities, one connection; the box stops answering: both unavailable and exactly one
    device_offline incident; it answers again: both available and that incident resolved."""
    clients: set[asyncio.StreamWriter] = set()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clients.add(writer)
        with contextlib.suppress(ConnectionError):
            while await reader.readline():
                writer.write(b"ok\n")
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    module = types.ModuleType("box_plugin")
    module.register_platforms = hookimpl(lambda: [Box])  # type: ignore[attr-defined]
    register_plugin(module, "box")
    Box.connections = 0
    h = await hub_factory(f"devices:\n  - {{platform: box, name: Box, port: {port}}}\n")
    hub = h.hub
    ids = ["switch.box_relay", "sensor.box_counter"]
    await wait_for(lambda: all(hub.entities[i].available for i in ids))
    assert Box.connections == 1
    server.close()  # the box is cut off: the live connection ends, new ones are refused
    for writer in clients:
        writer.close()
    await server.wait_closed()

    def offline() -> list[Any]:
        return [i for i in hub.incidents.all() if i.category == "device_offline"]

    # New connections are refused now; the live one ends when the server side closes.
    await wait_for(lambda: not any(hub.entities[i].available for i in ids), timeout=10)
    await wait_for(offline)
    await asyncio.sleep(0.3)  # several failed polls later: still one incident
    assert len(offline()) == 1 and offline()[0].source == "switch.box_relay"
    server = await asyncio.start_server(answer, "127.0.0.1", port)
    try:
        await wait_for(lambda: all(hub.entities[i].available for i in ids), timeout=10)
        await wait_for(lambda: offline()[0].status == "resolved", timeout=10)
        assert len(offline()) == 1
    finally:
        await hub.stop()
        server.close()
        await server.wait_closed()


class Flaky(Platform, Device):
    """A device whose connection loop raises (a plugin bug) on its first two runs."""

    platform: ClassVar[str] = "flaky"
    config_model: ClassVar[type[DeviceConfig]] = DeviceConfig
    restart_delay: ClassVar[float] = 0.02
    runs = 0
    closes = 0

    @classmethod
    def create_entities(cls, hub: Hub, config: DeviceConfig) -> Sequence[Entity]:
        """One Flaky, one counter entity."""
        return cls(hub, config).entities

    def __init__(self, hub: Hub, config: DeviceConfig) -> None:
        Device.__init__(self, hub, config)
        self.add(FlakyCounter(self))

    async def run(self) -> None:
        """Answer, then fail unexpectedly twice; the third run keeps going."""
        Flaky.runs += 1
        self.set_available(True)
        if Flaky.runs <= 2:
            raise KeyError("register 40001")
        await asyncio.Event().wait()

    async def close(self) -> None:
        """Count the closes between runs."""
        Flaky.closes += 1


class FlakyCounter(Sensor):
    """The flaky device's one entity."""

    platform = "flaky"

    def __init__(self, device: Flaky) -> None:
        super().__init__(device.hub, device.config, f"{device.config.slug}_counter")
        self.device = device

    async def setup(self) -> None:
        """Join the device's connection."""
        self.device.attach()

    async def shutdown(self) -> None:
        """Leave it."""
        await self.device.detach()


async def test_a_crashing_connection_loop_is_shown_logged_once_and_restarted(
    register_plugin: Callable[..., Any], hub_factory: Callable[..., Any], caplog: Any
) -> None:
    """run() raising leaves no stale state: the entities go unavailable with the error, one
    ERROR line per outage, the connection is closed and run() starts again."""
    module = types.ModuleType("flaky_plugin")
    module.register_platforms = hookimpl(lambda: [Flaky])  # type: ignore[attr-defined]
    register_plugin(module, "flaky")
    Flaky.runs = Flaky.closes = 0
    caplog.set_level("ERROR", logger="hub.device")
    h = await hub_factory("devices:\n  - {platform: flaky, name: Flaky}\n")
    counter = h.hub.entities["sensor.flaky_counter"]
    await wait_for(lambda: Flaky.runs == 3 and counter.available)
    reasons = [e.data["new_state"].attributes.get("unavailable_reason")
               for e in h.of_type("state_changed")
               if e.data["entity_id"] == "sensor.flaky_counter"
               and e.data["new_state"].state == "unavailable"]
    assert "device error: KeyError: 'register 40001'" in reasons
    lines = [r.getMessage() for r in caplog.records if r.name == "hub.device"]
    assert lines == ["Flaky: connection loop failed; restarting"] * 2  # two outages
    assert Flaky.closes == 2
