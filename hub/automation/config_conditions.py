"""Condition models: state, time, schedule, and/or/not, template."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    model_validator,
)

from .config_common import (
    Duration,
    EntityIds,
    StateValues,
    StepModel,
    TemplateValue,
    TimeOfDay,
    UnknownStep,
    Weekdays,
    tagged,
    unknown_kind,
)
from .errors import invalid
from .template import is_template

__all__ = [
    "CONDITION_KINDS",
    "AndCondition",
    "Condition",
    "Conditions",
    "NotCondition",
    "OrCondition",
    "ScheduleCondition",
    "StateCondition",
    "TemplateCondition",
    "TimeCondition",
]


class _Condition(StepModel):
    alias: str = ""
    enabled: bool = True


class StateCondition(_Condition):
    """True when each entity is in one of the states (for at least `for`)."""

    condition: Literal["state"]
    entity_id: EntityIds
    state: StateValues
    attribute: str | None = None
    for_: Duration | None = Field(default=None, alias="for")
    match: Literal["all", "any"] = "all"


class TimeCondition(_Condition):
    """True after/before a time of day (wrapping midnight) and on the given weekdays."""

    condition: Literal["time"]
    after: TimeOfDay | None = None
    before: TimeOfDay | None = None
    weekday: Weekdays | None = None

    @model_validator(mode="after")
    def _something(self) -> TimeCondition:
        if self.after is None and self.before is None and self.weekday is None:
            raise invalid("give at least one of after, before, weekday")
        return self


class ScheduleCondition(_Condition):
    """True inside (or outside) a named schedule of the `schedules:` section."""

    condition: Literal["schedule"]
    inside: str | None = None
    outside: str | None = None

    @model_validator(mode="after")
    def _one(self) -> ScheduleCondition:
        if (self.inside is None) == (self.outside is None):
            raise invalid("give exactly one of inside: NAME or outside: NAME")
        return self

    @property
    def schedule(self) -> str:
        """Return the schedule's name."""
        return self.inside or self.outside or ""


class TemplateCondition(_Condition):
    """True when the template renders true, yes, on or a non-zero number."""

    condition: Literal["template"]
    value_template: TemplateValue


def _shorthand(value: Any) -> Any:
    if isinstance(value, str | dict):
        return [value]
    return value


class AndCondition(_Condition):
    """True when every condition is true."""

    condition: Literal["and"]
    conditions: Conditions


class OrCondition(_Condition):
    """True when any condition is true."""

    condition: Literal["or"]
    conditions: Conditions


class NotCondition(_Condition):
    """True when none of the conditions is true."""

    condition: Literal["not"]
    conditions: Conditions


_KINDS: dict[str, type[_Condition]] = {
    "state": StateCondition, "time": TimeCondition, "schedule": ScheduleCondition,
    "template": TemplateCondition, "and": AndCondition, "or": OrCondition, "not": NotCondition,
}
CONDITION_KINDS = list(_KINDS)


class _UnknownCondition(_Condition, UnknownStep):
    needs = "each condition needs a condition: " + ", ".join(CONDITION_KINDS)
    condition: Annotated[Any, PlainValidator(unknown_kind("condition", CONDITION_KINDS))] = None


def _template_shorthand(value: Any) -> Any:
    # HA shorthand: a bare template string is a template condition.
    if is_template(value):
        return {"condition": "template", "value_template": value}
    return value


Condition = Annotated[
    Annotated[
        Annotated[StateCondition, Tag("condition[state]")]
        | Annotated[TimeCondition, Tag("condition[time]")]
        | Annotated[ScheduleCondition, Tag("condition[schedule]")]
        | Annotated[TemplateCondition, Tag("condition[template]")]
        | Annotated[AndCondition, Tag("condition[and]")]
        | Annotated[OrCondition, Tag("condition[or]")]
        | Annotated[NotCondition, Tag("condition[not]")]
        | Annotated[_UnknownCondition, Tag("condition[?]")],
        Discriminator(tagged(("condition",), {k: f"condition[{k}]" for k in _KINDS},
                             "condition[?]", "condition kind"),
                      custom_error_type="invalid_condition",
                      custom_error_message="a condition is a mapping with a condition key "
                                           "or a template string"),
    ],
    BeforeValidator(_template_shorthand),
]
Conditions = Annotated[list[Condition], BeforeValidator(_shorthand)]

# and/or/not are completed by the model that holds them (see config_actions.py).
