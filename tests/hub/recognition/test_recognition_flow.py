"""Faces at a camera become events and incidents: allow, watch, unknown, cooldown (issue 6).

A real hub from YAML with the onnx_face recognizer and real LFW faces; frames go through the
component's `process` (the camera watcher's one call), or through a real camera plugin in
the end-to-end test.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.recognition.service import FaceService
from hub.testing.harness import wait_for

from ...plugins.recognition.helpers import person_photos

YAML = """
recorder: {commit_interval: 0.05}
recognition:
  platform: onnx_face
  options: {workers: 1}
  cooldown: 30
  unknown_cooldown: 30
  categories:
    wanted: {priority: critical, instructions: "Keep the gate closed; call 110."}
"""


async def _read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


@pytest.fixture
async def faces_hub(hub_factory, models_dir, faces):
    """A started hub with recognition; Dick Cheney on the allow list (staff), Norah Jones on
    the watch list (wanted)."""
    harness = await hub_factory(YAML)
    service: FaceService = harness.hub.components["recognition"]
    staff = await service.gallery.create_person("Dick Cheney", "allow", "staff")
    for path in person_photos(faces, "Dick_Cheney")[:2]:
        await service.gallery.enroll(staff.id, await _read(path))
    wanted = await service.gallery.create_person("Norah Jones", "watch", "wanted",
                                                 source="police case 2026/114")
    await service.gallery.enroll(wanted.id, await _read(person_photos(faces, "Norah_Jones")[0]))
    return harness, service


async def test_allow_list_face_fires_face_recognized_with_snapshot(faces_hub, faces):
    """A staff member at the gate camera fires face_recognized naming person, group, camera."""
    harness, service = faces_hub
    frame = await _read(person_photos(faces, "Dick_Cheney")[3])
    decisions = await service.process(frame, "camera.gate", gate="main_entrance")
    assert [d.kind for d in decisions] == ["allow"]
    [event] = harness.of_type("face_recognized")
    assert event.data["name"] == "Dick Cheney" and event.data["group"] == "staff"
    assert event.data["camera"] == "camera.gate" and event.data["gate"] == "main_entrance"
    assert event.data["score"] >= service.matcher.thresholds["allow"]
    assert await harness.hub.snapshots.read(event.data["snapshot_id"]) is not None


async def test_repeated_sightings_within_cooldown_are_merged(faces_hub, faces):
    """Three frames of one person on one camera give one event; another camera gives its own."""
    harness, service = faces_hub
    frame = await _read(person_photos(faces, "Dick_Cheney")[3])
    for _ in range(3):
        await service.process(frame, "camera.gate")
    await service.process(frame, "camera.yard")
    cameras = [e.data["camera"] for e in harness.of_type("face_recognized")]
    assert cameras == ["camera.gate", "camera.yard"]


async def test_watch_list_match_raises_incident_with_both_photos_and_instructions(faces_hub,
                                                                                    faces):
    """A wanted person raises watchlist_match: category priority, instructions, two photos."""
    harness, service = faces_hub
    frame = await _read(person_photos(faces, "Norah_Jones")[2])
    decisions = await service.process(frame, "camera.gate", gate="main_entrance")
    assert [d.kind for d in decisions] == ["watch"]
    assert harness.of_type("face_recognized") == []
    [incident] = [i for i in harness.hub.incidents.open_incidents()
                  if i.category == "watchlist_match"]
    assert incident.priority.name.lower() == "critical"
    assert incident.data["instructions"] == "Keep the gate closed; call 110."
    assert incident.data["name"] == "Norah Jones" and incident.data["category"] == "wanted"
    assert incident.data["source"] == "police case 2026/114"
    step = next(s for s in incident.timeline if s.action == "face_match")
    capture, enrolled = step.data["capture_snapshot_id"], step.data["enrolled_snapshot_id"]
    assert {capture, enrolled} <= set(incident.snapshots)
    enrolled_bytes = await harness.hub.snapshots.read(enrolled)
    original = await _read(person_photos(faces, "Norah_Jones")[0])
    assert enrolled_bytes == original


async def test_unknown_face_fires_face_unknown_once_per_cooldown(faces_hub, faces):
    """A stranger fires face_unknown once; the same stranger again is merged."""
    harness, service = faces_hub
    stranger = await _read(sorted((faces / "unknown").glob("*.jpg"))[0])
    await service.process(stranger, "camera.gate")
    await service.process(stranger, "camera.gate")
    [event] = harness.of_type("face_unknown")
    assert event.data["camera"] == "camera.gate"
    assert event.data["best_score"] < service.matcher.thresholds["watch"]
    meta = await asyncio.to_thread(
        (harness.hub.snapshots.root / f"{event.data['snapshot_id']}.json").read_text)
    assert '"face_unknown"' in meta


async def test_gallery_is_persisted_and_reloaded_after_restart(hub_factory, faces_hub, faces):
    """A new hub on the same data folder recognises the people enrolled before."""
    harness, _service = faces_hub
    await harness.hub.stop()
    second = await hub_factory(YAML)
    service: FaceService = second.hub.components["recognition"]
    assert {p.name for p in service.gallery.people()} == {"Dick Cheney", "Norah Jones"}
    frame = await _read(person_photos(faces, "Dick_Cheney")[4])
    decisions = await service.process(frame, "camera.gate")
    # The photo's second, turned face (a bystander) is matched too since pose gates are off.
    assert [d.person.name for d in decisions if d.kind == "allow" and d.person] == [
        "Dick Cheney"]


async def test_bad_recognizer_option_names_its_place(hub_factory, models_dir):
    """A wrong option fails start-up naming recognition.options.<field> with file:line."""
    from hub.exceptions import ConfigError

    with pytest.raises(ConfigError) as err:
        await hub_factory("recognition:\n  platform: onnx_face\n  options:\n    workers: 0\n")
    problem = err.value.problems[0]
    assert "recognition.options.workers" in problem and "site.yaml:4" in problem


async def test_unknown_recognizer_platform_is_reported(hub_factory):
    """An unknown platform names the loaded recognizers."""
    from hub.exceptions import ConfigError

    with pytest.raises(ConfigError, match=r"unknown recognizer 'acme_face'.*onnx_face"):
        await hub_factory("recognition:\n  platform: acme_face\n")


async def test_frames_from_a_real_camera_become_events(hub_factory, models_dir, faces,
                                                       aiohttp_server):
    """Camera watcher end to end: an rtsp-plugin camera's snapshot URL -> face_recognized."""
    from aiohttp import web

    harness0 = await hub_factory("hub: {}\n", start=False)
    assert "rtsp" in harness0.hub.plugins.platforms, "the built-in rtsp plugin did not load"
    scene = {"jpeg": await _read(person_photos(faces, "Dick_Cheney")[3])}

    async def snap(_request: web.Request) -> web.Response:
        return web.Response(body=scene["jpeg"], content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/snap.jpg", snap)
    server = await aiohttp_server(app, host="127.0.0.1")
    harness = await hub_factory(YAML + f"""
  cameras:
    - {{entity_id: camera.gate_cam, fps: 5, gate: main_entrance}}
devices:
  - platform: rtsp
    name: Gate cam
    snapshot_url: http://127.0.0.1:{server.port}/snap.jpg
""")
    service: FaceService = harness.hub.components["recognition"]
    staff = await service.gallery.create_person("Dick Cheney", "allow", "staff")
    await service.gallery.enroll(staff.id, await _read(person_photos(faces, "Dick_Cheney")[0]))
    events = await wait_for(lambda: harness.of_type("face_recognized"), timeout=15)
    assert events[0].data["camera"] == "camera.gate_cam"
    assert events[0].data["gate"] == "main_entrance"


async def test_reading_face_images_through_the_api_layer_is_audited(faces_hub, faces):
    """Every read of an enrolled photo or a capture leaves an audit event naming the user."""
    from hub.bus import Context

    harness, service = faces_hub
    person = service.gallery.find("allow", "Dick Cheney")
    assert person is not None
    who = Context(user_id="guard1")
    data = await service.access.read_photo(person.id, person.photos[0].id, context=who)
    assert data == await _read(person_photos(faces, "Dick_Cheney")[0])
    await service.process(await _read(person_photos(faces, "Dick_Cheney")[3]), "camera.gate")
    snap = harness.of_type("face_recognized")[0].data["snapshot_id"]
    assert await service.access.read_capture(snap, context=who) is not None
    audits = [(e.data["action"], e.data["user"], e.data["target"])
              for e in harness.of_type("audit_logged")]
    assert ("faces.photo_read", "guard1", person.id) in audits
    assert ("faces.capture_read", "guard1", snap) in audits


async def test_camera_without_frame_source_is_polled_for_snapshots(hub_factory, models_dir,
                                                                   faces, register_plugin):
    """A camera offering only snapshots (no frames()) is still watched, by snapshot polling."""
    import types
    from typing import Literal

    from hub import Camera, DeviceConfig, hookimpl

    photo = await _read(person_photos(faces, "Dick_Cheney")[3])

    class StillConfig(DeviceConfig):
        platform: Literal["still_camera"]

    class StillCamera(Camera):
        """A camera that only answers snapshots: the same JPEG of a face (no stream)."""

        platform = "still_camera"
        config_model = StillConfig

        async def snapshot_bytes(self) -> bytes:
            return photo

    module = types.ModuleType("still_camera_plugin")
    module.register_platforms = hookimpl(lambda: [StillCamera])  # type: ignore[attr-defined]
    register_plugin(module, "still_camera", ["camera"])
    harness = await hub_factory(YAML + """
  cameras: [{entity_id: camera.still, fps: 5}]
devices:
  - {platform: still_camera, name: Still}
""")
    service: FaceService = harness.hub.components["recognition"]
    staff = await service.gallery.create_person("Dick Cheney", "allow", "staff")
    await service.gallery.enroll(staff.id, await _read(person_photos(faces, "Dick_Cheney")[0]))
    events = await wait_for(lambda: harness.of_type("face_recognized"), timeout=15)
    assert events[0].data["camera"] == "camera.still"


async def test_missing_models_disable_recognition_but_not_the_hub(hub_factory, tmp_path,
                                                                 monkeypatch, caplog):
    """Without model files the hub still starts; recognition is off and the log says why."""
    monkeypatch.setenv("CAMPUS_HUB_MODELS", str(tmp_path / "no-models"))
    harness = await hub_factory(YAML)
    assert harness.hub.state == "running"
    assert "recognition" not in harness.hub.components
    assert "campus-hub models fetch" in harness.hub.components["recognition_error"]
    assert "Recognition disabled" in caplog.text


async def test_compreface_is_selected_by_config_and_gives_the_same_events(hub_factory,
                                                                         models_dir, faces):
    """`platform: compreface` sends frames to the CompreFace API; allow and watch still work."""
    from aiohttp import web

    from plugins.recognition.onnx_face.models import default_model_set
    from plugins.recognition.onnx_face.pipeline import FacePipeline, QualityGates

    from ...plugins.recognition.compreface_server import API_KEY, FakeCompreFace

    pipeline = await asyncio.to_thread(FacePipeline, default_model_set(models_dir),
                                       QualityGates())
    fake = FakeCompreFace(pipeline)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        harness = await hub_factory(f"""
recognition:
  platform: compreface
  options: {{url: "{url}", api_key: "{API_KEY}"}}
""")
        service: FaceService = harness.hub.components["recognition"]
        assert service.recognizer.platform == "compreface"
        staff = await service.gallery.create_person("Dick Cheney", "allow", "staff")
        for path in person_photos(faces, "Dick_Cheney")[:2]:
            await service.gallery.enroll(staff.id, await _read(path))
        assert len(fake.faces) == 2  # the faces live in the service
        frame = await _read(person_photos(faces, "Dick_Cheney")[3])
        assert [d.kind for d in await service.process(frame, "camera.gate")] == ["allow"]
        [event] = harness.of_type("face_recognized")
        assert event.data["score"] >= service.matcher.thresholds["allow"] > 0.7
        await service.gallery.remove_person(staff.id)
        assert fake.faces == {}
    finally:
        await runner.cleanup()
