"""The self-check's guard-on-post and person-warning duties with the real recognition
component (onnx_face, the shipped models, LFW photos from data/faces)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hub import Context
from hub.recognition.service import FaceService
from hub.testing import wait_for
from tests.hub.http.helpers import register_test_devices
from tests.plugins.recognition.helpers import person_photos

GUARD = Context(user_id="guard")


def duty(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in report["gates"]["main"] if d["duty"] == name)


async def test_guard_off_post_is_down_until_seen_and_recognition_must_run(
        hub_factory: Any, register_plugin: Any, models_dir: Path, faces: Path) -> None:
    """No guard seen on duty: guard on post is DOWN (open off-post incident); once the guard is
    recognised it is working. Person warning: the gate camera online and the worker analysing
    frames (not down in the first minutes after start)."""
    register_test_devices(register_plugin)
    h = await hub_factory("""
recorder: {commit_interval: 0.05}
devices:
  - {platform: test_camera, name: Gate camera, gate: main}
recognition:
  platform: onnx_face
  options: {workers: 1}
  cameras: [{entity_id: camera.gate_camera, gate: main, fps: 0.1}]
  guard:
    camera: camera.gate_camera
    minutes: 0.01
    duty: [{days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "23:59:59"}]
self_check: {summary_at: null, school_start: null, gates: [main]}
""")
    hub = h.hub
    service: FaceService = hub.components["recognition"]
    await wait_for(lambda: [i for i in hub.incidents.open_incidents()
                            if i.category == "guard_off_post"], timeout=10)
    report = await hub.services.call("self_check", "run", {}, GUARD)
    assert duty(report, "guard_on_post")["status"] == "down"
    assert duty(report, "person_warning")["status"] in ("warn", "ok")  # never down at start
    guard = await service.gallery.create_person("Tom Hanks", "allow", "guard")
    photos = person_photos(faces, "Tom_Hanks")
    for path in photos[:2]:
        await service.gallery.enroll(guard.id, await asyncio.to_thread(path.read_bytes))
    await service.process(await asyncio.to_thread(photos[3].read_bytes), "camera.gate_camera")
    report = await hub.services.call("self_check", "run", {}, GUARD)
    assert duty(report, "guard_on_post")["status"] == "ok"
    assert duty(report, "person_warning")["status"] == "ok"
    assert [i["check"] for i in duty(report, "person_warning")["items"]] == [
        "recognition camera online", "recognition running"]
