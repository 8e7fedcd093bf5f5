"""MANSCDP queries and controls from a platform double.

The double is written from GB/T 28181-2016 clause 9 and annex A (no such platform can run
here): it sends Query/Control MESSAGEs in GB2312 to the hub over UDP, answers the hub's
MESSAGEs with 200 OK and collects their bodies.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from plugins.uplinks.gb28181.device import Channel, Gb28181Device
from plugins.uplinks.gb28181.ptz import PtzCommand, encode_ptz
from plugins.uplinks.gb28181.register import Registrar, RegistrationSettings
from plugins.uplinks.gb28181.sip import SipEndpoint

from .conftest import DOMAIN, HUB_ID, PLATFORM_ID
from .double import PlatformDouble

CAMERAS = [Channel(f"3402000000132000000{n}", f"摄像机{n}", "camera", f"camera.c{n}",
                   online=n != 3, ptz=n == 1) for n in range(1, 7)]
ALARM = Channel("34020000001340000001", "一键报警", "alarm", "alarm.panic_1")


class Recorded:
    """The hub actions the platform's commands caused."""

    def __init__(self) -> None:
        self.moves: list[tuple[str, PtzCommand]] = []
        self.resets: list[str | None] = []

    async def ptz(self, channel: Channel, command: PtzCommand) -> None:
        self.moves.append((channel.entity_id, command))

    async def reset_alarm(self, channel: Channel | None) -> None:
        self.resets.append(channel.entity_id if channel else None)

    async def speaker_audio(self, channel: Channel, wav: bytes) -> None:
        raise AssertionError("unexpected audio")

    async def presets(self, channel: Channel) -> dict[str, str]:
        return {}

    def audit(self, action: str, channel: Channel | None, details: dict[str, Any]) -> None:
        pass


@pytest.fixture
async def setup() -> AsyncIterator[tuple[PlatformDouble, Gb28181Device, Recorded]]:
    """The hub's device handlers on UDP and the platform double."""
    loop = asyncio.get_running_loop()
    transport, double = await loop.create_datagram_endpoint(PlatformDouble,
                                                            local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    ep = SipEndpoint("udp", ("127.0.0.1", 0), ("127.0.0.1", port))
    await ep.start()
    reg = Registrar(ep, RegistrationSettings(HUB_ID, DOMAIN, PLATFORM_ID, "x"))
    actions = Recorded()
    channels = [*CAMERAS, ALARM]
    device = Gb28181Device(ep, reg, civil_code="340200", name="校门 Hub",
                           channels=lambda: channels, actions=actions)
    yield double, device, actions
    await device.close()
    await ep.stop()
    transport.close()


async def test_catalog_split_with_sumnum(setup: Any) -> None:
    """Seven entries do not fit one message: every part says SumNum 7, the parts add up."""
    double, device, _ = setup
    sn = double.send(device.endpoint.local, "Query", "Catalog", HUB_ID)
    parts = await double.answers(sn, 2)
    assert [p.text("SumNum") for p in parts] == ["7", "7"]
    items = [i for p in parts for i in p.element.iter("Item")]
    assert sum(int(p.element.find("DeviceList").get("Num")) for p in parts) == 7
    ids = [i.findtext("DeviceID") for i in items]
    assert ids == [c.id for c in (*CAMERAS, ALARM)]
    third = items[2]
    assert third.findtext("Status") == "OFF" and third.findtext("ParentID") == HUB_ID
    assert items[0].findtext("Name") == "摄像机1"  # GB2312 names survive both ways


async def test_device_info_and_status(setup: Any) -> None:
    """DeviceInfo names the hub and its channel count; DeviceStatus gives the duty status."""
    double, device, _ = setup
    info = (await double.answers(double.send(device.endpoint.local, "Query", "DeviceInfo",
                                             HUB_ID)))[0]
    assert (info.text("Result"), info.text("DeviceName"), info.text("Channel")) == (
        "OK", "校门 Hub", "7")
    status = (await double.answers(double.send(device.endpoint.local, "Query",
                                               "DeviceStatus", HUB_ID)))[0]
    assert status.text("Online") == "ONLINE"
    assert status.text("Alarmstatus/Item/DutyStatus") == "ONDUTY"
    offline = (await double.answers(double.send(device.endpoint.local, "Query",
                                                "DeviceStatus", CAMERAS[2].id)))[0]
    assert offline.text("Online") == "OFFLINE"
    record = (await double.answers(double.send(device.endpoint.local, "Query", "RecordInfo",
                                               CAMERAS[0].id)))[0]
    assert record.text("SumNum") == "0"


async def test_ptz_and_alarm_reset(setup: Any) -> None:
    """PTZCmd 'left at speed 128' and 'go to preset 3' reach the camera; ResetAlarm too;
    a PTZ for an alarm input is answered ERROR."""
    double, device, actions = setup
    for cmd in (encode_ptz(0x02, pan_speed=128), encode_ptz(0x82, tilt_speed=3)):
        sn = double.send(device.endpoint.local, "Control", "DeviceControl", CAMERAS[0].id,
                         [("PTZCmd", cmd)])
        assert (await double.answers(sn))[0].text("Result") == "OK"
    (entity, left), (_, preset) = actions.moves
    assert entity == "camera.c1" and left.action == "move" and -0.51 < left.pan < -0.49
    assert preset.action == "call_preset" and preset.preset == 3
    sn = double.send(device.endpoint.local, "Control", "DeviceControl", ALARM.id,
                     [("PTZCmd", encode_ptz(0x01, 10))])
    assert (await double.answers(sn))[0].text("Result") == "ERROR"
    sn = double.send(device.endpoint.local, "Control", "DeviceControl", ALARM.id,
                     [("AlarmCmd", "ResetAlarm")])
    assert (await double.answers(sn))[0].text("Result") == "OK"
    assert actions.resets == ["alarm.panic_1"]
