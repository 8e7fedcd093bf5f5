"""Entity id -> `states_meta.id`, cached; new entity ids are added in the writer's transaction.

The history writer calls `resolve()` inside the transaction that inserts the state rows, so
a new entity's `states_meta` row commits together with its first state. If that transaction
fails, the writer calls `forget()`: ids learnt in it may have been rolled back, and the cache
is rebuilt from what the database holds (lookups are `INSERT .. ON CONFLICT DO NOTHING`
then `SELECT`, so they find committed rows and add missing ones alike).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection, Dialect

from .rowsql import param_marks

__all__ = ["EntityKeys"]

_LOOKUP_ROWS = 500  # entity ids per statement (SQLite allows 32,766 parameters)


class EntityKeys:
    """The `states_meta` ids of entity ids this writer has seen."""

    __slots__ = ("_ids",)

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def forget(self) -> None:
        """Drop every cached id (after a failed transaction)."""
        self._ids.clear()

    def resolve(self, conn: Connection, entity_ids: Iterable[str]) -> dict[str, int]:
        """Return the id of every entity id, adding the missing ones to `states_meta`."""
        ids = self._ids
        missing = sorted({e for e in entity_ids if e not in ids})
        for start in range(0, len(missing), _LOOKUP_ROWS):
            part = missing[start : start + _LOOKUP_ROWS]
            insert, select = _statements(conn.dialect, len(part))
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql(insert, tuple(part))
            else:
                conn.exec_driver_sql(insert, [(e,) for e in part])
            for key, entity_id in conn.exec_driver_sql(select, tuple(part)):
                ids[entity_id] = key
        return ids


_SQL: dict[tuple[str, int], tuple[str, str]] = {}


def _statements(dialect: Dialect, count: int) -> tuple[str, str]:
    """Return (insert-if-missing, select) for `count` entity ids in this dialect."""
    key = (dialect.name, count)
    found = _SQL.get(key)
    if found is not None:
        return found
    marks = param_marks(dialect, count)
    if dialect.paramstyle == "qmark":
        insert_values = ", ".join(f"({mark})" for mark in marks)  # one statement, many rows
    else:
        insert_values = f"({marks[0]})"  # numbered marks: executemany, one row per call
    quote = dialect.identifier_preparer.quote
    table, column = quote("states_meta"), quote("entity_id")
    found = (
        f"INSERT INTO {table} ({column}) VALUES {insert_values} ON CONFLICT ({column}) DO NOTHING",
        f"SELECT {quote('id')}, {column} FROM {table} WHERE {column} IN ({', '.join(marks)})",
    )
    if len(_SQL) > 64:
        _SQL.clear()
    _SQL[key] = found
    return found
