"""The `recognition:` section: recognizer, watched cameras, lists, categories, off-post."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..incidents.config import PriorityValue
from ..incidents.handling import ProcedureItem, number_items
from ..incidents.model import Priority

__all__ = [
    "DutyWindow",
    "GuardConfig",
    "ListName",
    "RecognitionConfig",
    "TrackingConfig",
    "WatchCamera",
    "WatchCategory",
]

ListName = Literal["allow", "watch"]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WatchCategory(BaseModel):
    """A watch-list category (wanted, at_risk, banned_from_campus...) and its handling."""

    model_config = ConfigDict(extra="forbid")

    priority: PriorityValue = Priority.HIGH
    instructions: str = ""
    #: Overrides the watch-list threshold for this category.
    threshold: float | None = None
    #: the checklist for this category's incidents (watch list and police hits); none: the
    #: incident category's (incidents.categories.<category>.procedure)
    procedure: list[ProcedureItem] | None = None

    @field_validator("procedure")
    @classmethod
    def _ids(cls, value: list[ProcedureItem] | None) -> list[ProcedureItem] | None:
        return None if value is None else number_items(value)


class WatchCamera(BaseModel):
    """A camera whose frames are matched, and how often."""

    model_config = ConfigDict(extra="forbid")

    entity_id: str = Field(pattern=r"^camera\.[a-z0-9_]+$")
    fps: float = Field(default=5.0, gt=0, le=30)
    gate: str | None = None


class DutyWindow(BaseModel):
    """Days and hours a guard must be at the post, e.g. mon-fri 07:00-18:00."""

    model_config = ConfigDict(extra="forbid")

    days: list[str] = Field(default_factory=lambda: list(_DAYS[:5]))
    start: dt.time = dt.time(7, 0)
    end: dt.time = dt.time(18, 0)

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        bad = [d for d in value if d not in _DAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}; use {', '.join(_DAYS)}")
        return value

    def contains(self, when: dt.datetime) -> bool:
        """Return True when `when` (local time) falls in this window."""
        if _DAYS[when.weekday()] not in self.days:
            return False
        return self.start <= when.time() < self.end


class GuardConfig(BaseModel):
    """Off-post warning: the guard-room camera, the guard group and the duty schedule."""

    model_config = ConfigDict(extra="forbid")

    camera: str = Field(pattern=r"^camera\.[a-z0-9_]+$")
    group: str = "guard"
    minutes: float = Field(default=10.0, gt=0, le=24 * 60)
    fps: float = Field(default=1.0, gt=0, le=30)
    #: A named schedule of the `schedules:` section (e.g. guard_duty); wins over `duty`.
    schedule: str | None = None
    duty: list[DutyWindow] = Field(default_factory=lambda: [DutyWindow()])
    gate: str | None = None


def _default_rates() -> dict[ListName, float]:
    """Allow: 1 stranger in 1,000 taken for someone (it opens a gate); watch: 1 in 100."""
    return {"allow": 0.001, "watch": 0.01}


class TrackingConfig(BaseModel):
    """Camera streams: faces followed across frames, one decision per person (issue 16)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: Usable sightings after which a track is decided (sooner if the person leaves).
    decide_after: int = Field(default=3, ge=1, le=50)
    #: How many of the best sightings (size, sharpness, pose) are embedded and fused.
    best_k: int = Field(default=2, ge=1, le=10)
    #: Seconds without a sighting after which a track has ended.
    max_gap: float = Field(default=0.6, gt=0, le=30)
    #: Embed each sighting a track keeps as soon as it is kept, ahead of the decision, so
    #: the decision waits for at most the newest one, for up to one more embedding per
    #: track. Off by default: on the loaded machine it was measured on it took workers from
    #: frames and did not lower the tail (bench/README.md "Recognition at a gate").
    embed_ahead: bool = False


class RecognitionConfig(BaseModel):
    """The `recognition:` section. Platform-specific keys go under `options`."""

    model_config = ConfigDict(extra="forbid")

    platform: str = "onnx_face"
    options: dict[str, Any] = Field(default_factory=dict)
    cameras: list[WatchCamera] = Field(default_factory=list)
    #: Fixed per-list thresholds; a list not named here follows `false_alarm_rate`.
    thresholds: dict[ListName, float] = Field(default_factory=dict)
    #: False alarms per search (per person passing) each list may raise, whatever its size:
    #: the threshold follows the list's size (docs/recognition.md). Recognizers without a
    #: measured false-match curve use their fixed defaults instead.
    false_alarm_rate: dict[ListName, float] = Field(default_factory=lambda: _default_rates())
    cooldown: float = Field(default=30.0, ge=0, le=3600, description="seconds per person+camera")
    unknown_cooldown: float = Field(default=10.0, ge=0, le=3600)
    categories: dict[str, WatchCategory] = Field(
        default_factory=lambda: {
            "wanted": WatchCategory(priority=Priority.CRITICAL,
                                    instructions="Do not approach. Keep the gate closed and "
                                    "call the police."),
            "banned_from_campus": WatchCategory(priority=Priority.HIGH,
                                                instructions="Keep the gate closed; inform "
                                                "the head teacher."),
            "at_risk": WatchCategory(priority=Priority.MEDIUM,
                                     instructions="Keep the person safe at the gate and call "
                                     "the contact on file."),
        }
    )
    groups: list[str] = Field(default_factory=lambda: ["staff", "student", "parent", "guard"])
    unknown_retention_days: float = Field(default=7.0, gt=0, le=3650)
    retention_interval: float = Field(default=3600.0, gt=0)
    #: How often people enrolled by the CLI (another process) are picked up.
    refresh_interval: float = Field(default=30.0, gt=0)
    guard: GuardConfig | None = None
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    database_url: str | None = None
    workers: int = Field(default=2, ge=1, le=16)

    @field_validator("false_alarm_rate")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0 < v < 1}
        if bad:
            raise ValueError(f"rates must be between 0 and 1 (0.01 = 1 %), got {bad}")
        return value

    @model_validator(mode="after")
    def _check_guard_group(self) -> RecognitionConfig:
        if self.guard is not None and self.guard.group not in self.groups:
            raise ValueError(f"guard.group '{self.guard.group}' is not in groups {self.groups}")
        return self
