"""The `visitors:` section: how the visitor check works (formerly under `http:`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..entity import slugify

__all__ = ["MeetingRoomConfig", "VisitorsConfig"]


class MeetingRoomConfig(BaseModel):
    """A meeting room (会客室) at a gate where visitors meet their host outside the school."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="Meeting room", min_length=1, max_length=64)
    object_id: str | None = Field(default=None, pattern=r"^[a-z0-9_]+$", max_length=64)
    gate: str = Field(default="", max_length=64)
    #: The room's cameras: a snapshot of each joins every incident of the room.
    cameras: list[str] = []
    #: The room's panic buttons (alarm entities): their incidents name the visit under way.
    panic: list[str] = []

    @property
    def slug(self) -> str:
        """The room's id: `meeting_room.<slug>` is its state."""
        return self.object_id or slugify(self.name)


class VisitorsConfig(BaseModel):
    """How the visitor check works at this school."""

    model_config = ConfigDict(extra="forbid")

    #: Where the visitor log lives; default: with the panel's tables (http.database_url,
    #: else the recorder's database).
    database_url: str | None = None
    metal_window_seconds: float = Field(default=120.0, gt=0, le=3600)
    #: Visits (name, ID number, phone, photo) are deleted this many days after check-in.
    retention_days: int = Field(default=90, ge=1, le=3650)
    #: How often the retention job runs.
    purge_interval_hours: float = Field(default=6.0, gt=0, le=168)
    lockers: list[str] = Field(default_factory=lambda: [str(n) for n in range(1, 21)])
    meeting_rooms: list[MeetingRoomConfig] = []
    #: The notify service that tells the host a visitor waits in the meeting room
    #: (`notify.duty_wecom`); none: nobody is told.
    host_notify: str | None = Field(default=None, pattern=r"^notify\.[a-z0-9_]+$")

    @model_validator(mode="after")
    def _unique_rooms(self) -> VisitorsConfig:
        slugs = [room.slug for room in self.meeting_rooms]
        for slug in slugs:
            if slugs.count(slug) > 1:
                raise ValueError(f"meeting_rooms: two rooms have the id {slug!r}; give object_id")
        return self
