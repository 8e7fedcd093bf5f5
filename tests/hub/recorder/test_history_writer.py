"""The history writer: incidents overtake a history backlog; a full queue drops history only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from hub.recorder.component import Recorder
from hub.recorder.db import Database
from hub.recorder.write_scheduler import ThreadSqlWriter
from hub.testing import wait_for


async def test_incident_save_overtakes_history_backlog(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    """An incident raised during a long history flush is committed before the flush ends."""
    h = await hub_factory(
        f"recorder:\n  db_url: '{db_url}'\n  commit_interval: 60\n"
        "  max_batch: 1000000\n  max_queue: 1000000\n"
    )
    recorder: Recorder = h.hub.components["recorder"]
    attrs = {"friendly_name": "Burst"}
    for index in range(60_000):
        h.hub.states.set(f"sensor.burst_{index % 50}", str(index), attrs)
    flushing = asyncio.get_running_loop().create_task(recorder.flush())
    await asyncio.sleep(0)
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    assert not flushing.done(), "the incident waited for the whole history backlog"
    assert recorder.writer.queued > 0
    await flushing
    assert recorder.writer.queued == 0
    assert (await recorder.store.load(incident.id)) is not None
    assert recorder.writer.stats.states >= 60_000


async def test_full_queue_drops_oldest_history_and_says_so(
    hub_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Past max_queue the oldest history rows go (counted, logged once); incidents stay."""
    h = await hub_factory("recorder:\n  commit_interval: 60\n  max_queue: 1000\n")
    recorder: Recorder = h.hub.components["recorder"]
    before = recorder.writer.queued  # hub_started and friends
    with caplog.at_level(logging.ERROR, logger="hub.recorder.history_writer"):
        for index in range(1500):
            h.hub.bus.fire("flood", {"n": index})
    assert recorder.writer.queued == 1000
    assert recorder.writer.stats.dropped == before + 500
    assert sum("Recorder queue full" in r.getMessage() for r in caplog.records) == 1
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await recorder.flush()
    kept = await recorder.events("flood", limit=1)
    assert kept.items[0]["data"] == {"n": 1499}
    assert (await recorder.store.load(incident.id)) is not None


async def test_a_full_batch_is_written_before_the_commit_interval(
    hub_factory: Callable[..., Any],
) -> None:
    """max_batch rows waiting wake the writer at once, long before a 60 s commit interval."""
    h = await hub_factory("recorder:\n  commit_interval: 60\n  max_batch: 1000\n")
    recorder: Recorder = h.hub.components["recorder"]
    for index in range(2500):
        h.hub.states.set(f"sensor.batch_{index % 10}", str(index))
    await wait_for(lambda: recorder.writer.stats.states >= 2500, timeout=10)
    assert await recorder.queries.count("states") >= 2500


async def test_flush_waits_for_the_chunk_in_flight(hub_factory: Callable[..., Any]) -> None:
    """flush() returns only when rows taken by a concurrent flush are committed too."""
    h = await hub_factory("recorder:\n  commit_interval: 60\n  max_batch: 1000000\n")
    recorder: Recorder = h.hub.components["recorder"]
    for index in range(5000):
        h.hub.states.set("sensor.x", str(index))
    first = asyncio.get_running_loop().create_task(recorder.flush())
    await asyncio.sleep(0)  # the first flush has taken a chunk and waits for its commit
    await recorder.flush()
    assert await recorder.queries.count("states") >= 5000
    await first


async def test_sqlite_writer_thread_survives_a_failed_connect(tmp_path: Path) -> None:
    """A job that cannot connect fails alone; the thread keeps serving later jobs."""
    folder = tmp_path / "later"
    db = await asyncio.to_thread(Database, f"sqlite+aiosqlite:///{folder / 'x.db'}")
    writer = await asyncio.to_thread(ThreadSqlWriter, db)
    with pytest.raises(OperationalError):
        await writer.run(lambda conn: conn.exec_driver_sql("SELECT 1").scalar())
    await asyncio.to_thread(folder.mkdir)
    assert await writer.run(lambda conn: conn.exec_driver_sql("SELECT 1").scalar()) == 1
    await writer.close()
    await db.close()
