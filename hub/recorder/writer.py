"""The history writer: a bus listener that only queues, and one task that writes batches.

The listener runs on the bus's sync fast path and does nothing but `deque.append`. The
writer wakes every `commit_interval` (or when `max_batch` events wait), turns the queued
events into rows and inserts them in transactions of at most `CHUNK` rows, so an incident
save waiting for SQLite's single writer waits for one chunk at most.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, StatementError

from ..bus import Event
from ..hub import EVENT_AUDIT_LOGGED
from ..states import EVENT_STATE_CHANGED, State
from .config import RecorderConfig
from .db import Database
from .models import AuditRow, EventRow, StateRow
from .store import WriteGate

_LOGGER = logging.getLogger(__name__)

__all__ = ["CHUNK", "HistoryWriter", "WriterStats"]

CHUNK = 1000
_RETRY_MAX = 30.0


@dataclass(slots=True)
class WriterStats:
    """What the writer did: rows written, batches, their latency, drops."""

    events: int = 0
    states: int = 0
    audit: int = 0
    batches: int = 0
    last_batch_seconds: float = 0.0
    max_batch_seconds: float = 0.0
    dropped: int = 0
    failed_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as a dict."""
        return {name: getattr(self, name) for name in self.__slots__}


class HistoryWriter:
    """Queues bus events and writes them to events/states/audit_log in batches."""

    def __init__(self, db: Database, config: RecorderConfig, gate: WriteGate) -> None:
        self.db = db
        self.config = config
        self.stats = WriterStats()
        self._gate = gate
        self._queue: deque[Event] = deque()
        self._exclude = frozenset(config.exclude_event_types)
        self._threshold = config.max_batch
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def queued(self) -> int:
        """Return how many events wait to be written."""
        return len(self._queue)

    def on_event(self, event: Event) -> None:
        """Queue an event (the bus's sync fast path: no I/O here)."""
        if event.event_type in self._exclude:
            return
        queue = self._queue
        queue.append(event)
        if len(queue) >= self._threshold:
            self._overflowing()

    def _overflowing(self) -> None:
        if len(self._queue) > self.config.max_queue:
            self._queue.popleft()
            if self.stats.dropped == 0:
                _LOGGER.error(
                    "Recorder queue full (%d events): the database does not keep up; "
                    "dropping the oldest history",
                    self.config.max_queue,
                )
            self.stats.dropped += 1
        self._wake.set()

    def start(self) -> None:
        """Start the writer task."""
        # Not hub.create_task: the writer must outlive the hub's other tasks so that the
        # events they fire while stopping are written too; stop() ends it.
        self._task = asyncio.get_running_loop().create_task(self._run(), name="recorder writer")

    async def stop(self) -> None:
        """Write everything still queued, then end the writer task."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await self._task
            except Exception:
                _LOGGER.exception("Recorder writer failed; writing the rest directly")
        await self.flush()

    async def _run(self) -> None:
        interval = self.config.commit_interval
        backoff = 0.0
        while not self._stopping:
            try:
                async with asyncio.timeout(interval + backoff):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
                backoff = 0.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                backoff = min(_RETRY_MAX, max(1.0, backoff * 2))
                _LOGGER.error("Recorder cannot write (%s); retrying in %.0f s", exc, backoff)

    async def flush(self) -> None:
        """Write every queued event now; a failed chunk goes back to the queue front."""
        while self._queue:
            queue = self._queue
            count = min(CHUNK, len(queue))
            batch = [queue.popleft() for _ in range(count)]
            try:
                await self._write(batch)
            except (DBAPIError, OSError):
                queue.extendleft(reversed(batch))
                raise
            except StatementError:
                await self._write_one_by_one(batch)

    async def _write(self, batch: list[Event]) -> None:
        events, states, audit = _rows(batch)
        started = time.perf_counter()
        async with self._gate.hold(), self.db.engine.begin() as conn:
            if events:
                await conn.execute(insert(EventRow), events)
            if states:
                await conn.execute(insert(StateRow), states)
            if audit:
                await conn.execute(insert(AuditRow), audit)
        elapsed = time.perf_counter() - started
        stats = self.stats
        stats.events += len(events)
        stats.states += len(states)
        stats.audit += len(audit)
        stats.batches += 1
        stats.last_batch_seconds = elapsed
        stats.max_batch_seconds = max(stats.max_batch_seconds, elapsed)

    async def _write_one_by_one(self, batch: list[Event]) -> None:
        for event in batch:
            try:
                await self._write([event])
            except StatementError as exc:
                self.stats.failed_rows += 1
                _LOGGER.error(
                    "Recorder skipped a %s event it cannot store: %s",
                    event.event_type,
                    exc.orig or exc,
                )


def _rows(
    batch: Iterable[Event],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    for event in batch:
        kind = event.event_type
        data = event.data
        user = event.context.user_id
        if kind == EVENT_STATE_CHANGED:
            new: State | None = data.get("new_state")
            if new is None:
                states.append(
                    {
                        "entity_id": data["entity_id"],
                        "state": None,
                        "attributes": {},
                        "last_changed": event.time_fired,
                        "last_updated": event.time_fired,
                        "user_id": user,
                    }
                )
            else:
                states.append(
                    {
                        "entity_id": new.entity_id,
                        "state": new.state,
                        "attributes": new.attributes,
                        "last_changed": new.last_changed,
                        "last_updated": new.last_updated,
                        "user_id": user,
                    }
                )
        elif kind == EVENT_AUDIT_LOGGED:
            audit.append(
                {
                    "time": event.time_fired,
                    "user": str(data.get("user") or "hub"),
                    "action": str(data.get("action", "")),
                    "target": data.get("target"),
                    "details": data.get("details") or {},
                    "origin": event.context.origin,
                }
            )
        else:
            events.append(
                {
                    "event_type": kind,
                    "time_fired": event.time_fired,
                    "data": data,
                    "user_id": user,
                    "origin": event.context.origin,
                }
            )
    return events, states, audit
