"""PostgreSQL: history rows through COPY (asyncpg's binary copy) instead of INSERTs.

Called from the history writer's job, which runs inside `AsyncConnection.run_sync`, so the
asyncpg coroutine is awaited through SQLAlchemy's greenlet bridge (`await_only`), the way
its own asyncpg dialect runs every statement. The COPY joins the job's transaction: if the
adapter has not sent BEGIN yet (no statement ran in this job), one `SELECT 1` through
SQLAlchemy starts it first. Errors are raised as SQLAlchemy's, so the writer treats them
like an INSERT's: a refused row (`DBAPIError`) has the batch written in halves until that
row stands alone and is skipped, a lost connection (`OperationalError`) puts it back in the
queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.util import await_only

__all__ = ["copy_rows"]


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """COPY rows into `table` in the connection's current transaction."""
    import asyncpg

    if conn.dialect.driver != "asyncpg":  # the config allows sqlite+aiosqlite and asyncpg only
        raise ValueError(f"recorder: history needs asyncpg for COPY, not {conn.dialect.driver}")
    raw = conn.connection.driver_connection
    if raw is None:
        raise OperationalError(f"COPY {table}", None, ConnectionError("no driver connection"))
    if not raw.is_in_transaction():
        conn.exec_driver_sql("SELECT 1")  # makes the adapter send BEGIN
    try:
        await_only(raw.copy_records_to_table(table, records=rows, columns=list(columns)))
    except asyncpg.PostgresError as exc:  # the database refused a row
        raise DBAPIError(f"COPY {table}", None, exc) from exc
    except (asyncpg.InterfaceError, OSError) as exc:
        raise OperationalError(f"COPY {table}", None, exc) from exc
