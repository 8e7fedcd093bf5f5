"""Alembic environment: async engines (aiosqlite, asyncpg), every component's tables."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.recorder.db import Base, Database
from hub.recorder.migrate import import_models

import_models()
target_metadata = Base.metadata
config = context.config


def _configure(**kwargs: Any) -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    context.configure(
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Render the SQL instead of running it (`alembic upgrade --sql`)."""
    _configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(engine: AsyncEngine) -> None:
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Migrate through a given connection, or open an async engine on the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
        return
    # Load every revision file and build the engine now: the event loop below must not
    # touch files. The hub's engine settings (SQLite: WAL, synchronous=NORMAL) make DDL
    # commits cheap.
    _ = context.script.revision_map.heads
    engine = Database(config.get_main_option("sqlalchemy.url") or "").engine
    asyncio.run(_run_async(engine))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
