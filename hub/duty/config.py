"""The `duty:` section: the guards' shifts and their handovers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["DutyConfig"]


class DutyConfig(BaseModel):
    """Where the duty log lives (default: with the panel's tables)."""

    model_config = ConfigDict(extra="forbid")

    database_url: str | None = None
