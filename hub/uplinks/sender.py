"""A sender per uplink: in order per ordering key, retries with backoff, dead letters, backlog.

Items with one ordering key (an incident's revisions, one camera's captures) go out strictly
in order; different keys go out concurrently (up to `retry.concurrency`). An item committed
while the hub runs is handed over straight from the commit (`offer`), so the fast path reads
nothing back from the database; the table is read at start, after a requeue, when more is
waiting than memory holds, and every `_RELOAD` seconds as a safety net. Deliveries are
marked in batches and written to the incident timeline by a background writer
(`delivery_writer.py`), off the path of the next item. When an uplink fails it is paused
with exponential backoff and then probed with one item at a time; the probe is the due item
with the fewest attempts, so a long outage does not use up one item's attempts. The backlog
is held to `backlog.max_items` and `backlog.max_age` by dropping the oldest items that are
not about an incident.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..exceptions import UplinkRejected, UplinkRetry, UplinkUnavailable
from .base import Uplink, UplinkItem
from .config import RetryConfig
from .const import (
    ACTION_DEAD,
    ACTION_DELIVERED,
    ACTION_FAILED,
    EVENT_ITEM_DEAD_LETTERED,
    EVENT_ITEM_DELIVERED,
    DeliveryEventData,
)
from .delivery_writer import DeliveryWriter
from .queue import OutboxQueue, QueuedItem

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["Sender", "SenderStats", "backoff"]

_BATCH = 500
_MEMORY = 2 * _BATCH  # items held in memory; the rest wait in the table
_RELOAD = 30.0
_DONE_GRACE = 60.0
_BACKLOG_CHECK = 30.0


def backoff(failures: int, initial: float, maximum: float,
            rand: Callable[[], float] = random.random) -> float:
    """Return the delay after `failures` consecutive failures: doubling, capped, equal jitter."""
    ceiling = min(maximum, initial * 2.0 ** min(max(failures, 1) - 1, 60))
    return ceiling / 2 + rand() * ceiling / 2


@dataclass
class SenderStats:
    """Counters of this run, shown with the table's totals."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0
    dropped: int = 0
    last_delivery_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None


def _order(item: QueuedItem) -> tuple[int, float]:
    return item.revision, item.created_at


