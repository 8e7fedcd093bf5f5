"""The database: the declarative Base every table uses, and the engine/session factory.

Every component that keeps data (recorder, auth, faces, forward) declares its tables on
`Base` in its own module and ships an Alembic migration on its own branch label; the hub
runs `upgrade heads` at start.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from ..jsonutil import dumps

__all__ = ["Base", "Database", "utcnow"]


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base of every table: aware timestamps, JSON for dicts."""

    type_annotation_map = {
        dt.datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Database:
    """An async engine and session factory for one URL (SQLite file or PostgreSQL)."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": dumps}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=5, max_overflow=5, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.session: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        """Return whether this is a SQLite database."""
        return self.url.startswith("sqlite")

    async def close(self) -> None:
        """Dispose of the engine's connections."""
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the panel read while the recorder writes; NORMAL sync is durable in WAL mode
    # against process crashes (kill -9), which is the failure the recorder must survive.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # 8 MiB of page cache (the default is 2): a history batch touches many index pages.
    cursor.execute("PRAGMA cache_size=-8192")
    cursor.close()
