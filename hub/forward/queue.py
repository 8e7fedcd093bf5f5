"""The outbox as senders see it: pending items per destination, marked delivered, failed or dead.

The recorder keeps the outbox table (written in the incident's transaction); without a
recorder, `MemoryOutboxQueue` reads the items the memory incident store kept.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from ..incidents import MemoryIncidentStore, OutboxItem

__all__ = ["MemoryOutboxQueue", "OutboxQueue", "QueuedItem", "RecorderOutboxQueue", "queue_for"]


@dataclass(frozen=True, slots=True)
class QueuedItem:
    """An outbox item with its delivery bookkeeping."""

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
        """Return up to `limit` pending items of a destination, oldest first."""

    async def mark_delivered(self, item_id: int) -> None:
        """Record a delivery; the item is never sent again."""

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float) -> None:
        """Count a failed attempt and when to try again."""

    async def mark_dead(self, item_id: int, error: str) -> None:
        """Give up on an item (a dead letter) after counting the attempt."""

    async def dead_letters(self, destination: str | None, limit: int) -> list[QueuedItem]:
        """Return dead items, newest first."""

    async def requeue(self, item_id: int) -> QueuedItem | None:
        """Make a dead item pending again with fresh attempts; None if it is not dead."""


class MemoryOutboxQueue:
    """An outbox kept in memory next to a MemoryIncidentStore (lost on restart)."""

    def __init__(self, store: MemoryIncidentStore) -> None:
        self._store = store
        self._seen = 0
        self._items: dict[int, QueuedItem] = {}
        self._keys: set[tuple[str, str]] = set()

    def _sync(self) -> None:
        new = self._store.outbox[self._seen:]
        self._seen += len(new)
        for item in new:
            self._add(item)

    def _add(self, item: OutboxItem) -> None:
        if (item.destination, item.idempotency_key) in self._keys:
            return  # the table's unique (destination, key) constraint, here too
        self._keys.add((item.destination, item.idempotency_key))
        item_id = len(self._items) + 1
        self._items[item_id] = QueuedItem(
            item_id, item.destination, item.incident_id, item.revision, item.idempotency_key,
            item.payload, created_at=time.time())

    async def pending(self, destination: str, limit: int) -> list[QueuedItem]:
        """Return pending items of a destination, oldest first."""
        self._sync()
        found = [q for q in self._items.values()
                 if q.destination == destination and q.status == "pending"]
        return found[:limit]

    async def mark_delivered(self, item_id: int) -> None:
        """Record a delivery."""
        item = self._items[item_id]
        self._items[item_id] = replace(item, status="delivered", attempts=item.attempts + 1,
                                       delivered_at=time.time(), last_error=None)

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float) -> None:
        """Count a failed attempt."""
        item = self._items[item_id]
        self._items[item_id] = replace(item, attempts=item.attempts + 1, last_error=error,
                                       next_attempt_at=next_attempt_at)

    async def mark_dead(self, item_id: int, error: str) -> None:
        """Give up on an item."""
        item = self._items[item_id]
        self._items[item_id] = replace(item, status="dead", attempts=item.attempts + 1,
                                       last_error=error)

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
        self._items[item_id] = replace(item, status="pending", attempts=0, next_attempt_at=0.0)
        return self._items[item_id]


class _RecorderOutbox(Protocol):
    """The part of the recorder's `Outbox` (hub/recorder/outbox.py) the senders use."""

    async def claim_due(self, destination: str, limit: int = 100, *,
                        now: float | None = None, keep_order: bool = True) -> list[Any]: ...

    async def mark_delivered(self, item_id: int, *, at: float | None = None) -> None: ...

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float) -> None: ...

    async def mark_dead(self, item_id: int, error: str) -> None: ...

    async def requeue(self, item_ids: Sequence[int]) -> int: ...

    async def dead_letters(self, destination: str | None = None, *, limit: int = 100,
                           offset: int = 0) -> list[Any]: ...

    async def get(self, item_id: int) -> Any: ...


class RecorderOutboxQueue:
    """The recorder's outbox table seen as an OutboxQueue."""

    def __init__(self, outbox: _RecorderOutbox) -> None:
        self._outbox = outbox

    async def pending(self, destination: str, limit: int) -> list[QueuedItem]:
        """Return pending items, due or not, oldest first (the sender orders per incident)."""
        rows = await self._outbox.claim_due(destination, limit, now=math.inf)
        return [_queued(row) for row in rows]

    async def mark_delivered(self, item_id: int) -> None:
        """Record a delivery."""
        await self._outbox.mark_delivered(item_id)

    async def mark_failed(self, item_id: int, error: str, next_attempt_at: float) -> None:
        """Count a failed attempt."""
        await self._outbox.mark_failed(item_id, error, next_attempt_at)

    async def mark_dead(self, item_id: int, error: str) -> None:
        """Give up on an item."""
        await self._outbox.mark_dead(item_id, error)

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
    outbox = getattr(recorder, "outbox", None)
    if outbox is not None and getattr(recorder, "store", None) is store:
        return RecorderOutboxQueue(outbox)
    if isinstance(store, MemoryIncidentStore):
        return MemoryOutboxQueue(store)
    if isinstance(store, OutboxQueue):
        return store
    raise TypeError(f"the incident store {type(store).__name__} has no outbox the police "
                    f"senders can read")
