"""Action models: service, delay, wait_for_trigger, wait_template, choose, if, condition, stop,
event, variables, repeat, parallel, sequence."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    field_validator,
    model_validator,
)

from .config_common import (
    Data,
    DurationOrTemplate,
    StepModel,
    TemplateValue,
    UnknownStep,
    unknown_kind,
)
from .config_conditions import Condition, Conditions
from .config_triggers import Trigger
from .errors import checked, invalid
from .template import Template, compile_complex, is_template

__all__ = [
    "ACTION_KINDS",
    "Action",
    "Actions",
    "ChooseAction",
    "ChooseOption",
    "DelayAction",
    "EventAction",
    "IfAction",
    "ParallelAction",
    "RepeatAction",
    "RepeatSpec",
    "SequenceAction",
    "ServiceAction",
    "StopAction",
    "VariablesAction",
    "WaitForTriggerAction",
    "WaitTemplateAction",
]

_SERVICE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")

#: The most rounds one repeat may run (HA stops while/until loops at 10,000 too).
REPEAT_LIMIT = 10_000


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
    timeout: DurationOrTemplate | None = None
    continue_on_timeout: bool = True


class WaitTemplateAction(_Action):
    """Wait until a template renders true (checked now and on every state change)."""

    wait_template: TemplateValue
    timeout: DurationOrTemplate | None = None
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


class IfAction(_Action):
    """Run `then` when every condition holds, else `else` (HA's if/then/else)."""

    if_: Conditions = Field(alias="if")
    then: Actions
    else_: Actions = Field(default_factory=list, alias="else")


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


def _count(value: Any) -> int | Template:
    if is_template(value):
        return Template(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number or a template, got {value!r}")
    if not 0 <= value <= REPEAT_LIMIT:
        raise ValueError(f"expected 0 to {REPEAT_LIMIT}, got {value}")
    return value


def _items(value: Any) -> list[Any] | Template:
    if is_template(value):
        return Template(value)
    items = value if isinstance(value, list) else [value]  # HA's ensure_list
    if len(items) > REPEAT_LIMIT:
        raise ValueError(f"at most {REPEAT_LIMIT} items, got {len(items)}")
    compiled: list[Any] = compile_complex(items)
    return compiled


class RepeatSpec(StepModel):
    """How to repeat: exactly one of count, while, until, for_each; and the sequence."""

    count: Annotated[int | Template, PlainValidator(checked(_count))] | None = None
    while_: Conditions | None = Field(default=None, alias="while")
    until: Conditions | None = None
    for_each: Annotated[list[Any] | Template, PlainValidator(checked(_items))] | None = None
    sequence: Actions

    @model_validator(mode="after")
    def _one_kind(self) -> RepeatSpec:
        given = [k for k in ("count", "while_", "until", "for_each")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise invalid("give exactly one of count, while, until, for_each"
                          + (f" (got {', '.join(k.rstrip('_') for k in given)})" if given
                             else ""))
        return self


class RepeatAction(_Action):
    """Run a sequence again and again: count times, while/until conditions, for each item."""

    repeat: RepeatSpec


class ParallelAction(_Action):
    """Run actions (or `- sequence: [...]`) at the same time; done when all are done."""

    parallel: Annotated[list[Action], BeforeValidator(
        lambda v: [v] if isinstance(v, dict) else v), Field(min_length=1)]


class SequenceAction(_Action):
    """Run a group of actions in order (a parallel branch of several steps)."""

    sequence: Actions


_KEYS = {"action": "service", "service": "service", "delay": "delay",
         "wait_for_trigger": "wait_for_trigger", "wait_template": "wait_template",
         "choose": "choose", "if": "if", "condition": "condition",
         "stop": "stop", "event": "event", "variables": "variables", "repeat": "repeat",
         "parallel": "parallel", "sequence": "sequence"}
ACTION_KINDS = ["action (a service call)", "delay", "wait_for_trigger", "wait_template", "choose",
                "if", "condition", "stop", "event", "variables", "repeat", "parallel",
                "sequence"]


def _pick(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, tag in _KEYS.items():
            if key in value:
                return f"action[{tag}]"
        return "action[?]"
    return None


class _UnknownAction(_Action, UnknownStep):
    needs = "each action needs one of: " + ", ".join(ACTION_KINDS)
    kind: Annotated[Any, PlainValidator(unknown_kind("action", ACTION_KINDS))] = None


Action = Annotated[
    Annotated[ServiceAction, Tag("action[service]")]
    | Annotated[DelayAction, Tag("action[delay]")]
    | Annotated[WaitForTriggerAction, Tag("action[wait_for_trigger]")]
    | Annotated[WaitTemplateAction, Tag("action[wait_template]")]
    | Annotated[ChooseAction, Tag("action[choose]")]
    | Annotated[IfAction, Tag("action[if]")]
    | Annotated[Condition, Tag("action[condition]")]
    | Annotated[StopAction, Tag("action[stop]")]
    | Annotated[EventAction, Tag("action[event]")]
    | Annotated[VariablesAction, Tag("action[variables]")]
    | Annotated[RepeatAction, Tag("action[repeat]")]
    | Annotated[ParallelAction, Tag("action[parallel]")]
    | Annotated[SequenceAction, Tag("action[sequence]")]
    | Annotated[_UnknownAction, Tag("action[?]")],
    Discriminator(_pick, custom_error_type="invalid_action",
                  custom_error_message="an action is a mapping such as {action: gate.open}"),
]
Actions = Annotated[list[Action], BeforeValidator(lambda v: [v] if isinstance(v, dict) else v)]

# The models that hold actions (choose, if, repeat, parallel, sequence) are left to be
# completed by the automation model that contains them: building each of them on its own
# here would build the whole recursive action union once per model (7 ms of every start).

