"""Clock triggers: `time` (at HH:MM[:SS]) and `time_pattern` (hours/minutes/seconds, '/n')."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .clock import WallTimer, next_pattern, next_time_of_day
from .config_triggers import TimePatternTrigger, TimeTrigger

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["PatternWatch", "TimeWatch"]


class _ClockWatch(ABC):
    """Re-arms a wall-clock timer after each firing until cancelled."""

    def __init__(self, hub: Hub, callback: Callable[[dict[str, Any]], None],
                 base: dict[str, Any], tz: dt.tzinfo) -> None:
        self.hub = hub
        self.callback = callback
        self.base = base
        self.tz = tz
        self._loop = asyncio.get_running_loop()
        self._timer: WallTimer | None = None
        self._cancelled = False
        self._arm(time.time())

    @abstractmethod
    def next_after(self, after: float) -> float:
        """Return the next firing time after `after`."""

    @abstractmethod
    def describe(self, target: float) -> dict[str, Any]:
        """Return the trigger variables for a firing at `target`."""

    def _arm(self, after: float) -> None:
        if not self._cancelled:
            self._timer = WallTimer(self._loop, self.next_after(after), self._fire)

    def _fire(self, target: float) -> None:
        self._arm(target)
        self.callback({**self.base, **self.describe(target),
                       "now": dt.datetime.fromtimestamp(target, self.tz)})

    def cancel(self) -> None:
        """Stop firing."""
        self._cancelled = True
        if self._timer is not None:
            self._timer.cancel()


class TimeWatch(_ClockWatch):
    """Fires every day at each `at` time in the hub's time zone."""

    def __init__(self, hub: Hub, config: TimeTrigger, callback: Callable[[dict[str, Any]], None],
                 base: dict[str, Any], tz: dt.tzinfo) -> None:
        self.at = tuple(sorted(set(config.at)))
        super().__init__(hub, callback, base, tz)

    def next_after(self, after: float) -> float:
        """Return the next `at` time after `after`."""
        return next_time_of_day(after, self.at, self.tz)

    def describe(self, target: float) -> dict[str, Any]:
        """Name the time that fired."""
        at = dt.datetime.fromtimestamp(target, self.tz).strftime("%H:%M:%S")
        return {"at": at, "description": f"time {at}"}


class PatternWatch(_ClockWatch):
    """Fires each second whose local hours, minutes and seconds match the pattern."""

    def __init__(self, hub: Hub, config: TimePatternTrigger,
                 callback: Callable[[dict[str, Any]], None], base: dict[str, Any],
                 tz: dt.tzinfo) -> None:
        self.sets = config.sets()
        super().__init__(hub, callback, base, tz)

    def next_after(self, after: float) -> float:
        """Return the next matching second after `after`."""
        return next_pattern(after, *self.sets, self.tz)

    def describe(self, target: float) -> dict[str, Any]:
        """Describe the firing."""
        return {"description": "time pattern"}
