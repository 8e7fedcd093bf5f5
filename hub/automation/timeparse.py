"""Parse what school IT writes for times: durations, times of day, weekdays."""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "WEEKDAYS",
    "format_seconds",
    "parse_duration",
    "parse_time_of_day",
    "parse_weekdays",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")
# Durations are laxer, like HA's: "00:00:5" (a template's "00:00:{{ n }}") and "36:00".
_SPAN = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?$")
_UNITS = {"days": 86400.0, "hours": 3600.0, "minutes": 60.0, "seconds": 1.0,
          "milliseconds": 0.001}


def parse_time_of_day(text: Any, allow_24: bool = False) -> int:
    """Turn 'HH:MM' or 'HH:MM:SS' into seconds after midnight; raise ValueError."""
    match = _CLOCK.match(str(text).strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a time of day HH:MM or HH:MM:SS, got {text!r}")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if allow_24 and (hours, minutes, seconds) == (24, 0, 0):
        return 86400
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"{text!r} is not a valid time of day")
    return hours * 3600 + minutes * 60 + seconds


def parse_duration(value: Any) -> float:
    """Turn seconds, 'HH:MM[:SS[.fff]]' or {hours, minutes, ...} into seconds; raise ValueError."""
    if isinstance(value, bool):
        raise ValueError("expected a duration, got a boolean")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _duration_text(value.strip())
    elif isinstance(value, dict):
        unknown = sorted(set(value) - set(_UNITS))
        if unknown or not value:
            raise ValueError(f"a duration mapping takes {', '.join(_UNITS)}"
                             + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
        seconds = sum(_UNITS[key] * _number(key, amount) for key, amount in value.items())
    else:
        raise ValueError(f"expected a duration, got {type(value).__name__}")
    if not math.isfinite(seconds):
        raise ValueError(f"a duration must be finite, got {value!r}")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def _number(key: str, amount: Any) -> float:
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise ValueError(f"{key} must be a number, got {amount!r}")
    return float(amount)


def _duration_text(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    match = _SPAN.match(text)
    if match is None:
        raise ValueError(f"expected a duration (seconds, HH:MM or HH:MM:SS), got {text!r}")
    fraction = float(f"0.{match[4]}") if match[4] else 0.0
    return int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3] or 0) + fraction


def parse_weekdays(value: Any) -> frozenset[int]:
    """Turn 'mon', ['mon', 'tue'] or 'mon-fri' into weekday numbers (Monday = 0)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("expected a weekday (mon..sun), a range like mon-fri, or a list")
    days: set[int] = set()
    for item in items:
        days |= _weekday_range(str(item).strip().lower())
    return frozenset(days)


def _weekday_range(text: str) -> set[int]:
    first, sep, last = text.partition("-")
    for name in (first, last) if sep else (first,):
        if name not in WEEKDAYS:
            raise ValueError(f"unknown weekday {name!r}; use {', '.join(WEEKDAYS)}")
    start = WEEKDAYS.index(first)
    end = WEEKDAYS.index(last) if sep else start
    if end < start:
        return set(range(start, 7)) | set(range(0, end + 1))
    return set(range(start, end + 1))


def format_seconds(seconds: float) -> str:
    """Render seconds as H:MM:SS (for traces and messages)."""
    whole = int(seconds)
    text = f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    fraction = seconds - whole
    return text + (f".{round(fraction * 1000):03d}" if fraction >= 0.0005 else "")
