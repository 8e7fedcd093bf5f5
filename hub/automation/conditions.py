"""Condition runtime: each condition config becomes a small function recorded in the trace."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .config_conditions import (
    AndCondition,
    NotCondition,
    OrCondition,
    ScheduleCondition,
    StateCondition,
    TemplateCondition,
    TimeCondition,
)
from .template import SecurityError, TemplateError

if TYPE_CHECKING:
    from ..states import StateMachine
    from .schedule import Schedules
    from .trace import Trace

__all__ = ["Check", "ConditionCompiler", "always"]

#: (run variables, trace or None) -> whether the condition holds
Check = Callable[[Mapping[str, Any], "Trace | None"], bool]


def always(variables: Mapping[str, Any], trace: Trace | None) -> bool:
    """The empty condition list: always true."""
    return True


class ConditionCompiler:
    """Turns condition configs into checks bound to the hub's states and schedules."""

    def __init__(self, states: StateMachine, schedules: Schedules, tz: dt.tzinfo) -> None:
        self.states = states
        self.schedules = schedules
        self.tz = tz

    def compile_all(self, configs: list[Any], path: str) -> Check:
        """Return one check that is true when every enabled condition is (stops at the first)."""
        checks = [self.compile(cfg, f"{path}/{i}") for i, cfg in enumerate(configs)
                  if cfg.enabled]
        if not checks:
            return always
        if len(checks) == 1:
            return checks[0]

        def every(variables: Mapping[str, Any], trace: Trace | None) -> bool:
            return all(check(variables, trace) for check in checks)

        return every

    def compile(self, cfg: Any, path: str) -> Check:
        """Return the check of one condition, recording its result under `path`."""
        test = self._test(cfg, path)

        def check(variables: Mapping[str, Any], trace: Trace | None) -> bool:
            try:
                result = test(variables, trace)
            except (TemplateError, SecurityError) as exc:
                if trace is not None:
                    trace.condition(path, False, str(exc))
                return False
            if trace is not None:
                trace.condition(path, result)
            return result

        return check

    def _test(self, cfg: Any, path: str) -> Check:
        if isinstance(cfg, StateCondition):
            return self._state(cfg)
        if isinstance(cfg, TimeCondition):
            return self._time(cfg)
        if isinstance(cfg, ScheduleCondition):
            schedule = self.schedules[cfg.schedule]
            inside = cfg.inside is not None
            return lambda variables, trace: schedule.is_active() is inside
        if isinstance(cfg, TemplateCondition):
            template = cfg.value_template
            return lambda variables, trace: template.render_bool(variables)
        if isinstance(cfg, AndCondition | OrCondition | NotCondition):
            children = [self.compile(c, f"{path}/conditions/{i}")
                        for i, c in enumerate(cfg.conditions) if c.enabled]
            if isinstance(cfg, AndCondition):
                return lambda v, t: all(c(v, t) for c in children)
            if isinstance(cfg, OrCondition):
                return lambda v, t: any(c(v, t) for c in children)
            return lambda v, t: not any(c(v, t) for c in children)
        raise TypeError(f"unknown condition {type(cfg).__name__}")

    def _state(self, cfg: StateCondition) -> Check:
        get = self.states.get
        wanted = frozenset(cfg.state or ())
        attribute, hold, need_all = cfg.attribute, cfg.for_, cfg.match == "all"

        def one(entity_id: str) -> bool:
            state = get(entity_id)
            if state is None:
                return False
            value = state.state if attribute is None else state.attributes.get(attribute)
            if str(value) not in wanted and value not in wanted:
                return False
            return hold is None or time.time() - state.last_changed >= hold

        entity_ids = cfg.entity_id
        if need_all:
            return lambda variables, trace: all(one(e) for e in entity_ids)
        return lambda variables, trace: any(one(e) for e in entity_ids)

    def _time(self, cfg: TimeCondition) -> Check:
        tz, after, before, weekday = self.tz, cfg.after, cfg.before, cfg.weekday

        def test(variables: Mapping[str, Any], trace: Trace | None) -> bool:
            now = dt.datetime.now(tz)
            if weekday is not None and now.weekday() not in weekday:
                return False
            seconds = now.hour * 3600 + now.minute * 60 + now.second
            if after is not None and before is not None and before < after:
                return seconds >= after or seconds < before  # wraps past midnight
            if after is not None and seconds < after:
                return False
            return before is None or seconds < before

        return test
