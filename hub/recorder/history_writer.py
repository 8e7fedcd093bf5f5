"""The history writer: a bus listener that only queues rows, and one task that writes them.

The listener runs on the bus's sync fast path. It does no I/O: it turns the event into a
row of plain values (attributes JSON-encoded once per change, cached per entity) and
appends it to a deque. Queuing plain rows instead of events lets the events be freed at
once, which keeps Python's cyclic garbage collector from rescanning a growing backlog.

The writer task wakes every `commit_interval` (or when `max_batch` rows wait) and writes
transactions of at most `CHUNK` rows; between blocks of `_BLOCK` rows a waiting incident save
cuts the transaction short, so it waits for one block at most.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from ..bus import Event
from ..hub import EVENT_AUDIT_LOGGED
from ..jsonutil import dumps_fast
from ..states import EVENT_STATE_CHANGED, State
from .config import RecorderConfig
from .db import Database
from .entity_keys import EntityKeys
from .history_sql import (
    AUDIT,
    EVENTS,
    STATES,
    TABLES,
    Row,
    insert_one_blocking,
    insert_rows,
    row_label,
)
from .write_scheduler import SqlWriter

_LOGGER = logging.getLogger(__name__)

__all__ = ["CHUNK", "HistoryWriter", "WriterStats"]

# Rows per transaction. Big transactions write far more rows per second on SQLite (each
# commit rewrites the index pages it touched); an incident save still waits one block only.
CHUNK = 10_000
_RETRY_MAX = 30.0
# The database is away (or busy): the rows go back to the queue and are written later.
_TRANSIENT = (OperationalError, InterfaceError, OSError, TimeoutError)
# Rows per insert block; between blocks a waiting incident save may cut the batch short.
_BLOCK = 100
_encode = dumps_fast
_Item = tuple[int, Row]


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
    #: Seconds from handing a batch over to its commit, as the loop sees it (recent ones).
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as a dict (latency as p50/p99 of the recent batches)."""
        out = {name: getattr(self, name) for name in self.__slots__ if name != "latencies"}
        ordered = sorted(self.latencies)
        for label, q in (("latency_p50", 0.5), ("latency_p99", 0.99)):
            out[label] = ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0
        return out


