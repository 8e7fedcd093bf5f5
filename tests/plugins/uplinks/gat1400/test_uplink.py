"""The gat1400 uplink in a real hub against the views-library double (viid_double.py).

The police platform cannot run here; the double is written from GA/T 1400.4 and strict.
Hub, HTTP server and double run on 127.0.0.1. Until the outbox lands, captures are handed
to the uplink the way the outbox does: build() at enqueue, deliver() per item.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.config import load_config
from hub.exceptions import ConfigError
from hub.testing.harness import wait_for
from hub.uplinks import UplinkItem, UplinkRetry
from plugins.uplinks.gat1400.uplink import Gat1400Uplink

from .test_api import APE_ID, HUB_ID, jpeg
from .viid_double import ViidDouble

# The hub validates hub.time_zone on the loop; load the zone file now (ZoneInfo caches).
ZoneInfo("Asia/Shanghai")

YAML = """
hub: {{time_zone: Asia/Shanghai}}
http: {{host: 127.0.0.1, port: 0}}
uplinks:
  - type: gat1400
    name: views_library
    url: {url}
    device_id: "{hub_id}"
    user: hub
    password: {password}
    keepalive_interval: {keepalive}
    clock_bound: 5
    notify_user: viid
    notify_password: police-pw
    cameras:
      camera.gate: {{ape_id: "{ape_id}", name: Gate camera, place: Main gate}}
    police_categories:
      "在逃人员":
        {{name: wanted, priority: critical, instructions: "Keep the gate closed; call 110."}}
      "重点关注": {{name: at_risk}}
