"""The `unknown_faces:` section: unknown faces outside (or inside) a schedule as incidents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..incidents.config import PriorityValue

if TYPE_CHECKING:
    from ..config.models import HubConfig

__all__ = ["CATEGORY", "UnknownFacesConfig", "check"]

CATEGORY = "unknown_after_hours"
Problem = tuple[tuple[str | int, ...], str, str]


class UnknownFacesConfig(BaseModel):
    """When an unknown face (nobody on any list) becomes an incident, not only an event."""

    model_config = ConfigDict(extra="forbid")

    incident: bool = True
    category: str = Field(default=CATEGORY, pattern=r"^[a-z0-9_]+$", max_length=64)
    #: a `schedules:` entry, such as school_hours
    schedule: str
    #: outside: an incident when the schedule is NOT active (after hours); inside: when it is
    when: Literal["outside", "inside"] = "outside"
    #: these cameras only (empty: every recognition camera)
    cameras: list[str] = []
    priority: PriorityValue | None = None


def check(config: HubConfig) -> list[Problem]:
    """Return a problem when the schedule is not defined in `schedules:`."""
    section = config.sections.get("unknown_faces")
    if section is None:
        return []
    schedules = config.sections.get("schedules")
    names = set(schedules.root) if schedules is not None else set()
    if section.schedule in names:
        return []
    return [(("unknown_faces", "schedule"), f"unknown schedule '{section.schedule}'",
             f"schedules defined: {', '.join(sorted(names)) or 'none'}")]
