"""The `self_check:` section: when the daily self-check of each gate's duties runs."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["SelfCheckConfig", "seconds_of_day"]


def _time_of_day(value: str | None) -> str | None:
    if value is not None:
        try:
            dt.time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a time of day like 07:00, got {value!r}") from None
    return value


def seconds_of_day(value: str) -> int:
    """'07:30' -> seconds after midnight."""
    at = dt.time.fromisoformat(value)
    return at.hour * 3600 + at.minute * 60 + at.second


class SelfCheckConfig(BaseModel):
    """The daily self-check of the five duties and the visitor check at every gate."""

    model_config = ConfigDict(extra="forbid")

    #: The gates checked; default every gate a device names.
    gates: list[str] = []
    #: When the morning summary goes to `notify` (hub time zone); null: no summary.
    summary_at: str | None = "07:00"
    #: Start of school hours: a duty down then is an incident (`duty_down`); null: never.
    school_start: str | None = "07:30"
    #: The notify service for the morning summary (`notify.duty_wecom`); none: not sent.
    notify: str | None = Field(default=None, pattern=r"^notify\.[a-z0-9_]+$")
    #: A panic button not tested for this many days is reported as due.
    panic_test_max_days: int = Field(default=31, ge=1, le=366)
    #: Play a short test tone on each gate speaker (it must answer); false: only its health.
    test_tone: bool = True
    tone_volume: int = Field(default=20, ge=1, le=100)
    #: How long a speaker (test tone) or camera (picture) may take to answer, seconds.
    device_timeout: float = Field(default=10.0, gt=0, le=120)

    @field_validator("summary_at", "school_start")
    @classmethod
    def _times(cls, value: str | None) -> str | None:
        return _time_of_day(value)
