"""MANSCDP queries and controls from a platform double.

The double is written from GB/T 28181-2016 clause 9 and annex A (no such platform can run
here): it sends Query/Control MESSAGEs in GB2312 to the hub over UDP, answers the hub's
MESSAGEs with 200 OK and collects their bodies.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from plugins.uplinks.gb28181 import manscdp
from plugins.uplinks.gb28181.device import Alarm, Channel, Gb28181Device
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
        self.audits: list[tuple[str, str | None, dict[str, Any]]] = []

    async def ptz(self, channel: Channel, command: PtzCommand) -> None:
        self.moves.append((channel.entity_id, command))

    async def reset_alarm(self, channel: Channel | None) -> None:
        self.resets.append(channel.entity_id if channel else None)

    async def speaker_audio(self, channel: Channel, wav: bytes) -> None:
        raise AssertionError("unexpected audio")

    async def presets(self, channel: Channel) -> dict[str, str]:
        return {}

    def audit(self, action: str, channel: Channel | None, details: dict[str, Any]) -> None:
        self.audits.append((action, channel.entity_id if channel else None, details))


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


def _num(part: Any) -> int:
    return int(part.element.find("DeviceList").get("Num"))


async def catalog_parts(double: PlatformDouble, sn: int) -> list[Any]:
    """The hub's Catalog answers to `sn` until their DeviceList Nums add up to SumNum."""
    parts: list[Any] = await double.answers(sn)
    while sum(_num(p) for p in parts) < int(parts[0].text("SumNum")):
        parts += await double.answers(sn)
    return parts


async def test_catalog_split_with_sumnum(setup: Any) -> None:
    """Seven entries do not fit one UDP datagram: every part says SumNum 7, the parts add
    up, in order, and each MESSAGE fits one 1500-byte Ethernet frame (no IP fragments)."""
    double, device, _ = setup
    sn = double.send(device.endpoint.local, "Query", "Catalog", HUB_ID)
    parts = await catalog_parts(double, sn)
    assert len(parts) > 1 and {p.text("SumNum") for p in parts} == {"7"}
    items = [i for p in parts for i in p.element.iter("Item")]
    ids = [i.findtext("DeviceID") for i in items]
    assert ids == [c.id for c in (*CAMERAS, ALARM)]
    assert max(double.datagram_sizes[str(sn)]) <= 1500
    third = items[2]
    assert third.findtext("Status") == "OFF" and third.findtext("ParentID") == HUB_ID
    assert items[0].findtext("Name") == "摄像机1"  # GB2312 names survive both ways


async def test_large_catalog_with_long_names(setup: Any) -> None:
    """A hub with 60 channels with long Chinese names: still every MESSAGE under 1500
    bytes, SumNum 60 in each, all 60 IDs once."""
    double, device, _ = setup
    many = [Channel(f"340200000013200{n:05d}", f"东门外侧通道第{n}号高清球形摄像机北侧",
                    "camera", f"camera.x{n}") for n in range(60)]
    device.channels = lambda: many
    sn = double.send(device.endpoint.local, "Query", "Catalog", HUB_ID)
    parts = await catalog_parts(double, sn)
    assert {p.text("SumNum") for p in parts} == {"60"}
    ids = [i.findtext("DeviceID") for p in parts for i in p.element.iter("Item")]
    assert ids == [c.id for c in many]
    assert max(double.datagram_sizes[str(sn)]) <= 1500, double.datagram_sizes[str(sn)]


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


async def test_record_queries_answer_none(setup: Any) -> None:
    """The hub keeps incident snapshots (stills) but no video recordings: a RecordInfo
    query for a day (A.2.4.5, all types) is answered SumNum 0 with an empty RecordList for
    that channel, and a Playback INVITE is refused 488 (nothing to replay)."""
    double, device, _ = setup
    sn = double.send(device.endpoint.local, "Query", "RecordInfo", CAMERAS[0].id, [
        ("StartTime", "2026-12-05T00:00:00"), ("EndTime", "2026-12-05T23:59:59"),
        ("Secrecy", 0), ("Type", "all")])  # fmt: skip
    [record] = await double.answers(sn)
    assert (record.root, record.device_id, record.text("SumNum")) == (
        "Response", CAMERAS[0].id, "0")
    assert record.element.find("RecordList").get("Num") == "0"
    assert not record.element.findall("RecordList/Item")
    sdp = (f"v=0\r\no={PLATFORM_ID} 0 0 IN IP4 127.0.0.1\r\ns=Playback\r\n"
           f"u={CAMERAS[0].id}:0\r\nc=IN IP4 127.0.0.1\r\nt=1796428800 1796515199\r\n"
           "m=video 6000 RTP/AVP 96\r\na=recvonly\r\na=rtpmap:96 PS/90000\r\n"
           "y=1100000001\r\n")
    double.send_request(device.endpoint.local, "INVITE", CAMERAS[0].id, call_id="pb1",
                        body=sdp.encode(), content_type="application/sdp")
    assert (await double.response("INVITE")).status_code == 488


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


async def control(double: PlatformDouble, device: Gb28181Device, device_id: str,
                  fields: list[tuple[str, object]], cmd: str = "DeviceControl") -> str:
    """Send a Control and return the Result of its answer."""
    sn = double.send(device.endpoint.local, "Control", cmd, device_id, fields)
    return (await double.answers(sn))[0].text("Result")


async def duty(double: PlatformDouble, device: Gb28181Device) -> str:
    """The alarm input's DutyStatus in a DeviceStatus answer."""
    sn = double.send(device.endpoint.local, "Query", "DeviceStatus", HUB_ID)
    return (await double.answers(sn))[0].text("Alarmstatus/Item/DutyStatus")


