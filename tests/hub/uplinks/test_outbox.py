"""The one outbox behind every uplink, through a toy uplink registered in the test: face
captures, device status and events appended durably, per-key order, the bounded backlog."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hub.testing import wait_for
from hub.uplinks.subscriptions import EVENT_FACE_CAPTURED, FaceCapturedData

from .toy import ToyUplink, toy_plugin

HubFactory = Callable[..., Any]


def _site(**options: str) -> str:
    extra = "".join(f"    {k}: {v}\n" for k, v in options.items())
    return ("hub:\n  site: north_school\n"
            "uplinks:\n  - type: toy\n    name: views\n"
            "    retry: {initial_delay: 0.05, max_delay: 0.2, max_attempts: 1000}\n" + extra)


def _capture(n: int, camera: str = "camera.gate") -> FaceCapturedData:
    return {"capture_id": f"c{n}", "camera": camera, "gate": "north", "time": 1000.0 + n,
            "scene_snapshot_id": f"scene{n}", "crop_snapshot_id": f"face{n}",
            "box": [10, 20, 110, 140], "match": None, "track_id": None}


async def _toy(hub_factory: HubFactory, register_plugin: Any, **options: str
               ) -> tuple[Any, ToyUplink]:
    register_plugin(toy_plugin(), "toy")
    h = await hub_factory(_site(**options))
    uplink = h.hub.components["uplinks"].get("views")
    assert isinstance(uplink, ToyUplink)
    return h, uplink


async def _status_when(manager: Any, predicate: Callable[[dict[str, Any]], bool]
                       ) -> dict[str, Any]:
    """Return the uplink's status once `predicate` holds (marks are written in batches)."""
    for _ in range(250):
        [status] = await manager.status()
        if predicate(status):
            break
        await asyncio.sleep(0.02)
    return dict(status)


async def test_face_captured_is_delivered_in_order_per_camera(
    hub_factory: HubFactory, register_plugin: Any
) -> None:
    """Each face_captured becomes one item: key face-<id>, ordered by camera, payload kept."""
    h, uplink = await _toy(hub_factory, register_plugin)
    for n in range(5):
        h.hub.bus.fire(EVENT_FACE_CAPTURED, dict(_capture(n)))
    await wait_for(lambda: len(uplink.delivered) == 5)
    assert [i.key for i in uplink.delivered] == [f"face-c{n}" for n in range(5)]
    first = uplink.delivered[0]
    assert (first.kind, first.ordering_key, first.incident_id) == (
        "face_capture", "camera.gate", None)
    assert first.payload == _capture(0)
    status = await _status_when(h.hub.components["uplinks"], lambda s: s["delivered"] == 5)
    assert (status["backlog"], status["dropped"], status["dead"]) == (0, 0, 0)


async def test_wants_filters_and_other_subscriptions(
    hub_factory: HubFactory, register_plugin: Any
) -> None:
    """device_status and event:<type> items arrive; a kind the uplink does not want does not."""
    h, uplink = await _toy(hub_factory, register_plugin, skip_kinds="[face_capture]")
    h.hub.bus.fire(EVENT_FACE_CAPTURED, dict(_capture(1)))
    h.hub.bus.fire("toy_pinged", {"n": 7})
    await wait_for(lambda: uplink.delivered)
    [event] = uplink.delivered
    assert event.kind == "event:toy_pinged" and event.payload["data"] == {"n": 7}
    assert event.ordering_key == "toy_pinged"


async def test_backlog_drops_oldest_captures_never_an_incident(
    hub_factory: HubFactory, register_plugin: Any
) -> None:
    """Over max_items the oldest captures go; both incidents stay and arrive once it is back."""
    h, uplink = await _toy(hub_factory, register_plugin, fail="retry",
                           backlog="{max_items: 3}")
    manager = h.hub.components["uplinks"]
    first = await h.hub.incidents.raise_incident("panic", source="alarm.a")
    for n in range(4):
        h.hub.bus.fire(EVENT_FACE_CAPTURED, dict(_capture(n, camera=f"camera.c{n}")))
    second = await h.hub.incidents.raise_incident("panic", source="alarm.b")

    status = await _status_when(manager, lambda s: s["dropped"] >= 3)
    assert (status["dropped"], status["backlog"]) == (3, 3)
    assert status["last_error"] == "toy receiver is down" and status["state"] == "paused"
    uplink.fail = "no"
    await wait_for(lambda: len(uplink.delivered) == 3, timeout=10)
    got = {(i.kind, i.incident_id or i.key) for i in uplink.delivered}
    assert got == {("incident", first.id), ("incident", second.id),
                   ("face_capture", "face-c3")}


async def test_incident_items_never_dropped_even_over_the_limit(
    hub_factory: HubFactory, register_plugin: Any
) -> None:
    """With max_items 1, three incidents wait for a failing uplink; none is dropped."""
    h, _uplink = await _toy(hub_factory, register_plugin, fail="retry",
                           backlog="{max_items: 1}")
    for n in range(3):
        await h.hub.incidents.raise_incident("panic", source=f"alarm.{n}")
    sender = h.hub.components["uplinks"].senders["views"]
    assert await sender.enforce_backlog() == []
    [status] = await h.hub.components["uplinks"].status()
    assert (status["backlog"], status["dropped"]) == (3, 0)


async def test_a_failing_status_shows_error_and_logs_once(
    hub_factory: HubFactory, register_plugin: Any, monkeypatch: Any, caplog: Any
) -> None:
    """An uplink whose status() raises reads state error with the reason; one log line."""
    h, uplink = await _toy(hub_factory, register_plugin)
    manager = h.hub.components["uplinks"]

    def broken() -> dict[str, Any]:
        raise KeyError("session")

    monkeypatch.setattr(uplink, "status", broken)
    caplog.set_level("ERROR", logger="hub.uplinks.manager")
    for _ in range(3):
        [status] = await manager.status()
        assert (status["state"], status["last_error"]) == ("error", "status(): 'session'")
        assert manager.own_statuses()["views"]["state"] == "error"
    lines = [r.getMessage() for r in caplog.records if r.name == "hub.uplinks.manager"]
    assert lines == ["Uplink views (toy): status() failed: KeyError: 'session'"]
    monkeypatch.undo()
    [status] = await manager.status()
    assert status["state"] == "running"


async def test_a_link_down_uses_up_no_attempt(hub_factory: HubFactory,
                                              register_plugin: Any) -> None:
    """With max_attempts 2, an incident waits through many tries while the uplink's link is
    down (UplinkUnavailable) and is delivered once it is back: no dead letter."""
    register_plugin(toy_plugin(), "toy")
    h = await hub_factory("hub:\n  site: north_school\nuplinks:\n  - type: toy\n"
                          "    name: views\n    fail: unavailable\n"
                          "    retry: {initial_delay: 0.01, max_delay: 0.02, max_attempts: 2}\n")
    manager = h.hub.components["uplinks"]
    uplink = manager.get("views")
    assert isinstance(uplink, ToyUplink)
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.gate")
    sender = manager.senders["views"]
    await wait_for(lambda: sender.stats.failed >= 6)
    uplink.fail = "no"
    manager.wake("views")
    await wait_for(lambda: [i for i in uplink.delivered if i.incident_id == incident.id])
    [status] = await manager.status()
    assert status["dead"] == 0
