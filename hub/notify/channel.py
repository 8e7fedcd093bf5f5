"""One notify channel at work: a bounded queue, one message at a time, retries with backoff."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
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


@dataclass(slots=True)
class _Job:
    notification: Notification
    future: asyncio.Future[str]
    queued_at: float = field(default_factory=time.time)


class Channel:
    """Sends a notifier's messages in order; keeps the state the panel shows."""

    def __init__(self, hub: Hub, notifier: Notifier) -> None:
        self.hub = hub
        self.notifier = notifier
        config = notifier.config
        self._queue: asyncio.Queue[_Job] = asyncio.Queue(config.queue_size)
        self.state = STATE_IDLE
        self.sent = 0
        self.failed = 0
        self.refused = 0  # queue full
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.last_sent_at: float | None = None
        self.next_attempt_at: float | None = None

    @property
    def name(self) -> str:
        """Return the channel's name."""
        return self.notifier.name

    def submit(self, notification: Notification) -> asyncio.Future[str]:
        """Queue a message; the future ends with the delivery detail or a NotifyError."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait(_Job(notification, future))
        except asyncio.QueueFull:
            self.refused += 1
            future.set_exception(NotifyRetry(f"notify.{self.name}: queue full "
                                             f"({self._queue.maxsize} messages waiting)"))
        return future

    async def run(self) -> None:
        """Deliver queued messages one by one until cancelled."""
        while True:
            job = await self._queue.get()
            try:
                detail = await self._deliver(job.notification)
            except NotifyError as exc:
                if not job.future.done():
                    job.future.set_exception(exc)
            else:
                if not job.future.done():
                    job.future.set_result(detail)
            finally:
                self._queue.task_done()

    async def _deliver(self, notification: Notification) -> str:
        retry = self.notifier.config.retry
        secrets = self.notifier.secrets()
        for attempt in range(1, retry.max_attempts + 1):
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
                self._succeeded(notification, mask(detail, secrets), attempt)
                return detail
            text = mask(str(error), secrets)
            auth = isinstance(error, NotifyRejected) and error.auth
            self._note_error(text, auth=auth)
            if isinstance(error, NotifyRejected) or attempt == retry.max_attempts:
                self._given_up(notification, text, attempt)
                raise NotifyRejected(text, auth=auth) if isinstance(
                    error, NotifyRejected) else NotifyRetry(text)
            delay = min(retry.max_delay, retry.initial_delay * 2 ** (attempt - 1))
            delay *= random.uniform(0.9, 1.1)
            self.state = STATE_RETRYING
            self.next_attempt_at = time.time() + delay
            _LOGGER.info("notify.%s: attempt %d failed (%s); next in %.1f s",
                         self.name, attempt, text, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _succeeded(self, notification: Notification, detail: str, attempts: int) -> None:
        self.state = STATE_OK
        self.sent += 1
        self.last_sent_at = time.time()
        self.next_attempt_at = None
        self.hub.bus.fire(EVENT_NOTIFY_SENT, {
            "channel": self.name, "incident_id": notification.incident_id,
            "detail": detail, "attempts": attempts})

    def _note_error(self, text: str, *, auth: bool) -> None:
        self.last_error = text
        self.last_error_at = time.time()
        if auth:
            self.state = STATE_AUTH_FAILED

    def _given_up(self, notification: Notification, text: str, attempts: int) -> None:
        self.failed += 1
        self.next_attempt_at = None
        if self.state != STATE_AUTH_FAILED:
            self.state = STATE_FAILING
        _LOGGER.warning("notify.%s: message not delivered after %d attempt(s): %s",
                        self.name, attempts, text)
        self.hub.bus.fire(EVENT_NOTIFY_FAILED, {
            "channel": self.name, "incident_id": notification.incident_id,
            "error": text, "attempts": attempts})

    def status(self) -> dict[str, Any]:
        """Return the channel's state for the panel and `GET /api/notify`."""
        return {"name": self.name, "platform": self.notifier.platform, "state": self.state,
                "queued": self._queue.qsize(), "sent": self.sent, "failed": self.failed,
                "refused": self.refused, "last_error": self.last_error,
                "last_error_at": self.last_error_at, "last_sent_at": self.last_sent_at,
                "next_attempt_at": self.next_attempt_at, **self.notifier.describe()}
