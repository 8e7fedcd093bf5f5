"""Migrations: the migrated schema equals the models; old schemas upgrade with their data."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from hub.recorder.db import Base, Database
from hub.recorder.migrate import (
    alembic_config,
    import_models,
    models_modules,
    upgrade_heads_blocking,
    version_locations,
)

FROZEN = Path(__file__).parent / "frozen"


def _diff(connection: Connection) -> list[Any]:
    import_models()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _schema_diff(url: str) -> list[Any]:
    database = await asyncio.to_thread(Database, url)
    try:
        async with database.engine.connect() as conn:
            return await conn.run_sync(_diff)
    finally:
        await database.close()


def test_every_branch_is_found_with_its_models() -> None:
    """The recorder finds each component's versions folder and each branch has one head."""
    assert version_locations()[0].parts[-3:] == ("recorder", "migrations", "versions")
    assert models_modules()[0] == "hub.recorder.models"
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    assert "recorder" in labels
    # One head per branch label: no branch forked, none left without a label.
    assert len(script.get_heads()) == len(labels)


async def test_migrated_schema_matches_models(db_url: str) -> None:
    """`upgrade heads` builds exactly the models' schema (autogenerate finds no difference)."""
    await asyncio.to_thread(upgrade_heads_blocking, db_url)
    assert await _schema_diff(db_url) == []


async def test_upgrade_from_frozen_first_schema_keeps_data(tmp_path: Path) -> None:
    """A database frozen at recorder_0001 (with rows) upgrades to heads and keeps its rows."""
    path = tmp_path / "old.db"
    sql = (FROZEN / "schema_recorder_0001.sqlite.sql").read_text()

    def load_blocking() -> None:
        with sqlite3.connect(path) as con:
            con.executescript(sql)

    await asyncio.to_thread(load_blocking)
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade_heads_blocking, url)
    assert await _schema_diff(url) == []
    database = await asyncio.to_thread(Database, url)
    async with database.engine.connect() as conn:
        state = await conn.execute(
            text(
                "SELECT m.entity_id, s.state, s.attributes "
                "FROM states s JOIN states_meta m ON m.id = s.metadata_id"
            )
        )
        assert [tuple(r) for r in state] == [
            ("gate.north", "open", '{"friendly_name": "North gate"}')
        ]
        versions = {r[0] for r in await conn.execute(text("SELECT * FROM alembic_version"))}
        assert "recorder_0004" in versions
    await database.close()


async def test_step_by_step_upgrade_and_downgrade(db_url: str) -> None:
    """recorder_0001 -> rows -> heads keeps rows on both databases; downgrade to base works."""
    cfg = alembic_config(db_url)
    await asyncio.to_thread(command.upgrade, cfg, "recorder@recorder_0001")
    database = await asyncio.to_thread(Database, db_url)
    async with database.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO events (event_type, time_fired, data, user_id, origin) "
                "VALUES ('hub_started', 1.5, '{}', NULL, 'local')"
            )
        )
    await asyncio.to_thread(upgrade_heads_blocking, db_url)
    async with database.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT event_type FROM events"))).all()
        assert [r[0] for r in rows] == ["hub_started"]
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 0
    await database.close()
    await asyncio.to_thread(command.downgrade, cfg, "recorder@base")
    await asyncio.to_thread(upgrade_heads_blocking, db_url)
    assert await _schema_diff(db_url) == []


async def test_hub_start_skips_alembic_when_at_heads(
    hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A database already at every head starts without Alembic; an old one is migrated."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "recorder@recorder_0001")
    first = await hub_factory(f"recorder:\n  db_url: '{url}'\n")
    incident = await first.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await first.hub.stop()

    def refuse(_url: str) -> None:
        raise AssertionError("Alembic ran although the database is at every head")

    monkeypatch.setattr("hub.recorder.component.upgrade_heads_blocking", refuse)
    second = await hub_factory(f"recorder:\n  db_url: '{url}'\n")
    assert [i.id for i in second.hub.incidents.open_incidents()] == [incident.id]


async def test_outbox_rows_of_0003_become_incident_items(db_url: str) -> None:
    """recorder_0004 keeps a pending police message: uplink = its destination, kind incident,
    ordering key its incident; the (uplink, key) uniqueness still holds."""
    cfg = alembic_config(db_url)
    await asyncio.to_thread(command.upgrade, cfg, "recorder@recorder_0003")
    database = await asyncio.to_thread(Database, db_url)
    async with database.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO incidents (id, category, priority, site, message, cameras, snapshots,"
            " data, status, test, created_at, updated_at, revision) VALUES ('inc1', 'panic', 1,"
            " 's', 'm', '[]', '[]', '{}', 'raised', false, 1.0, 1.0, 1)"))
        await conn.execute(text(
            "INSERT INTO outbox (destination, incident_id, revision, idempotency_key, payload,"
            " status, attempts, next_attempt_at, created_at) VALUES ('city_police', 'inc1', 1,"
            " 'inc1-r1', '{}', 'pending', 2, 5.0, 1.0)"))
    await asyncio.to_thread(upgrade_heads_blocking, db_url)
    async with database.engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT uplink, kind, ordering_key, attempts, status FROM outbox"))).one()
    assert tuple(row) == ("city_police", "incident", "inc1", 2, "pending")
    with pytest.raises(Exception, match=r"(?i)unique"):
        async with database.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO outbox (uplink, kind, incident_id, revision, idempotency_key,"
                " ordering_key, payload, status, attempts, next_attempt_at, created_at) VALUES"
                " ('city_police', 'incident', 'inc1', 1, 'inc1-r1', 'inc1', '{}', 'pending', 0,"
                " 1.0, 1.0)"))
    await database.close()
    assert await _schema_diff(db_url) == []
