"""Field types shared by trigger, condition and action models."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..incidents import Priority
from .duration import DurationTemplate, parse_duration_or_template
from .errors import checked, invalid
from .template import Template, compile_complex
from .timeparse import parse_duration, parse_time_of_day, parse_weekdays

__all__ = [
    "Data",
    "Duration",
    "DurationOrTemplate",
    "EntityIds",
    "Names",
    "PriorityValue",
    "StateValues",
    "StepModel",
    "TemplateValue",
    "TimeOfDay",
    "UnknownStep",
    "Weekdays",
    "tagged",
    "unknown_kind",
]

_ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


class StepModel(BaseModel):
    """Base of every trigger, condition and action model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class UnknownStep(StepModel):
    """The catch-all member of a step union: refused, `needs` saying what a step needs.

    A subclass lists its kind's base first (`class _UnknownAction(_Action, UnknownStep)`), so
    that this `extra="allow"` wins and the refusal, not a list of unexpected keys, is the error.
    Its kind field, validated by `unknown_kind`, names an unknown kind before that.
    """

    model_config = ConfigDict(extra="allow")
    needs: ClassVar[str]

    @model_validator(mode="after")
    def _refuse(self) -> Self:
        raise invalid(self.needs)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str | int | float | bool) else value


def _entity_ids(value: tuple[str, ...]) -> tuple[str, ...]:
    for entity_id in value:
        if not _ENTITY_ID.match(entity_id):
            raise ValueError(f"{entity_id!r} is not an entity id like gate.main_entrance")
    return value


def _state_text(value: Any) -> Any:
    # Why: YAML 1.1 reads bare on/off/yes/no as booleans; states are strings.
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        return str(value)
    return value


def _state_values(value: Any) -> Any:
    if value is None:
        return None
    return tuple(_state_text(v) for v in _as_list(value))


def _template(value: Any) -> Template:
    if not isinstance(value, str):
        raise ValueError(f"expected a template string, got {type(value).__name__}")
    return Template(value)


def _priority(value: Any) -> int:
    try:
        return int(Priority.parse(value))
    except (KeyError, ValueError):
        raise ValueError("expected 1-4 or one of critical, high, medium, low") from None


EntityIds = Annotated[tuple[str, ...], BeforeValidator(_as_list),
                      AfterValidator(checked(_entity_ids))]
Names = Annotated[tuple[str, ...], BeforeValidator(_as_list)]
StateValues = Annotated[tuple[str, ...] | None, BeforeValidator(_state_values)]
TemplateValue = Annotated[Template, PlainValidator(checked(_template))]
Duration = Annotated[float, PlainValidator(checked(parse_duration))]
DurationOrTemplate = Annotated[float | DurationTemplate,
                               PlainValidator(checked(parse_duration_or_template))]
TimeOfDay = Annotated[int, PlainValidator(checked(parse_time_of_day))]
Weekdays = Annotated[frozenset[int], PlainValidator(checked(parse_weekdays))]
PriorityValue = Annotated[int, PlainValidator(checked(_priority))]
Data = Annotated[dict[str, Any], AfterValidator(checked(compile_complex))]


def tagged(keys: tuple[str, ...], tags: dict[str, str], unknown: str, expected: str
           ) -> Callable[[Any], str | None]:
    """Return a discriminator: the value under the first present key picks the tag."""

    def pick(value: Any) -> str | None:
        if isinstance(value, dict):
            kind = next((value[k] for k in keys if k in value), None)
            return tags.get(str(kind), unknown)
        if isinstance(value, BaseModel):
            return tags.get(str(getattr(value, keys[0], None)), unknown)
        return None

    pick.__doc__ = f"Pick the model from `{keys[0]}` ({expected})."
    return pick


def unknown_kind(what: str, known: list[str]) -> Callable[[Any], Any]:
    """Return a validator refusing an unknown kind, listing the known ones."""

    def refuse(value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("missing", "Field required")
        raise invalid(f"unknown {what} {value!r}; expected one of {', '.join(known)}")

    return refuse
