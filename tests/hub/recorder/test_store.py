"""The database incident store: one transaction per step, timelines survive reloads."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, text

from hub.incidents import Incident, IncidentStatus, OutboxItem, Priority, TimelineStep, new_id
from hub.recorder.db import Database
from hub.recorder.models import IncidentRow, IncidentStepRow, OutboxRow
from hub.recorder.queries import Queries
from hub.recorder.store import DatabaseIncidentStore


def _incident(category: str = "panic", **kwargs: Any) -> Incident:
    incident = Incident(
        id=new_id(),
        category=category,
        priority=Priority.CRITICAL,
        site="north-school",
        message="Panic alarm",
        source="alarm.panic_1",
        gate="north",
        cameras=["camera.gate"],
        data={"zone": 3},
        **kwargs,
    )
    incident.timeline.append(
        TimelineStep("raised", "hub", at=incident.created_at, note="Panic alarm")
    )
    return incident


def _outbox(incident: Incident, destination: str = "police") -> OutboxItem:
    key = f"{incident.id}:{incident.revision}"
    return OutboxItem(
        destination,
        incident.id,
        incident.revision,
        key,
        {"incident": incident.id, "status": str(incident.status)},
    )


async def _count(db: Database, model: type) -> int:
    async with db.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_save_and_load_round_trip(db: Database, store: DatabaseIncidentStore) -> None:
    """An incident saved step by step loads back equal, timeline in order, on both databases."""
    incident = _incident()
    await store.save(incident, incident.timeline[0], [])
    incident.status = IncidentStatus.ACKNOWLEDGED
    incident.revision = 2
    step = TimelineStep("acknowledged", "guard-anna", note="on my way", data={"eta": 2})
    incident.timeline.append(step)
    await store.save(incident, step, [])
    loaded = await store.load(incident.id)
    assert loaded == incident
    assert [s.actor for s in loaded.timeline] == ["hub", "guard-anna"]
    assert await store.load("nope") is None


async def test_load_open_skips_closed(db: Database, store: DatabaseIncidentStore) -> None:
    """load_open returns raised/acknowledged/dispatched incidents, never resolved ones."""
    open_one, closed = _incident(), _incident("tamper")
    closed.status = IncidentStatus.RESOLVED
    for incident in (open_one, closed):
        await store.save(incident, incident.timeline[0], [])
    assert [i.id for i in await store.load_open()] == [open_one.id]


async def test_outbox_written_in_the_same_transaction(
    db: Database, store: DatabaseIncidentStore
) -> None:
    """Incident, step and outbox items commit together; a failing item rolls all back."""
    good = _incident()
    await store.save(good, good.timeline[0], [_outbox(good), _outbox(good, "mqtt")])
    assert await _count(db, OutboxRow) == 2
    bad = _incident()
    broken = OutboxItem("police", bad.id, 1, "k", {"not json": object()})
    with pytest.raises(Exception, match="not JSON serialisable"):
        await store.save(bad, bad.timeline[0], [broken])
    assert await store.load(bad.id) is None
    assert await _count(db, IncidentStepRow) == 1
    assert await _count(db, OutboxRow) == 2


async def test_same_step_or_key_twice_is_idempotent(
    db: Database, store: DatabaseIncidentStore
) -> None:
    """Saving a step again (a retry) adds no duplicate step and no duplicate outbox item."""
    incident = _incident()
    for _ in range(2):
        await store.save(incident, incident.timeline[0], [_outbox(incident)])
    assert await _count(db, IncidentStepRow) == 1
    assert await _count(db, OutboxRow) == 1
    assert await _count(db, IncidentRow) == 1


async def test_outbox_listener_hears_committed_destinations(
    db: Database, store: DatabaseIncidentStore
) -> None:
    """After a save with outbox items the senders are told which destinations have work."""
    heard: list[set[str]] = []
    store.on_outbox_added(heard.append)
    incident = _incident()
    await store.save(incident, incident.timeline[0], [_outbox(incident, "a"), _outbox(incident)])
    assert heard == [{"a", "police"}]


async def test_incident_list_filters_and_pages(db: Database, store: DatabaseIncidentStore) -> None:
    """The incident query filters by status/category/test and pages newest first."""
    made = []
    for index in range(7):
        incident = _incident("panic" if index % 2 else "tamper", test=index == 6)
        incident.id = f"{index:012x}" + "0" * 20  # ids are time-ordered
        incident.timeline[0] = TimelineStep("raised", "hub")
        await store.save(incident, incident.timeline[0], [])
        made.append(incident.id)
    queries = Queries(db)
    first = await queries.incidents(limit=3)
    assert [i.id for i in first.items] == made[::-1][:3]
    second = await queries.incidents(limit=3, cursor=first.next_cursor)
    third = await queries.incidents(limit=3, cursor=second.next_cursor)
    assert [i.id for i in second.items + third.items] == made[::-1][3:]
    assert third.next_cursor is None
    panics = await queries.incidents(category=["panic"], include_test=False)
    assert [i.id for i in panics.items] == [made[5], made[3], made[1]]
    assert (await queries.incidents(status=["resolved"])).items == []
    with pytest.raises(ValueError, match="limit"):
        await queries.incidents(limit=0)


@pytest.mark.postgres
async def test_postgres_save_survives_a_dropped_connection(postgres_url: str) -> None:
    """When PostgreSQL drops the connection, the next save reconnects and commits."""
    from hub.recorder.migrate import upgrade_heads_blocking
    from hub.recorder.write_scheduler import AsyncSqlWriter

    await asyncio.to_thread(upgrade_heads_blocking, postgres_url)
    db = await asyncio.to_thread(Database, postgres_url)
    writer = AsyncSqlWriter(db)
    store = DatabaseIncidentStore(db, writer)
    first = _incident()
    await store.save(first, first.timeline[0], [])
    async with db.engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    second = _incident()
    await store.save(second, second.timeline[0], [])
    assert await store.load(second.id) is not None
    await writer.close()
    await db.close()
