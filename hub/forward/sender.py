"""A sender per destination: in order per incident, retries with backoff, dead letters.

Messages of one incident go out strictly in revision order; different incidents go out
concurrently (up to `retry.concurrency`). When a destination fails, it is paused with
exponential backoff and then probed with one message at a time; the probe is the due
message with the fewest attempts, so a long outage does not use up one message's attempts.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
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
_IDLE_POLL = 30.0


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
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._finished: set[int] = set()
        self._failures = 0
        self._paused_until = 0.0

    @property
    def paused_until(self) -> float | None:
        """Return when a failing destination is tried again, or None when it is healthy."""
        return self._paused_until if self._failures else None

    def wake(self) -> None:
        """Look at the outbox again (new items were committed)."""
        self._wake.set()

    def forget(self, item_id: int) -> None:
        """Allow a requeued item to be sent again."""
        self._finished.discard(item_id)
        self._paused_until = 0.0
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        try:
            while True:
                self._wake.clear()
                try:
                    delay = await self._dispatch()
                except Exception:  # a database hiccup must not end delivery
                    _LOGGER.exception("Police destination %s: outbox read failed", self.name)
                    delay = self._retry.initial_delay
                try:
                    async with asyncio.timeout(min(delay, _IDLE_POLL)):
                        await self._wake.wait()
                except TimeoutError:
                    pass
        finally:
            for task in list(self._in_flight.values()):
                task.cancel()
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _dispatch(self) -> float:
        now = time.time()
        if now < self._paused_until:
            return self._paused_until - now
        items = await self._queue.pending(self.name, _BATCH)
        seen = {item.id for item in items}
        self._finished &= seen  # finished ids absent from a later read never come back
        chains: dict[str, list[QueuedItem]] = {}
        for item in items:
            if item.id not in self._finished:
                chains.setdefault(item.incident_id, []).append(item)
        now = time.time()
        due = [c for i, c in chains.items() if i not in self._in_flight
               and c[0].next_attempt_at <= now]
        later = [c[0].next_attempt_at - now for i, c in chains.items()
                 if i not in self._in_flight and c[0].next_attempt_at > now]
        limit = 1 if self._failures else self._retry.concurrency
        if self._failures:
            due.sort(key=lambda c: c[0].attempts)
        for chain in due:
            if len(self._in_flight) >= limit:
                break
            incident_id = chain[0].incident_id
            self._in_flight[incident_id] = self._hub.create_task(
                self._run_chain(incident_id, chain), name=f"police {self.name} {incident_id}")
        return min(later, default=_IDLE_POLL)

    async def _run_chain(self, incident_id: str, chain: list[QueuedItem]) -> None:
        try:
            for item in chain:
                if item.next_attempt_at > time.time() or not await self._attempt(item):
                    break
        finally:
            self._in_flight.pop(incident_id, None)
            self._wake.set()

    async def _attempt(self, item: QueuedItem) -> bool:
        """Try one item; return whether the chain may go on to the incident's next item."""
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
            await self._delivered(item, attempt, detail, time.monotonic() - started)
            return True
        ms = round((time.monotonic() - started) * 1000, 1)
        self.stats.failed += 1
        self.stats.last_error, self.stats.last_error_at = error, time.time()
        if permanent or attempt >= self._retry.max_attempts:
            await self._dead(item, attempt, error, ms)
            return True
        self._failures += 1
        delay = backoff(self._failures, self._retry.initial_delay, self._retry.max_delay)
        self._paused_until = time.time() + delay
        await self._queue.mark_failed(item.id, error, self._paused_until)
        if self._failures == 1:
            _LOGGER.warning("Police destination %s failed: %s; retrying with backoff",
                            self.name, error)
        await self._step(item, ACTION_FAILED, error, {"attempt": attempt, "ms": ms,
                                                       "retry_in": round(delay, 3)})
        return False

    async def _delivered(self, item: QueuedItem, attempt: int, detail: str,
                         seconds: float) -> None:
        await self._queue.mark_delivered(item.id)
        self._finished.add(item.id)
        if self._failures:
            _LOGGER.info("Police destination %s delivers again", self.name)
        self._failures, self._paused_until = 0, 0.0
        self.stats.delivered += 1
        self.stats.last_delivery_at = time.time()
        self._fire(EVENT_MESSAGE_DELIVERED, item, attempt, detail)
        await self._step(item, ACTION_DELIVERED, detail,
                         {"attempt": attempt, "ms": round(seconds * 1000, 1)})

    async def _dead(self, item: QueuedItem, attempt: int, error: str, ms: float) -> None:
        await self._queue.mark_dead(item.id, error)
        self._finished.add(item.id)
        self.stats.dead += 1
        _LOGGER.error("Police destination %s: message %s is a dead letter after %d attempts: %s",
                      self.name, item.idempotency_key, attempt, error)
        self._fire(EVENT_MESSAGE_DEAD_LETTERED, item, attempt, error)
        await self._step(item, ACTION_DEAD, error, {"attempt": attempt, "ms": ms,
                                                     "outbox_id": item.id})

    def _fire(self, event_type: str, item: QueuedItem, attempts: int, detail: str) -> None:
        data: DeliveryEventData = {"destination": self.name, "incident_id": item.incident_id,
                                   "revision": item.revision,
                                   "idempotency_key": item.idempotency_key,
                                   "attempts": attempts, "detail": detail}
        self._hub.bus.fire(event_type, dict(data))

    async def _step(self, item: QueuedItem, action: str, note: str,
                    data: dict[str, Any]) -> None:
        step_data = {"destination": self.name, "idempotency_key": item.idempotency_key,
                     "revision": item.revision, **data}
        try:
            await self._hub.incidents.add_step(item.incident_id, action, note=note,
                                               data=step_data, actor=f"police:{self.name}",
                                               forward=False)
        except IncidentError:
            _LOGGER.warning("Police destination %s: incident %s is gone; step not recorded",
                            self.name, item.incident_id)
