"""The outbox as senders see it: pending items per uplink, marked delivered, failed, dead or
dropped.

Items are identified by (uplink, idempotency key), the outbox table's unique key, so a sender
can mark an item it got straight from the commit (it never read the row's id). The recorder
keeps the table (`hub.recorder.outbox.Outbox`, written in the incident's transaction);
without a recorder, `MemoryOutboxQueue` keeps the items in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from ..hubkey import RECORDER, Components
from ..incidents import MemoryIncidentStore, OutboxItem

__all__ = ["MemoryOutboxQueue", "OutboxQueue", "QueuedItem", "Status", "queue_for"]


class Status:
    """Values of an outbox item's status."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    #: dropped by the backlog limit (never an incident item)
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class QueuedItem:
    """An outbox item with its delivery bookkeeping (id 0: not read from the table)."""

    id: int
    uplink: str
    kind: str
    incident_id: str | None
    revision: int
    idempotency_key: str
    ordering_key: str
    payload: dict[str, Any]
    status: str = Status.PENDING
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str | None = None
    created_at: float = 0.0
    delivered_at: float | None = None

    @classmethod
    def fresh(cls, item: OutboxItem, created_at: float | None = None) -> QueuedItem:
        """Return a just-written item as a sender sees it."""
        return cls(0, item.uplink, item.kind, item.incident_id or None, item.revision,
                   item.idempotency_key, item.order, item.payload,
                   created_at=time.time() if created_at is None else created_at)

    def as_dict(self) -> dict[str, Any]:
        """Return the item for the API (the payload is left out: it can be large)."""
        return {"id": self.id, "uplink": self.uplink, "kind": self.kind,
                "incident_id": self.incident_id, "revision": self.revision,
                "idempotency_key": self.idempotency_key, "ordering_key": self.ordering_key,
                "event": self.payload.get("event"), "status": self.status,
                "attempts": self.attempts, "next_attempt_at": self.next_attempt_at,
                "last_error": self.last_error, "created_at": self.created_at,
                "delivered_at": self.delivered_at}


@runtime_checkable
class OutboxQueue(Protocol):
    """What the senders need from the outbox."""

    def on_added(self, callback: Callable[[set[str]], None]) -> Callable[[], None]:
        """Call `callback(uplinks)` after new items are committed; return a remover."""

    async def append(self, items: Sequence[OutboxItem]) -> None:
        """Store items about no incident step, durably (an existing key is skipped)."""

    async def pending(self, uplink: str, limit: int) -> list[QueuedItem]:
        """Return up to `limit` pending items of an uplink, due or not, oldest first."""

    async def mark_delivered(self, uplink: str, keys: Sequence[str]) -> None:
        """Record deliveries; the items are never sent again."""

    async def mark_failed(self, uplink: str, key: str, error: str,
                          next_attempt_at: float, counted: bool = True) -> None:
        """Count a failed attempt (unless `counted` is False: the link was down) and when to
        try again."""

    async def mark_dead(self, uplink: str, key: str, error: str) -> None:
        """Give up on an item (a dead letter) after counting the attempt."""

    async def drop(self, uplink: str, keep: int, before: float) -> list[str]:
        """Drop pending non-incident items beyond `keep` pending items or created before
        `before`, oldest first; return their keys. Incident items are never dropped."""

    async def dead_letters(self, uplink: str | None, limit: int) -> list[QueuedItem]:
        """Return dead items, newest first."""

    async def requeue(self, item_id: int) -> QueuedItem | None:
        """Make a dead item pending again, due now; None if it is not dead."""

    async def counts(self) -> dict[str, dict[str, int]]:
        """Return {uplink: {status: count}}."""


