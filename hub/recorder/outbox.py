"""The outbox table: the one durable queue of every uplink (`hub.uplinks.queue.OutboxQueue`).

Incident items are written by `DatabaseIncidentStore.save` in the transaction of the step
they are about; other items (face captures, device status, events) by `append`. A sender per
uplink (hub/uplinks/sender.py) reads pending items in id order and marks them by (uplink,
idempotency key) delivered, failed (with the time of the next attempt), dead or dropped.
Marks go through the recorder's writer as urgent jobs, so on SQLite they share its one
connection (no second writer waiting on the database lock) and ride in the same group
commits as incident saves. One sender per uplink per hub: reading takes no lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from ..incidents.model import OutboxItem
from ..uplinks.queue import QueuedItem
from .db import Database
from .models import OutboxRow, OutboxStatus
from .store import DatabaseIncidentStore, insert_ignore, outbox_rows

__all__ = ["Outbox", "OutboxStatus"]

_ERROR_LIMIT = 2000


def _queued(row: OutboxRow) -> QueuedItem:
    return QueuedItem(row.id, row.uplink, row.kind, row.incident_id, row.revision,
                      row.idempotency_key, row.ordering_key, dict(row.payload), row.status,
                      row.attempts, row.next_attempt_at, row.last_error, row.created_at,
                      row.delivered_at)


class Outbox:
    """Typed access to the `outbox` table."""

    def __init__(self, db: Database, store: DatabaseIncidentStore) -> None:
        self.db = db
        self._store = store
        self._writer = store.writer

    def on_added(self, callback: Callable[[set[str]], None]) -> Callable[[], None]:
        """Call `callback(uplinks: set[str])` after new items commit; return a remover."""
        return self._store.on_outbox_added(callback)

    async def append(self, items: Sequence[OutboxItem]) -> None:
        """Store items about no incident step (an existing key for an uplink is skipped)."""
        if not items:
            return
        stmt = insert_ignore(self.db, OutboxRow.__table__, ("uplink", "idempotency_key"))
        rows = outbox_rows(items)
        await self._writer.run(lambda conn: conn.execute(stmt, rows), urgent=True)
        self._store.notify_outbox({i.uplink for i in items})

    async def pending(self, uplink: str, limit: int) -> list[QueuedItem]:
        """Return up to `limit` pending items, due or not, oldest first."""
        stmt = (select(OutboxRow)
                .where(OutboxRow.uplink == uplink, OutboxRow.status == OutboxStatus.PENDING)
                .order_by(OutboxRow.id).limit(limit))
        async with self.db.session() as session:
            return [_queued(row) for row in (await session.scalars(stmt)).all()]

    async def _mark(self, uplink: str, keys: Sequence[str], count: bool = True,
                    **values: Any) -> None:
        stmt = (update(OutboxRow)
                .where(OutboxRow.uplink == uplink, OutboxRow.idempotency_key.in_(list(keys)))
                .values(attempts=OutboxRow.attempts + (1 if count else 0), **values))
        await self._writer.run(lambda conn: conn.execute(stmt), urgent=True)

    async def mark_delivered(self, uplink: str, keys: Sequence[str]) -> None:
        """Record deliveries in one statement; the items leave the queue."""
        if keys:
            await self._mark(uplink, keys, status=OutboxStatus.DELIVERED,
                             delivered_at=time.time(), last_error=None)

    async def mark_failed(self, uplink: str, key: str, error: str,
                          next_attempt_at: float, counted: bool = True) -> None:
        """Count a failed attempt (unless the link was down) and when to try again."""
        await self._mark(uplink, [key], counted, last_error=error[:_ERROR_LIMIT],
                         next_attempt_at=next_attempt_at)

    async def mark_dead(self, uplink: str, key: str, error: str) -> None:
        """Give up on an item: it becomes a dead letter until requeued."""
        await self._mark(uplink, [key], status=OutboxStatus.DEAD,
                         last_error=error[:_ERROR_LIMIT])

    async def drop(self, uplink: str, keep: int, before: float) -> list[str]:
        """Drop pending non-incident items over `keep` pending items or older than `before`,
        oldest first; return their keys. Incident items are never dropped."""
        row = OutboxRow
        pending = (row.uplink == uplink, row.status == OutboxStatus.PENDING)

        def drop_job(conn: Connection) -> list[str]:
            total = conn.execute(select(func.count()).where(*pending)).scalar_one()
            excess = max(0, int(total) - keep)
            candidates = select(row.id, row.idempotency_key, row.created_at).where(
                *pending, row.incident_id.is_(None)).order_by(row.id)
            chosen: list[tuple[int, str]] = []
            for item_id, key, created_at in conn.execute(candidates):
                if excess <= 0 and created_at >= before:
                    break
                chosen.append((item_id, key))
                excess -= 1
            if chosen:
                conn.execute(update(row).where(row.id.in_([i for i, _k in chosen]))
                             .values(status=OutboxStatus.DROPPED))
            return [key for _i, key in chosen]

        return await self._writer.run(drop_job, urgent=True)

    async def requeue(self, item_id: int) -> QueuedItem | None:
        """Put a dead letter back in the queue, due now, attempts reset; None if not dead."""
        stmt = (update(OutboxRow)
                .where(OutboxRow.id == item_id, OutboxRow.status == OutboxStatus.DEAD)
                .values(status=OutboxStatus.PENDING, next_attempt_at=time.time(), attempts=0))

        def requeue_job(conn: Connection) -> int:
            return int(getattr(conn.execute(stmt), "rowcount", 0))

        if not await self._writer.run(requeue_job, urgent=True):
            return None
        item = await self.get(item_id)
        if item is not None:
            self._store.notify_outbox({item.uplink})
        return item

    async def dead_letters(self, uplink: str | None = None, limit: int = 100,
                           offset: int = 0) -> list[QueuedItem]:
        """Return dead letters, newest first."""
        stmt = select(OutboxRow).where(OutboxRow.status == OutboxStatus.DEAD)
        if uplink is not None:
            stmt = stmt.where(OutboxRow.uplink == uplink)
        stmt = stmt.order_by(OutboxRow.id.desc()).limit(limit).offset(offset)
        async with self.db.session() as session:
            return [_queued(row) for row in (await session.scalars(stmt)).all()]

    async def get(self, item_id: int) -> QueuedItem | None:
        """Return one item, or None."""
        async with self.db.session() as session:
            row = await session.get(OutboxRow, item_id)
            return _queued(row) if row is not None else None

    async def for_incident(self, incident_id: str) -> list[QueuedItem]:
        """Return every item about one incident, oldest first."""
        stmt = select(OutboxRow).where(OutboxRow.incident_id == incident_id).order_by(OutboxRow.id)
        async with self.db.session() as session:
            return [_queued(row) for row in (await session.scalars(stmt)).all()]

    async def summary(self) -> dict[str, dict[str, Any]]:
        """Return per uplink: counts, last delivery, last error, next retry (outbox_summary)."""
        return await outbox_summary(self.db)

    async def counts(self) -> dict[str, dict[str, int]]:
        """Return {uplink: {status: count}}."""
        stmt = select(OutboxRow.uplink, OutboxRow.status, func.count()).group_by(
            OutboxRow.uplink, OutboxRow.status)
        out: dict[str, dict[str, int]] = {}
        async with self.db.session() as session:
            for uplink, status, count in (await session.execute(stmt)).all():
                out.setdefault(uplink, {})[status] = count
        return out


async def outbox_summary(db: Database) -> dict[str, dict[str, Any]]:
    """Return per uplink: status counts, last delivery, last error, and the next retry.

    Read from the table alone, so `campus-hub uplinks` can show it whether or not the hub
    runs: {"counts": {status: n}, "last_delivery_at", "last_error", "last_error_at",
    "retry_at"} (retry_at: when the oldest failed item is tried again, None if none failed).
    """
    row = OutboxRow
    pending = row.status == OutboxStatus.PENDING
    out: dict[str, dict[str, Any]] = {}
    async with db.session() as session:
        for uplink, status, count in await session.execute(
                select(row.uplink, row.status, func.count()).group_by(row.uplink, row.status)):
            out.setdefault(uplink, {"counts": {}, "last_delivery_at": None, "last_error": None,
                                    "retry_at": None})["counts"][status] = count
        for uplink, at in await session.execute(
                select(row.uplink, func.max(row.delivered_at)).group_by(row.uplink)):
            out[uplink]["last_delivery_at"] = at
        for uplink, at in await session.execute(
                select(row.uplink, func.min(row.next_attempt_at))
                .where(pending, row.attempts > 0).group_by(row.uplink)):
            out[uplink]["retry_at"] = at
        newest = (select(func.max(row.id)).where(row.last_error.is_not(None))
                  .where(row.status.in_([OutboxStatus.PENDING, OutboxStatus.DEAD]))
                  .group_by(row.uplink))
        for uplink, error in await session.execute(
                select(row.uplink, row.last_error).where(row.id.in_(newest))):
            out[uplink]["last_error"] = error
    return out
