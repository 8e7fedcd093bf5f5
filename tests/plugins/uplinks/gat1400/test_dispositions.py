"""Dispositions pushed by the views library land in the local watch list and expire.

A real hub with onnx_face and real LFW faces; the police platform is the double
(viid_double.py, from GA/T 1400.4). The link to the police can be down: the local watch
list still raises the hit at the gate.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from hub.recognition.retention import run_retention
from hub.testing.harness import wait_for

from ...recognition.helpers import person_photos
from .test_api import APE_ID, HUB_ID
from .test_uplink import YAML, http_url  # importing it preloads the Asia/Shanghai zone

FACES = """
recognition:
  platform: onnx_face
  options: {workers: 1}
"""


async def test_disposition_lands_raises_locally_and_expires(hub_factory, models_dir, faces,
                                                            platform):
    harness = await hub_factory(YAML.format(url=platform.url, hub_id=HUB_ID, ape_id=APE_ID,
                                            password="s3cret", keepalive=30) + FACES)
    service = harness.hub.components["recognition"]
    photos = person_photos(faces, "Norah_Jones")
    photo = await asyncio.to_thread(photos[0].read_bytes)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    url = await http_url(harness)
    status, answer = await platform.push(url, "/VIID/Dispositions",
                                         platform.disposition("D1", "在逃人员", photo, end))
    assert status == 200, answer
    [entry] = service.access.people("watch")
    assert entry["source"] == "gat1400:D1" and entry["group"] == "wanted"
    assert abs(dt.datetime.fromisoformat(entry["expires_at"]) - end) < dt.timedelta(seconds=1)

    await platform.stop()                       # the link to the police is down
    frame = await asyncio.to_thread(photos[2].read_bytes)
    await service.process(frame, "camera.gate", gate="main_entrance")
    await wait_for(lambda: harness.of_type("incident_raised"))
    assert harness.of_type("incident_raised")[0].data["category"] == "watchlist_match"

    await asyncio.sleep(max(0.0, (end - dt.datetime.now(dt.UTC)).total_seconds()) + 0.1)
    await run_retention(harness.hub, service.gallery, 7)
    assert service.access.people("watch") == []


async def test_disposition_cancelled_and_bad_photo_refused(hub_factory, models_dir, faces,
                                                           platform):
    harness = await hub_factory(YAML.format(url=platform.url, hub_id=HUB_ID, ape_id=APE_ID,
                                            password="s3cret", keepalive=30) + FACES)
    service = harness.hub.components["recognition"]
    photo = await asyncio.to_thread(person_photos(faces, "Norah_Jones")[0].read_bytes)
    end = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    url = await http_url(harness)
    body = platform.disposition("D2", "重点关注", photo, end)
    bad = platform.disposition("D3", "重点关注", b"\xff\xd8not really", end)
    body["DispositionListObject"]["DispositionObject"] += bad["DispositionListObject"][
        "DispositionObject"]
    status, answer = await platform.push(url, "/VIID/Dispositions", body)
    codes = [s["StatusCode"] for s in answer["ResponseStatusListObject"]["ResponseStatusObject"]]
    assert status == 200 and codes[0] == 0 and codes[1] != 0   # one bad record, one kept
    assert [p["source"] for p in service.access.people("watch")] == ["gat1400:D2"]
    assert service.access.people("watch")[0]["group"] == "at_risk"
    status, _ = await platform.push(url, "/VIID/Dispositions?IDList=D2", {}, method="DELETE")
    assert status == 200 and service.access.people("watch") == []


async def test_real_face_goes_from_the_camera_frame_to_the_views_library(
        hub_factory, models_dir, faces, platform):
    """Recognition -> face_captured -> outbox -> Face object: an unknown face goes up with
    its crop and scene, an enrolled student's does not (default upload policy)."""
    harness = await hub_factory(YAML.format(url=platform.url, hub_id=HUB_ID, ape_id=APE_ID,
                                            password="s3cret", keepalive=30) + FACES)
    service = harness.hub.components["recognition"]
    uplink = harness.hub.components["uplinks"].get("views_library")
    await wait_for(lambda: uplink.registered.is_set())
    student = await service.gallery.create_person("Dick Cheney", "allow", "student")
    for path in person_photos(faces, "Dick_Cheney")[:2]:
        await service.gallery.enroll(student.id, await asyncio.to_thread(path.read_bytes))
    known = await asyncio.to_thread(person_photos(faces, "Dick_Cheney")[3].read_bytes)
    unknown = await asyncio.to_thread(person_photos(faces, "Norah_Jones")[0].read_bytes)
    await service.process(known, "camera.gate")
    await service.process(unknown, "camera.gate")
    await wait_for(lambda: platform.faces, timeout=10)
    await asyncio.sleep(0.5)
    [face] = platform.faces                            # the student's face stayed home
    images = {i["Type"]: i for i in face.body["SubImageList"]["SubImageInfoObject"]}
    scene_w = images["14"]["Width"]
    assert 0 < face.body["LeftTopX"] < face.body["RightBtmX"] <= scene_w
    assert images["11"]["Width"] < scene_w            # the crop is a part of the scene
