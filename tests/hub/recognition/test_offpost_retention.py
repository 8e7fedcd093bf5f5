"""Off-post warning and privacy retention (issue 6)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from hub.incidents import IncidentStatus
from hub.recognition.retention import run_retention
from hub.recognition.service import FaceService
from hub.testing.harness import wait_for

from ...plugins.recognition.helpers import person_photos

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _yaml(days: list[str], minutes: float = 0.01) -> str:
    return f"""
recorder: {{commit_interval: 0.05}}
recognition:
  platform: onnx_face
  options: {{workers: 1}}
  guard:
    camera: camera.guard_room
    minutes: {minutes}
    duty: [{{days: {days}, start: "00:00", end: "23:59:59"}}]
"""


async def _read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


async def _enrol_guard(service: FaceService, faces: Path) -> None:
    guard = await service.gallery.create_person("Tom Hanks", "allow", "guard")
    for path in person_photos(faces, "Tom_Hanks")[:2]:
        await service.gallery.enroll(guard.id, await _read(path))


def _open_off_post(harness: Any) -> list[Any]:
    return [i for i in harness.hub.incidents.open_incidents() if i.category == "guard_off_post"]


async def test_no_guard_on_duty_raises_off_post_and_sighting_resolves_it(hub_factory,
                                                                          models_dir, faces):
    """No guard for N minutes on duty -> guard_off_post; a guard seen again resolves it."""
    harness = await hub_factory(_yaml(_DAYS))
    service: FaceService = harness.hub.components["recognition"]
    await _enrol_guard(service, faces)
    [incident] = await wait_for(lambda: _open_off_post(harness), timeout=10)
    assert incident.source == "camera.guard_room"
    # A stranger in the guard room does not count as the guard.
    await service.process(await _read(sorted((faces / "unknown").glob("*.jpg"))[0]),
                          "camera.guard_room")
    assert _open_off_post(harness)
    await service.process(await _read(person_photos(faces, "Tom_Hanks")[3]), "camera.guard_room")
    resolved = await harness.hub.incidents.get(incident.id)
    assert resolved.status == IncidentStatus.RESOLVED
    assert not _open_off_post(harness)


async def test_duty_can_follow_a_named_school_schedule(hub_factory, models_dir, faces):
    """guard.schedule names a `schedules:` entry; on duty by it, absence raises the incident."""
    harness = await hub_factory("""
recorder: {commit_interval: 0.05}
schedules:
  always: {hours: {mon-sun: ["00:00-23:59"]}}
recognition:
  platform: onnx_face
  options: {workers: 1}
  guard: {camera: camera.guard_room, minutes: 0.01, schedule: always}
""")
    await wait_for(lambda: _open_off_post(harness), timeout=10)


async def test_unknown_duty_schedule_is_a_config_error(hub_factory, models_dir):
    """A guard.schedule naming no schedule fails start-up naming the field."""
    from hub.exceptions import ConfigError

    with pytest.raises(ConfigError, match=r"recognition.guard.schedule: no schedule named 'x'"):
        await hub_factory("recognition:\n  platform: onnx_face\n  guard: {camera: "
                          "camera.guard_room, schedule: x}\n")


async def test_off_duty_absence_raises_nothing(hub_factory, models_dir, faces):
    """Outside the duty schedule an empty guard room is not an incident."""
    today = _DAYS[dt.datetime.now(dt.UTC).weekday()]
    other_days = [d for d in _DAYS if d != today and d != _DAYS[(_DAYS.index(today) + 1) % 7]
                  and d != _DAYS[(_DAYS.index(today) - 1) % 7]]
    harness = await hub_factory(_yaml(other_days))
    await asyncio.sleep(1.5)
    assert not _open_off_post(harness)


async def test_guard_seen_regularly_raises_nothing(hub_factory, models_dir, faces):
    """A guard seen more often than every N minutes keeps the post covered."""
    harness = await hub_factory(_yaml(_DAYS, minutes=0.02))
    service: FaceService = harness.hub.components["recognition"]
    await _enrol_guard(service, faces)
    frame = await _read(person_photos(faces, "Tom_Hanks")[3])
    for _ in range(8):
        await service.process(frame, "camera.guard_room")
        await asyncio.sleep(0.2)
    assert not _open_off_post(harness)


async def test_retention_deletes_old_unknown_captures_and_logs_them(hub_factory, models_dir,
                                                                    caplog):
    """Unknown-face captures past N days go (logged by id); recent ones and incident ones stay."""
    harness = await hub_factory("recognition: {platform: onnx_face, options: {workers: 1}}\n")
    hub = harness.hub
    service: FaceService = hub.components["recognition"]
    old = await hub.snapshots.save(b"\xff\xd8old", "camera.gate", kind="face_unknown")
    new = await hub.snapshots.save(b"\xff\xd8new", "camera.gate", kind="face_unknown")
    kept = await hub.snapshots.save(b"\xff\xd8inc", "camera.gate", kind="face_unknown",
                                    incident_id="abc")
    known = await hub.snapshots.save(b"\xff\xd8cap", "camera.gate", kind="face_capture")
    for snap in (old, kept, known):
        await asyncio.to_thread(_age, hub.snapshots.root / f"{snap}.json", days=8)
    with caplog.at_level(logging.INFO, logger="hub.recognition.retention"):
        result = await run_retention(hub, service.gallery, days=7)
    assert result["unknown_captures"] == 1
    assert await hub.snapshots.read(old) is None
    for snap in (new, kept, known):
        assert await hub.snapshots.read(snap) is not None
    assert old in caplog.text and "deleted 1 unknown-face captures" in caplog.text


async def test_expired_watch_list_entries_are_removed(hub_factory, models_dir, faces, caplog):
    """A watch-list entry past its expiry date is removed from gallery and matching."""
    harness = await hub_factory("recognition: {platform: onnx_face, options: {workers: 1}}\n")
    service: FaceService = harness.hub.components["recognition"]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    gone = await service.gallery.create_person("Norah Jones", "watch", "at_risk",
                                               expires_at=past)
    await service.gallery.enroll(gone.id, await _read(person_photos(faces, "Norah_Jones")[0]))
    with caplog.at_level(logging.INFO, logger="hub.recognition.retention"):
        result = await run_retention(harness.hub, service.gallery, days=7)
    assert result["expired_persons"] == 1 and gone.id in caplog.text
    assert service.gallery.people() == []
    frame = await _read(person_photos(faces, "Norah_Jones")[2])
    assert [d.kind for d in await service.process(frame, "camera.gate")] == ["unknown"]


def _age(meta_path: Path, days: float) -> None:
    meta = json.loads(meta_path.read_text())
    meta["at"] = time.time() - days * 86400
    meta_path.write_text(json.dumps(meta))

