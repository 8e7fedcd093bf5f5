"""The database the panel's tables live in: the recorder's, or the same file without it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..datadir import private_sqlite_file_blocking
from ..hubkey import AUTH_DATABASE, RECORDER
from ..recorder.db import Database

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["component_database"]


def _recorder_database(hub: Hub) -> Database | None:
    recorder = hub.components.get(RECORDER)
    return recorder.db if recorder is not None else None


def _migrated_blocking(url: str | None, data_dir: Path) -> Database:
    from ..recorder.component import DB_FILE, default_url
    from ..recorder.migrate import upgrade_heads_blocking

    if url is None:
        private_sqlite_file_blocking(data_dir / DB_FILE)
        url = default_url(data_dir)
    upgrade_heads_blocking(url)  # every branch, ours (auth, visitors) included
    return Database(url)


async def component_database(hub: Hub, url: str | None) -> Database:
    """Return the database holding the panel's tables.

    With the recorder running, its database (the recorder has migrated every Alembic
    branch, ours included). Without it (recorder disabled) or with an explicit URL, the
    database is migrated here (off the loop) and closed when the hub stops.
    """
    recorder_db = _recorder_database(hub)
    if recorder_db is not None and url is None:
        return recorder_db
    existing = hub.components.get(AUTH_DATABASE)
    if existing is not None:
        return existing
    db = await hub.run_blocking(_migrated_blocking, url, hub.config.data_dir)
    hub.components[AUTH_DATABASE] = db
    hub.on_stop(db.close)
    return db
