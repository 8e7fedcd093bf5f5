"""The `automation:` section: Home Assistant's automation shape, validated with file:line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, RootModel, field_validator

from ..entity import slugify
from .config_actions import (
    Actions,
    ChooseAction,
    IfAction,
    ParallelAction,
    RepeatAction,
    SequenceAction,
    ServiceAction,
    WaitForTriggerAction,
)
from .config_common import Data, StepModel
from .config_conditions import (
    AndCondition,
    Conditions,
    NotCondition,
    OrCondition,
    ScheduleCondition,
    StateCondition,
)
from .config_triggers import FaceTrigger, StateTrigger, Trigger
from .schedule_config import SchedulesConfig

if TYPE_CHECKING:
    from ..config import HubConfig

__all__ = [
    "AutomationConfig",
    "AutomationsConfig",
    "TraceConfig",
    "check",
    "references",
]

Loc = tuple[str | int, ...]


class TraceConfig(StepModel):
    """How many runs of one automation keep their trace."""

    stored_traces: int = Field(default=5, ge=1, le=100)


class AutomationConfig(StepModel):
    """One automation: when (trigger), only if (condition), then (action)."""

    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$", max_length=100)
    alias: str = ""
    description: str = ""
    mode: Literal["single", "restart", "queued", "parallel"] = "single"
    max: int = Field(default=10, ge=1, le=1000)
    max_exceeded: Literal["silent", "debug", "info", "warning", "error"] = "warning"
    initial_state: bool = True
    variables: Data = Field(default_factory=dict)
    # HA 2024.10 spells these triggers / conditions / actions; both spellings are accepted.
    trigger: Annotated[list[Trigger], BeforeValidator(
        lambda v: [v] if isinstance(v, dict) else v)] = Field(
        min_length=1, validation_alias=AliasChoices("trigger", "triggers"))
    condition: Conditions = Field(default_factory=list,
                                  validation_alias=AliasChoices("condition", "conditions"))
    action: Actions = Field(min_length=1, validation_alias=AliasChoices("action", "actions"))
    trace: TraceConfig = Field(default_factory=TraceConfig)

    def automation_id(self, index: int) -> str:
        """Return the id: given, else made from the alias, else automation_<index>."""
        return self.id or (slugify(self.alias) if self.alias else f"automation_{index}")


class AutomationsConfig(RootModel[list[AutomationConfig]]):
    """The `automation:` section: a list of automations."""

    @field_validator("root", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, dict) else value

    def with_ids(self) -> list[tuple[str, AutomationConfig]]:
        """Return (automation id, config) pairs in order."""
        return [(cfg.automation_id(i), cfg) for i, cfg in enumerate(self.root)]


def check(config: HubConfig) -> list[tuple[Loc, str, str]]:
    """Cross-check the automation section: unique ids, schedules that exist."""
    section: AutomationsConfig | None = config.sections.get("automation")
    schedules: SchedulesConfig | None = config.sections.get("schedules")
    if schedules is None and config.raw.get("schedules") is not None:
        return check_automations(section, None)  # the section is broken: reported already
    return check_automations(section, set(schedules.root) if schedules else set())


def check_automations(section: AutomationsConfig | None,
                      schedules: set[str] | None) -> list[tuple[Loc, str, str]]:
    """Return (loc, message, hint) for each duplicate id and unknown schedule (None: skip)."""
    if section is None:
        return []
    problems: list[tuple[Loc, str, str]] = []
    seen: dict[str, int] = {}
    known = ", ".join(sorted(schedules or ())) or "none defined"
    for index, (automation_id, cfg) in enumerate(section.with_ids()):
        loc: Loc = ("automation", index)
        if automation_id in seen:
            problems.append(((*loc, "id"), f"id '{automation_id}' is used by "
                             f"automation[{seen[automation_id]}]", "give each automation an id"))
        seen.setdefault(automation_id, index)
        if schedules is None:
            continue
        for where, kind, name in references(cfg, loc):
            if kind == "schedule" and name not in schedules:
                problems.append((where, f"unknown schedule '{name}'",
                                 f"schedules defined in the schedules section: {known}"))
    return problems


def references(cfg: AutomationConfig, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Yield (loc, "schedule" | "entity", name) for each schedule and literal entity id named."""
    for i, trigger in enumerate(cfg.trigger):
        yield from _trigger_refs(trigger, (*loc, "trigger", i))
    for i, condition in enumerate(cfg.condition):
        yield from _condition_refs(condition, (*loc, "condition", i))
    yield from _action_refs(cfg.action, (*loc, "action"))


def _trigger_refs(trigger: Any, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    if isinstance(trigger, StateTrigger):
        yield from _entities(trigger.entity_id, (*loc, "entity_id"))
        if trigger.for_ and trigger.for_.schedule:
            yield (*loc, "for"), "schedule", trigger.for_.schedule
    elif isinstance(trigger, FaceTrigger) and trigger.camera:
        yield from _entities(trigger.camera, (*loc, "camera"))


def _entities(value: Any, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Literal entity ids (a template is checked when it runs, not here)."""
    if isinstance(value, str):
        yield loc, "entity", value
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield (*loc, i), "entity", item


def _service_refs(action: ServiceAction, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    if action.target is not None:
        yield from _entities(action.target.get("entity_id"), (*loc, "target", "entity_id"))
    yield from _entities(action.entity_id, (*loc, "entity_id"))
    yield from _entities(action.data.get("entity_id"), (*loc, "data", "entity_id"))


def _condition_refs(condition: Any, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    if isinstance(condition, ScheduleCondition):
        yield (*loc, "inside" if condition.inside else "outside"), "schedule", condition.schedule
    elif isinstance(condition, StateCondition):
        yield from _entities(condition.entity_id, (*loc, "entity_id"))
    elif isinstance(condition, AndCondition | OrCondition | NotCondition):
        for i, inner in enumerate(condition.conditions):
            yield from _condition_refs(inner, (*loc, "conditions", i))


def _action_refs(actions: list[Any], loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    for i, action in enumerate(actions):
        where = (*loc, i)
        if isinstance(action, ServiceAction):
            yield from _service_refs(action, where)
        elif isinstance(action, ChooseAction):
            for j, option in enumerate(action.choose):
                for k, condition in enumerate(option.conditions):
                    yield from _condition_refs(condition, (*where, "choose", j, "conditions", k))
                yield from _action_refs(option.sequence, (*where, "choose", j, "sequence"))
            yield from _action_refs(action.default, (*where, "default"))
        elif isinstance(action, WaitForTriggerAction):
            for j, trigger in enumerate(action.wait_for_trigger):
                yield from _trigger_refs(trigger, (*where, "wait_for_trigger", j))
        elif isinstance(action, RepeatAction):
            spec = action.repeat
            for key, conditions in (("while", spec.while_), ("until", spec.until)):
                for k, condition in enumerate(conditions or ()):
                    yield from _condition_refs(condition, (*where, "repeat", key, k))
            yield from _action_refs(spec.sequence, (*where, "repeat", "sequence"))
        elif isinstance(action, ParallelAction):
            yield from _action_refs(action.parallel, (*where, "parallel"))
        elif isinstance(action, SequenceAction):
            yield from _action_refs(action.sequence, (*where, "sequence"))
        elif isinstance(action, IfAction):
            for k, condition in enumerate(action.if_):
                yield from _condition_refs(condition, (*where, "if", k))
            yield from _action_refs(action.then, (*where, "then"))
            yield from _action_refs(action.else_, (*where, "else"))
        else:
            yield from _condition_refs(action, where)
