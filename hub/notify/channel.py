"""One notify channel at work: a bounded queue, up to `concurrency` messages in flight,
the platform's rate limit (a burst beyond it goes as one digest), retries with backoff.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .base import Notification, Notifier, NotifyError, NotifyRejected, NotifyRetry
from .const import (
    EVENT_NOTIFY_FAILED,
    EVENT_NOTIFY_SENT,
    STATE_AUTH_FAILED,
    STATE_FAILING,
    STATE_IDLE,
    STATE_OK,
    STATE_RETRYING,
)
from .digest import digest
from .outbox import FAILED, SENT, NotifyOutbox, Record
from .rate import RateWindow

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["Channel", "mask"]


def mask(text: str, secrets: list[str]) -> str:
    """Return `text` with every secret replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _retrieve(future: asyncio.Future[str]) -> None:
    """Mark a failure as seen (a caller that did not wait is told by the events)."""
    if not future.cancelled():
        future.exception()


@dataclass(slots=True)
class _Job:
    record: Record
    future: asyncio.Future[str]
    saved: asyncio.Task[None] | None = None


class Channel:
    """Sends a notifier's messages; keeps the state the panel shows."""

    def __init__(self, hub: Hub, notifier: Notifier, outbox: NotifyOutbox | None = None) -> None:
        self.hub = hub
        self.notifier = notifier
        self.outbox = outbox
        config = notifier.config
        self._queue: asyncio.Queue[_Job] = asyncio.Queue(config.queue_size)
        self._slots = asyncio.Semaphore(config.concurrency)
        limit = notifier.rate_limit
        self._window = RateWindow(limit) if limit is not None else None
        self._by_key: dict[str, _Job] = {}
        self.state = STATE_IDLE
        self.sent = 0
        self.failed = 0
        self.refused = 0  # queue full
        self.digests = 0  # digests sent (each merging several messages)
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.last_sent_at: float | None = None
        self.next_attempt_at: float | None = None

    @property
    def name(self) -> str:
        """Return the channel's name."""
        return self.notifier.name

    def submit(self, notification: Notification, key: str | None = None) -> asyncio.Future[str]:
        """Queue a message; the future ends with the delivery detail or a NotifyError.

        A `key` makes it once: a message with a key already waiting shares its future, one
        already sent (also before a restart) is not sent again.
        """
        loop = asyncio.get_running_loop()
        if key is not None:
            waiting = self._by_key.get(key)
            if waiting is not None:
                return waiting.future
            if self.outbox is not None and self.outbox.done(self.name, key):
                done: asyncio.Future[str] = loop.create_future()
                done.set_result("already sent (same key)")
                return done
        key = key or uuid.uuid4().hex
        record = Record(self.name, key, replace(notification, key=key), time.time())
        return self._enqueue(record, save=True)

    def restore(self, record: Record) -> None:
        """Queue a message stored before a restart."""
        self._enqueue(record, save=False)

    def _enqueue(self, record: Record, *, save: bool) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieve)
        job = _Job(record, future)
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            self.refused += 1
            future.set_exception(NotifyRetry(f"notify.{self.name}: queue full "
                                             f"({self._queue.maxsize} messages waiting)"))
            return future
        self._by_key[record.key] = job
        if save and self.outbox is not None:
            job.saved = self.hub.create_task(self.outbox.save(record),
                                             name=f"notify {self.name} save")
        return future

    async def run(self) -> None:
        """Take queued messages; send each (or a digest of several) in its own task.

        Without a rate limit this waits for a free sending slot before taking the next
        message. With one, it waits for the window's next send instead (so a burst reaches
        the window's last send, and its digest, without waiting for answers); the send then
        waits for a slot: at most `messages` sends wait at once.
        """
        while True:
            jobs = [await self._queue.get()]
            if self._window is None:
                await self._slots.acquire()
                self.hub.create_task(self._send(jobs, holding=True),
                                     name=f"notify {self.name} send")
                continue
            await self._window.acquire()
            if self._window.left() == 0:  # the window's last send: gather the burst
                await self._gather()
                jobs += self._drain()
            self.hub.create_task(self._send(jobs, holding=False),
                                 name=f"notify {self.name} send")

    async def _gather(self) -> None:
        """Wait until no message came for `gather` s (at most `gather_max` s in all)."""
        assert self._window is not None
        limit = self._window.limit
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit.gather_max
        while limit.gather and loop.time() < deadline:
            before = self._queue.qsize()
            await asyncio.sleep(min(limit.gather, max(0.0, deadline - loop.time())))
            if self._queue.qsize() == before:
                return

    def _drain(self) -> list[_Job]:
        out = []
        while not self._queue.empty():
            out.append(self._queue.get_nowait())
        return out

    async def _send(self, jobs: list[_Job], *, holding: bool) -> None:
        if not holding:
            await self._slots.acquire()
        try:
            if len(jobs) == 1:
                notification = jobs[0].record.notification
            else:
                assert self._window is not None
                limit = self._window.limit
                notification = digest([j.record.notification for j in jobs],
                                      max_bytes=self.notifier.max_bytes,
                                      per_minute=round(limit.messages * 60 / limit.per),
                                      language=self.hub.config.core.language)
                keys = "\n".join(j.record.key for j in jobs).encode("utf-8")
                notification = replace(notification,
                                       key=f"digest:{hashlib.sha256(keys).hexdigest()[:32]}")
            detail, error, attempts = await self._deliver(notification)
        finally:
            self._slots.release()  # the next message need not wait for the bookkeeping
        if len(jobs) > 1 and error is None:
            self.digests += 1
            detail = f"{detail} (in a digest of {len(jobs)})"
        await asyncio.gather(*(self._finish(job, detail, error, attempts) for job in jobs))

    async def _finish(self, job: _Job, detail: str, error: NotifyError | None,
                      attempts: int) -> None:
        record = job.record
        if self.outbox is not None:  # stored first: a restart must not send it again
            try:
                if job.saved is not None:
                    await job.saved
                await self.outbox.finish(record, SENT if error is None else FAILED)
            except Exception as exc:  # the message went; only its record is stale
                _LOGGER.error("notify.%s: could not store the outcome of %s: %s",
                              self.name, record.key, exc)
        if self._by_key.get(record.key) is job:
            del self._by_key[record.key]
        if error is None:
            self.sent += 1
            self.hub.bus.fire(EVENT_NOTIFY_SENT, {
                "channel": self.name, "incident_id": record.notification.incident_id,
                "key": record.key, "detail": detail, "attempts": attempts})
            if not job.future.done():
                job.future.set_result(detail)
        else:
            self.failed += 1
            self.hub.bus.fire(EVENT_NOTIFY_FAILED, {
                "channel": self.name, "incident_id": record.notification.incident_id,
                "key": record.key, "error": str(error), "attempts": attempts})
            if not job.future.done():
                job.future.set_exception(error)

    async def _deliver(self, notification: Notification) -> tuple[str, NotifyError | None, int]:
        """Return (detail, None, attempts), or ("", the error, attempts) once given up."""
        retry = self.notifier.config.retry
        secrets = self.notifier.secrets()
        for attempt in range(1, retry.max_attempts + 1):
            if attempt > 1 and self._window is not None:  # a retry is a send too
                await self._window.acquire()
            try:
                async with asyncio.timeout(self.notifier.config.timeout):
                    detail = await self.notifier.send(notification) or "sent"
            except TimeoutError:
                error: NotifyError = NotifyRetry(
                    f"no answer within {self.notifier.config.timeout:g} s")
            except NotifyError as exc:
                error = exc
            except Exception as exc:  # a plugin bug must not stop the channel
                error = NotifyRetry(f"{type(exc).__name__}: {exc}")
            else:
                self.state = STATE_OK
                self.last_sent_at = time.time()
                self.next_attempt_at = None
                return mask(detail, secrets), None, attempt
            text = mask(str(error), secrets)
            auth = isinstance(error, NotifyRejected) and error.auth
            self._note_error(text, auth=auth)
            if isinstance(error, NotifyRejected) or attempt == retry.max_attempts:
                self._given_up(text, attempt)
                final: NotifyError = (NotifyRejected(text, auth=auth)
                                      if isinstance(error, NotifyRejected) else NotifyRetry(text))
                return "", final, attempt
            delay = min(retry.max_delay, retry.initial_delay * 2 ** (attempt - 1))
            delay *= random.uniform(0.9, 1.1)
            self.state = STATE_RETRYING
            self.next_attempt_at = time.time() + delay
            _LOGGER.info("notify.%s: attempt %d failed (%s); next in %.1f s",
                         self.name, attempt, text, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _note_error(self, text: str, *, auth: bool) -> None:
        self.last_error = text
        self.last_error_at = time.time()
        if auth:
            self.state = STATE_AUTH_FAILED

    def _given_up(self, text: str, attempts: int) -> None:
        self.next_attempt_at = None
        if self.state != STATE_AUTH_FAILED:
            self.state = STATE_FAILING
        _LOGGER.warning("notify.%s: message not delivered after %d attempt(s): %s",
                        self.name, attempts, text)

    def status(self) -> dict[str, Any]:
        """Return the channel's state for the panel and `GET /api/notify`."""
        limit = self._window.limit if self._window is not None else None
        return {"name": self.name, "platform": self.notifier.platform, "state": self.state,
                "queued": self._queue.qsize(), "sent": self.sent, "failed": self.failed,
                "refused": self.refused, "digests": self.digests,
                "concurrency": self.notifier.config.concurrency,
                "rate_limit": limit.model_dump() if limit is not None else None,
                "last_error": self.last_error, "last_error_at": self.last_error_at,
                "last_sent_at": self.last_sent_at, "next_attempt_at": self.next_attempt_at,
                **self.notifier.describe()}
