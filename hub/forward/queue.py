"""The outbox as senders see it: pending items per destination, marked delivered, failed or dead.

Items are identified by (destination, idempotency key), the outbox table's unique key, so a
sender can mark a message it got straight from the commit (it never read the row's id).
The recorder keeps the table (written in the incident's transaction); without a recorder,
`MemoryOutboxQueue` reads the items the memory incident store kept.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import update

from ..incidents import MemoryIncidentStore, OutboxItem

__all__ = ["MemoryOutboxQueue", "OutboxQueue", "QueuedItem", "RecorderOutboxQueue",
           "queue_for"]


@dataclass(frozen=True, slots=True)
class QueuedItem:
    """An outbox item with its delivery bookkeeping (id 0: not read from the table)."""

    id: int
    destination: str
    incident_id: str
    revision: int
    idempotency_key: str
    payload: dict[str, Any]
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str | None = None
    created_at: float = 0.0
    delivered_at: float | None = None

    @classmethod
    def fresh(cls, item: OutboxItem) -> QueuedItem:
        """Return a just-committed item as a sender sees it."""
        return cls(0, item.destination, item.incident_id, item.revision, item.idempotency_key,
                   item.payload, created_at=time.time())

    def as_dict(self) -> dict[str, Any]:
        """Return the item for the API (the payload is left out: it can be large)."""
        return {"id": self.id, "destination": self.destination,
                "incident_id": self.incident_id, "revision": self.revision,
                "idempotency_key": self.idempotency_key, "event": self.payload.get("event"),
                "status": self.status, "attempts": self.attempts,
                "next_attempt_at": self.next_attempt_at, "last_error": self.last_error,
                "created_at": self.created_at, "delivered_at": self.delivered_at}


@runtime_checkable
class OutboxQueue(Protocol):
    """What a sender needs from the outbox."""

    async def pending(self, destination: str, limit: int) -> list[QueuedItem]:
        """Return up to `limit` pending items of a destination, due or not, oldest first."""

    async def mark_delivered(self, destination: str, keys: Sequence[str]) -> None:
        """Record deliveries; the items are never sent again."""

    async def mark_failed(self, destination: str, key: str, error: str,
                          next_attempt_at: float) -> None:
        """Count a failed attempt and when to try again."""

    async def mark_dead(self, destination: str, key: str, error: str) -> None:
        """Give up on an item (a dead letter) after counting the attempt."""

    async def dead_letters(self, destination: str | None, limit: int) -> list[QueuedItem]:
        """Return dead items, newest first."""

    async def requeue(self, item_id: int) -> QueuedItem | None:
        """Make a dead item pending again, due now; None if it is not dead."""


class MemoryOutboxQueue:
    """An outbox kept in memory next to a MemoryIncidentStore (lost on restart)."""

    def __init__(self, store: MemoryIncidentStore) -> None:
        self._store = store
        self._seen = 0
        self._items: dict[int, QueuedItem] = {}
        self._ids: dict[tuple[str, str], int] = {}

    def _sync(self) -> None:
        new = self._store.outbox[self._seen:]
        self._seen += len(new)
        for item in new:
            if (item.destination, item.idempotency_key) in self._ids:
                continue  # the table's unique (destination, key) constraint, here too
            item_id = len(self._items) + 1
            self._ids[(item.destination, item.idempotency_key)] = item_id
            self._items[item_id] = replace(QueuedItem.fresh(item), id=item_id)

    def _update(self, destination: str, key: str, **changes: Any) -> None:
        self._sync()
        item_id = self._ids[(destination, key)]
        item = self._items[item_id]
        self._items[item_id] = replace(item, attempts=item.attempts + 1, **changes)

    async def pending(self, destination: str, limit: int) -> list[QueuedItem]:
        """Return pending items of a destination, oldest first."""
        self._sync()
        found = [q for q in self._items.values()
                 if q.destination == destination and q.status == "pending"]
        return found[:limit]

    async def mark_delivered(self, destination: str, keys: Sequence[str]) -> None:
        """Record deliveries."""
        for key in keys:
            self._update(destination, key, status="delivered", delivered_at=time.time(),
                         last_error=None)

    async def mark_failed(self, destination: str, key: str, error: str,
                          next_attempt_at: float) -> None:
        """Count a failed attempt."""
        self._update(destination, key, last_error=error, next_attempt_at=next_attempt_at)

    async def mark_dead(self, destination: str, key: str, error: str) -> None:
        """Give up on an item."""
        self._update(destination, key, status="dead", last_error=error)

    async def dead_letters(self, destination: str | None, limit: int) -> list[QueuedItem]:
        """Return dead items, newest first."""
        self._sync()
        found = [q for q in self._items.values() if q.status == "dead"
                 and (destination is None or q.destination == destination)]
        return found[::-1][:limit]

    async def requeue(self, item_id: int) -> QueuedItem | None:
        """Make a dead item pending again."""
        item = self._items.get(item_id)
        if item is None or item.status != "dead":
            return None
        self._items[item_id] = replace(item, status="pending", next_attempt_at=0.0)
        return self._items[item_id]


class RecorderOutboxQueue:
    """The recorder's outbox table: reads through its `Outbox` API, marks by key in SQL.

    Marks go through the recorder's writer as urgent jobs, so on SQLite they share its one
    connection (no second writer waiting on the database lock) and ride in the same group
    commits as incident saves.
    """

    def __init__(self, recorder: Any) -> None:
        from ..recorder.models import OutboxRow, OutboxStatus

        self._outbox = recorder.outbox
        self._sql = recorder.sql
        self._row = OutboxRow
        self._status = OutboxStatus

    async def _update(self, destination: str, keys: Sequence[str], **values: Any) -> None:
        row = self._row
        stmt = (update(row).where(row.destination == destination,
                                  row.idempotency_key.in_(list(keys)))
                .values(attempts=row.attempts + 1, **values))
        await self._sql.run(lambda conn: conn.execute(stmt), urgent=True)

    async def pending(self, destination: str, limit: int) -> list[QueuedItem]:
        """Return pending items, due or not, oldest first (the sender orders per incident)."""
        rows = await self._outbox.claim_due(destination, limit, now=math.inf)
        return [_queued(row) for row in rows]

    async def mark_delivered(self, destination: str, keys: Sequence[str]) -> None:
        """Record deliveries in one statement."""
        if keys:
            await self._update(destination, keys, status=self._status.DELIVERED,
                               delivered_at=time.time(), last_error=None)

    async def mark_failed(self, destination: str, key: str, error: str,
                          next_attempt_at: float) -> None:
        """Count a failed attempt."""
        await self._update(destination, [key], last_error=error[:2000],
                           next_attempt_at=next_attempt_at)

    async def mark_dead(self, destination: str, key: str, error: str) -> None:
        """Give up on an item."""
        await self._update(destination, [key], status=self._status.DEAD,
                           last_error=error[:2000])

    async def dead_letters(self, destination: str | None, limit: int) -> list[QueuedItem]:
        """Return dead items, newest first."""
        rows = await self._outbox.dead_letters(destination, limit=limit)
        return [_queued(row) for row in rows]

    async def requeue(self, item_id: int) -> QueuedItem | None:
        """Make a dead item pending again."""
        if not await self._outbox.requeue([item_id]):
            return None
        row = await self._outbox.get(item_id)
        return _queued(row) if row is not None else None


def _queued(row: Any) -> QueuedItem:
    return QueuedItem(row.id, row.destination, row.incident_id or "", row.revision,
                      row.idempotency_key, row.payload, row.status, row.attempts,
                      row.next_attempt_at, row.last_error, row.created_at, row.delivered_at)


def queue_for(hub_components: dict[str, Any], store: Any) -> OutboxQueue:
    """Return the outbox of this hub: the recorder's table, or memory without a recorder."""
    recorder = hub_components.get("recorder")
    if getattr(recorder, "outbox", None) is not None and getattr(recorder, "store", None) is store:
        return RecorderOutboxQueue(recorder)
    if isinstance(store, MemoryIncidentStore):
        return MemoryOutboxQueue(store)
    if isinstance(store, OutboxQueue):
        return store
    raise TypeError(f"the incident store {type(store).__name__} has no outbox the police "
                    f"senders can read")
