"""The hub's clock: wall time and sleeping until a wall time; tests swap in a FakeClock.

Timers that follow stored times (an incident's escalation steps, due panic-button tests)
sleep with `hub.clock.sleep_until(t)`, so a test can drive them with
`hub.testing.FakeClock.advance()` instead of waiting.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["Clock", "SystemClock"]

#: Longest single sleep: a wall clock stepped forward (NTP) is noticed within this.
_MAX_NAP = 30.0


class Clock(Protocol):
    """Wall-clock time in seconds since the epoch, and a sleep until one."""

    def now(self) -> float:
        """Return the current time."""
        ...

    async def sleep_until(self, when: float) -> None:
        """Return once `now() >= when`."""
        ...


class SystemClock:
    """The real clock; sleeps re-check the wall time at least every 30 s."""

    def now(self) -> float:
        """Return time.time()."""
        return time.time()

    async def sleep_until(self, when: float) -> None:
        """Sleep until the wall clock reaches `when`."""
        while (left := when - time.time()) > 0:  # noqa: ASYNC110 - a timer, not a poll
            await asyncio.sleep(min(left, _MAX_NAP))
