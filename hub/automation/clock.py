"""Wall-clock scheduling: next matching times for time and time_pattern triggers.

The loop's timers run on a monotonic clock; these helpers compute wall-clock targets in the
hub's time zone and `call_at_wall` re-arms when the loop wakes early, so a timer fires at the
wall-clock second it names (within a few milliseconds) even across DST changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

__all__ = ["WallTimer", "next_pattern", "next_time_of_day", "wait_in_schedule"]

_EARLY = 0.0005


def next_time_of_day(after: float, seconds_of_day: tuple[int, ...], tz: dt.tzinfo) -> float:
    """Return the first timestamp after `after` whose local time is one of `seconds_of_day`."""
    local = dt.datetime.fromtimestamp(after, tz)
    day = local.date()
    for offset in range(3):
        midnight = dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(), tzinfo=tz)
        for seconds in sorted(seconds_of_day):
            ts = (midnight + dt.timedelta(seconds=seconds)).timestamp()
            if ts > after:
                return ts
    raise ValueError("no time of day given")


def _next_in(values: frozenset[int] | None, start: int, limit: int) -> int | None:
    if values is None:
        return start if start < limit else None
    candidates = [v for v in values if v >= start]
    return min(candidates) if candidates else None


def next_pattern(after: float, hours: frozenset[int] | None, minutes: frozenset[int] | None,
                 seconds: frozenset[int] | None, tz: dt.tzinfo) -> float:
    """Return the first whole second after `after` matching the pattern (None = any)."""
    local = dt.datetime.fromtimestamp(int(after) + 1, tz).replace(tzinfo=None)
    for _ in range(2 * 24 * 60 + 2):  # bounded: at most one step per minute over two days
        h = _next_in(hours, local.hour, 24)
        if h is None:
            local = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time())
            continue
        if h != local.hour:
            local = local.replace(hour=h, minute=0, second=0)
        m = _next_in(minutes, local.minute, 60)
        if m is None:
            local = local.replace(minute=0, second=0) + dt.timedelta(hours=1)
            continue
        if m != local.minute:
            local = local.replace(minute=m, second=0)
        s = _next_in(seconds, local.second, 60)
        if s is None:
            local = local.replace(second=0) + dt.timedelta(minutes=1)
            continue
        ts = local.replace(second=s, tzinfo=tz).timestamp()
        if ts > after:
            return ts
        local = local.replace(second=s) + dt.timedelta(seconds=1)  # a DST gap maps backwards
    raise ValueError("pattern never matches")


class WallTimer:
    """Calls `callback(target)` at wall-clock `target`; re-arms if the loop wakes early."""

    __slots__ = ("_callback", "_handle", "_loop", "target")

    def __init__(self, loop: asyncio.AbstractEventLoop, target: float,
                 callback: Callable[[float], Any]) -> None:
        self._loop = loop
        self._callback = callback
        self.target = target
        self._handle: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._handle = self._loop.call_later(max(0.0, self.target - time.time()), self._fire)

    def _fire(self) -> None:
        if time.time() < self.target - _EARLY:
            self._arm()
            return
        self._handle = None
        self._callback(self.target)

    def cancel(self) -> None:
        """Stop the timer."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


async def wait_in_schedule(schedule: Any, seconds: float) -> bool:
    """Sleep until `seconds` of time inside `schedule` have passed; False if it never opens."""
    remaining = seconds
    while True:
        now = time.time()
        window = schedule.current_window(now)
        if window is None:
            change = schedule.next_change(now)
            if change is None:
                return False
            await asyncio.sleep(max(0.0, change - now))
            continue
        if remaining <= 0:
            return True
        until = min(window[1], now + remaining)
        await asyncio.sleep(max(0.0, until - now))
        remaining -= time.time() - now
