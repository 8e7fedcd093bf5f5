"""Unknown faces after hours: a `face_unknown` outside the schedule raises an incident with
the face's snapshot; inside the schedule it stays an event (the clock is driven)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.exceptions import ConfigError
from hub.testing import FakeClock, HubHarness, wait_for

HubFactory = Callable[..., Any]
ZONE = ZoneInfo("Asia/Shanghai")
SITE = """\
hub: {time_zone: Asia/Shanghai}
schedules:
  school_hours:
    hours: {mon-fri: ["07:00-18:00"]}
unknown_faces:
  schedule: school_hours
  cameras: [camera.gate]
"""


def _jpeg_blocking() -> bytes:
    import cv2
    import numpy as np

    ok, data = cv2.imencode(".jpg", np.full((32, 32, 3), 128, np.uint8))
    assert ok
    return bytes(data)


def at(clock: FakeClock, moment: dt.datetime) -> None:
    """Set the driven clock to a wall time."""
    clock.offset = moment.timestamp() - time.time()


async def test_unknown_face_after_hours_is_an_incident(hub_factory: HubFactory) -> None:
    """Saturday 22:00: an unknown face at the gate camera is an incident with its snapshot;
    a second one is a repeated step; Monday 10:00 (school hours) or another camera: none."""
    h: HubHarness = await hub_factory(SITE, start=False)
    clock = FakeClock()
    h.hub.clock = clock
    await h.hub.start()
    jpeg = await asyncio.to_thread(_jpeg_blocking)
    snap = await h.hub.snapshots.save(jpeg, "camera.gate")
    at(clock, dt.datetime(2026, 12, 12, 22, 0, tzinfo=ZONE))  # a Saturday night
    event = {"camera": "camera.gate", "gate": "north", "snapshot_id": snap, "best_score": 0.21}
    h.hub.bus.fire("face_unknown", event)
    [incident] = await wait_for(lambda: h.hub.incidents.open_incidents())
    assert (incident.category, incident.source, incident.gate) == (
        "unknown_after_hours", "camera.gate", "north")
    assert incident.message == "Unknown face on camera.gate outside school_hours"
    assert incident.data["message_key"] == "unknown_face"
    await wait_for(lambda: snap in incident.snapshots)
    h.hub.bus.fire("face_unknown", event)
    await wait_for(lambda: [s for s in incident.timeline if s.action == "repeated"])
    h.hub.bus.fire("face_unknown", {**event, "camera": "camera.yard"})
    at(clock, dt.datetime(2026, 12, 14, 10, 0, tzinfo=ZONE))  # Monday, school hours
    h.hub.bus.fire("face_unknown", {**event, "camera": "camera.gate"})
    await asyncio.sleep(0.1)
    assert len(h.hub.incidents.all()) == 1
    assert len([s for s in incident.timeline if s.action == "repeated"]) == 1


async def test_unknown_schedule_is_a_config_error(hub_factory: HubFactory) -> None:
    """check-config names the line of a schedule that is not defined."""
    with pytest.raises(ConfigError) as err:
        await hub_factory("unknown_faces:\n  schedule: after_school\n")
    assert ("site.yaml:2: unknown_faces.schedule: unknown schedule 'after_school'. Hint: "
            "schedules defined: none") in str(err.value)
