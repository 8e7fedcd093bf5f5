"""The duty log table: one row per shift, from start to the handover's sign-off."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..recorder.db import Base

__all__ = ["ShiftRow"]


class ShiftRow(Base):
    """A guard's shift: start, end with notes and what was handed over, the sign-off."""

    __tablename__ = "duty_shifts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    guard: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(String(2000), default="")
    #: JSON: open incidents, lockers in use, visitors in, rooms occupied at the end
    handover: Mapped[str] = mapped_column(Text, default="")
    signed_off_by: Mapped[str | None] = mapped_column(String(64), default=None)
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    @property
    def status(self) -> str:
        """on_duty, handover (ended, waiting for the next guard's sign-off) or signed_off."""
        if self.ended_at is None:
            return "on_duty"
        return "handover" if self.signed_off_at is None else "signed_off"

    def as_dict(self) -> dict[str, Any]:
        """Return the shift as a JSON-ready dict."""
        return {"id": self.id, "guard": self.guard, "status": self.status,
                "started_at": _ts(self.started_at), "ended_at": _ts(self.ended_at),
                "notes": self.notes,
                "handover": json.loads(self.handover) if self.handover else None,
                "signed_off_by": self.signed_off_by, "signed_off_at": _ts(self.signed_off_at)}


def _ts(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()
