"""The recorder component: migrate, install the incident store, record the bus, purge."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ..bus import MATCH_ALL
from ..datadir import private_sqlite_file_blocking
from ..hubkey import RECORDER
from ..services import ServiceCall
from .config import RecorderConfig
from .db import Database
from .history_writer import HistoryWriter
from .migrate import known_heads_blocking, upgrade_heads_blocking
from .outbox import Outbox
from .purge import purge_history
from .queries import Queries
from .store import DatabaseIncidentStore
from .write_scheduler import SqlWriter, make_writer_blocking

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["DB_FILE", "Recorder", "default_url", "setup", "start_recorder"]

DB_FILE = "campus-hub.db"


def default_url(data_dir: Path) -> str:
    """Return the default database URL: a SQLite file in the hub's data folder."""
    return f"sqlite+aiosqlite:///{data_dir.absolute() / DB_FILE}"


class PurgeData(BaseModel):
    """Data of recorder.purge."""

    model_config = ConfigDict(extra="forbid")

    keep_days: int | None = Field(default=None, ge=0, le=36500)


class Recorder:
    """The running recorder: `hub.components[RECORDER]`."""

    def __init__(self, hub: Hub, config: RecorderConfig, db: Database, sql: SqlWriter) -> None:
        self.hub = hub
        self.config = config
        self.db = db
        self.sql = sql
        self.store = DatabaseIncidentStore(db, sql)
        self.outbox = Outbox(db, self.store)
        self.queries = Queries(db)
        self.writer = HistoryWriter(db, config, sql)
        self.history = self.queries.history
        self.events = self.queries.events
        self.audit_log = self.queries.audit
        self.incidents = self.queries.incidents
        self._remove_listener: Any = None

    def start(self) -> None:
        """Listen to every event and start the writer."""
        self.writer.start()
        self._remove_listener = self.hub.bus.listen(MATCH_ALL, self.writer.on_event)
        self.hub.audit_sink = self.writer.write_audit_now

    async def flush(self) -> None:
        """Write every queued event now (tests, backups, before a purge)."""
        await self.writer.flush()

    async def stop(self) -> None:
        """Write everything queued, stop listening, close the database."""
        await self.writer.stop()
        if self.hub.audit_sink == self.writer.write_audit_now:
            self.hub.audit_sink = None
        if self._remove_listener is not None:
            self._remove_listener()
        await self.writer.flush()
        await self.sql.close()
        await self.db.close()
        _LOGGER.info("Recorder stopped: %s", self.writer.stats.as_dict())

    async def purge(self, keep_days: int | None = None) -> dict[str, Any]:
        """Delete events and state history older than `keep_days`; incidents stay."""
        days = self.config.purge_keep_days if keep_days is None else keep_days
        if days is None:
            return {"events": 0, "states": 0}
        result = await purge_history(self.sql, days)
        self.hub.audit("recorder.purge", details=result)
        return result

    async def _purge_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.purge_interval)
            try:
                await self.purge()
            except Exception:
                _LOGGER.exception(
                    "Recorder purge failed; next try in %.0f s", self.config.purge_interval
                )


async def start_recorder(hub: Hub, config: RecorderConfig | None = None) -> Recorder:
    """Migrate the database, install the incident store, start recording; return it."""
    config = config or RecorderConfig()
    url = config.db_url or default_url(hub.config.data_dir)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        await hub.run_blocking(_mkdir_blocking, Path(parsed.database or ""))
    started = time.monotonic()
    # Building a SQLite engine resolves the file's path: off the loop as well.
    db = await hub.run_blocking(Database, url)
    heads = await hub.run_blocking(known_heads_blocking)
    current = await _current_revisions(db)
    if heads is None or current != heads:
        # Alembic (imported only now) migrates every component's branch to its head.
        _LOGGER.info(
            "Recorder: migrating the database (at %s)", ", ".join(sorted(current)) or "no schema"
        )
        await hub.run_blocking(upgrade_heads_blocking, url)
    recorder = Recorder(hub, config, db, await hub.run_blocking(make_writer_blocking, db))
    hub.incidents.store = recorder.store
    recorder.start()
    hub.components[RECORDER] = recorder
    hub.on_stop(recorder.stop)
    hub.services.register(
        "recorder",
        "purge",
        lambda call: _purge(recorder, call),
        PurgeData,
        "Delete events and state history older than keep_days.",
    )
    if config.purge_keep_days is not None:
        hub.create_task(recorder._purge_loop(), name="recorder purge")
    _LOGGER.info(
        "Recorder ready on %s (migrated in %.2f s, commit interval %s s)",
        parsed.render_as_string(hide_password=True),
        time.monotonic() - started,
        config.commit_interval,
    )
    return recorder


async def setup(hub: Hub, config: RecorderConfig | None) -> None:
    """Component entry point (see hub/components.py; `hub.recorder.setup` checks `enabled`)."""
    await start_recorder(hub, config or RecorderConfig())


async def _purge(recorder: Recorder, call: ServiceCall) -> dict[str, Any]:
    data: PurgeData = call.data
    return await recorder.purge(data.keep_days)


async def _current_revisions(db: Database) -> frozenset[str]:
    """Return the revisions recorded in alembic_version (empty for a new database)."""
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(rows.scalars())
    except DBAPIError:  # no alembic_version table yet
        return frozenset()


def _mkdir_blocking(path: Path) -> None:
    private_sqlite_file_blocking(path)
