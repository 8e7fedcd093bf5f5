"""History rows (events, states, audit_log) as plain tuples, and their raw INSERTs.

The history writer queues rows of plain values; here they go straight through the driver:
on SQLite many rows per statement, the SQL text built once per dialect, table and row count;
on PostgreSQL one COPY per table.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.engine import Connection, Dialect

from .pgcopy import copy_rows
from .rowsql import param_marks

__all__ = [
    "AUDIT",
    "EVENTS",
    "STATES",
    "TABLES",
    "Row",
    "insert_one_blocking",
    "insert_rows",
    "row_label",
]

#: Table numbers of a queued row, indexes into TABLES.
EVENTS, STATES, AUDIT = 0, 1, 2
TABLES = ("events", "states", "audit_log")
_COLUMNS = (
    ("event_type", "time_fired", "data", "user_id", "origin"),
    ("metadata_id", "state", "attributes", "last_changed", "last_updated", "user_id"),
    ("time", "user", "action", "target", "details", "origin"),
)
_SQLITE_ROWS = 100
_SQL: dict[tuple[str, int, int], str] = {}
Row = tuple[Any, ...]


def row_label(table: int, row: Row) -> str:
    """Name a row in a log line without its content: event type, entity or audit action."""
    label = row[2] if table == AUDIT else row[0]
    return str(label).encode("utf-8", "backslashreplace").decode("ascii", "replace")


def insert_one_blocking(table: int, row: Row, conn: Connection) -> None:
    """Insert one row with a plain INSERT (an urgent job: no COPY for a single row)."""
    conn.exec_driver_sql(_insert_sql(conn.dialect, table, 1), row)


def insert_rows(conn: Connection, table: int, rows: list[Row]) -> None:
    """Insert rows straight through the driver: tuples with JSON already encoded."""
    dialect = conn.dialect
    if dialect.name != "sqlite":  # PostgreSQL (asyncpg, the only other driver allowed)
        copy_rows(conn, TABLES[table], _COLUMNS[table], rows)
        return
    # SQLite: many rows per statement. executemany would step once per row, taking the
    # GIL back each time; against a busy event loop each take can wait a switch interval.
    for start in range(0, len(rows), _SQLITE_ROWS):
        part = rows[start : start + _SQLITE_ROWS]
        params = tuple(itertools.chain.from_iterable(part))
        conn.exec_driver_sql(_insert_sql(dialect, table, len(part)), params)


def _insert_sql(dialect: Dialect, table: int, rows: int) -> str:
    key = (dialect.name, table, rows)
    sql = _SQL.get(key)
    if sql is None:
        columns = _COLUMNS[table]
        marks = param_marks(dialect, len(columns))  # SQLite's ?: the same for every row
        quote = dialect.identifier_preparer.quote
        values = ", ".join(["(" + ", ".join(marks) + ")"] * rows)
        names = ", ".join(quote(c) for c in columns)
        sql = f"INSERT INTO {quote(TABLES[table])} ({names}) VALUES {values}"
        if len(_SQL) > 64:
            _SQL.clear()
        _SQL[key] = sql
    return sql