class MemoryOutboxQueue:
    """An outbox kept in memory next to a MemoryIncidentStore (lost on restart)."""

    def __init__(self, store: MemoryIncidentStore) -> None:
        self._store = store
        self._seen = 0
        self._items: dict[int, QueuedItem] = {}
        self._ids: dict[tuple[str, str], int] = {}
        self._listeners: list[Callable[[set[str]], None]] = []

    def on_added(self, callback: Callable[[set[str]], None]) -> Callable[[], None]:
        """Call `callback(uplinks)` after items are appended or requeued."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def _notify(self, uplinks: set[str]) -> None:
        for callback in list(self._listeners):
            callback(uplinks)

    def _sync(self) -> None:
        new = self._store.outbox[self._seen:]
        self._seen += len(new)
        for item in new:
            self._add(item)

    def _add(self, item: OutboxItem) -> None:
        if (item.uplink, item.idempotency_key) in self._ids:
            return  # the table's unique (uplink, key) constraint, here too
        item_id = len(self._items) + 1
        self._ids[(item.uplink, item.idempotency_key)] = item_id
        self._items[item_id] = replace(QueuedItem.fresh(item), id=item_id)

    def _update(self, uplink: str, key: str, count: bool = True, **changes: Any) -> None:
        self._sync()
        item_id = self._ids[(uplink, key)]
        item = self._items[item_id]
        self._items[item_id] = replace(item, attempts=item.attempts + (1 if count else 0),
                                       **changes)

    async def append(self, items: Sequence[OutboxItem]) -> None:
        """Keep items about no incident step."""
        self._sync()
        for item in items:
            self._add(item)
        if items:
            self._notify({i.uplink for i in items})

    async def pending(self, uplink: str, limit: int) -> list[QueuedItem]:
        """Return pending items of an uplink, oldest first."""
        self._sync()
        found = [q for q in self._items.values()
                 if q.uplink == uplink and q.status == Status.PENDING]
        return found[:limit]

    async def mark_delivered(self, uplink: str, keys: Sequence[str]) -> None:
        """Record deliveries."""
        for key in keys:
            self._update(uplink, key, status=Status.DELIVERED, delivered_at=time.time(),
                         last_error=None)

    async def mark_failed(self, uplink: str, key: str, error: str,
                          next_attempt_at: float, counted: bool = True) -> None:
        """Count a failed attempt (unless the link was down)."""
        self._update(uplink, key, counted, last_error=error, next_attempt_at=next_attempt_at)

    async def mark_dead(self, uplink: str, key: str, error: str) -> None:
        """Give up on an item."""
        self._update(uplink, key, status=Status.DEAD, last_error=error)

    async def drop(self, uplink: str, keep: int, before: float) -> list[str]:
        """Drop the oldest pending non-incident items over the limits."""
        pending = await self.pending(uplink, len(self._items))
        excess = len(pending) - keep
        dropped: list[str] = []
        for item in pending:
            if item.incident_id is not None:
                continue
            if excess > 0 or item.created_at < before:
                self._items[item.id] = replace(item, status=Status.DROPPED)
                dropped.append(item.idempotency_key)
                excess -= 1
        return dropped

    async def dead_letters(self, uplink: str | None, limit: int) -> list[QueuedItem]:
        """Return dead items, newest first."""
        self._sync()
        found = [q for q in self._items.values() if q.status == Status.DEAD
                 and (uplink is None or q.uplink == uplink)]
        return found[::-1][:limit]

    async def requeue(self, item_id: int) -> QueuedItem | None:
        """Make a dead item pending again."""
        item = self._items.get(item_id)
        if item is None or item.status != Status.DEAD:
            return None
        self._items[item_id] = replace(item, status=Status.PENDING, next_attempt_at=0.0,
                                       attempts=0)
        return self._items[item_id]

    async def counts(self) -> dict[str, dict[str, int]]:
        """Return {uplink: {status: count}}."""
        self._sync()
        out: dict[str, dict[str, int]] = {}
        for item in self._items.values():
            statuses = out.setdefault(item.uplink, {})
            statuses[item.status] = statuses.get(item.status, 0) + 1
        return out


def queue_for(components: Components, store: Any) -> OutboxQueue:
    """Return the outbox of this hub: the recorder's table, or memory without a recorder."""
    recorder = components.get(RECORDER)
    if recorder is not None and recorder.store is store:
        return recorder.outbox
    if isinstance(store, MemoryIncidentStore):
        return MemoryOutboxQueue(store)
    raise TypeError(f"the incident store {type(store).__name__} has no outbox the uplinks "
                    f"can read")
