"""The `http: visitors:` settings of the visitor check."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["VisitorsConfig"]


class VisitorsConfig(BaseModel):
    """How the visitor check works at this school."""

    model_config = ConfigDict(extra="forbid")

    metal_window_seconds: float = Field(default=120.0, gt=0, le=3600)
    lockers: list[str] = Field(default_factory=lambda: [str(n) for n in range(1, 21)])
