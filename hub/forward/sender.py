"""A sender per destination: in order per incident, retries with backoff, dead letters.

Messages of one incident go out strictly in revision order; different incidents go out
concurrently (up to `retry.concurrency`). A message committed while the hub runs is
handed over straight from the commit (`offer`), so the fast path reads nothing back from
the database; the table is read at start, after a requeue and every `_RELOAD` seconds as a
safety net. Deliveries are marked in batches and written to the incident timeline by a
background writer, off the path of the next message. When a destination fails it is
paused with exponential backoff and then probed with one message at a time; the probe is
the due message with the fewest attempts, so a long outage does not use up one message's
attempts.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from ..exceptions import IncidentError
from .config import DestinationConfig, RetryConfig
from .const import (
    ACTION_DEAD,
    ACTION_DELIVERED,
    ACTION_FAILED,
    EVENT_MESSAGE_DEAD_LETTERED,
    EVENT_MESSAGE_DELIVERED,
    DeliveryEventData,
)
from .queue import OutboxQueue, QueuedItem

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["DeliveryError", "Sender", "Transport", "backoff"]

_BATCH = 500
_RELOAD = 30.0
_DONE_GRACE = 60.0
_MARK_WINDOW = 0.05


class DeliveryError(Exception):
    """A delivery failed; `permanent` failures are not retried (the receiver refused it)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    """How one kind of destination delivers a message."""

    async def start(self) -> None:
        """Open what the transport keeps open (connections, supervision)."""

    async def stop(self) -> None:
        """Close connections."""

    async def deliver(self, item: QueuedItem, attempt: int) -> str:
        """Deliver one message; return a short detail or raise DeliveryError."""


def backoff(failures: int, initial: float, maximum: float,
            rand: Callable[[], float] = random.random) -> float:
    """Return the delay after `failures` consecutive failures: doubling, capped, equal jitter."""
    ceiling = min(maximum, initial * 2.0 ** min(max(failures, 1) - 1, 60))
    return ceiling / 2 + rand() * ceiling / 2


