"""The database incident store: incident, step and outbox items in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from ..incidents.model import (
    TERMINAL,
    Incident,
    IncidentStatus,
    OutboxItem,
    Priority,
    TimelineStep,
)
from ..jsonutil import dumps
from .db import Database
from .models import IncidentRow, OutboxStatus
from .rowsql import SaveJob
from .write_scheduler import AsyncSqlWriter, SqlWriter

_LOGGER = logging.getLogger(__name__)

__all__ = ["DatabaseIncidentStore", "incident_from_row", "insert_ignore", "outbox_rows"]

_OPEN = [str(s) for s in IncidentStatus if s not in TERMINAL]


def insert_ignore(db: Database, table: Any, conflict: Sequence[str]) -> Any:
    """Return an INSERT that skips rows whose `conflict` columns already exist."""
    if db.is_sqlite:
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(conflict))


class DatabaseIncidentStore:
    """Implements `hub.incidents.IncidentStore` on the recorder's database."""

    def __init__(self, db: Database, writer: SqlWriter | None = None) -> None:
        self.db = db
        self.writer: SqlWriter = writer or AsyncSqlWriter(db)
        self._added_listeners: list[Callable[[set[str]], None]] = []

    def on_outbox_added(self, callback: Callable[[set[str]], None]) -> Callable[[], None]:
        """Call `callback(uplinks)` after outbox items are committed; return a remover."""
        self._added_listeners.append(callback)
        return lambda: self._added_listeners.remove(callback)

    async def save(self, incident: Incident, step: TimelineStep, outbox: list[OutboxItem]) -> None:
        """Write the incident, its new step and its outbox items; return once committed."""
        # Rows are encoded here, on the loop, from the incident as it is now; the writer may
        # commit this save together with others waiting at the same time (group commit).
        job = SaveJob(
            _incident_row(incident),
            _step_row(incident.id, _seq_of(incident, step), step),
            _outbox_tuples(outbox),
        )
        await self.writer.run(job, urgent=True)
        if outbox:
            self.notify_outbox({item.uplink for item in outbox})

    def notify_outbox(self, uplinks: set[str]) -> None:
        """Tell the senders that items for `uplinks` were committed."""
        for callback in list(self._added_listeners):
            try:
                callback(uplinks)
            except Exception:
                _LOGGER.exception("Outbox listener %s failed", callback)

    async def load_open(self) -> list[Incident]:
        """Return every incident that is neither resolved nor a false alarm, oldest first."""
        stmt = (
            select(IncidentRow)
            .where(IncidentRow.status.in_(_OPEN))
            .options(selectinload(IncidentRow.steps))
            .order_by(IncidentRow.created_at)
        )
        async with self.db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [incident_from_row(row) for row in rows]

    async def load(self, incident_id: str) -> Incident | None:
        """Return one incident with its timeline, or None."""
        stmt = (
            select(IncidentRow)
            .where(IncidentRow.id == incident_id)
            .options(selectinload(IncidentRow.steps))
        )
        async with self.db.session() as session:
            row = (await session.scalars(stmt)).first()
        return incident_from_row(row) if row is not None else None

    async def load_many(self, ids: Sequence[str]) -> list[Incident]:
        """Return the incidents with these ids (with timelines), in the order given."""
        if not ids:
            return []
        stmt = (
            select(IncidentRow)
            .where(IncidentRow.id.in_(list(ids)))
            .options(selectinload(IncidentRow.steps))
        )
        async with self.db.session() as session:
            rows = {row.id: row for row in (await session.scalars(stmt)).all()}
        return [incident_from_row(rows[i]) for i in ids if i in rows]


def outbox_rows(items: Sequence[OutboxItem]) -> list[dict[str, Any]]:
    """Return the rows of new pending outbox items, due now."""
    now = time.time()
    return [
        {
            "uplink": i.uplink,
            "kind": i.kind,
            "incident_id": i.incident_id or None,
            "revision": i.revision,
            "idempotency_key": i.idempotency_key,
            "ordering_key": i.order,
            "payload": i.payload,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": None,
            "created_at": now,
            "delivered_at": None,
        }
        for i in items
    ]


def _outbox_tuples(items: Sequence[OutboxItem]) -> list[tuple[Any, ...]]:
    now = time.time()
    pending = OutboxStatus.PENDING
    return [
        (
            i.uplink,
            i.kind,
            i.incident_id or None,
            i.revision,
            i.idempotency_key,
            i.order,
            dumps(i.payload),
            pending,
            0,
            now,
            None,
            now,
            None,
        )
        for i in items
    ]


def _seq_of(incident: Incident, step: TimelineStep) -> int:
    for index in range(len(incident.timeline) - 1, -1, -1):
        if incident.timeline[index] is step:
            return index
    # A step the manager did not append (a caller storing a lone step): put it last.
    return len(incident.timeline)


def _incident_row(incident: Incident) -> tuple[Any, ...]:
    """Return the incident's row in INCIDENT_COLUMNS order, JSON encoded."""
    return (
        incident.id,
        incident.category,
        int(incident.priority),
        incident.site,
        incident.message,
        incident.source,
        incident.gate,
        dumps(incident.cameras),
        dumps(incident.snapshots),
        dumps(incident.data),
        str(incident.status),
        incident.classification,
        incident.test,
        incident.created_at,
        incident.updated_at,
        incident.revision,
    )


def _step_row(incident_id: str, seq: int, step: TimelineStep) -> tuple[Any, ...]:
    """Return the step's row in STEP_COLUMNS order, JSON encoded."""
    return (incident_id, seq, step.action, step.actor, step.at, step.note, dumps(step.data))


def incident_from_row(row: IncidentRow) -> Incident:
    """Rebuild an `Incident` (with its timeline) from its row and loaded steps."""
    return Incident(
        id=row.id,
        category=row.category,
        priority=Priority(row.priority),
        site=row.site,
        message=row.message,
        source=row.source,
        gate=row.gate,
        cameras=list(row.cameras),
        snapshots=list(row.snapshots),
        data=dict(row.data),
        status=IncidentStatus(row.status),
        classification=row.classification,
        test=row.test,
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
        timeline=[TimelineStep(s.action, s.actor, s.at, s.note, dict(s.data)) for s in row.steps],
    )
