"""Fields every locker bank entry has, whatever its controller."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator

from hub import DeviceConfig

__all__ = ["LockerBankConfig"]


class LockerBankConfig(DeviceConfig):
    """A bank of lockers: how many doors, their labels, and when a locker is an incident."""

    doors: int = Field(default=12, ge=1, le=64)
    #: Labels are `<label_prefix><door number>` (the number a guard reads on the door).
    label_prefix: str = Field(default="", max_length=8, pattern=r"^[A-Za-z0-9-]*$")
    #: A door open longer than this is an incident (`locker_door_open`); 0 turns it off.
    door_open_alarm_seconds: float = Field(default=120.0, ge=0, le=86400)
    #: Local time (hub time zone) when a locker still occupied is an incident
    #: (`locker_item_overnight`); null turns it off.
    overnight_check: str | None = "19:00"

    @field_validator("overnight_check")
    @classmethod
    def _time_of_day(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                dt.time.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expected a time of day like 19:00, got {value!r}") from None
        return value

    def overnight_seconds(self) -> int | None:
        """Return the overnight check as seconds after midnight, or None."""
        if self.overnight_check is None:
            return None
        at = dt.time.fromisoformat(self.overnight_check)
        return at.hour * 3600 + at.minute * 60 + at.second