class HistoryWriter:
    """Queues bus events as rows and writes them to events/states/audit_log in batches."""

    def __init__(self, db: Database, config: RecorderConfig, sql: SqlWriter) -> None:
        self.db = db
        self.config = config
        self.stats = WriterStats()
        self._sql = sql
        self._queue: deque[_Item] = deque()
        self._exclude = frozenset(config.exclude_event_types)
        self._threshold = min(config.max_batch, config.max_queue)
        self._max_queue = config.max_queue
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._attributes: dict[str, tuple[Mapping[str, Any], str]] = {}
        # Audit events already committed by `write_audit_now` (by identity): not queued again.
        self._committed: set[int] = set()
        self._keys = EntityKeys()

    @property
    def queued(self) -> int:
        """Return how many rows wait to be written."""
        return len(self._queue)

    def on_event(self, event: Event) -> None:
        """Queue an event's row (the bus's sync fast path: no I/O here)."""
        kind = event.event_type
        if kind in self._exclude:
            return
        try:
            if kind == EVENT_STATE_CHANGED:
                item = self._state_item(event)
            elif kind == EVENT_AUDIT_LOGGED:
                if self._committed and id(event) in self._committed:
                    self._committed.discard(id(event))
                    return
                item = (AUDIT, _audit_row(event))
            else:
                context = event.context
                item = (
                    EVENTS,
                    (kind, event.time_fired, _encode(event.data), context.user_id, context.origin),
                )
        except (TypeError, ValueError) as exc:
            self._skip(kind, exc)
            return
        queue = self._queue
        queue.append(item)
        # Wake the writer once, when the queue reaches the batch size (it then writes until
        # the queue is empty); past max_queue, drop the oldest row.
        queued = len(queue)
        if queued == self._threshold or queued > self._max_queue:
            self._overflowing()

    async def write_audit_now(self, event: Event) -> None:
        """Commit one audit event's row now, ahead of queued history (`hub.audit_committed`).

        The event is fired after this returns; the listener then skips it (no second row).
        """
        row = _audit_row(event)
        await self._sql.run(functools.partial(insert_one_blocking, AUDIT, row), urgent=True)
        self.stats.audit += 1
        self._committed.add(id(event))

    def _state_item(self, event: Event) -> _Item:
        new: State | None = event.data["new_state"]
        if new is None:
            return (STATES, self._removed_row(event))
        # Attributes rarely change while states do: reuse the last encoding. The state
        # machine keeps the same dict while they are unchanged, so identity decides first.
        attributes = new.attributes
        entity_id = new.entity_id
        cached = self._attributes.get(entity_id)
        if cached is None or (cached[0] is not attributes and cached[0] != attributes):
            cached = self._attributes[entity_id] = (attributes, _encode(attributes))
        return (
            STATES,
            (
                entity_id,
                new.state,
                cached[1],
                new.last_changed,
                new.last_updated,
                event.context.user_id,
            ),
        )

    def _removed_row(self, event: Event) -> Row:
        entity_id = event.data["entity_id"]
        self._attributes.pop(entity_id, None)
        return (entity_id, None, "{}", event.time_fired, event.time_fired, event.context.user_id)

    def _skip(self, event_type: str, reason: object) -> None:
        self.stats.failed_rows += 1
        _LOGGER.error("Recorder skipped a %s event it cannot store: %s", event_type, reason)

    def _overflowing(self) -> None:
        if len(self._queue) > self._max_queue:
            self._queue.popleft()
            if self.stats.dropped == 0:
                _LOGGER.error(
                    "Recorder queue full (%d rows): the database does not keep up; "
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
            except Exception as exc:
                backoff = min(_RETRY_MAX, max(1.0, backoff * 2))
                _LOGGER.error("Recorder cannot write (%s); retrying in %.0f s", exc, backoff)

    async def flush(self) -> None:
        """Write every queued row; return once all rows queued before the call are committed.

        On a connection failure the chunk goes back to the front of the queue.
        """
        # One flush at a time: a second caller waits for the chunk the first one holds.
        async with self._flush_lock:
            await self._flush_locked()

    async def _flush_locked(self) -> None:
        queue = self._queue
        while queue:
            count = min(CHUNK, len(queue))
            batch = [queue.popleft() for _ in range(count)]
            started = time.perf_counter()
            try:
                written = await self._write(batch, yield_urgent=True)
            except _TRANSIENT:
                queue.extendleft(reversed(batch))
                raise
            except Exception as exc:  # a row refused, or text not encodable
                # One bad row (text that is not UTF-8, a value PostgreSQL refuses) must cost
                # that row only: find it by halves and write the rest (issue 10).
                await self._isolate(batch, exc)
                continue
            self.stats.latencies.append(time.perf_counter() - started)
            if written < len(batch):  # stopped early to let an incident in
                queue.extendleft(reversed(batch[written:]))

    async def _write(self, batch: list[_Item], yield_urgent: bool) -> int:
        """Write rows in one transaction; return how many (fewer if an urgent job waits)."""
        try:
            written, counts = await self._sql.run(
                functools.partial(self._write_blocking, batch, yield_urgent=yield_urgent))
        except BaseException:
            self._keys.forget()  # states_meta rows of the failed transaction are gone
            raise
        stats = self.stats
        stats.events += counts[EVENTS]
        stats.states += counts[STATES]
        stats.audit += counts[AUDIT]
        return written

    async def _isolate(self, batch: list[_Item], exc: BaseException) -> None:
        """Write a refused batch in halves until each bad row stands alone; skip only those.

        A row costs log2(len(batch)) extra transactions at most. On a connection failure
        the rows not yet written go back to the front of the queue.
        """
        todo: deque[tuple[list[_Item], BaseException | None]] = deque([(batch, exc)])
        while todo:
            part, failed = todo.popleft()
            if failed is None:
                try:
                    await self._write(part, yield_urgent=False)
                    continue
                except _TRANSIENT:
                    rest = part + [item for chunk, _ in todo for item in chunk]
                    self._queue.extendleft(reversed(rest))
                    raise
                except Exception as err:
                    failed = err
            if len(part) == 1:
                self._skip_row(part[0], failed)
                continue
            half = len(part) // 2
            todo.appendleft((part[half:], None))
            todo.appendleft((part[:half], None))

    def _skip_row(self, item: _Item, exc: BaseException) -> None:
        table, row = item
        reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        self.stats.failed_rows += 1
        _LOGGER.error("Recorder skipped a row of %s it cannot store (%s): %s: %s", TABLES[table],
                      row_label(table, row), type(reason).__name__, reason)

    def _write_blocking(self, batch: list[_Item], conn: Connection,
                        yield_urgent: bool = True) -> tuple[int, list[int]]:
        """Insert the batch in blocks; stop after a block when an urgent job waits.

        Return the rows written and their count per table (counted once committed).
        """
        # SQLite: runs in the recorder's thread; PostgreSQL: in the loop through run_sync.
        started = time.perf_counter()
        written = 0
        stats = self.stats
        counts = [0, 0, 0]
        keys = self._keys.resolve(conn, {row[0] for table, row in batch if table == STATES})
        # SQLite has one writer: blocks let a waiting incident save in. PostgreSQL saves
        # incidents on their own connection, so the whole batch goes in one COPY per table.
        size = _BLOCK if conn.dialect.name == "sqlite" else len(batch)
        while written < len(batch):
            block = batch[written : written + size]
            tables: tuple[list[Row], list[Row], list[Row]] = ([], [], [])
            for table, row in block:
                if table == STATES:
                    row = (keys[row[0]], *row[1:])
                tables[table].append(row)
            for table, rows in enumerate(tables):
                if rows:
                    insert_rows(conn, table, rows)
            written += len(block)
            for table, rows in enumerate(tables):
                counts[table] += len(rows)
            if yield_urgent and self._sql.urgent_waiting():
                break
        elapsed = time.perf_counter() - started
        stats.batches += 1
        stats.last_batch_seconds = elapsed
        stats.max_batch_seconds = max(stats.max_batch_seconds, elapsed)
        return written, counts


def _audit_row(event: Event) -> Row:
    data = event.data
    return (
        event.time_fired,
        str(data.get("user") or "hub"),
        str(data.get("action", "")),
        data.get("target"),
        _encode(data.get("details") or {}),
        event.context.origin,
    )
