"""The outbox table's API for the senders in hub/forward (they own delivery; this owns rows).

Items are written by `DatabaseIncidentStore.save` in the transaction of the incident step
they are about (or by `add` for messages about no incident). A sender per destination
reads them in id order with `claim_due`, then marks each delivered, failed (with the time
of the next attempt), or dead. One sender per destination per hub: claiming takes no lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from ..incidents.model import OutboxItem
from .db import Database
from .models import OutboxRow, OutboxStatus
from .store import DatabaseIncidentStore, insert_ignore, outbox_rows

__all__ = ["Outbox", "OutboxRecord", "OutboxStatus"]


@dataclass(slots=True, frozen=True)
class OutboxRecord:
    """One outbox row, detached from the database."""

    id: int
    destination: str
    incident_id: str | None
    revision: int
    idempotency_key: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    created_at: float
    delivered_at: float | None

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return {name: getattr(self, name) for name in self.__slots__}


def _record(row: OutboxRow) -> OutboxRecord:
    return OutboxRecord(
        row.id,
        row.destination,
        row.incident_id,
        row.revision,
        row.idempotency_key,
        dict(row.payload),
        row.status,
        row.attempts,
        row.next_attempt_at,
        row.last_error,
        row.created_at,
        row.delivered_at,
    )


class Outbox:
    """Typed access to the `outbox` table."""

    def __init__(self, db: Database, store: DatabaseIncidentStore) -> None:
        self.db = db
        self._store = store
        self._writer = store.writer

    def on_added(self, callback: Callable[[set[str]], None]) -> Callable[[], None]:
        """Call `callback(destinations: set[str])` after new items commit; return a remover."""
        return self._store.on_outbox_added(callback)

    async def add(self, items: Sequence[OutboxItem]) -> None:
        """Queue items about no incident step (an existing key for a destination is skipped)."""
        if not items:
            return
        stmt = insert_ignore(self.db, OutboxRow.__table__, ("destination", "idempotency_key"))
        rows = outbox_rows(items)
        await self._writer.run(lambda conn: conn.execute(stmt, rows), urgent=True)
        self._store.notify_outbox({i.destination for i in items})

    async def claim_due(
        self,
        destination: str,
        limit: int = 100,
        *,
        now: float | None = None,
        keep_order: bool = True,
    ) -> list[OutboxRecord]:
        """Return pending items of `destination` in id order whose attempt time has come.

        With `keep_order` (the default) the list stops at the first pending item that is
        not yet due, so a later message never overtakes an earlier one waiting for a retry.
        """
        now = time.time() if now is None else now
        stmt = (
            select(OutboxRow)
            .where(OutboxRow.destination == destination, OutboxRow.status == OutboxStatus.PENDING)
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if not keep_order:
            stmt = stmt.where(OutboxRow.next_attempt_at <= now)
        async with self.db.session() as session:
            rows = (await session.scalars(stmt)).all()
        due: list[OutboxRecord] = []
        for row in rows:
            if row.next_attempt_at > now:
                break
            due.append(_record(row))
        return due

    async def next_due_at(self, destination: str) -> float | None:
        """Return when the oldest pending item of `destination` is due, or None."""
        stmt = (
            select(OutboxRow.next_attempt_at)
            .where(OutboxRow.destination == destination, OutboxRow.status == OutboxStatus.PENDING)
            .order_by(OutboxRow.id)
            .limit(1)
        )
        async with self.db.session() as session:
            return (await session.execute(stmt)).scalar_one_or_none()

    async def mark_delivered(self, item_id: int, *, at: float | None = None) -> None:
        """Record a delivery; the item leaves the queue."""
        await self._update(
            item_id,
            status=OutboxStatus.DELIVERED,
            delivered_at=time.time() if at is None else at,
            attempts=OutboxRow.attempts + 1,
            last_error=None,
        )

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float) -> None:
        """Record a failed attempt and when to try again."""
        await self._update(
            item_id,
            attempts=OutboxRow.attempts + 1,
            last_error=error[:2000],
            next_attempt_at=next_attempt_at,
        )

    async def mark_dead(self, item_id: int, error: str) -> None:
        """Give up on an item: it becomes a dead letter until requeued."""
        await self._update(
            item_id,
            status=OutboxStatus.DEAD,
            last_error=error[:2000],
            attempts=OutboxRow.attempts + 1,
        )

    async def requeue(self, item_ids: Sequence[int]) -> int:
        """Put dead letters back in the queue, due now, attempts reset; return how many."""
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(list(item_ids)), OutboxRow.status == OutboxStatus.DEAD)
            .values(status=OutboxStatus.PENDING, next_attempt_at=time.time(), attempts=0)
        )
        ids = list(item_ids)

        def requeue_job(conn: Connection) -> tuple[int, set[str]]:
            found = conn.execute(
                select(OutboxRow.destination)
                .where(OutboxRow.id.in_(ids), OutboxRow.status == OutboxStatus.DEAD)
                .distinct()
            )
            destinations = set(found.scalars().all())
            return int(getattr(conn.execute(stmt), "rowcount", 0)), destinations

        count, destinations = await self._writer.run(requeue_job, urgent=True)
        if count:
            self._store.notify_outbox(set(destinations))
        return count

    async def dead_letters(
        self, destination: str | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[OutboxRecord]:
        """Return dead letters, newest first."""
        stmt = select(OutboxRow).where(OutboxRow.status == OutboxStatus.DEAD)
        if destination is not None:
            stmt = stmt.where(OutboxRow.destination == destination)
        stmt = stmt.order_by(OutboxRow.id.desc()).limit(limit).offset(offset)
        async with self.db.session() as session:
            return [_record(row) for row in (await session.scalars(stmt)).all()]

    async def get(self, item_id: int) -> OutboxRecord | None:
        """Return one item, or None."""
        async with self.db.session() as session:
            row = await session.get(OutboxRow, item_id)
            return _record(row) if row is not None else None

    async def for_incident(self, incident_id: str) -> list[OutboxRecord]:
        """Return every item about one incident, oldest first."""
        stmt = select(OutboxRow).where(OutboxRow.incident_id == incident_id).order_by(OutboxRow.id)
        async with self.db.session() as session:
            return [_record(row) for row in (await session.scalars(stmt)).all()]

    async def counts(self) -> dict[str, dict[str, int]]:
        """Return {destination: {status: count}}."""
        stmt = select(OutboxRow.destination, OutboxRow.status, func.count()).group_by(
            OutboxRow.destination, OutboxRow.status
        )
        out: dict[str, dict[str, int]] = {}
        async with self.db.session() as session:
            for destination, status, count in (await session.execute(stmt)).all():
                out.setdefault(destination, {})[status] = count
        return out

    async def _update(self, item_id: int, **values: Any) -> None:
        stmt = update(OutboxRow).where(OutboxRow.id == item_id).values(**values)
        await self._writer.run(lambda conn: conn.execute(stmt), urgent=True)
