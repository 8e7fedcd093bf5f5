"""The incident store's INSERTs as driver SQL, built once per dialect.

An incident save is three small statements. Built with SQLAlchemy Core per call, each cost
more Python time than the database did (the upsert's `excluded` columns, compile-cache
lookups, bind processing). Here the SQL text is built once per dialect and runs through
`exec_driver_sql` with plain tuples, JSON already encoded by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect

__all__ = [
    "INCIDENT_COLUMNS",
    "OUTBOX_COLUMNS",
    "STEP_COLUMNS",
    "SaveJob",
    "StoreSql",
    "param_marks",
    "store_sql",
]

# Column order of the row tuples the store builds.
INCIDENT_COLUMNS = (
    "id",
    "category",
    "priority",
    "site",
    "message",
    "source",
    "gate",
    "cameras",
    "snapshots",
    "data",
    "status",
    "classification",
    "test",
    "created_at",
    "updated_at",
    "revision",
)
STEP_COLUMNS = ("incident_id", "seq", "action", "actor", "at", "note", "data")
OUTBOX_COLUMNS = (
    "uplink",
    "kind",
    "incident_id",
    "revision",
    "idempotency_key",
    "ordering_key",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
    "delivered_at",
)
_KEEP_ON_UPDATE = ("id", "created_at")


@dataclass(frozen=True, slots=True)
class StoreSql:
    """The three statements of a save, in one dialect's parameter style."""

    upsert_incident: str  # insert, or update every column but id and created_at
    insert_step: str  # skipped when (incident_id, seq) exists: a retried save
    insert_outbox: str  # skipped when (uplink, idempotency_key) exists


_CACHE: dict[tuple[str, str], StoreSql] = {}


def store_sql(dialect: Dialect) -> StoreSql:
    """Return the statements for this dialect (built on first use)."""
    key = (dialect.name, str(dialect.paramstyle))
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _build(dialect)
    return found


def _build(dialect: Dialect) -> StoreSql:
    quote = dialect.identifier_preparer.quote
    updates = ", ".join(
        f"{quote(c)} = excluded.{quote(c)}" for c in INCIDENT_COLUMNS if c not in _KEEP_ON_UPDATE
    )
    return StoreSql(
        upsert_incident=_insert(dialect, "incidents", INCIDENT_COLUMNS)
        + f" ON CONFLICT ({quote('id')}) DO UPDATE SET {updates}",
        insert_step=_insert(dialect, "incident_steps", STEP_COLUMNS)
        + f" ON CONFLICT ({quote('incident_id')}, {quote('seq')}) DO NOTHING",
        insert_outbox=_insert(dialect, "outbox", OUTBOX_COLUMNS)
        + f" ON CONFLICT ({quote('uplink')}, {quote('idempotency_key')}) DO NOTHING",
    )


def _insert(dialect: Dialect, table: str, columns: Sequence[str]) -> str:
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(param_marks(dialect, len(columns)))
    return f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"


def param_marks(dialect: Dialect, count: int) -> list[str]:
    """Return `count` positional parameter marks in the driver's style (?, $1, %s...)."""
    style = str(dialect.paramstyle)
    if style == "qmark":
        return ["?"] * count
    if style in ("numeric_dollar", "numeric"):
        sign = "$" if style == "numeric_dollar" else ":"
        return [f"{sign}{n}" for n in range(1, count + 1)]
    if style in ("format", "pyformat"):
        return ["%s"] * count
    raise ValueError(f"recorder: no positional parameters for paramstyle {style}")


Row = tuple[Any, ...]


class SaveJob:
    """One incident save for the writer; saves committed in one group share statements.

    `run_many` is the writer's hook for jobs of one kind queued next to each other: every
    incident row of the group goes in one executemany, then every step, then every outbox
    item (a pipelined round trip each on PostgreSQL instead of one per row). Rows keep the
    group's order, so two saves of one incident apply in order.
    """

    __slots__ = ("incident", "outbox", "step")

    def __init__(self, incident: Row, step: Row, outbox: list[Row]) -> None:
        self.incident = incident
        self.step = step
        self.outbox = outbox

    def __call__(self, conn: Connection) -> None:
        """Write this save alone."""
        SaveJob.run_many([self], conn)

    @staticmethod
    def run_many(jobs: Sequence[SaveJob], conn: Connection) -> list[None]:
        """Write several saves in the caller's transaction; one result per job."""
        sql = store_sql(conn.dialect)
        if len(jobs) == 1:
            conn.exec_driver_sql(sql.upsert_incident, jobs[0].incident)
            conn.exec_driver_sql(sql.insert_step, jobs[0].step)
        else:
            conn.exec_driver_sql(sql.upsert_incident, [job.incident for job in jobs])
            conn.exec_driver_sql(sql.insert_step, [job.step for job in jobs])
        outbox = [row for job in jobs for row in job.outbox]
        if outbox:
            conn.exec_driver_sql(sql.insert_outbox, outbox)
        return [None] * len(jobs)
