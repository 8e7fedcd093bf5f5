"""The recorder component in a running hub: nothing lost on stop, queries, purge, restart."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from hub import Context
from hub.exceptions import ConfigError
from hub.incidents import MemoryIncidentStore
from hub.recorder.component import Recorder
from hub.recorder.models import EventRow, OutboxRow, StateRow
from hub.recorder.store import DatabaseIncidentStore


def _yaml(url: str, **options: Any) -> str:
    lines = ["recorder:", f"  db_url: '{url}'"]
    lines += [f"  {key}: {value}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def _recorder(harness: Any) -> Recorder:
    recorder: Recorder = harness.hub.components["recorder"]
    return recorder


async def test_clean_shutdown_loses_no_event(hub_factory: Callable[..., Any], db_url: str) -> None:
    """Every event fired before stop() returns is a row: events, states and audit alike."""
    h = await hub_factory(_yaml(db_url, commit_interval=60))
    hub = h.hub
    recorder = _recorder(h)
    for index in range(3000):
        hub.states.set(f"sensor.s{index % 7}", str(index), {"n": index})
        if index % 10 == 0:
            hub.bus.fire("test_ping", {"n": index}, Context(user_id="anna"))
        if index % 100 == 0:
            hub.audit("gate.open", target="gate.north", context=Context(user_id="bo"))
    await hub.stop()
    fired = {kind: len(h.of_type(kind)) for kind in ("state_changed", "audit_logged")}
    others = len(h.events) - sum(fired.values())
    reopened = DatabaseIncidentStore(recorder.db)  # the engine reconnects on demand
    queries = type(recorder.queries)(reopened.db)
    assert await queries.count("states") == fired["state_changed"] >= 3000
    assert await queries.count("audit_log") == fired["audit_logged"] == 30
    assert await queries.count("events") == others >= 300
    await reopened.db.close()


async def test_rows_written_within_the_batch_window(
    hub_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """Without a stop, history reaches the database within about one commit interval."""
    h = await hub_factory("recorder:\n  commit_interval: 0.1\n")
    recorder = _recorder(h)
    h.hub.states.set("gate.north", "open")
    started = time.monotonic()
    while not (await recorder.history("gate.north")).items:
        assert time.monotonic() - started < 2.0, "history row not written within 2 s"
        await asyncio.sleep(0.02)
    assert recorder.writer.stats.batches >= 1
    assert (tmp_path / "var" / "campus-hub.db").exists()


async def test_excluded_event_types_are_not_recorded(hub_factory: Callable[..., Any]) -> None:
    """exclude_event_types keeps those events out of the database, others still go in."""
    h = await hub_factory("recorder:\n  exclude_event_types: [noisy_tick]\n")
    for _ in range(5):
        h.hub.bus.fire("noisy_tick", {})
    h.hub.bus.fire("useful_thing", {"a": 1})
    recorder = _recorder(h)
    await recorder.flush()
    assert (await recorder.events("noisy_tick")).items == []
    assert [e["data"] for e in (await recorder.events("useful_thing")).items] == [{"a": 1}]


async def test_query_helpers_page_newest_first(hub_factory: Callable[..., Any]) -> None:
    """History, events by type and the audit log page newest first with a cursor."""
    h = await hub_factory()
    hub = h.hub
    for index in range(5):
        hub.states.set("gate.north", f"s{index}")
        hub.audit(
            "broadcast",
            target="speaker.gate",
            details={"n": index},
            context=Context(user_id="guard-anna" if index % 2 else "admin-bo"),
        )
    recorder = _recorder(h)
    await recorder.flush()
    first = await recorder.history("gate.north", limit=2)
    second = await recorder.history("gate.north", limit=2, cursor=first.next_cursor)
    third = await recorder.history("gate.north", limit=2, cursor=second.next_cursor)
    states = [s["state"] for s in first.items + second.items + third.items]
    assert states == ["s4", "s3", "s2", "s1", "s0"] and third.next_cursor is None
    anna = await recorder.audit_log(user="guard-anna")
    assert [a["details"]["n"] for a in anna.items] == [3, 1]
    assert anna.items[0]["action"] == "broadcast" and anna.items[0]["target"] == "speaker.gate"
    started = await recorder.events("hub_started")
    assert len(started.items) == 1 and started.as_dict()["next_cursor"] is None
    with pytest.raises(ValueError, match="cursor"):
        await recorder.history("gate.north", cursor="abc")


async def test_incidents_survive_a_restart(hub_factory: Callable[..., Any]) -> None:
    """An open incident and its steps are back, from the database, in a new hub."""
    first = await hub_factory()
    assert isinstance(first.hub.incidents.store, DatabaseIncidentStore)
    incident = await first.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await first.hub.services.call(
        "incident", "acknowledge", {"incident_id": incident.id}, Context(user_id="guard-anna")
    )
    closed = await first.hub.incidents.raise_incident("tamper", source="camera.gate")
    await first.hub.services.call("incident", "resolve", {"incident_id": closed.id})
    await first.hub.stop()
    second = await hub_factory()
    restored = second.hub.incidents.open_incidents()
    assert [i.id for i in restored] == [incident.id]
    assert [(s.action, s.actor) for s in restored[0].timeline] == [
        ("raised", "hub"),
        ("acknowledged", "guard-anna"),
    ]
    again = await second.hub.incidents.get(closed.id)
    assert str(again.status) == "resolved"
    page = await _recorder(second).incidents(status=["resolved"])
    assert [i.id for i in page.items] == [closed.id]


async def test_purge_removes_old_history_but_never_incidents(
    hub_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """recorder.purge deletes old events and states, keeps incidents, logs and audits it."""
    h = await hub_factory("recorder:\n  purge_keep_days: 10\n")
    hub = h.hub
    recorder = _recorder(h)
    await hub.incidents.raise_incident("panic", source="alarm.old")
    hub.states.set("gate.north", "old")
    hub.bus.fire("old_thing", {})
    await recorder.flush()
    long_ago = time.time() - 11 * 86400
    async with recorder.db.session() as session, session.begin():
        await session.execute(update(StateRow).values(last_updated=long_ago))
        await session.execute(update(EventRow).values(time_fired=long_ago))
    hub.states.set("gate.north", "new")
    await recorder.flush()
    with caplog.at_level(logging.INFO, logger="hub.recorder.purge"):
        removed = await hub.services.call("recorder", "purge", {})
    assert removed["states"] >= 1 and removed["events"] >= 1
    assert [s["state"] for s in (await recorder.history("gate.north")).items] == ["new"]
    assert len((await recorder.incidents()).items) == 1
    assert any("Recorder purge: removed" in r.getMessage() for r in caplog.records)
    await recorder.flush()
    assert (await recorder.audit_log(action="recorder.purge")).items


async def test_purge_removes_finished_outbox_items_about_no_incident(
    hub_factory: Callable[..., Any]
) -> None:
    """Old delivered or dropped captures go; a pending one, a dead one and incidents stay."""
    from hub.incidents import OutboxItem

    h = await hub_factory("recorder:\n  purge_keep_days: 10\n")
    recorder = _recorder(h)
    incident = await h.hub.incidents.raise_incident("panic", source="alarm.old")
    await recorder.outbox.append([
        OutboxItem("views", None, 0, f"face-{n}", {}, "face_capture", "camera.gate")
        for n in range(4)])
    await recorder.store.save(incident, incident.timeline[0], [
        OutboxItem("views", incident.id, 1, "inc-r1", {})])
    await recorder.outbox.mark_delivered("views", ["face-0", "inc-r1"])
    await recorder.outbox.mark_dead("views", "face-1", "HTTP 400")
    await recorder.outbox.drop("views", keep=100, before=time.time() + 1)  # face-2, face-3
    await recorder.outbox.append([
        OutboxItem("views", None, 0, "face-new", {}, "face_capture", "camera.gate")])
    long_ago = time.time() - 11 * 86400
    async with recorder.db.session() as session, session.begin():
        await session.execute(update(OutboxRow).where(OutboxRow.idempotency_key != "face-new")
                              .values(created_at=long_ago))
    removed = await h.hub.services.call("recorder", "purge", {})
    assert removed["outbox"] == 3
    left = (await recorder.outbox.counts())["views"]
    assert left == {"delivered": 1, "dead": 1, "pending": 1}  # the incident item, face-1, new


async def test_unstorable_event_is_skipped_not_the_batch(hub_factory: Callable[..., Any]) -> None:
    """An event whose data cannot be stored is logged and skipped; its batch still lands."""
    h = await hub_factory()
    recorder = _recorder(h)
    h.hub.bus.fire("good_before", {})
    h.hub.bus.fire("bad_data", {"thing": object()})
    h.hub.bus.fire("good_after", {})
    await recorder.flush()
    assert recorder.writer.stats.failed_rows == 1
    assert (await recorder.events("good_before")).items
    assert (await recorder.events("good_after")).items


async def test_recorder_can_be_disabled(hub_factory: Callable[..., Any], tmp_path: Path) -> None:
    """enabled: false keeps incidents in memory and creates no database."""
    h = await hub_factory("recorder:\n  enabled: false\n")
    assert isinstance(h.hub.incidents.store, MemoryIncidentStore)
    assert "recorder" not in h.hub.components
    assert not (tmp_path / "var" / "campus-hub.db").exists()


async def test_bad_recorder_config_names_the_field(hub_factory: Callable[..., Any]) -> None:
    """A wrong option is a config error with file:line and the field path."""
    with pytest.raises(ConfigError) as err:
        await hub_factory("recorder:\n  commit_interval: 0\n")
    assert "site.yaml:2: recorder.commit_interval" in str(err.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite+aiosqlite://", "in-memory SQLite database is not durable"),
        ("mysql+aiomysql://u@h/db", "unsupported driver mysql+aiomysql"),
        ("not a url", "not a database URL"),
    ],
)
async def test_bad_db_url_is_a_config_error(
    hub_factory: Callable[..., Any], url: str, message: str
) -> None:
    """db_url must name a durable SQLite file or PostgreSQL through asyncpg."""
    with pytest.raises(ConfigError) as err:
        await hub_factory(f"recorder:\n  db_url: '{url}'\n")
    assert "recorder.db_url" in str(err.value) and message in str(err.value)
