"""The visitor log table: one row per visit, from check-in to check-out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..recorder.db import Base, utcnow

__all__ = ["VisitorRow"]


class VisitorRow(Base):
    """A visit: who, why, whom, the metal check, the locker, the photo, in and out."""

    __tablename__ = "visitors"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    id_number: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(String(500))
    host: Mapped[str] = mapped_column(String(128), index=True)
    gate: Mapped[str] = mapped_column(String(64), default="")
    metal_result: Mapped[str] = mapped_column(String(16))
    metal_source: Mapped[str | None] = mapped_column(String(128), default=None)
    metal_at: Mapped[float | None] = mapped_column(default=None)
    locker: Mapped[str | None] = mapped_column(String(16), default=None)
    items: Mapped[str] = mapped_column(String(500), default="")
    photo: Mapped[str | None] = mapped_column(String(32), default=None)
    gate_opened: Mapped[str | None] = mapped_column(String(128), default=None)
    #: "school", or "meeting_room" with the room's id in `room`.
    destination: Mapped[str] = mapped_column(String(16), default="school")
    room: Mapped[str | None] = mapped_column(String(64), default=None)
    checked_in_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    checked_in_by: Mapped[str] = mapped_column(String(64))
    checked_out_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    checked_out_by: Mapped[str | None] = mapped_column(String(64), default=None)

    def as_dict(self) -> dict[str, Any]:
        """Return the visit as a JSON-ready dict."""
        return {
            "id": self.id, "name": self.name, "id_number": self.id_number, "phone": self.phone,
            "reason": self.reason, "host": self.host, "gate": self.gate,
            "metal_result": self.metal_result, "metal_source": self.metal_source,
            "metal_at": self.metal_at, "locker": self.locker, "items": self.items,
            "photo": self.photo, "gate_opened": self.gate_opened,
            "destination": self.destination, "room": self.room,
            "checked_in_at": _ts(self.checked_in_at), "checked_in_by": self.checked_in_by,
            "checked_out_at": _ts(self.checked_out_at), "checked_out_by": self.checked_out_by,
            "status": "out" if self.checked_out_at else "in",
        }


def _ts(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()
