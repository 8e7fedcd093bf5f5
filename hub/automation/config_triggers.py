"""Trigger models: state, event, incident, time, time_pattern, face, webhook."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..incidents import IncidentStatus
from .config_common import (
    EntityIds,
    Names,
    PriorityValue,
    StateValues,
    StepModel,
    TimeOfDay,
    UnknownStep,
    tagged,
    unknown_kind,
)
from .duration import DurationTemplate, parse_duration_or_template
from .errors import checked, invalid

__all__ = [
    "TRIGGER_PLATFORMS",
    "EventTrigger",
    "FaceTrigger",
    "ForSpec",
    "IncidentTrigger",
    "StateTrigger",
    "TimePatternTrigger",
    "TimeTrigger",
    "Trigger",
    "WebhookTrigger",
]


#: HA 2024.10 spells the trigger kind `trigger: state`; `platform: state` is the classic form.
_PLATFORM = AliasChoices("platform", "trigger")


class _Trigger(StepModel):
    id: str | None = None
    enabled: bool = True


class ForSpec(StepModel):
    """How long a state must hold; with `schedule`, only time inside that schedule counts.

    `template` (a templated duration) is rendered with the trigger's variables when the state
    matches; it then replaces `seconds`.
    """

    seconds: float = 0.0
    schedule: str | None = None
    template: DurationTemplate | None = None


def _spec(value: Any, schedule: str | None = None) -> ForSpec:
    duration = parse_duration_or_template(value)
    if isinstance(duration, DurationTemplate):
        return ForSpec(template=duration, schedule=schedule)
    return ForSpec(seconds=duration, schedule=schedule)


def _for_spec(value: Any) -> ForSpec:
    if isinstance(value, ForSpec):
        return value
    if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
        return ForSpec(schedule=value)
    if isinstance(value, dict) and "schedule" in value:
        rest = {k: v for k, v in value.items() if k != "schedule"}
        return _spec(rest, str(value["schedule"])) if rest else ForSpec(
            schedule=str(value["schedule"]))
    return _spec(value)


ForValue = Annotated[ForSpec, PlainValidator(checked(_for_spec))]


class StateTrigger(_Trigger):
    """Fires when an entity's state (or one attribute) changes as described."""

    platform: Literal["state"] = Field(validation_alias=_PLATFORM)
    entity_id: EntityIds
    from_: StateValues = Field(default=None, alias="from")
    to: StateValues = None
    not_from: StateValues = None
    not_to: StateValues = None
    attribute: str | None = None
    for_: ForValue | None = Field(default=None, alias="for")

    @property
    def any_change(self) -> bool:
        """Return whether attribute-only changes fire too (no from/to given at all)."""
        return not ({"from_", "to", "not_from", "not_to"} & self.model_fields_set)


class EventTrigger(_Trigger):
    """Fires on an event of a type whose data contains `event_data`."""

    platform: Literal["event"] = Field(validation_alias=_PLATFORM)
    event_type: Names
    event_data: dict[str, Any] = Field(default_factory=dict)


_INCIDENT_STATUSES = ("raised", "updated", *(s.value for s in IncidentStatus if s != "raised"))


class IncidentTrigger(_Trigger):
    """Fires when an incident is raised or updated, filtered by category and priority."""

    platform: Literal["incident"] = Field(validation_alias=_PLATFORM)
    category: Names | None = None
    priority: PriorityValue | None = Field(default=None, description="fires at this or higher")
    status: Names = ("raised",)
    gate: Names | None = None
    source: Names | None = None

    @field_validator("status")
    @classmethod
    def _statuses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for status in value:
            if status not in _INCIDENT_STATUSES:
                raise invalid(f"unknown status {status!r}; expected one of "
                              f"{', '.join(_INCIDENT_STATUSES)}")
        return value


class TimeTrigger(_Trigger):
    """Fires every day at each given time of day (HH:MM or HH:MM:SS, hub time zone)."""

    platform: Literal["time"] = Field(validation_alias=_PLATFORM)
    at: Annotated[tuple[TimeOfDay, ...], BeforeValidator(lambda v: [v] if isinstance(
        v, str) else v)]


