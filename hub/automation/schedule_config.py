"""The `schedules:` section: named school calendars (weekly hours, terms, holidays, exceptions)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    field_validator,
    model_validator,
)

from .errors import checked, invalid
from .timeparse import WEEKDAYS, parse_time_of_day, parse_weekdays

__all__ = ["DateRange", "ExceptionDay", "ScheduleConfig", "SchedulesConfig", "Window"]

#: A window as seconds after midnight of the day it starts; end > 86400 runs past midnight.
Window = tuple[int, int]


def parse_window(text: Any) -> Window:
    """Turn '07:30-12:00' into (27000, 43200); '22:00-06:00' runs past midnight."""
    if not isinstance(text, str) or "-" not in text:
        raise ValueError(f"expected a window like '07:30-12:00', got {text!r}")
    start_text, _, end_text = text.partition("-")
    start = parse_time_of_day(start_text)
    end = parse_time_of_day(end_text, allow_24=True)
    if end == start:
        raise ValueError(f"window {text!r} is empty")
    return (start, end if end > start else end + 86400)


def _windows(value: Any) -> tuple[Window, ...]:
    """Parse a list of windows; refuse overlaps."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("expected a list of windows like ['07:30-12:00', '13:30-17:00']")
    windows = sorted(parse_window(item) for item in items)
    for (_, end), (start, _) in itertools.pairwise(windows):
        if start < end:
            raise ValueError("windows overlap")
    return tuple(windows)


def _weekday_key(key: str) -> str:
    parse_weekdays(key)
    return key


def _schedule_name(name: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError("a schedule name uses lowercase letters, digits and _")
    return name


Windows = Annotated[tuple[Window, ...], BeforeValidator(checked(_windows))]


class DateRange(BaseModel):
    """A span of days, both ends included (a term, or a holiday of several days)."""

    model_config = ConfigDict(extra="forbid")

    start: dt.date
    end: dt.date
    name: str = ""

    @model_validator(mode="before")
    @classmethod
    def _single_date(cls, value: Any) -> Any:
        if isinstance(value, str) and ".." in value:
            start, _, end = value.partition("..")
            return {"start": start.strip(), "end": end.strip()}
        if isinstance(value, dt.date | str):
            return {"start": value, "end": value}
        if isinstance(value, dict) and "date" in value and "start" not in value:
            return {"start": value["date"], "end": value["date"],
                    **{k: v for k, v in value.items() if k != "date"}}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise invalid("end is before start")
        return self

    def contains(self, day: dt.date) -> bool:
        """Return whether `day` lies in the range."""
        return self.start <= day <= self.end


class ExceptionDay(BaseModel):
    """A day with its own hours, overriding terms, holidays and the week (a make-up day)."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date
    name: str = ""
    hours: Windows | None = None
    same_as: str | None = None

    @field_validator("same_as")
    @classmethod
    def _weekday(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in WEEKDAYS:
            raise invalid(f"expected a weekday ({', '.join(WEEKDAYS)})")
        return value.lower() if value else None

    @model_validator(mode="after")
    def _one_rule(self) -> ExceptionDay:
        if self.hours is not None and self.same_as is not None:
            raise invalid("give either hours or same_as, not both")
        return self


class ScheduleConfig(BaseModel):
    """One named calendar: open hours per weekday, limited to terms, minus holidays."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    hours: dict[Annotated[str, AfterValidator(checked(_weekday_key))], Windows] = Field(
        default_factory=dict)
    terms: list[DateRange] = Field(default_factory=list)
    holidays: list[DateRange] = Field(default_factory=list)
    exceptions: list[ExceptionDay] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_duplicates(self) -> ScheduleConfig:
        try:
            self.weekly()
        except ValueError as exc:
            raise invalid(str(exc)) from None
        dates = [exc.date for exc in self.exceptions]
        if len(set(dates)) != len(dates):
            raise invalid("an exception day is listed twice")
        return self

    def weekly(self) -> tuple[tuple[Window, ...], ...]:
        """Return the windows of each weekday, Monday first; raise if a day is given twice."""
        week: list[tuple[Window, ...] | None] = [None] * 7
        for key, windows in self.hours.items():
            for day in parse_weekdays(key):
                if week[day] is not None:
                    raise ValueError(f"hours: {WEEKDAYS[day]} is given twice")
                week[day] = windows
        return tuple(w or () for w in week)


class SchedulesConfig(RootModel[dict[Annotated[str, AfterValidator(checked(_schedule_name))],
                                      ScheduleConfig]]):
    """The `schedules:` section: schedule name -> calendar."""

    @field_validator("root", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return {} if value is None else value
