"""The gb28181 uplink in a running hub: registration state, one Alarm Notify per forwarded
incident at a SIPp platform, and the config's ID checks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from hub.testing import wait_for
from plugins.uplinks.gb28181.config import Gb28181Config

from .conftest import PASSWORD, PLATFORM_ID

HubFactory = Callable[..., Any]
ALARM_ID = "34020000001340000001"  # generated: civil code 340200, type 134, sequence 1


def uplink_yaml(port: int, **extra: str) -> str:
    """An uplinks: section for a SIPp platform on 127.0.0.1:port."""
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return ("uplinks:\n  - type: gb28181\n    name: police_video\n"
            f"    platform_id: '{PLATFORM_ID}'\n    platform_host: 127.0.0.1\n"
            f"    platform_port: {port}\n    local_port: 0\n    civil_code: '340200'\n"
            f"    password: {PASSWORD}\n    keepalive_interval: 30\n"
            "    retry: {max_attempts: 5, initial_delay: 0.05, max_delay: 0.2}\n"
            "    alarm_inputs: [{entity_id: alarm.panic_1, name: Gate panic button}]\n"
            f"{lines}")


async def test_alarm_notify_per_forwarded_incident(sipp: Any,
                                                   hub_factory: HubFactory) -> None:
    """A panic becomes one Alarm MESSAGE from the alarm input's ID; intrusion (not
    forwarded by default) sends none; the uplink shows `registered`."""
    platform = await sipp("registrar.xml")
    h = await hub_factory(uplink_yaml(platform.port))
    uplink = h.hub.components["uplinks"].get("police_video")
    await wait_for(lambda: uplink.status()["state"] == "registered", timeout=10)
    await h.hub.incidents.raise_incident("intrusion", source="alarm.fence")
    await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")

    async def alarms() -> list[str]:
        found = await asyncio.to_thread(platform.requests, "MESSAGE")  # reads SIPp's file
        return [text for _, text in found if "<CmdType>Alarm</CmdType>" in text]

    async with asyncio.timeout(10):
        while True:  # SIPp writes a file: there is no event to wait on
            if await alarms():
                break
            await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    sent = await alarms()
    body = sent[0]
    assert f"<DeviceID>{ALARM_ID}</DeviceID>" in body
    assert "<AlarmPriority>1</AlarmPriority>" in body
    assert "<AlarmMethod>2</AlarmMethod>" in body
    assert "<AlarmTime>" in body and "<AlarmDescription>" in body
    assert len(sent) == 1
    status = uplink.status()
    assert status["device_id"] == "34020000002000000001" and status["registrations"] == 1


def test_ids_generated_from_civil_code() -> None:
    """Missing IDs are made from the civil code, the type code and a sequence."""
    cfg = Gb28181Config.model_validate({
        "name": "p", "platform_id": PLATFORM_ID, "platform_host": "127.0.0.1",
        "civil_code": "34020000", "password": "x",
        "cameras": [{"entity_id": "camera.a"}, {"entity_id": "camera.b"}],
        "speakers": [{"entity_id": "speaker.gate"}]})  # fmt: skip
    assert cfg.device_id == "34020000002000000001"
    assert [c.id for c in cfg.cameras] == ["34020000001320000001", "34020000001320000002"]
    assert cfg.speakers[0].id == "34020000001370000001"
    assert cfg.platform_domain == "3402000000"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cameras", [{"entity_id": "camera.a", "id": "3402000000132000001"}], "20 digits"),
    ("cameras", [{"entity_id": "camera.a", "id": "34020000001340000001"}], "expected 132"),
    ("platform_id", "00020000002000000002", "no province"),
])  # fmt: skip
def test_bad_ids_are_named(field: str, value: object, message: str) -> None:
    """A malformed or misplaced ID is refused with the field and the reason."""
    data: dict[str, Any] = {"name": "p", "platform_id": PLATFORM_ID,
                            "platform_host": "127.0.0.1", "civil_code": "340200",
                            "password": "x", field: value}
    with pytest.raises(ValidationError, match=message) as err:
        Gb28181Config.model_validate(data)
    if field == "cameras":
        assert "cameras[0].id" in str(err.value)


async def test_test_incident_says_test_in_its_alarm_description(sipp: Any,
                                                                hub_factory: HubFactory) -> None:
    """GB/T 28181 Notify/Alarm has no test flag: a test panic (a press in a test window, the
    test control) says TEST in its AlarmDescription; the platform can tell it from an alarm."""
    platform = await sipp("registrar.xml")
    h = await hub_factory(uplink_yaml(platform.port))
    uplink = h.hub.components["uplinks"].get("police_video")
    await wait_for(lambda: uplink.status()["state"] == "registered", timeout=10)
    await h.hub.incidents.raise_incident("panic", source="alarm.panic_1", test=True)

    async def alarms() -> list[str]:
        found = await asyncio.to_thread(platform.requests, "MESSAGE")  # reads SIPp's file
        return [text for _, text in found if "<CmdType>Alarm</CmdType>" in text]

    async with asyncio.timeout(10):
        while True:  # SIPp writes a file: there is no event to wait on
            if await alarms():
                break
            await asyncio.sleep(0.1)
    body = (await alarms())[0]
    description = body.split("<AlarmDescription>")[1].split("</AlarmDescription>")[0]
    assert "TEST:" in description and "Panic alarm" in description