class Sender:
    """Delivers one uplink's outbox items through its `deliver`."""

    def __init__(self, hub: Hub, uplink: Uplink, queue: OutboxQueue, retry: RetryConfig) -> None:
        self.name = uplink.name
        self.uplink = uplink
        self.stats = SenderStats()
        self.backlog = 0  # pending items, estimated between reads of the table
        self._hub = hub
        self._queue = queue
        self._retry = retry
        self._limits = uplink.config.backlog
        self._wake = asyncio.Event()
        self._chains: dict[str, list[QueuedItem]] = {}  # ordering key -> items, in order
        self._known: set[str] = set()  # keys waiting in _chains or being sent
        self._done: dict[str, float] = {}  # key -> when it finished (delivered, dead, dropped)
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._reload_due = 0.0  # read the table when time.monotonic() passes this
        self._more_in_table = False
        self._last_read = 0.0
        self._failures = 0
        self._paused_until = 0.0
        self._writer = DeliveryWriter(hub, uplink.name, queue)
        self._backlog_due = asyncio.Event()

    @property
    def paused_until(self) -> float | None:
        """Return when a failing uplink is tried again, or None when it is healthy."""
        return self._paused_until if self._failures else None

    def wake(self) -> None:
        """Look at the queue again now: the uplink's connection came back (no backoff wait)."""
        self._paused_until = 0.0
        for chain in self._chains.values():
            if chain:
                chain[0] = replace(chain[0], next_attempt_at=0.0)
        self._wake.set()

    def offer(self, item: QueuedItem) -> None:
        """Take an item that was just committed to the outbox."""
        self.backlog += 1
        if item.incident_id is None and len(self._known) >= _MEMORY:
            self._more_in_table = True  # read it from the table once memory frees up
        elif self._add(item):
            self._wake.set()
        if self.backlog > self._limits.max_items:
            self._backlog_due.set()

    def requeued(self, item: QueuedItem) -> None:
        """Send a dead letter again: it is pending in the table once more."""
        self._done.pop(item.idempotency_key, None)
        self._paused_until = 0.0
        self.offer(replace(item, next_attempt_at=0.0, attempts=0))

    def _add(self, item: QueuedItem) -> bool:
        key = item.idempotency_key
        if key in self._known or key in self._done:
            return False
        self._known.add(key)
        bisect.insort(self._chains.setdefault(item.ordering_key, []), item, key=_order)
        return True

    async def run(self) -> None:
        """Deliver until cancelled."""
        self._writer.start()
        self._hub.create_task(self._backlog_loop(), name=f"uplink {self.name} backlog")
        try:
            while True:
                self._wake.clear()
                try:
                    delay = await self._dispatch()
                except Exception:  # a database hiccup must not end delivery
                    _LOGGER.exception("Uplink %s: outbox read failed", self.name)
                    delay = self._retry.initial_delay
                try:
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                except TimeoutError:
                    pass
        finally:
            for task in list(self._in_flight.values()):
                task.cancel()
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _dispatch(self) -> float:
        drained = (self._more_in_table and len(self._known) < _BATCH // 4
                   and time.monotonic() - self._last_read > 0.5)
        if drained or time.monotonic() >= self._reload_due:
            await self._read_table()
        now = time.time()
        reload_in = self._reload_due - time.monotonic()
        if now < self._paused_until:
            return min(self._paused_until - now, reload_in)
        waiting = [(k, c) for k, c in self._chains.items() if k not in self._in_flight and c]
        due = [(k, c) for k, c in waiting if c[0].next_attempt_at <= now]
        later = [c[0].next_attempt_at - now for _k, c in waiting if c[0].next_attempt_at > now]
        limit = 1 if self._failures else self._retry.concurrency
        if self._failures:
            due.sort(key=lambda pair: pair[1][0].attempts)
        for key, _chain in due:
            if len(self._in_flight) >= limit:
                break
            self._in_flight[key] = self._hub.create_task(
                self._run_chain(key), name=f"uplink {self.name} {key}")
        return max(0.0, min([*later, reload_in]))

    async def _read_table(self) -> None:
        started = time.time()
        items = await self._queue.pending(self.name, _BATCH)
        for item in items:
            self._add(item)
        # A finished key is marked in the table within moments (marks are batched); a read
        # that began a minute after it finished can no longer return it.
        self._done = {k: t for k, t in self._done.items() if t >= started - _DONE_GRACE}
        # More rows than one read: read again once most of these are sent, not before.
        self._more_in_table = len(items) >= _BATCH
        if not self._more_in_table:
            self.backlog = len(items)
        self._last_read = time.monotonic()
        self._reload_due = time.monotonic() + _RELOAD

    async def _run_chain(self, ordering_key: str) -> None:
        try:
            chain = self._chains.get(ordering_key, [])
            while chain and chain[0].next_attempt_at <= time.time():
                item = chain.pop(0)
                retry = await self._attempt(item)
                if retry is not None and retry.idempotency_key not in self._done:
                    chain.insert(0, retry)
                    break
                # (a retry of an item the backlog limit dropped meanwhile is not kept)
                self._known.discard(item.idempotency_key)
            if not chain:
                self._chains.pop(ordering_key, None)
        finally:
            self._in_flight.pop(ordering_key, None)
            self._wake.set()

    async def _attempt(self, item: QueuedItem) -> QueuedItem | None:
        """Try one item; return it with its next attempt time, or None when it is finished."""
        attempt = item.attempts + 1
        counted = True  # a try the receiver could answer uses up one of the attempts
        started = time.monotonic()
        try:
            detail = await self.uplink.deliver(UplinkItem(
                item.id, item.uplink, item.kind, item.idempotency_key, item.ordering_key,
                item.payload, item.attempts, item.created_at, item.incident_id))
        except UplinkRejected as exc:
            error, permanent = str(exc), True
        except UplinkUnavailable as exc:  # the link is down: the item waits, uncounted
            error, permanent, counted = str(exc), False, False
            attempt = item.attempts
        except UplinkRetry as exc:
            error, permanent = str(exc), False
        except Exception as exc:
            _LOGGER.exception("Uplink %s: delivery crashed", self.name)
            error, permanent = f"{type(exc).__name__}: {exc}", False
        else:
            self._delivered(item, attempt, detail or "delivered", time.monotonic() - started)
            return None
        ms = round((time.monotonic() - started) * 1000, 1)
        self.stats.failed += 1
        self.stats.last_error, self.stats.last_error_at = error, time.time()
        if permanent or (counted and attempt >= self._retry.max_attempts):
            await self._dead(item, attempt, error, ms)
            return None
        self._failures += 1
        delay = backoff(self._failures, self._retry.initial_delay, self._retry.max_delay)
        self._paused_until = time.time() + delay
        await self._queue.mark_failed(self.name, item.idempotency_key, error,
                                      self._paused_until, counted)
        if self._failures == 1:
            _LOGGER.warning("Uplink %s failed: %s; retrying with backoff", self.name, error)
        self._writer.record(item, ACTION_FAILED, error, {"attempt": attempt, "ms": ms,
                                                  "retry_in": round(delay, 3)})
        return replace(item, attempts=attempt, next_attempt_at=self._paused_until,
                       last_error=error)

    def _finished(self, item: QueuedItem) -> None:
        self._done[item.idempotency_key] = time.time()
        self.backlog = max(0, self.backlog - 1)

    def _delivered(self, item: QueuedItem, attempt: int, detail: str, seconds: float) -> None:
        self._finished(item)
        self._writer.mark(item.idempotency_key)
        if self._failures:
            _LOGGER.info("Uplink %s delivers again", self.name)
        self._failures, self._paused_until = 0, 0.0
        self.stats.delivered += 1
        self.stats.last_delivery_at = time.time()
        if item.incident_id is not None:
            self._fire(EVENT_ITEM_DELIVERED, item, attempt, detail)
        self._writer.record(item, ACTION_DELIVERED, detail,
                     {"attempt": attempt, "ms": round(seconds * 1000, 1)})

    async def _dead(self, item: QueuedItem, attempt: int, error: str, ms: float) -> None:
        await self._queue.mark_dead(self.name, item.idempotency_key, error)
        self._finished(item)
        self.stats.dead += 1
        _LOGGER.error("Uplink %s: item %s is a dead letter after %d attempts: %s",
                      self.name, item.idempotency_key, attempt, error)
        self._fire(EVENT_ITEM_DEAD_LETTERED, item, attempt, error)
        self._writer.record(item, ACTION_DEAD, error, {"attempt": attempt, "ms": ms})

    def _fire(self, event_type: str, item: QueuedItem, attempts: int, detail: str) -> None:
        data: DeliveryEventData = {"uplink": self.name, "kind": item.kind,
                                   "incident_id": item.incident_id, "revision": item.revision,
                                   "idempotency_key": item.idempotency_key,
                                   "attempts": attempts, "detail": detail}
        self._hub.bus.fire(event_type, dict(data))

    # ------------------------------------------------------------------ backlog

    async def _backlog_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(_BACKLOG_CHECK, self._limits.max_age / 4)):
                    await self._backlog_due.wait()
            self._backlog_due.clear()
            try:
                await self.enforce_backlog()
            except Exception:
                _LOGGER.exception("Uplink %s: backlog check failed", self.name)

    async def enforce_backlog(self) -> list[str]:
        """Drop the oldest non-incident items over the backlog limits; return their keys."""
        keys = await self._queue.drop(self.name, self._limits.max_items,
                                      time.time() - self._limits.max_age)
        if not keys:
            return keys
        gone = set(keys)
        for ordering_key, chain in list(self._chains.items()):
            chain[:] = [i for i in chain if i.idempotency_key not in gone]
            if not chain and ordering_key not in self._in_flight:
                del self._chains[ordering_key]
        now = time.time()
        for key in gone:
            self._known.discard(key)
            self._done[key] = now
        self.stats.dropped += len(keys)
        self.backlog = max(0, self.backlog - len(keys))
        _LOGGER.warning("Uplink %s: backlog over its limits (%d items, %g s): dropped the %d "
                        "oldest items about no incident", self.name, self._limits.max_items,
                        self._limits.max_age, len(keys))
        return keys

    async def flush(self) -> None:
        """Write pending delivery marks and timeline steps now (before the hub stops)."""
        await self._writer.flush()