def _pattern(value: Any, limit: int) -> frozenset[int] | None:
    if value is None or value == "*":
        return None
    text = str(value).strip()
    if text.startswith("/"):
        step = int(text[1:]) if text[1:].isdigit() else 0
        if not 0 < step < limit:
            raise ValueError(f"'/n' needs n from 1 to {limit - 1}")
        return frozenset(range(0, limit, step))
    if not text.isdigit() or int(text) >= limit:
        raise ValueError(f"expected a number 0-{limit - 1}, '/n' or '*'")
    return frozenset({int(text)})


class TimePatternTrigger(_Trigger):
    """Fires when the clock matches: hours/minutes/seconds as a number, '/n' or '*'."""

    platform: Literal["time_pattern"] = Field(validation_alias=_PLATFORM)
    hours: int | str | None = None
    minutes: int | str | None = None
    seconds: int | str | None = None

    @field_validator("hours", "minutes", "seconds")
    @classmethod
    def _field(cls, value: int | str | None, info: ValidationInfo) -> int | str | None:
        try:
            _pattern(value, 24 if info.field_name == "hours" else 60)
        except ValueError as exc:
            raise invalid(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _check(self) -> TimePatternTrigger:
        if self.hours is None and self.minutes is None and self.seconds is None:
            raise invalid("give at least one of hours, minutes, seconds")
        return self

    def sets(self) -> tuple[frozenset[int] | None, frozenset[int] | None, frozenset[int] | None]:
        """Return the matching hours, minutes, seconds (None = any); smaller units default 0."""
        minutes = self.minutes if self.minutes is not None or self.hours is None else 0
        seconds = self.seconds if self.seconds is not None or minutes is None else 0
        return _pattern(self.hours, 24), _pattern(minutes, 60), _pattern(seconds, 60)


class FaceTrigger(_Trigger):
    """Fires on face_recognized (or face_unknown), filtered by person, group, list, camera, gate.

    `person` matches the event's person_id or name (hub/recognition/const.py FaceRecognizedData).
    """

    platform: Literal["face"] = Field(validation_alias=_PLATFORM)
    event: Literal["face_recognized", "face_unknown"] = "face_recognized"
    person: Names | None = None
    group: Names | None = None
    list_: Names | None = Field(default=None, alias="list")
    camera: EntityIds | None = None
    gate: Names | None = None
    min_score: float | None = Field(default=None, ge=0, le=1)


class WebhookTrigger(_Trigger):
    """Fires when the webhook with this id is called (the HTTP route lives in hub/http)."""

    platform: Literal["webhook"] = Field(validation_alias=_PLATFORM)
    webhook_id: str = Field(min_length=8, pattern=r"^[A-Za-z0-9_-]+$")
    allowed_methods: tuple[Literal["POST", "PUT", "GET", "HEAD"], ...] = ("POST", "PUT")


_TRIGGERS: dict[str, type[_Trigger]] = {
    "state": StateTrigger, "event": EventTrigger, "incident": IncidentTrigger,
    "time": TimeTrigger, "time_pattern": TimePatternTrigger, "face": FaceTrigger,
    "webhook": WebhookTrigger,
}
TRIGGER_PLATFORMS = list(_TRIGGERS)


class _UnknownTrigger(_Trigger, UnknownStep):
    needs = "each trigger needs a platform: " + ", ".join(TRIGGER_PLATFORMS)
    platform: Annotated[Any, PlainValidator(unknown_kind("trigger platform",
                                                         TRIGGER_PLATFORMS))] = Field(
        default=None, validation_alias=_PLATFORM)


Trigger = Annotated[
    Annotated[StateTrigger, Tag("platform[state]")]
    | Annotated[EventTrigger, Tag("platform[event]")]
    | Annotated[IncidentTrigger, Tag("platform[incident]")]
    | Annotated[TimeTrigger, Tag("platform[time]")]
    | Annotated[TimePatternTrigger, Tag("platform[time_pattern]")]
    | Annotated[FaceTrigger, Tag("platform[face]")]
    | Annotated[WebhookTrigger, Tag("platform[webhook]")]
    | Annotated[_UnknownTrigger, Tag("platform[?]")],
    Discriminator(tagged(("platform", "trigger"), {k: f"platform[{k}]" for k in _TRIGGERS},
                         "platform[?]", "trigger platform"),
                  custom_error_type="invalid_trigger",
                  custom_error_message="a trigger is a mapping with a platform"),
]
