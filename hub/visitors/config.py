"""The `visitors:` section: how the visitor check works (formerly under `http:`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["VisitorsConfig"]


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
