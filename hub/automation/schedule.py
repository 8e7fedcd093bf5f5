"""School calendars at run time: is a schedule active now, and when does that change."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..hubkey import SCHEDULES
from .schedule_config import ScheduleConfig, SchedulesConfig, Window
from .timeparse import WEEKDAYS

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["Schedule", "Schedules", "setup"]

_HORIZON_DAYS = 400  # a calendar with no window in this many days never changes
_CACHE_DAYS = 1024
Interval = tuple[float, float]


class Schedule:
    """One named calendar in a time zone; answers in UNIX timestamps."""

    def __init__(self, name: str, config: ScheduleConfig, tz: dt.tzinfo) -> None:
        self.name = name
        self.config = config
        self.tz = tz
        self._weekly = config.weekly()
        self._exceptions = {exc.date: exc for exc in config.exceptions}
        self._intervals: dict[dt.date, tuple[Interval, ...]] = {}

    def windows_on(self, day: dt.date) -> tuple[Window, ...]:
        """Return the windows that start on `day` (exception, else term week minus holidays)."""
        exc = self._exceptions.get(day)
        if exc is not None:
            if exc.same_as is not None:
                return self._weekly[WEEKDAYS.index(exc.same_as)]
            return exc.hours or ()
        if self.config.terms and not any(t.contains(day) for t in self.config.terms):
            return ()
        if any(h.contains(day) for h in self.config.holidays):
            return ()
        return self._weekly[day.weekday()]

    def day_kind(self, day: dt.date) -> str:
        """Return why `day` has its hours: exception, holiday, out_of_term or term."""
        if day in self._exceptions:
            return "exception"
        if self.config.terms and not any(t.contains(day) for t in self.config.terms):
            return "out_of_term"
        if any(h.contains(day) for h in self.config.holidays):
            return "holiday"
        return "term"

    def intervals_on(self, day: dt.date) -> tuple[Interval, ...]:
        """Return the windows starting on `day` as (start, end) timestamps; cached."""
        cached = self._intervals.get(day)
        if cached is not None:
            return cached
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=self.tz)
        result = tuple(
            ((midnight + dt.timedelta(seconds=start)).timestamp(),
             (midnight + dt.timedelta(seconds=end)).timestamp())
            for start, end in self.windows_on(day)
        )
        if len(self._intervals) >= _CACHE_DAYS:
            self._intervals.clear()
        self._intervals[day] = result
        return result

    def _local_day(self, ts: float) -> dt.date:
        return dt.datetime.fromtimestamp(ts, self.tz).date()

    def _around(self, ts: float, days_ahead: int) -> Iterator[Interval]:
        """Yield intervals from the day before `ts` onward, in time order."""
        day = self._local_day(ts) - dt.timedelta(days=1)
        for offset in range(days_ahead + 2):
            yield from self.intervals_on(day + dt.timedelta(days=offset))

    def current_window(self, ts: float | None = None) -> Interval | None:
        """Return the (start, end) of the window holding `ts`, merged with touching ones."""
        ts = time.time() if ts is None else ts
        for start, end in self._merged(ts, 2):
            if start <= ts < end:
                return (start, end)
            if start > ts:
                break
        return None

    def _merged(self, ts: float, days_ahead: int) -> Iterator[Interval]:
        run: Interval | None = None
        for start, end in self._around(ts, days_ahead):
            if run is not None and start <= run[1]:
                run = (run[0], max(run[1], end))
                continue
            if run is not None:
                yield run
            run = (start, end)
        if run is not None:
            yield run

    def is_active(self, ts: float | None = None) -> bool:
        """Return whether `ts` (default now) lies inside one of the schedule's windows."""
        ts = time.time() if ts is None else ts
        day = self._local_day(ts)
        for offset in (-1, 0):
            for start, end in self.intervals_on(day + dt.timedelta(days=offset)):
                if start <= ts < end:
                    return True
        return False

    def next_change(self, ts: float | None = None) -> float | None:
        """Return when the schedule next opens or closes after `ts`, or None if never."""
        ts = time.time() if ts is None else ts
        window = self.current_window(ts)
        if window is not None:
            return window[1]
        for start, _ in self._around(ts, _HORIZON_DAYS):
            if start > ts:
                return start
        return None

    def describe(self, ts: float | None = None) -> dict[str, Any]:
        """Return a JSON-ready summary: active now, next change, today's kind of day."""
        ts = time.time() if ts is None else ts
        change = self.next_change(ts)
        return {"name": self.name, "description": self.config.description,
                "active": self.is_active(ts), "next_change": change,
                "today": self.day_kind(self._local_day(ts))}


class Schedules(Mapping[str, Schedule]):
    """Every named schedule of the hub; `hub.components['schedules']`."""

    def __init__(self, config: SchedulesConfig | None, tz: dt.tzinfo) -> None:
        self.tz = tz
        items = config.root if config is not None else {}
        self._schedules = {name: Schedule(name, cfg, tz) for name, cfg in items.items()}

    def __getitem__(self, name: str) -> Schedule:
        return self._schedules[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._schedules)

    def __len__(self) -> int:
        return len(self._schedules)

    def is_active(self, name: str, ts: float | None = None) -> bool:
        """Return whether schedule `name` is active at `ts` (default now); KeyError if unknown."""
        return self._schedules[name].is_active(ts)


async def hub_time_zone(hub: Hub) -> dt.tzinfo:
    """Return the hub's time zone (hub.time_zone), UTC if it is unknown."""
    name = hub.config.core.time_zone
    try:
        # Why: the first ZoneInfo(name) reads the tz database file; keep it off the loop.
        return await hub.run_blocking(ZoneInfo, name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        _LOGGER.error("hub.time_zone: unknown time zone %s; schedules and times use UTC", name)
        return dt.UTC


async def setup(hub: Hub, config: SchedulesConfig | None) -> None:
    """Make the named schedules available as `hub.components['schedules']`."""
    schedules = Schedules(config, await hub_time_zone(hub))
    hub.components[SCHEDULES] = schedules
    if schedules:
        _LOGGER.info("Schedules: %s", ", ".join(schedules))
