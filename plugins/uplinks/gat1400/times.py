"""GA/T 1400 time fields: every form platforms use is read; one configured form is sent.

The standard's dateTime is local time without a zone, `YYYYMMDDhhmmss` (the most common form,
and the default). Platforms also send and expect `YYYYMMDDhhmmssSSS`, `YYYY-MM-DD hh:mm:ss`,
RFC 3339 with an offset (`2026-12-05T14:09:24+08:00`) and Unix milliseconds. Times without
a zone are in the platform's time zone (configured; normally Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final, Literal
from zoneinfo import ZoneInfo

__all__ = ["TIME_FORMATS", "TimeFormat", "format_time", "parse_time", "zone_of"]

TimeFormat = Literal["compact", "compact_ms", "dashed", "iso", "epoch_ms"]
TIME_FORMATS: Final[tuple[str, ...]] = ("compact", "compact_ms", "dashed", "iso", "epoch_ms")

_COMPACT = re.compile(r"^\d{14}$")
_COMPACT_MS = re.compile(r"^\d{17}$")
_EPOCH = re.compile(r"^\d{10}(\d{3})?$")
_DASHED = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")


def parse_time(value: object, zone: dt.tzinfo) -> dt.datetime:
    """Return an aware datetime for any accepted form; ValueError names the form expected."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch(int(value))
    if not isinstance(value, str):
        raise ValueError(f"expected a time string, got {type(value).__name__}")
    text = value.strip()
    try:
        if _COMPACT.match(text):
            return dt.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=zone)
        if _COMPACT_MS.match(text):
            return dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(
                tzinfo=zone, microsecond=int(text[14:]) * 1000)
        if _EPOCH.match(text):
            return _epoch(int(text))
        if _DASHED.match(text):
            return dt.datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=zone)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError(f"not a time: {value!r} (expected YYYYMMDDhhmmss, "
                         "YYYY-MM-DD hh:mm:ss, RFC 3339 or Unix milliseconds)")
    return parsed


def _epoch(value: int) -> dt.datetime:
    seconds = value / 1000 if value > 10**11 else float(value)
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def format_time(when: dt.datetime | float, form: TimeFormat, zone: dt.tzinfo) -> str:
    """Return `when` (aware datetime or Unix seconds) in the platform's form and zone."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime.fromtimestamp(when, dt.UTC)
    local = when.astimezone(zone)
    if form == "compact":
        return f"{local:%Y%m%d%H%M%S}"
    if form == "compact_ms":
        return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}"
    if form == "dashed":
        return f"{local:%Y-%m-%d %H:%M:%S}"
    if form == "iso":
        return local.isoformat(timespec="seconds")
    return str(int(when.timestamp() * 1000))


def zone_of(name: str) -> dt.tzinfo:
    """Return the time zone of an IANA name (ValueError for an unknown one)."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