async def test_guard_cmd_stops_and_resumes_alarms_to_the_platform(setup: Any) -> None:
    """ResetGuard on the alarm input: DutyStatus OFFDUTY and its alarms are not sent to
    this platform; SetGuard: ONDUTY and sent again. On the hub's own ID it covers every
    channel. Audited; an unknown ID or command is ERROR."""
    double, device, actions = setup
    alarm = Alarm(ALARM.id, 1, 2, "panic", datetime(2026, 12, 6, 8, 0))
    assert await control(double, device, ALARM.id, [("GuardCmd", "ResetGuard")]) == "OK"
    assert await duty(double, device) == "OFFDUTY"
    assert await device.send_alarm(alarm) is None
    assert await control(double, device, ALARM.id, [("GuardCmd", "SetGuard")]) == "OK"
    assert await duty(double, device) == "ONDUTY"
    resp = await device.send_alarm(alarm)
    assert resp is not None and resp.status_code == 200
    assert (await asyncio.wait_for(double.bodies.get(), 2)).cmd_type == "Alarm"
    assert await control(double, device, ALARM.id, [("AlarmCmd", "ResetAlarm")]) == "OK"
    assert await control(double, device, HUB_ID, [("GuardCmd", "ResetGuard")]) == "OK"
    assert await device.send_alarm(alarm) is None and await duty(double, device) == "OFFDUTY"
    assert await control(double, device, HUB_ID, [("GuardCmd", "SetGuard")]) == "OK"
    assert await duty(double, device) == "ONDUTY"
    assert await control(double, device, "34020000001340000099",
                         [("GuardCmd", "ResetGuard")]) == "ERROR"
    assert await control(double, device, ALARM.id, [("GuardCmd", "Arm")]) == "ERROR"
    guards = [(target, d["command"]) for action, target, d in actions.audits
              if action == "gb28181.guard"]
    assert guards == [("alarm.panic_1", "ResetGuard"), ("alarm.panic_1", "SetGuard"),
                      (None, "ResetGuard"), (None, "SetGuard")]


async def test_teleboot_is_refused(setup: Any, caplog: pytest.LogCaptureFixture) -> None:
    """TeleBoot is answered ERROR with a clear log line and audited: the hub does not
    reboot on a platform's command."""
    double, device, actions = setup
    caplog.set_level("INFO", "plugins.uplinks.gb28181")
    assert await control(double, device, HUB_ID, [("TeleBoot", "Boot")]) == "ERROR"
    assert "does not reboot on a platform's command" in caplog.text
    assert [a for a, _, _ in actions.audits] == ["gb28181.teleboot_refused"]


async def test_device_config_applies_at_once(setup: Any) -> None:
    """DeviceConfig BasicParam on a registered hub: a new Expiration registers again at
    once with it, a new HeartBeatInterval spaces the keepalives, the Name is the one
    DeviceInfo and ConfigDownload give (which never carries the password). A bad value
    is ERROR and changes nothing."""
    double, device, actions = setup
    task = asyncio.create_task(device.registrar.run())
    try:
        first = await double.request("REGISTER")
        assert first.get_header("Expires") == "3600"
        assert await control(double, device, HUB_ID, [("BasicParam", manscdp.element(
            "BasicParam", [("HeartBeatInterval", 0), ("Name", "x")]))],
            "DeviceConfig") == "ERROR"
        assert device.name == "校门 Hub" and device.registrar.settings.keepalive_interval == 60
        assert await control(double, device, HUB_ID, [("BasicParam", manscdp.element(
            "BasicParam", [("Name", "东门 Hub"), ("Expiration", 120), ("HeartBeatInterval", 1),
                           ("HeartBeatCount", 5)]))], "DeviceConfig") == "OK"
        again = await double.request("REGISTER", timeout=2)
        assert again.get_header("Expires") == "120"
        loop = asyncio.get_running_loop()
        beats: list[float] = []
        async with asyncio.timeout(4):
            while len(beats) < 2:
                if (await double.bodies.get()).cmd_type == "Keepalive":
                    beats.append(loop.time())
        assert 0.7 < beats[1] - beats[0] < 1.5
        info = (await double.answers(double.send(device.endpoint.local, "Query",
                                                 "DeviceInfo", HUB_ID)))[0]
        assert info.text("DeviceName") == "东门 Hub"
        sn = double.send(device.endpoint.local, "Query", "ConfigDownload", HUB_ID,
                         [("ConfigType", "BasicParam/VideoParamOpt")])
        [config] = await double.answers(sn)
        assert config.text("Result") == "OK"
        assert [(f, config.text(f"BasicParam/{f}")) for f in (
            "Name", "DeviceID", "SIPServerID", "DomainName", "Expiration",
            "HeartBeatInterval", "HeartBeatCount")] == [
            ("Name", "东门 Hub"), ("DeviceID", HUB_ID), ("SIPServerID", PLATFORM_ID),
            ("DomainName", DOMAIN), ("Expiration", "120"), ("HeartBeatInterval", "1"),
            ("HeartBeatCount", "5")]  # fmt: skip
        assert config.element.find("BasicParam/Password") is None
        sn = double.send(device.endpoint.local, "Query", "ConfigDownload", HUB_ID,
                         [("ConfigType", "VideoParamOpt")])
        assert (await double.answers(sn))[0].text("Result") == "ERROR"
        assert [d for a, _, d in actions.audits if a == "gb28181.config"] == [
            {"BasicParam": {"Expiration": 120, "HeartBeatInterval": 1, "HeartBeatCount": 5,
                            "Name": "东门 Hub"}}]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
