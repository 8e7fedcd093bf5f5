"""The body of an Alembic env.py on an async engine: the hub's migrations and the city's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["run_env"]


def run_env(metadata: MetaData, engine: Callable[[str], AsyncEngine]) -> None:
    """Run what Alembic asked for: render the SQL (offline, `--sql`), or migrate through the
    connection a caller put in `config.attributes["connection"]`, or through `engine(url)`."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or ""

    def configure(**kwargs: Any) -> None:
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        context.configure(target_metadata=metadata, render_as_batch=url.startswith("sqlite"),
                          compare_type=True, **kwargs)

    def run_sync(connection: Connection) -> None:
        configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        run_sync(connection)
        return
    # Load every revision file and build the engine now: the event loop below must not
    # touch files.
    _ = context.script.revision_map.heads
    asyncio.run(_run_async(engine(url), run_sync))


async def _run_async(engine: AsyncEngine, run_sync: Callable[[Connection], None]) -> None:
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_sync)
            await connection.commit()
    finally:
        await engine.dispose()
