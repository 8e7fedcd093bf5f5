"""The database the panel's tables live in: the recorder's, or a SQLite file without it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Table

from ..recorder.db import Base, Database

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["component_database"]

_OWN_KEY = "http.database"


def _recorder_database(hub: Hub) -> Database | None:
    db = getattr(hub.components.get("recorder"), "db", None)
    return db if isinstance(db, Database) else None


def _default_url_blocking(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{folder.resolve() / 'campus-hub.db'}"


async def component_database(hub: Hub, url: str | None,
                             tables: Sequence[type[Base]]) -> Database:
    """Return the database holding `tables`.

    With the recorder running, its database (the recorder has migrated every Alembic
    branch, ours included). Without it (recorder disabled) or with an explicit URL, a
    database opened here whose tables are created directly; it closes when the hub stops.
    """
    recorder_db = _recorder_database(hub)
    if recorder_db is not None and url is None:
        return recorder_db
    existing = hub.components.get(_OWN_KEY)
    if isinstance(existing, Database):
        db = existing
    else:
        if url is None:
            url = await hub.run_blocking(_default_url_blocking, hub.config.data_dir)
        _LOGGER.warning("No recorder: panel tables are created without migrations")
        # Creating a SQLite engine resolves the file path: keep it off the loop.
        db = await hub.run_blocking(Database, url)
        hub.components[_OWN_KEY] = db
        hub.on_stop(db.close)
    objs: list[Table] = [t.__table__ for t in tables]  # type: ignore[misc]
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all, tables=objs)
    return db
