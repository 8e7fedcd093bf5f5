"""The `alarm_tests:` section: how often each panic button must be tested, test windows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AlarmTestsConfig"]


class AlarmTestsConfig(BaseModel):
    """The panic-button test schedule (the programmes test one-key alarms regularly)."""

    model_config = ConfigDict(extra="forbid")

    #: each input of these categories must be tested this often
    every_days: float = Field(default=30, gt=0, le=366)
    categories: list[str] = ["panic"]
    #: a test is "due soon" this many days before it is due
    warn_days: float = Field(default=3, ge=0, le=60)
    #: how long a declared test window lasts unless the caller says
    window_minutes: float = Field(default=15, gt=0, le=240)
