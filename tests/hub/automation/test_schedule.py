"""School calendars: weekly hours, terms, holidays, exception days, overnight windows, zones."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.automation.schedule import Schedule, Schedules
from hub.automation.schedule_config import SchedulesConfig

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")

SCHOOL = {
    "hours": {"mon-fri": ["07:30-12:00", "13:30-17:00"], "sat": []},
    "terms": [{"start": "2026-09-01", "end": "2027-01-20", "name": "autumn"},
              {"start": "2027-02-20", "end": "2027-07-10"}],
    "holidays": ["2026-10-01..2026-10-07", {"date": "2026-12-25", "name": "winter day"}],
    "exceptions": [{"date": "2026-10-10", "same_as": "fri", "name": "make-up Saturday"},
                   {"date": "2026-11-27", "hours": ["07:30-11:00"], "name": "sports day"},
                   {"date": "2026-11-30", "hours": [], "name": "teacher training"}],
}


def _schedule(config: dict[str, Any], tz: dt.tzinfo = SHANGHAI) -> Schedule:
    return Schedule("school", SchedulesConfig.model_validate({"school": config}).root["school"],
                    tz)


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
        tz: dt.tzinfo = SHANGHAI) -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz).timestamp()


@pytest.mark.parametrize(("when", "active"), [
    ((2026, 11, 23, 8, 0), True),      # Monday in term, morning
    ((2026, 11, 23, 12, 30), False),   # lunch break
    ((2026, 11, 23, 17, 0), False),    # end is exclusive
    ((2026, 11, 21, 9, 0), False),     # Saturday
    ((2026, 8, 31, 9, 0), False),      # before the first term
    ((2027, 2, 1, 9, 0), False),       # between terms
    ((2027, 3, 1, 9, 0), True),        # second term
    ((2026, 10, 5, 9, 0), False),      # national holiday week
    ((2026, 12, 25, 9, 0), False),     # one-day holiday
    ((2026, 10, 10, 9, 0), True),      # Saturday make-up day, as a Friday
    ((2026, 11, 27, 10, 59), True),    # sports day: short hours
    ((2026, 11, 27, 14, 0), False),
    ((2026, 11, 30, 9, 0), False),     # a Monday closed by exception
])
def test_term_holidays_exceptions(when: tuple[int, int, int, int, int], active: bool) -> None:
    """A day is open with its weekday hours in term, closed on holidays; exceptions win."""
    assert _schedule(SCHOOL).is_active(_at(*when)) is active


def test_next_change_skips_holidays_and_weekends() -> None:
    """next_change finds the next opening across a holiday week and a weekend."""
    schedule = _schedule(SCHOOL)
    change = schedule.next_change(_at(2026, 9, 30, 18, 0))
    assert change == _at(2026, 10, 8, 7, 30)
    assert schedule.next_change(_at(2026, 11, 23, 8, 0)) == _at(2026, 11, 23, 12, 0)
    assert schedule.day_kind(dt.date(2026, 10, 3)) == "holiday"
    assert schedule.day_kind(dt.date(2027, 2, 1)) == "out_of_term"
    assert schedule.day_kind(dt.date(2026, 10, 10)) == "exception"


def test_touching_windows_merge() -> None:
    """Windows that touch form one window: the change is at the end of the last."""
    schedule = _schedule({"hours": {"mon-fri": ["07:00-12:00", "12:00-18:00"]}})
    assert schedule.current_window(_at(2026, 11, 23, 12, 0)) == (
        _at(2026, 11, 23, 7, 0), _at(2026, 11, 23, 18, 0))


def test_overnight_window_belongs_to_its_start_day() -> None:
    """A 22:00-06:00 window starting Friday runs into Saturday morning, not Friday morning."""
    schedule = _schedule({"hours": {"fri": ["22:00-06:00"]}})
    assert schedule.is_active(_at(2026, 11, 27, 23, 0))
    assert schedule.is_active(_at(2026, 11, 28, 5, 59))
    assert not schedule.is_active(_at(2026, 11, 27, 5, 0))
    assert schedule.next_change(_at(2026, 11, 28, 1, 0)) == _at(2026, 11, 28, 6, 0)


def test_time_zone_is_the_hubs() -> None:
    """The same calendar opens at 07:30 local time in each zone."""
    config = {"hours": {"mon-sun": ["07:30-08:00"]}}
    utc_ts = dt.datetime(2026, 11, 23, 23, 40, tzinfo=dt.UTC).timestamp()  # 07:40 Shanghai
    assert _schedule(config, SHANGHAI).is_active(utc_ts)
    assert not _schedule(config, BERLIN).is_active(utc_ts)  # 00:40 Berlin


def test_daylight_saving_day_keeps_wall_clock_hours() -> None:
    """On a DST change day the window still opens at 07:30 wall-clock time."""
    schedule = _schedule({"hours": {"sun": ["07:30-08:00"]}}, BERLIN)
    assert schedule.is_active(_at(2027, 3, 28, 7, 45, tz=BERLIN))   # spring forward day
    assert schedule.is_active(_at(2026, 10, 25, 7, 45, tz=BERLIN))  # fall back day
    assert schedule.next_change(_at(2027, 3, 28, 0, 0, tz=BERLIN)) == _at(
        2027, 3, 28, 7, 30, tz=BERLIN)


def test_never_open_has_no_next_change() -> None:
    """A calendar without hours is never active and never changes."""
    schedule = _schedule({})
    assert not schedule.is_active(_at(2026, 11, 23, 9, 0))
    assert schedule.next_change(_at(2026, 11, 23, 9, 0)) is None


def test_schedules_mapping() -> None:
    """Schedules is a mapping by name with is_active(name)."""
    schedules = Schedules(SchedulesConfig.model_validate({"a": {"hours": {"mon-sun": [
        "00:00-24:00"]}}}), SHANGHAI)
    assert list(schedules) == ["a"] and schedules.is_active("a")
    with pytest.raises(KeyError):
        schedules.is_active("b")
