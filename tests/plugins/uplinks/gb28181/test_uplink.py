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

from .conftest import PLATFORM_ID, registered_uplink, uplink_yaml

HubFactory = Callable[..., Any]
ALARM_ID = "34020000001340000001"  # generated: civil code 340200, type 134, sequence 1


def alarm_uplink_yaml(port: int) -> str:
    """The uplinks: section with the panic button as alarm input and quick retries."""
    return uplink_yaml(
        port, keepalive_interval="30",
        retry="{max_attempts: 5, initial_delay: 0.05, max_delay: 0.2}",
        alarm_inputs="[{entity_id: alarm.panic_1, name: Gate panic button}]")


async def alarms(platform: Any) -> list[str]:
    """The Alarm MESSAGE bodies SIPp has logged so far (reads its file)."""
    found = await asyncio.to_thread(platform.requests, "MESSAGE")
    return [text for _, text in found if "<CmdType>Alarm</CmdType>" in text]


async def first_alarms(platform: Any, timeout: float = 10.0) -> list[str]:
    """Wait until SIPp has logged an Alarm MESSAGE (a file: there is no event to wait on)."""
    async with asyncio.timeout(timeout):
        while True:
            if found := await alarms(platform):
                return found
            await asyncio.sleep(0.1)


async def test_alarm_notify_per_forwarded_incident(sipp: Any,
                                                   hub_factory: HubFactory) -> None:
    """A panic becomes one Alarm MESSAGE from the alarm input's ID; intrusion (not
    forwarded by default) sends none; the uplink shows `registered`."""
    platform = await sipp("registrar.xml")
    h = await hub_factory(alarm_uplink_yaml(platform.port))
    uplink = await registered_uplink(h.hub, 10)
    await h.hub.incidents.raise_incident("intrusion", source="alarm.fence")
    await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")

    await first_alarms(platform)
    await asyncio.sleep(0.5)
    sent = await alarms(platform)
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
    ("cameras", [{"entity_id": "camera.a", "microphone": "camera.a"}],
     "cameras\\[0\\].microphone: only speakers"),
    ("speakers", [{"entity_id": "speaker.a", "microphone": "speaker.b"}], "camera"),
])  # fmt: skip
def test_bad_ids_are_named(field: str, value: object, message: str) -> None:
    """A malformed or misplaced ID is refused with the field and the reason."""
    data: dict[str, Any] = {"name": "p", "platform_id": PLATFORM_ID,
                            "platform_host": "127.0.0.1", "civil_code": "340200",
                            "password": "x", field: value}
    with pytest.raises(ValidationError, match=message) as err:
        Gb28181Config.model_validate(data)
    if field == "cameras" and "microphone" not in str(value):
        assert "cameras[0].id" in str(err.value)


async def test_test_incident_says_test_in_its_alarm_description(sipp: Any,
                                                                hub_factory: HubFactory) -> None:
    """GB/T 28181 Notify/Alarm has no test flag: a test panic (a press in a test window, the
    test control) says TEST in its AlarmDescription; the platform can tell it from an alarm."""
    platform = await sipp("registrar.xml")
    h = await hub_factory(alarm_uplink_yaml(platform.port))
    await registered_uplink(h.hub, 10)
    await h.hub.incidents.raise_incident("panic", source="alarm.panic_1", test=True)

    body = (await first_alarms(platform))[0]
    description = body.split("<AlarmDescription>")[1].split("</AlarmDescription>")[0]
    assert "TEST:" in description and "Panic alarm" in description


async def test_guard_cmd_in_a_running_hub(double: Any, hub_factory: HubFactory) -> None:
    """The platform disarms the panic button (GuardCmd ResetGuard): a panic still becomes
    an incident, its uplink step says 'not sent: ... disarmed', and no Alarm reaches the
    platform; after SetGuard the next panic does."""
    platform, port = double
    h = await hub_factory(alarm_uplink_yaml(port))
    uplink = await registered_uplink(h.hub, 10)

    async def guard(command: str) -> None:
        sn = platform.send(uplink.endpoint.local, "Control", "DeviceControl", ALARM_ID,
                           [("GuardCmd", command)])
        assert (await platform.answers(sn))[0].text("Result") == "OK"

    def details() -> list[str]:
        return [e.data["detail"] for e in h.of_type("uplink_item_delivered")
                if e.data["uplink"] == "police_video"]

    await guard("ResetGuard")
    first = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await wait_for(lambda: any("disarmed" in d for d in details()), timeout=5)
    assert f"not sent: {ALARM_ID} disarmed by the platform (ResetGuard)" in details()
    assert (await h.hub.incidents.get(first.id)).category == "panic"  # the hub's own goes on
    assert platform.bodies.empty() or all(
        platform.bodies.get_nowait().cmd_type == "Keepalive"
        for _ in range(platform.bodies.qsize()))
    await h.hub.incidents.resolve_open("panic", "alarm.panic_1", "test over")
    await guard("SetGuard")
    await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    async with asyncio.timeout(5):
        while (body := await platform.bodies.get()).cmd_type != "Alarm":
            pass  # keepalives
    assert body.device_id == ALARM_ID
