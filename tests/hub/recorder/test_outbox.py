"""The outbox table every uplink's sender uses: order, marks by key, dead letters, backlog."""

from __future__ import annotations

import time

from hub.incidents import Incident, OutboxItem, Priority, TimelineStep, new_id
from hub.recorder.outbox import Outbox, OutboxStatus
from hub.recorder.store import DatabaseIncidentStore


async def _outbox_with(store: DatabaseIncidentStore, uplinks: list[str], count: int) -> Outbox:
    for index in range(count):
        incident = Incident(new_id(), "panic", Priority.CRITICAL, "school", f"panic {index}")
        incident.timeline.append(TimelineStep("raised", "hub"))
        items = [OutboxItem(u, incident.id, 1, f"{incident.id}:1", {"n": index}) for u in uplinks]
        await store.save(incident, incident.timeline[0], items)
    return Outbox(store.db, store)


def _capture(uplink: str, n: int) -> OutboxItem:
    return OutboxItem(uplink, None, 0, f"face-{n}", {"n": n}, "face_capture", "camera.gate")


async def test_pending_in_order_per_uplink(store: DatabaseIncidentStore) -> None:
    """Items come back per uplink, oldest first, limited, with kind and ordering key."""
    outbox = await _outbox_with(store, ["police", "city"], 5)
    police = await outbox.pending("police", 3)
    assert [item.payload["n"] for item in police] == [0, 1, 2]
    assert {item.uplink for item in police} == {"police"}
    assert all(i.status == OutboxStatus.PENDING and i.attempts == 0 for i in police)
    assert {(i.kind, i.ordering_key == i.incident_id) for i in police} == {("incident", True)}
    assert len(await outbox.pending("city", 100)) == 5
    assert await outbox.pending("nobody", 100) == []


async def test_marks_by_key(store: DatabaseIncidentStore) -> None:
    """Failed counts an attempt and keeps the item; delivered and dead take it out."""
    outbox = await _outbox_with(store, ["police"], 3)
    first, second, third = await outbox.pending("police", 10)
    later = time.time() + 60
    await outbox.mark_failed("police", first.idempotency_key, "HTTP 503", later)
    await outbox.mark_delivered("police", [second.idempotency_key])
    await outbox.mark_dead("police", third.idempotency_key, "HTTP 400")
    [waiting] = await outbox.pending("police", 10)
    assert (waiting.id, waiting.attempts, waiting.last_error) == (first.id, 1, "HTTP 503")
    assert waiting.next_attempt_at == later
    done = await outbox.get(second.id)
    assert done is not None and done.status == OutboxStatus.DELIVERED and done.attempts == 1
    assert done.delivered_at is not None
    assert (await outbox.counts())["police"] == {"pending": 1, "delivered": 1, "dead": 1}


async def test_dead_letters_and_requeue(store: DatabaseIncidentStore) -> None:
    """A dead item is listed until requeued, then due now with a fresh budget; others stay."""
    outbox = await _outbox_with(store, ["police", "city"], 2)
    police = await outbox.pending("police", 10)
    city = await outbox.pending("city", 10)
    await outbox.mark_failed("police", police[0].idempotency_key, "timeout", time.time())
    await outbox.mark_dead("police", police[0].idempotency_key, "gave up after 2 attempts")
    await outbox.mark_dead("city", city[1].idempotency_key, "refused")
    dead = await outbox.dead_letters()
    assert [d.id for d in dead] == [city[1].id, police[0].id]
    assert [d.id for d in await outbox.dead_letters("police")] == [police[0].id]
    assert dead[1].last_error == "gave up after 2 attempts" and dead[1].attempts == 2
    heard: list[set[str]] = []
    outbox.on_added(heard.append)
    assert await outbox.requeue(police[1].id) is None  # pending, not dead
    again = await outbox.requeue(police[0].id)
    assert heard == [{"police"}]
    assert again is not None and again.status == OutboxStatus.PENDING and again.attempts == 0
    assert [d.id for d in await outbox.dead_letters()] == [city[1].id]


async def test_append_items_about_no_incident(store: DatabaseIncidentStore) -> None:
    """Captures and status queue too; a repeated key is skipped."""
    outbox = await _outbox_with(store, [], 0)
    item = OutboxItem("city", None, 0, "status-camera.gate-1", {"available": False},
                      "device_status", "camera.gate")
    await outbox.append([item])
    await outbox.append([item])
    [found] = await outbox.pending("city", 10)
    assert found.incident_id is None and found.payload == {"available": False}
    assert (found.kind, found.ordering_key) == ("device_status", "camera.gate")


async def test_drop_never_takes_an_incident(store: DatabaseIncidentStore) -> None:
    """Over the limit the oldest non-incident items go first; incidents stay even when over."""
    outbox = await _outbox_with(store, ["views"], 2)
    await outbox.append([_capture("views", n) for n in range(4)])
    dropped = await outbox.drop("views", keep=3, before=0.0)
    assert dropped == ["face-0", "face-1", "face-2"]
    left = await outbox.pending("views", 10)
    assert [i.kind for i in left] == ["incident", "incident", "face_capture"]
    assert await outbox.drop("views", keep=1, before=0.0) == ["face-3"]
    assert len(await outbox.pending("views", 10)) == 2  # both incidents, over the limit
    assert (await outbox.counts())["views"] == {"pending": 2, "dropped": 4}
    await outbox.append([_capture("views", 9)])
    assert await outbox.drop("views", keep=100, before=time.time() + 1) == ["face-9"]
