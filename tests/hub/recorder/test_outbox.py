"""The outbox API the police senders use: order, retries, dead letters, requeue."""

from __future__ import annotations

import time

from hub.incidents import Incident, OutboxItem, Priority, TimelineStep, new_id
from hub.recorder.outbox import Outbox, OutboxStatus
from hub.recorder.store import DatabaseIncidentStore


async def _outbox_with(store: DatabaseIncidentStore, destinations: list[str], count: int) -> Outbox:
    for index in range(count):
        incident = Incident(new_id(), "panic", Priority.CRITICAL, "school", f"panic {index}")
        incident.timeline.append(TimelineStep("raised", "hub"))
        items = [
            OutboxItem(d, incident.id, 1, f"{incident.id}:1", {"n": index}) for d in destinations
        ]
        await store.save(incident, incident.timeline[0], items)
    return Outbox(store.db, store)


async def test_claim_due_in_order_per_destination(store: DatabaseIncidentStore) -> None:
    """Items come back per destination, oldest first, limited."""
    outbox = await _outbox_with(store, ["police", "city"], 5)
    police = await outbox.claim_due("police", limit=3)
    assert [item.payload["n"] for item in police] == [0, 1, 2]
    assert {item.destination for item in police} == {"police"}
    assert all(item.status == OutboxStatus.PENDING and item.attempts == 0 for item in police)
    assert len(await outbox.claim_due("city")) == 5
    assert await outbox.claim_due("nobody") == []


async def test_a_retrying_item_is_not_overtaken(store: DatabaseIncidentStore) -> None:
    """With keep_order a failed item waiting for its retry holds back later items."""
    outbox = await _outbox_with(store, ["police"], 3)
    first = (await outbox.claim_due("police"))[0]
    later = time.time() + 60
    await outbox.mark_failed(first.id, "HTTP 503", later)
    assert await outbox.claim_due("police") == []
    unordered = await outbox.claim_due("police", keep_order=False)
    assert [item.payload["n"] for item in unordered] == [1, 2]
    due = await outbox.claim_due("police", now=later + 1)
    assert [item.payload["n"] for item in due] == [0, 1, 2]
    failed = await outbox.get(first.id)
    assert failed is not None and failed.attempts == 1 and failed.last_error == "HTTP 503"
    assert await outbox.next_due_at("police") == later


async def test_delivered_leaves_the_queue(store: DatabaseIncidentStore) -> None:
    """A delivered item is not claimed again and keeps its delivery time."""
    outbox = await _outbox_with(store, ["police"], 2)
    first, second = await outbox.claim_due("police")
    await outbox.mark_delivered(first.id, at=123.0)
    assert [item.id for item in await outbox.claim_due("police")] == [second.id]
    done = await outbox.get(first.id)
    assert done is not None and done.status == OutboxStatus.DELIVERED
    assert done.delivered_at == 123.0 and done.attempts == 1
    assert (await outbox.counts())["police"] == {"delivered": 1, "pending": 1}


async def test_dead_letters_and_requeue(store: DatabaseIncidentStore) -> None:
    """A dead item is listed as a dead letter until requeued, then due now with a fresh budget."""
    outbox = await _outbox_with(store, ["police", "city"], 2)
    police = await outbox.claim_due("police")
    await outbox.mark_failed(police[0].id, "timeout", time.time())
    await outbox.mark_dead(police[0].id, "gave up after 2 attempts")
    city = await outbox.claim_due("city")
    await outbox.mark_dead(city[1].id, "refused")
    dead = await outbox.dead_letters()
    assert [d.id for d in dead] == [city[1].id, police[0].id]
    assert [d.id for d in await outbox.dead_letters("police")] == [police[0].id]
    assert dead[1].last_error == "gave up after 2 attempts" and dead[1].attempts == 2
    heard: list[set[str]] = []
    outbox.on_added(heard.append)
    assert await outbox.requeue([police[0].id, police[1].id]) == 1
    assert heard == [{"police"}]
    again = await outbox.get(police[0].id)
    assert again is not None and again.status == OutboxStatus.PENDING and again.attempts == 0
    assert [d.id for d in await outbox.dead_letters()] == [city[1].id]


async def test_add_items_about_no_incident(store: DatabaseIncidentStore) -> None:
    """Messages about no incident (device availability) queue too; a repeated key is skipped."""
    outbox = await _outbox_with(store, [], 0)
    item = OutboxItem("city", "", 1, "availability:camera.gate:1", {"online": False})
    await outbox.add([item])
    await outbox.add([item])
    claimed = await outbox.claim_due("city")
    assert len(claimed) == 1 and claimed[0].incident_id is None
    assert claimed[0].as_dict()["payload"] == {"online": False}