@dataclass
class SenderStats:
    """Counters shown over the API."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0
    last_delivery_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None


class Sender:
    """Delivers one destination's outbox items through its transport."""

    def __init__(self, hub: Hub, config: DestinationConfig, transport: Transport,
                 queue: OutboxQueue, retry: RetryConfig) -> None:
        self.name = config.name
        self.transport = transport
        self.stats = SenderStats()
        self._hub = hub
        self._queue = queue
        self._retry = retry
        self._wake = asyncio.Event()
        self._chains: dict[str, list[QueuedItem]] = {}  # incident -> items, revision order
        self._known: set[str] = set()  # keys waiting in _chains or being sent
        self._done: dict[str, float] = {}  # key -> when it finished (delivered or dead)
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._reload_due = 0.0  # read the table when time.monotonic() passes this
        self._more_in_table = False
        self._last_read = 0.0
        self._failures = 0
        self._paused_until = 0.0
        self._to_mark: list[str] = []
        self._marks = asyncio.Event()
        self._steps: deque[tuple[QueuedItem, str, str, dict[str, Any]]] = deque()
        self._step_ready = asyncio.Event()

    @property
    def paused_until(self) -> float | None:
        """Return when a failing destination is tried again, or None when it is healthy."""
        return self._paused_until if self._failures else None

    def wake(self) -> None:
        """Look at the queue again (a connection came back, time passed)."""
        self._wake.set()

    def offer(self, item: QueuedItem) -> None:
        """Take a message that was just committed to the outbox."""
        if self._add(item):
            self._wake.set()

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
        chain = self._chains.setdefault(item.incident_id, [])
        bisect.insort(chain, item, key=lambda i: i.revision)
        return True

    async def run(self) -> None:
        """Deliver until cancelled."""
        self._hub.create_task(self._mark_loop(), name=f"police {self.name} marks")
        self._hub.create_task(self._step_loop(), name=f"police {self.name} timeline")
        try:
            while True:
                self._wake.clear()
                try:
                    delay = await self._dispatch()
                except Exception:  # a database hiccup must not end delivery
                    _LOGGER.exception("Police destination %s: outbox read failed", self.name)
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
        waiting = [(i, c) for i, c in self._chains.items() if i not in self._in_flight and c]
        due = [(i, c) for i, c in waiting if c[0].next_attempt_at <= now]
        later = [c[0].next_attempt_at - now for _i, c in waiting if c[0].next_attempt_at > now]
        limit = 1 if self._failures else self._retry.concurrency
        if self._failures:
            due.sort(key=lambda pair: pair[1][0].attempts)
        for incident_id, _chain in due:
            if len(self._in_flight) >= limit:
                break
            self._in_flight[incident_id] = self._hub.create_task(
                self._run_chain(incident_id), name=f"police {self.name} {incident_id}")
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
        self._last_read = time.monotonic()
        self._reload_due = time.monotonic() + _RELOAD

    async def _run_chain(self, incident_id: str) -> None:
        try:
            chain = self._chains.get(incident_id, [])
            while chain and chain[0].next_attempt_at <= time.time():
                item = chain.pop(0)
                retry = await self._attempt(item)
                if retry is not None:
                    chain.insert(0, retry)
                    break
                self._known.discard(item.idempotency_key)
            if not chain:
                self._chains.pop(incident_id, None)
        finally:
            self._in_flight.pop(incident_id, None)
            self._wake.set()

    async def _attempt(self, item: QueuedItem) -> QueuedItem | None:
        """Try one item; return it with its next attempt time, or None when it is finished."""
        attempt = item.attempts + 1
        started = time.monotonic()
        try:
            detail = await self.transport.deliver(item, attempt)
        except DeliveryError as exc:
            error, permanent = str(exc), exc.permanent
        except Exception as exc:
            _LOGGER.exception("Police destination %s: delivery crashed", self.name)
            error, permanent = f"{type(exc).__name__}: {exc}", False
        else:
            self._delivered(item, attempt, detail, time.monotonic() - started)
            return None
        ms = round((time.monotonic() - started) * 1000, 1)
        self.stats.failed += 1
        self.stats.last_error, self.stats.last_error_at = error, time.time()
        if permanent or attempt >= self._retry.max_attempts:
            await self._dead(item, attempt, error, ms)
            return None
        self._failures += 1
        delay = backoff(self._failures, self._retry.initial_delay, self._retry.max_delay)
        self._paused_until = time.time() + delay
        await self._queue.mark_failed(self.name, item.idempotency_key, error,
                                      self._paused_until)
        if self._failures == 1:
            _LOGGER.warning("Police destination %s failed: %s; retrying with backoff",
                            self.name, error)
        self._record(item, ACTION_FAILED, error, {"attempt": attempt, "ms": ms,
                                                  "retry_in": round(delay, 3)})
        return replace(item, attempts=attempt, next_attempt_at=self._paused_until,
                       last_error=error)

    def _delivered(self, item: QueuedItem, attempt: int, detail: str, seconds: float) -> None:
        self._done[item.idempotency_key] = time.time()
        self._to_mark.append(item.idempotency_key)
        self._marks.set()
        if self._failures:
            _LOGGER.info("Police destination %s delivers again", self.name)
        self._failures, self._paused_until = 0, 0.0
        self.stats.delivered += 1
        self.stats.last_delivery_at = time.time()
        self._fire(EVENT_MESSAGE_DELIVERED, item, attempt, detail)
        self._record(item, ACTION_DELIVERED, detail,
                     {"attempt": attempt, "ms": round(seconds * 1000, 1)})

    async def _dead(self, item: QueuedItem, attempt: int, error: str, ms: float) -> None:
        await self._queue.mark_dead(self.name, item.idempotency_key, error)
        self._done[item.idempotency_key] = time.time()
        self.stats.dead += 1
        _LOGGER.error("Police destination %s: message %s is a dead letter after %d attempts: %s",
                      self.name, item.idempotency_key, attempt, error)
        self._fire(EVENT_MESSAGE_DEAD_LETTERED, item, attempt, error)
        self._record(item, ACTION_DEAD, error, {"attempt": attempt, "ms": ms})

    def _fire(self, event_type: str, item: QueuedItem, attempts: int, detail: str) -> None:
        data: DeliveryEventData = {"destination": self.name, "incident_id": item.incident_id,
                                   "revision": item.revision,
                                   "idempotency_key": item.idempotency_key,
                                   "attempts": attempts, "detail": detail}
        self._hub.bus.fire(event_type, dict(data))

    # ------------------------------------------------------------------ background writers

    def _record(self, item: QueuedItem, action: str, note: str, data: dict[str, Any]) -> None:
        self._steps.append((item, action, note, data))
        self._step_ready.set()

    async def _mark_loop(self) -> None:
        while True:
            await self._marks.wait()
            # Gather the marks of a short window into one transaction; a crash inside it
            # only means those messages are sent again (the key de-duplicates them).
            await asyncio.sleep(_MARK_WINDOW)
            self._marks.clear()
            await self._flush_marks()

    async def _flush_marks(self) -> None:
        keys, self._to_mark = self._to_mark, []
        if not keys:
            return
        try:
            await self._queue.mark_delivered(self.name, keys)
        except asyncio.CancelledError:  # the hub stops: flush() marks them
            self._to_mark[:0] = keys
            raise
        except Exception:  # not marked: sent again after a restart, the key de-duplicates
            _LOGGER.exception("Police destination %s: could not mark %d deliveries",
                              self.name, len(keys))

    async def _step_loop(self) -> None:
        while True:
            await self._step_ready.wait()
            self._step_ready.clear()
            await self._flush_steps()

    async def _flush_steps(self) -> None:
        # Steps of different incidents are written concurrently, so the recorder commits
        # them together (group commit); one incident's steps stay in order.
        while self._steps:
            batch = list(self._steps)
            chains: dict[str, list[tuple[QueuedItem, str, str, dict[str, Any]]]] = {}
            for entry in batch:
                chains.setdefault(entry[0].incident_id, []).append(entry)
            written: list[tuple[QueuedItem, str, str, dict[str, Any]]] = []
            try:
                await asyncio.gather(*(self._write_steps(chain, written)
                                       for chain in chains.values()))
            finally:  # after the write: a cancelled write is retried by flush()
                for entry in written:
                    with contextlib.suppress(ValueError):  # a concurrent flush() took it
                        self._steps.remove(entry)

    async def _write_steps(self, chain: list[tuple[QueuedItem, str, str, dict[str, Any]]],
                           written: list[tuple[QueuedItem, str, str, dict[str, Any]]]) -> None:
        for entry in chain:
            item, action, note, data = entry
            step_data = {"destination": self.name, "idempotency_key": item.idempotency_key,
                         "revision": item.revision, **data}
            try:
                await self._hub.incidents.add_step(
                    item.incident_id, action, note=note, data=step_data,
                    actor=f"police:{self.name}", forward=False)
            except IncidentError:
                _LOGGER.warning("Police destination %s: incident %s is gone; step not "
                                "recorded", self.name, item.incident_id)
            except Exception:
                _LOGGER.exception("Police destination %s: timeline step not recorded",
                                  self.name)
            written.append(entry)

    async def flush(self) -> None:
        """Write pending delivery marks and timeline steps now (before the hub stops)."""
        await self._flush_marks()
        await self._flush_steps()
