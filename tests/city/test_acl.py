"""Broker ACLs: a school's credentials publish only under its own topics and read only its
own commands (RabbitMQ topic and resource permissions, city/broker.py)."""

from __future__ import annotations

import asyncio
import contextlib

import aiomqtt
import pytest
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import text

from tests.city.conftest import PASSWORD, Platform, wait_for


async def _incidents(platform: Platform, school: str) -> int:
    async with platform.db.engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM incidents WHERE school_id = :s"),
                                    {"s": school})).scalar()
    return int(count or 0)


async def test_a_school_cannot_publish_as_another(platform: Platform) -> None:
    """School A's credentials cannot put an incident under school B's topics."""
    await platform.start_worker()
    a, b = await platform.add_schools("north", 2, start=False)
    host, _, port = platform.cluster.mqtt_servers()[0].rpartition(":")
    b.cut()
    b.raise_incident("panic", 1)  # a valid message of B's, published with A's credentials
    topic, forged = b.outbox[-1]
    with contextlib.suppress(aiomqtt.MqttError):
        async with aiomqtt.Client(host, int(port), username=a.school,
                                  password=PASSWORD + a.school, identifier=a.school) as client:
            await client.publish(topic, forged, qos=1,
                                 timeout=5)
    await a.start()
    a.raise_incident("panic", 1)
    await wait_for(lambda: _incidents(platform, a.school))
    await asyncio.sleep(0.5)
    assert await _incidents(platform, b.school) == 0


async def test_a_school_cannot_read_another_schools_commands(platform: Platform) -> None:
    """Subscribing to school B's commands with school A's credentials is refused."""
    a, b = await platform.add_schools("north", 2, start=False)
    host, _, port = platform.cluster.mqtt_servers()[0].rpartition(":")
    refused = False
    try:
        async with aiomqtt.Client(host, int(port), username=a.school,
                                  password=PASSWORD + a.school, identifier=a.school) as client:
            granted = await client.subscribe(f"campus/{b.school}/commands/#", qos=1,
                                             timeout=5)
            codes = [g.value if isinstance(g, ReasonCode) else int(g) for g in granted]
            refused = any(c >= 0x80 for c in codes)
    except aiomqtt.MqttError:
        refused = True
    assert refused


async def test_wrong_password_is_refused(platform: Platform) -> None:
    """A school with the wrong password cannot connect."""
    (a,) = await platform.add_schools("north", 1, start=False)
    host, _, port = platform.cluster.mqtt_servers()[0].rpartition(":")
    with pytest.raises(aiomqtt.MqttError):
        async with aiomqtt.Client(host, int(port), username=a.school, password="wrong-one",
                                  identifier=a.school, timeout=5):
            pass
