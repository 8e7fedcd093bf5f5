"""MQTT for a city platform: incidents with QoS 1, retained availability, a real Mosquitto."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from hub.testing import wait_for
from hub.uplinks.const import ACTION_DELIVERED, ACTION_FAILED
from tests.plugins.uplinks.mosquitto import Mosquitto

HubFactory = Callable[..., Any]


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Mosquitto]:
    """Mosquitto on 127.0.0.1 (anonymous)."""
    server = Mosquitto(tmp_path / "mosquitto")
    await server.start()
    yield server
    await server.stop()


def _yaml(port: int, **extra: Any) -> str:
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return ("hub:\n  site: north_school\n"
            "devices:\n  - platform: acme_button\n    name: Panic 1\n    gate: main\n"
            "uplinks:\n  - type: mqtt\n    name: city\n"
            "    retry: {initial_delay: 0.05, max_delay: 0.3}\n"
            f"    url: mqtt://127.0.0.1:{port}\n    topic_prefix: city/schools\n{lines}")


async def _collect(port: int, topic: str, count: int, timeout: float = 5.0,
                   **kwargs: Any) -> list[aiomqtt.Message]:
    found: list[aiomqtt.Message] = []
    async with aiomqtt.Client("127.0.0.1", port, **kwargs) as client:
        await client.subscribe(topic, qos=1)
        async with asyncio.timeout(timeout):
            async for message in client.messages:
                found.append(message)
                if len(found) >= count:
                    break
    return found


async def test_incident_published_with_qos1(hub_factory: HubFactory, broker: Mosquitto) -> None:
    """A panic is published once per revision on incidents/<category>/<id> with QoS 1."""
    h = await hub_factory(_yaml(broker.port))
    await asyncio.wait_for(h.hub.components["uplinks"].get("city").connected.wait(), 5)
    listener = asyncio.create_task(_collect(broker.port, "city/schools/+/incidents/#", 2))
    await asyncio.sleep(0.2)  # let the subscriber subscribe
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await h.hub.services.call("incident", "acknowledge", {"incident_id": incident.id})
    messages = await listener
    assert [str(m.topic) for m in messages] == [
        f"city/schools/north_school/incidents/panic/{incident.id}"] * 2
    bodies = [json.loads(bytes(m.payload)) for m in messages]
    assert [b["event"] for b in bodies] == ["raised", "acknowledged"]
    assert all(m.qos == 1 and not m.retain for m in messages)
    await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_DELIVERED])
    assert next(s for s in incident.timeline if s.action == ACTION_DELIVERED).note.startswith(
        "PUBACK city/schools/north_school/incidents/panic/")


async def test_availability_and_status_retained(hub_factory: HubFactory,
                                                broker: Mosquitto) -> None:
    """A late subscriber gets the retained hub status and each device's availability."""
    h = await hub_factory(_yaml(broker.port))
    await asyncio.wait_for(h.hub.components["uplinks"].get("city").connected.wait(),
                           5)
    retained = await _collect(broker.port, "city/schools/north_school/#", 2)
    by_topic = {str(m.topic): m for m in retained}
    assert bytes(by_topic["city/schools/north_school/status"].payload) == b"online"
    avail = by_topic["city/schools/north_school/devices/alarm.panic_1/availability"]
    assert avail.retain and json.loads(bytes(avail.payload))["entity_id"] == "alarm.panic_1"
    await h.hub.stop()
    status = await _collect(broker.port, "city/schools/north_school/status", 1)
    assert bytes(status[0].payload) == b"offline"


async def test_broker_outage_keeps_the_message(hub_factory: HubFactory,
                                               broker: Mosquitto) -> None:
    """Raised while the broker is down: the message waits in the outbox and is published later."""
    # A persistent subscriber session: the broker queues QoS 1 messages for it.
    session: dict[str, Any] = {"identifier": "city-platform", "clean_session": False}
    async with aiomqtt.Client("127.0.0.1", broker.port, **session) as client:
        await client.subscribe("city/schools/+/incidents/#", qos=1)
    h = await hub_factory(_yaml(broker.port))
    transport = h.hub.components["uplinks"].get("city")
    await asyncio.wait_for(transport.connected.wait(), 5)
    await broker.stop()
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_FAILED])
    await broker.start()
    await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_DELIVERED],
                   timeout=10)
    messages = await _collect(broker.port, "city/schools/+/incidents/#", 1, **session)
    assert json.loads(bytes(messages[0].payload))["incident"]["id"] == incident.id


async def test_credentials(hub_factory: HubFactory, tmp_path: Path) -> None:
    """With the broker's username and password the hub publishes; with a wrong one it cannot."""
    server = Mosquitto(tmp_path / "auth", users={"school": "s3cret-pass"})
    await server.start()
    try:
        bad = await hub_factory(_yaml(server.port, username="school", password="wrong"))
        incident = await bad.hub.incidents.raise_incident("panic", source="alarm.panic_1")
        await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_FAILED])
        assert "not connected" in next(s for s in incident.timeline
                                       if s.action == ACTION_FAILED).note
        await bad.hub.stop()
        good = await hub_factory(_yaml(server.port, username="school", password="s3cret-pass"))
        transport = good.hub.components["uplinks"].get("city")
        await asyncio.wait_for(transport.connected.wait(), 5)
    finally:
        await server.stop()
