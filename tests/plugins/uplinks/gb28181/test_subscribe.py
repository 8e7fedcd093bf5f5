"""Subscriptions (GB/T 28181-2016 9.11) with the platform double: alarms go as NOTIFY in
the alarm subscription while it lasts (filtered by it), as MESSAGE after it expired; a
Catalog subscription gets the catalog, then ADD/DEL/ON/OFF as channels change, and in a
running hub when a speaker really goes offline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from aiosipua import SipRequest

from hub.testing import wait_for, wait_for_state
from plugins.uplinks.gb28181 import manscdp
from plugins.uplinks.gb28181.device import Alarm, Channel, Gb28181Device
from plugins.uplinks.gb28181.register import Registrar, RegistrationSettings
from plugins.uplinks.gb28181.sip import SipEndpoint
from simulators.speaker import SpeakerSimulator

from .conftest import DOMAIN, HUB_ID, PLATFORM_ID, free_port, registered_uplink, uplink_yaml
from .double import PlatformDouble
from .test_broadcast import Pieces

ALARM_ID = "34020000001340000001"
CAMERA_ID = "34020000001320000001"


@pytest.fixture
async def setup() -> AsyncIterator[tuple[PlatformDouble, Gb28181Device, list[Channel]]]:
    """The device on UDP with a mutable channel list, and the platform double."""
    loop = asyncio.get_running_loop()
    transport, platform = await loop.create_datagram_endpoint(PlatformDouble,
                                                              local_addr=("127.0.0.1", 0))
    ep = SipEndpoint("udp", ("127.0.0.1", 0),
                     ("127.0.0.1", transport.get_extra_info("sockname")[1]))
    await ep.start()
    channels = [Channel(ALARM_ID, "panic", "alarm", "alarm.panic"),
                Channel(CAMERA_ID, "gate", "camera", "camera.gate")]
    device = Gb28181Device(ep, Registrar(ep, RegistrationSettings(HUB_ID, DOMAIN, PLATFORM_ID,
                                                                  "x")),
                           civil_code="340200", name="hub", channels=lambda: list(channels),
                           actions=Pieces())
    yield platform, device, channels
    await device.close()
    await ep.stop()
    transport.close()


def panic(priority: int = 1) -> Alarm:
    """A panic alarm (device alarm, method 2)."""
    return Alarm(ALARM_ID, priority, 2, "panic", datetime(2026, 12, 5, 8, 0, 0))


async def notifies(platform: PlatformDouble, count: int) -> list[SipRequest]:
    """The next `count` NOTIFYs."""
    return [await platform.request("NOTIFY", timeout=2) for _ in range(count)]


async def test_alarm_notify_in_subscription_until_it_expires(setup: Any) -> None:
    """SUBSCRIBE Alarm (priority 1-2, Expires 1): a priority-1 panic is a NOTIFY in that
    dialog (Event, Subscription-State), a priority-3 one is filtered out; after expiry the
    next panic is a MESSAGE again."""
    platform, device, _ = setup
    platform.subscribe(device.endpoint.local, "Alarm", 1, "sub-alarm",
                       [("StartAlarmPriority", 1), ("EndAlarmPriority", 2),
                        ("AlarmMethod", 0)])
    ok = await platform.response("SUBSCRIBE")
    assert ok.status_code == 200 and ok.get_header("Expires") == "1"
    assert manscdp.parse(ok.body).text("Result") == "OK"

    assert (await device.send_alarm(panic())) is not None
    [notify] = await notifies(platform, 1)
    assert notify.call_id == "sub-alarm" and (notify.get_header("Event") or "").startswith("Alarm")
    assert (notify.get_header("Subscription-State") or "").startswith("active;expires=")
    assert "tag=platform" in (notify.get_header("To") or "")
    body = manscdp.parse(notify.body)
    assert (body.root, body.cmd_type, body.device_id) == ("Notify", "Alarm", ALARM_ID)
    assert platform.bodies.empty()  # no MESSAGE beside the NOTIFY

    assert await device.send_alarm(panic(priority=3)) is None  # outside the filter
    await asyncio.sleep(1.0)  # the subscription expires
    resp = await device.send_alarm(panic(priority=3))
    assert resp is not None and resp.status_code == 200
    message = await asyncio.wait_for(platform.bodies.get(), 2)
    assert (message.cmd_type, message.text("AlarmPriority")) == ("Alarm", "3")
    others = [platform.requests.get_nowait() for _ in range(platform.requests.qsize())]
    assert [r.method for r in others if r.method == "NOTIFY"] == []
    assert device.subscriptions.all() == []


async def test_catalog_subscription_notifies_changes(setup: Any) -> None:
    """SUBSCRIBE Catalog: a first NOTIFY with the catalog; then a camera going offline is
    OFF, a speaker appearing is ADD, the camera leaving is DEL; Expires 0 ends it."""
    platform, device, channels = setup
    platform.subscribe(device.endpoint.local, "Catalog", 60, "sub-cat")
    assert (await platform.response("SUBSCRIBE")).status_code == 200
    [first] = await notifies(platform, 1)
    items = list(manscdp.parse(first.body).element.iter("Item"))
    assert [i.findtext("DeviceID") for i in items] == [ALARM_ID, CAMERA_ID]

    channels[1] = Channel(CAMERA_ID, "gate", "camera", "camera.gate", online=False)
    assert device.catalog_changed() == [(CAMERA_ID, "OFF")]
    speaker = Channel("34020000001370000001", "voice", "speaker", "speaker.gate")
    channels.append(speaker)
    assert device.catalog_changed() == [(speaker.id, "ADD")]
    del channels[1]
    assert device.catalog_changed() == [(CAMERA_ID, "DEL")]
    assert device.catalog_changed() == []  # nothing changed: nothing sent
    sent = await notifies(platform, 3)
    events = sorted((i.findtext("DeviceID"), i.findtext("Event"))
                    for n in sent for i in manscdp.parse(n.body).element.iter("Item"))
    assert events == sorted([(CAMERA_ID, "OFF"), (speaker.id, "ADD"), (CAMERA_ID, "DEL")])
    assert all(manscdp.parse(n.body).root == "Notify" for n in sent)

    platform.subscribe(device.endpoint.local, "Catalog", 0, "sub-cat", cseq=2)
    assert (await platform.response("SUBSCRIBE")).status_code == 200
    [last] = await notifies(platform, 1)
    assert (last.get_header("Subscription-State") or "").startswith("terminated")
    channels.pop()
    assert device.catalog_changed() == [(speaker.id, "DEL")]
    with pytest.raises(TimeoutError):
        await platform.request("NOTIFY", timeout=0.3)


async def test_speaker_offline_is_notified_by_the_hub(double: Any, hub_factory: Any) -> None:
    """In a running hub: the speaker simulator stops, http_speaker marks the speaker
    unavailable, and the Catalog subscriber gets a NOTIFY with Event OFF for its ID."""
    platform, port = double
    sim = SpeakerSimulator(token="tok")
    await sim.start()
    try:
        h = await hub_factory(f"""
