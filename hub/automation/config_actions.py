"""Action models: service, delay, wait_for_trigger, choose, condition, stop, event, variables."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    field_validator,
    model_validator,
)

from .config_common import Data, Duration, DurationOrTemplate, StepModel, unknown_kind
from .config_conditions import Condition, Conditions
from .config_triggers import Trigger
from .errors import invalid
from .template import compile_complex

__all__ = [
    "ACTION_KINDS",
    "Action",
    "Actions",
    "ChooseAction",
    "ChooseOption",
    "DelayAction",
    "EventAction",
    "ServiceAction",
    "StopAction",
    "VariablesAction",
    "WaitForTriggerAction",
]

_SERVICE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


class _Action(StepModel):
    alias: str = ""
    enabled: bool = True
    continue_on_error: bool = False


class ServiceAction(_Action):
    """Call a service: `action: gate.open` (or the older `service: gate.open`)."""

    action: str | None = None
    service: str | None = None
    target: Data | None = None
    entity_id: Annotated[Any, AfterValidator(compile_complex)] = None
    data: Data = Field(default_factory=dict)
    response_variable: str | None = None

    @field_validator("action", "service")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not _SERVICE.match(value):
            raise invalid(f"expected a service like gate.open, got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_name(self) -> ServiceAction:
        if self.action is not None and self.service is not None:
            raise invalid("give action: or service:, not both")
        if self.target is not None and not set(self.target) <= {"entity_id"}:
            raise invalid("target takes entity_id")
        return self

    @property
    def service_name(self) -> tuple[str, str]:
        """Return (domain, service)."""
        domain, _, name = (self.action or self.service or "").partition(".")
        return domain, name


class DelayAction(_Action):
    """Wait for a duration (seconds, HH:MM:SS, a mapping, or a template)."""

    delay: DurationOrTemplate


class WaitForTriggerAction(_Action):
    """Wait until one of the triggers fires, or `timeout` passes."""

    wait_for_trigger: Annotated[list[Trigger], BeforeValidator(
        lambda v: [v] if isinstance(v, dict) else v)]
    timeout: Duration | None = None
    continue_on_timeout: bool = True


class ChooseOption(StepModel):
    """One branch of choose: its conditions and what to do."""

    alias: str = ""
    conditions: Conditions = Field(default_factory=list)
    sequence: Actions


class ChooseAction(_Action):
    """Run the first branch whose conditions hold, else `default`."""

    choose: Annotated[list[ChooseOption], BeforeValidator(
        lambda v: [v] if isinstance(v, dict) else v)]
    default: Actions = Field(default_factory=list)


class StopAction(_Action):
    """Stop the run here; `error: true` marks it failed."""

    stop: str
    error: bool = False
    response_variable: str | None = None


class EventAction(_Action):
    """Fire an event on the bus."""

    event: str = Field(pattern=r"^[a-z0-9_]+$")
    event_data: Data = Field(default_factory=dict)


class VariablesAction(_Action):
    """Set variables for the rest of the run (values may be templates)."""

    variables: Data


_KEYS = {"action": "service", "service": "service", "delay": "delay",
         "wait_for_trigger": "wait_for_trigger", "choose": "choose", "condition": "condition",
         "stop": "stop", "event": "event", "variables": "variables"}
ACTION_KINDS = ["action (a service call)", "delay", "wait_for_trigger", "choose", "condition",
                "stop", "event", "variables"]


def _pick(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, tag in _KEYS.items():
            if key in value:
                return f"action[{tag}]"
        return "action[?]"
    return None


class _UnknownAction(_Action):
    model_config = ConfigDict(extra="allow")

    kind: Annotated[Any, PlainValidator(unknown_kind("action", ACTION_KINDS))] = None

    @model_validator(mode="after")
    def _refuse(self) -> _UnknownAction:
        raise invalid("each action needs one of: " + ", ".join(ACTION_KINDS))


Action = Annotated[
    Annotated[ServiceAction, Tag("action[service]")]
    | Annotated[DelayAction, Tag("action[delay]")]
    | Annotated[WaitForTriggerAction, Tag("action[wait_for_trigger]")]
    | Annotated[ChooseAction, Tag("action[choose]")]
    | Annotated[Condition, Tag("action[condition]")]
    | Annotated[StopAction, Tag("action[stop]")]
    | Annotated[EventAction, Tag("action[event]")]
    | Annotated[VariablesAction, Tag("action[variables]")]
    | Annotated[_UnknownAction, Tag("action[?]")],
    Discriminator(_pick, custom_error_type="invalid_action",
                  custom_error_message="an action is a mapping such as {action: gate.open}"),
]
Actions = Annotated[list[Action], BeforeValidator(lambda v: [v] if isinstance(v, dict) else v)]

for _model in (ChooseOption, ChooseAction):
    _model.model_rebuild()
