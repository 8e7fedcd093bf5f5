"""Retention: delete events and state history older than N days; never incidents or audit.

Outbox items about no incident (face captures, device status, events for uplinks) that
were delivered or dropped are deleted after the same time; pending items, dead letters and
every incident item stay.

Events are found through their time index. State rows have no index on time alone (it
slowed every history write), so they are deleted in id order, oldest first: ids grow with
time, and the walk stops at the first chunk with nothing old left in it. A row written with
an older time after newer ones (a clock set back) is deleted by a later purge once the walk
reaches it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from .models import EventRow, OutboxRow, OutboxStatus, StateRow
from .write_scheduler import SqlWriter

_LOGGER = logging.getLogger(__name__)

__all__ = ["PURGED_TABLES", "purge_history"]

PURGED_TABLES = ("events", "states", "outbox")
_CHUNK = 10_000
_DAY = 86400.0


async def purge_history(sql: SqlWriter, keep_days: int) -> dict[str, Any]:
    """Delete events and states older than `keep_days` in chunks; log and return the counts."""
    cutoff = time.time() - keep_days * _DAY
    removed = {
        "events": await _purge_table(sql, EventRow, EventRow.time_fired, cutoff),
        "states": await _purge_in_id_order(sql, cutoff),
        "outbox": await _purge_table(sql, OutboxRow, OutboxRow.created_at, cutoff,
                                     OutboxRow.incident_id.is_(None),
                                     OutboxRow.status.in_([OutboxStatus.DELIVERED,
                                                           OutboxStatus.DROPPED])),
    }
    _LOGGER.info(
        "Recorder purge: removed %d events, %d states and %d finished outbox items about no "
        "incident older than %d days",
        removed["events"],
        removed["states"],
        removed["outbox"],
        keep_days,
    )
    return {"keep_days": keep_days, "before": cutoff, **removed}


async def _purge_table(sql: SqlWriter, model: Any, column: Any, cutoff: float,
                       *where: Any) -> int:
    total = 0
    while True:
        ids = select(model.id).where(column < cutoff, *where).limit(_CHUNK)

        def purge_chunk(conn: Connection, ids: Any = ids) -> int:
            chosen = list(conn.execute(ids).scalars())
            if chosen:
                conn.execute(delete(model).where(model.id.in_(chosen)))
            return len(chosen)

        # Small transactions: incident saves slip in between chunks.
        removed = await sql.run(purge_chunk)
        total += removed
        if removed < _CHUNK:
            return total


async def _purge_in_id_order(sql: SqlWriter, cutoff: float) -> int:
    total, after = 0, -1
    while True:
        chunk = (
            select(StateRow.id, StateRow.last_updated)
            .where(StateRow.id > after)
            .order_by(StateRow.id)
            .limit(_CHUNK)
        )

        def purge_chunk(
            conn: Connection, chunk: Any = chunk, after: int = after
        ) -> tuple[int, int, int]:
            rows = conn.execute(chunk).all()
            old = [row_id for row_id, updated in rows if updated < cutoff]
            if old:
                conn.execute(delete(StateRow).where(StateRow.id.in_(old)))
            return len(rows), len(old), rows[-1][0] if rows else after

        seen, removed, after = await sql.run(purge_chunk)
        total += removed
        if seen < _CHUNK or removed == 0:
            return total
