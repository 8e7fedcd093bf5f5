"""Retention: delete events and state history older than N days; never incidents or audit."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from .models import EventRow, StateRow
from .sqlwriter import SqlWriter

_LOGGER = logging.getLogger(__name__)

__all__ = ["PURGED_TABLES", "purge_history"]

PURGED_TABLES = ("events", "states")
_CHUNK = 10_000
_DAY = 86400.0


async def purge_history(sql: SqlWriter, keep_days: int) -> dict[str, Any]:
    """Delete events and states older than `keep_days` in chunks; log and return the counts."""
    cutoff = time.time() - keep_days * _DAY
    removed = {
        "events": await _purge_table(sql, EventRow, EventRow.time_fired, cutoff),
        "states": await _purge_table(sql, StateRow, StateRow.last_updated, cutoff),
    }
    _LOGGER.info(
        "Recorder purge: removed %d events and %d states older than %d days",
        removed["events"],
        removed["states"],
        keep_days,
    )
    return {"keep_days": keep_days, "before": cutoff, **removed}


async def _purge_table(sql: SqlWriter, model: Any, column: Any, cutoff: float) -> int:
    total = 0
    while True:
        ids = select(model.id).where(column < cutoff).limit(_CHUNK)

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