devices:
  - platform: http_speaker
    name: Gate speaker
    url: {sim.url}
    token: tok
    scan_interval: 1
    timeout: 0.5
""" + uplink_yaml(port, speakers="[{entity_id: speaker.gate_speaker}]"))
        await wait_for_state(h.hub, "speaker.gate_speaker", "idle")
        uplink = await registered_uplink(h.hub)
        platform.subscribe(uplink.endpoint.local, "Catalog", 60, "sub-hub")
        await notifies(platform, 1)
        assert uplink.status()["subscriptions"][0]["kind"] == "Catalog"
        await sim.stop()
        offline = await platform.request("NOTIFY", timeout=4)
        item = manscdp.parse(offline.body).element.find("DeviceList/Item")
        assert item is not None
        assert (item.findtext("DeviceID"), item.findtext("Event")) == (
            "34020000001370000001", "OFF")
    finally:
        await sim.stop()


async def test_keepalive_lists_offline_channels(setup: Any) -> None:
    """A keepalive names each offline channel in Info/DeviceID (A.2.5.2); none when all are
    online."""
    platform, device, channels = setup
    assert await device.registrar._send_keepalive()
    first = await asyncio.wait_for(platform.bodies.get(), 2)
    assert first.cmd_type == "Keepalive" and first.element.find("Info") is None
    channels[1] = Channel(CAMERA_ID, "gate", "camera", "camera.gate", online=False)
    assert await device.registrar._send_keepalive()
    second = await asyncio.wait_for(platform.bodies.get(), 2)
    assert [e.text for e in second.element.iterfind("Info/DeviceID")] == [CAMERA_ID]


async def test_alarm_subscription_with_sipp(sipp: Any) -> None:
    """SIPp (not our code) subscribes to alarms and checks the alarm NOTIFY in its dialog:
    Event echoed, Subscription-State active, the AlarmMethod in the body."""
    port = free_port()
    ep = SipEndpoint("udp", ("127.0.0.1", 0), ("127.0.0.1", port))
    await ep.start()
    device = Gb28181Device(ep, Registrar(ep, RegistrationSettings(HUB_ID, DOMAIN, PLATFORM_ID,
                                                                  "x")),
                           civil_code="340200", name="hub",
                           channels=lambda: [Channel(ALARM_ID, "panic", "alarm", "alarm.p")],
                           actions=Pieces())
    try:
        platform = await sipp("subscribe_alarm.xml", port=port, target=ep.listening[1],
                              variables={"hub": HUB_ID, "platform": PLATFORM_ID})
        await wait_for(lambda: device.subscriptions.active("Alarm") != [], timeout=5)
        resp = await device.send_alarm(panic())
        assert resp is not None and resp.status_code == 200
        assert platform.proc is not None
        async with asyncio.timeout(10):
            assert await platform.proc.wait() == 0, "SIPp's checks failed"
    finally:
        await device.close()
        await ep.stop()


async def test_several_subscriptions_each_with_its_own_dialog(setup: Any) -> None:
    """Two Alarm subscriptions (priority 1 only; all) and two Catalog ones: each gets the
    NOTIFYs its filter takes, in its own dialog; a refresh changes only its own expiry;
    Expires 0 ends only its own; when the last alarm one expires, alarms are MESSAGEs."""
    platform, device, channels = setup
    hub = device.endpoint.local
    platform.subscribe(hub, "Alarm", 60, "sub-a", [("StartAlarmPriority", 1),
                                                   ("EndAlarmPriority", 1)])
    platform.subscribe(hub, "Alarm", 60, "sub-b")
    for _ in range(2):
        assert (await platform.response("SUBSCRIBE")).status_code == 200
    assert (await device.send_alarm(panic(1))) is not None
    assert sorted(n.call_id or "" for n in await notifies(platform, 2)) == ["sub-a", "sub-b"]
    assert (await device.send_alarm(panic(3))) is not None
    assert [n.call_id for n in await notifies(platform, 1)] == ["sub-b"]

    platform.subscribe(hub, "Alarm", 1, "sub-a", [("StartAlarmPriority", 1),
                                                  ("EndAlarmPriority", 1)], cseq=2)
    assert (await platform.response("SUBSCRIBE")).get_header("Expires") == "1"
    expiries = sorted(s.remaining for s in device.subscriptions.active("Alarm"))
    assert expiries[0] <= 1 and expiries[1] > 50  # only sub-a's changed
    platform.subscribe(hub, "Alarm", 0, "sub-b", cseq=2)
    assert (await platform.response("SUBSCRIBE")).status_code == 200
    [ended] = await notifies(platform, 1)
    assert ended.call_id == "sub-b"
    assert (ended.get_header("Subscription-State") or "").startswith("terminated")
    assert (await device.send_alarm(panic(1))) is not None
    assert [n.call_id for n in await notifies(platform, 1)] == ["sub-a"]
    await asyncio.sleep(1.0)  # sub-a expires
    assert (await device.send_alarm(panic(1))) is not None
    assert (await asyncio.wait_for(platform.bodies.get(), 2)).cmd_type == "Alarm"
    assert platform.requests.empty()  # a MESSAGE, no NOTIFY

    platform.subscribe(hub, "Catalog", 60, "cat-1")
    platform.subscribe(hub, "Catalog", 60, "cat-2")
    firsts = await notifies(platform, 2)
    assert sorted(n.call_id or "" for n in firsts) == ["cat-1", "cat-2"]
    channels[1] = Channel(CAMERA_ID, "gate", "camera", "camera.gate", online=False)
    assert device.catalog_changed() == [(CAMERA_ID, "OFF")]
    assert sorted(n.call_id or "" for n in await notifies(platform, 2)) == ["cat-1", "cat-2"]
    platform.subscribe(hub, "Catalog", 0, "cat-1", cseq=2)
    assert (await notifies(platform, 1))[0].call_id == "cat-1"  # terminated
    channels[1] = Channel(CAMERA_ID, "gate", "camera", "camera.gate")
    assert device.catalog_changed() == [(CAMERA_ID, "ON")]
    [on] = await notifies(platform, 1)
    assert on.call_id == "cat-2"
    with pytest.raises(TimeoutError):
        await platform.request("NOTIFY", timeout=0.3)
