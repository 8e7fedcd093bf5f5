"""A channel's rate limit as a sliding window of the times messages were (or will be) sent."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from .base import NotifyRateConfig

__all__ = ["RateWindow"]


class RateWindow:
    """At most `limit.messages` sends in any `limit.per` seconds (monotonic clock)."""

    def __init__(self, limit: NotifyRateConfig) -> None:
        self.limit = limit
        self._sent: deque[float] = deque()  # send times, in order; some may be reserved ahead

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.limit.per:
            self._sent.popleft()

    def left(self) -> int:
        """Return how many more sends the window allows now."""
        self._expire(time.monotonic())
        return max(0, self.limit.messages - len(self._sent))

    def reserve(self) -> float:
        """Book the next allowed send; return how long until then (seconds)."""
        now = time.monotonic()
        self._expire(now)
        at = now
        if len(self._sent) >= self.limit.messages:
            at = max(now, self._sent[-self.limit.messages] + self.limit.per)
        self._sent.append(at)
        return at - now

    async def acquire(self) -> None:
        """Book a send and return at its time."""
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