"""


async def start_hub(hub_factory: Any, platform: ViidDouble, password: str = "s3cret",
                    keepalive: float = 30.0, extra: str = "") -> tuple[Any, Gat1400Uplink]:
    harness = await hub_factory(YAML.format(url=platform.url, hub_id=HUB_ID, ape_id=APE_ID,
                                            password=password, keepalive=keepalive) + extra)
    uplink = harness.hub.components["uplinks"].get("views_library")
    assert isinstance(uplink, Gat1400Uplink)
    return harness, uplink


async def uplink_status(harness: Any) -> dict[str, Any]:
    """The views_library entry of `campus-hub uplinks` (the manager's status, sync or not)."""
    found = harness.hub.components["uplinks"].status()
    if inspect.isawaitable(found):
        found = await found
    return next(s for s in found if s["name"] == "views_library")


async def http_url(harness: Any) -> str:
    http = harness.hub.components["http"]
    await asyncio.wait_for(http.started.wait(), 5)
    return str(http.url)


async def capture(hub: Any, camera: str = "camera.gate", match: dict[str, Any] | None = None,
                  when: float | None = None) -> dict[str, Any]:
    """Store a crop and a scene and return a face_captured payload, as hub/recognition fires it."""
    crop = await hub.snapshots.save(jpeg(112, 128, 3), camera, kind="face_crop")
    scene = await hub.snapshots.save(jpeg(640, 480, 4), camera, kind="face_capture")
    return {"capture_id": "c" * 32, "camera": camera, "gate": "main_entrance",
            "time": when or time.time(), "scene_snapshot_id": scene, "crop_snapshot_id": crop,
            "box": [200, 100, 300, 220], "match": match, "track_id": None}


def item(uplink: Gat1400Uplink, payload: dict[str, Any], n: int = 1) -> UplinkItem:
    raw = UplinkItem(0, uplink.name, "face_capture", f"k{n}", "camera.gate", payload)
    built = uplink.build(raw)
    assert built is not None
    return UplinkItem(n, uplink.name, "face_capture", f"k{n}", "camera.gate", built)


async def test_registers_declares_apes_and_keeps_alive_at_the_interval(hub_factory, platform):
    harness, _uplink = await start_hub(hub_factory, platform, keepalive=0.2)
    await wait_for(lambda: len(platform.keepalives) >= 4, timeout=5)
    assert HUB_ID in platform.registered and APE_ID in platform.apes
    gaps = [b - a for a, b in zip(platform.keepalives, platform.keepalives[1:], strict=False)]
    assert all(0.15 < g < 0.6 for g in gaps), gaps
    status = await uplink_status(harness)
    assert status["state"] == "registered" and status["registered"] is True
    assert status["last_keepalive"] is not None and status["clock_warning"] is None


async def test_wrong_password_shows_auth_failed(hub_factory, platform):
    harness, uplink = await start_hub(hub_factory, platform, password="Tr0ub4dor")
    await wait_for(lambda: uplink.status()["state"] == "auth_failed", timeout=5)
    status = uplink.status()
    assert "wrong user or password" in status["last_error"]
    assert "Tr0ub4dor" not in repr(await uplink_status(harness))  # no secret shown
    assert platform.registered == set()


async def test_registers_again_after_the_platform_forgets(hub_factory, platform):
    _harness, uplink = await start_hub(hub_factory, platform, keepalive=0.2)
    await wait_for(lambda: uplink.registered.is_set())
    platform.forget()
    await wait_for(lambda: len(platform.registrations) >= 2, timeout=5)
    await wait_for(lambda: HUB_ID in platform.registered)


async def test_clock_offset_warning_on_the_state(hub_factory, platform):
    platform.clock_offset = 120.0
    _harness, uplink = await start_hub(hub_factory, platform)
    await wait_for(lambda: uplink.clock_offset is not None)
    assert "+120" in uplink.status()["clock_warning"] or "+119" in uplink.status()[
        "clock_warning"]


async def test_capture_uploaded_with_both_images_and_every_field(hub_factory, platform):
    harness, uplink = await start_hub(hub_factory, platform)
    await wait_for(lambda: uplink.registered.is_set())
    shot = dt.datetime(2026, 12, 5, 7, 30, 1, tzinfo=dt.UTC).timestamp()
    payload = await capture(harness.hub, when=shot)
    one = item(uplink, payload)
    assert uplink.wants(one)
    face_id = await uplink.deliver(one)
    assert platform.rejected == []
    [got] = platform.faces
    assert got.face_id == face_id and got.device_id == APE_ID
    body = got.body
    assert body["FaceAppearTime"] == "20261205153001"   # Asia/Shanghai, compact
    assert (body["LeftTopX"], body["RightBtmY"]) == (200, 220)
    sizes = {i["Type"]: (i["Width"], i["Height"]) for i in
             body["SubImageList"]["SubImageInfoObject"]}
    assert sizes == {"11": (112, 128), "14": (640, 480)}
    assert uplink.status()["uploads_per_hour"] == 1


async def test_what_goes_up_by_default(hub_factory, platform):
    _harness, uplink = await start_hub(hub_factory, platform)
    def wants(match: dict[str, Any] | None) -> bool:
        return uplink.wants(UplinkItem(0, "v", "face_capture", "k", "o", {
            "camera": "camera.gate", "match": match}))
    assert wants(None)                                                     # unknown face
    assert wants({"list": "watch", "category": "wanted", "person_id": "p"})
    assert wants({"list": "allow", "category": "visitor", "person_id": "p"})
    assert not wants({"list": "allow", "category": "student", "person_id": "p"})
    assert not wants({"list": "allow", "category": "staff", "person_id": "p"})
    assert not uplink.wants(UplinkItem(0, "v", "face_capture", "k", "o", {
        "camera": "camera.yard", "match": None}))                          # not an APE


async def test_upload_all_audits_enrolled_people(hub_factory, platform):
    harness, uplink = await start_hub(hub_factory, platform)
    uplink.cfg.upload = "all"
    await wait_for(lambda: uplink.registered.is_set())
    payload = await capture(harness.hub, match={"list": "allow", "category": "student",
                                                "person_id": "p1", "score": 0.8})
    one = item(uplink, payload)
    assert uplink.wants(one)
    await uplink.deliver(one)
    audits = [e for e in harness.of_type("audit_logged")
              if e.data["action"] == "gat1400.enrolled_face_uploaded"]
    assert [a.data["target"] for a in audits] == ["p1"]


async def test_not_registered_is_a_retry_and_re_registers(hub_factory, platform):
    harness, uplink = await start_hub(hub_factory, platform)
    await wait_for(lambda: uplink.registered.is_set())
    platform.forget()
    with pytest.raises(UplinkRetry):
        await uplink.deliver(item(uplink, await capture(harness.hub)))
    await wait_for(lambda: HUB_ID in platform.registered)
    await wait_for(lambda: uplink.registered.is_set())
    await uplink.deliver(item(uplink, await capture(harness.hub), 2))
    assert len(platform.faces) == 1


async def test_police_hit_becomes_incident_with_category_and_instructions(hub_factory,
                                                                         platform):
    harness, uplink = await start_hub(hub_factory, platform)
    await wait_for(lambda: uplink.registered.is_set())
    face_id = await uplink.deliver(item(uplink, await capture(harness.hub)))
    police_photo = jpeg(200, 250, 9)
    started = time.monotonic()
    status, answer = await platform.push(await http_url(harness), "/VIID/DispositionNotifications",
                                         platform.hit(face_id, police_photo, "在逃人员"))
    await wait_for(lambda: harness.of_type("incident_raised"), timeout=1)
    assert time.monotonic() - started < 1.0
    assert status == 200
    assert answer["ResponseStatusListObject"]["ResponseStatusObject"][0]["StatusCode"] == 0
    [raised] = harness.of_type("incident_raised")
    incident = raised.data["incident"]
    assert incident["category"] == "police_hit" and incident["priority"] == 1
    assert incident["data"]["police_category"] == "wanted"
    assert incident["data"]["instructions"] == "Keep the gate closed; call 110."
    assert incident["data"]["police_reference"]
    assert incident["data"]["message_key"] == "police_hit"   # the panel shows it in Chinese
    inc = await wait_for(lambda: _with_step(harness, incident["id"]))
    step = inc.data
    assert step["capture_snapshot_id"] and step["scene_snapshot_id"]
    assert await harness.hub.snapshots.read(step["police_snapshot_id"]) == police_photo


def _with_step(harness: Any, incident_id: str) -> Any:
    inc = next(i for i in harness.hub.incidents.all() if i.id == incident_id)
    return next((s for s in inc.timeline if s.action == "police_hit"), None)


async def test_hit_through_subscribe_notifications_and_refusals(hub_factory, platform):
    harness, uplink = await start_hub(hub_factory, platform)
    await wait_for(lambda: uplink.registered.is_set())
    face_id = await uplink.deliver(item(uplink, await capture(harness.hub)))
    hit = platform.hit(face_id, jpeg(100, 100), "重点关注")
    body = {"SubscribeNotificationListObject": {"SubscribeNotificationObject": [{
        "NotificationID": "n1", "SubscribeID": "s1", "Title": "alarm",
        "TriggerTime": "2026-12-05 15:30:01", **hit}]}}
    url = await http_url(harness)
    status, _ = await platform.push(url, "/VIID/SubscribeNotifications", body,
                                    password="wrong")
    assert status == 401 and not harness.of_type("incident_raised")
    status, answer = await platform.push(url, "/VIID/SubscribeNotifications", body)
    assert status == 200, answer
    [raised] = harness.of_type("incident_raised")
    assert raised.data["incident"]["data"]["police_category"] == "at_risk"
    assert raised.data["incident"]["priority"] == 3   # recognition default for at_risk


async def test_notification_without_credentials_configured_is_refused(hub_factory, platform):
    harness = await hub_factory(YAML.format(url=platform.url, hub_id=HUB_ID, ape_id=APE_ID,
                                            password="s3cret", keepalive=30).replace(
        "    notify_user: viid\n    notify_password: police-pw\n", ""))
    status, _ = await platform.push(await http_url(harness), "/VIID/DispositionNotifications",
                                    {"DispositionNotificationListObject": {}})
    assert status == 403


def test_bad_config_names_the_field(tmp_path: Path, plugin_registry: Any) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(YAML.format(url="http://127.0.0.1:1", hub_id="32010000001320000001",
                                ape_id="3201000000132000000", password="x", keepalive=30))
    with pytest.raises(ConfigError) as info:
        load_config(path, plugin_registry.config_models(),
                    uplinks=plugin_registry.uplink_models())
    text = "\n".join(info.value.problems)
    assert "site.yaml:" in text and "device_id" in text and "not a system" in text
    assert "ape_id" in text and "20 digits" in text




def test_documented_configuration_is_valid(tmp_path: Path, plugin_registry: Any) -> None:
    """The YAML in docs/police.md's GA/T 1400 section passes check-config as printed."""
    doc = (Path(__file__).resolve().parents[4] / "docs" / "police.md").read_text()
    section = doc[doc.index("## GA/T 1400"):]
    block = section[section.index("```yaml\n") + 8:]
    block = block[:block.index("```")]
    (tmp_path / "secrets.yaml").write_text("viid_password: a\nviid_notify_password: b\n")
    path = tmp_path / "site.yaml"
    path.write_text(block)
    config = load_config(path, plugin_registry.config_models(),
                         uplinks=plugin_registry.uplink_models())
    [entry] = config.sections["uplinks"]
    assert entry.police_categories["在逃人员"].name == "wanted"
    assert entry.cameras["camera.gate"].ape_id == "32010000001320000007"


async def test_subscribes_and_the_platform_calls_back_at_receive_addr(hub_factory, platform):
    """With subscribe_details the hub subscribes; hits arrive at its ReceiveAddr."""
    harness = await hub_factory(YAML.format(url=platform.url, hub_id=HUB_ID, ape_id=APE_ID,
                                            password="s3cret", keepalive=30)
                                + '    subscribe_details: ["12"]\n'
                                + "    receive_addr: http://127.0.0.1:1/placeholder\n")
    uplink = harness.hub.components["uplinks"].get("views_library")
    await wait_for(lambda: uplink.registered.is_set())
    [sub] = platform.subscriptions.values()
    assert sub["SubscribeDetail"] == "12" and HUB_ID in sub["ResourceURI"]
    assert sub["ReceiveAddr"] == "http://127.0.0.1:1/placeholder"
    assert sub["EndTime"] > sub["BeginTime"]
    # the hub's address is known once it listens: subscribe again with it
    url = await http_url(harness)
    uplink.cfg.receive_addr = f"{url}/VIID/SubscribeNotifications"
    platform.subscriptions.clear()
    uplink.forgotten("test: register (and subscribe) again")
    await wait_for(lambda: platform.subscriptions, timeout=5)
    [sub] = platform.subscriptions.values()
    await wait_for(lambda: uplink.registered.is_set())
    face_id = await uplink.deliver(item(uplink, await capture(harness.hub)))
    base, _, path = sub["ReceiveAddr"].partition("/VIID/")
    body = {"SubscribeNotificationListObject": {"SubscribeNotificationObject": [{
        "NotificationID": "n7", "SubscribeID": sub["SubscribeID"], "Title": "alarm",
        "TriggerTime": "20261205153001",
        **platform.hit(face_id, jpeg(90, 90), "在逃人员")}]}}
    status, answer = await platform.push(base, "/VIID/" + path, body)
    assert status == 200, answer
    [raised] = harness.of_type("incident_raised")
    assert raised.data["incident"]["data"]["police_category"] == "wanted"


async def test_notification_with_nan_or_lone_surrogate_is_refused(hub_factory, platform):
    """Inbound notifications are JSON inputs too: NaN or a lone surrogate is a 400 naming the
    field (StatusCode 7), and no incident is raised (issue 10)."""
    harness, uplink = await start_hub(hub_factory, platform)
    await wait_for(lambda: uplink.registered.is_set())
    face_id = await uplink.deliver(item(uplink, await capture(harness.hub)))
    url = await http_url(harness)
    for value, field in ((float("nan"), "Similarity"), ("\ud800", "Title")):
        body = platform.hit(face_id, jpeg(100, 100), "在逃人员")
        body["DispositionNotificationListObject"]["DispositionNotificationObject"][0][field] = value
        status, answer = await platform.push(url, "/VIID/DispositionNotifications", body)
        assert status == 400, answer
        text = answer["ResponseStatusObject"]["StatusString"]
        assert f"DispositionNotificationObject[0].{field}" in text, text
    assert not harness.of_type("incident_raised")
