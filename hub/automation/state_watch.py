"""The state trigger: from/to matching, attributes, and `for` (plain or counted in a schedule)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..bus import Event
from .clock import wait_in_schedule
from .config_triggers import StateTrigger
from .template import TemplateError

if TYPE_CHECKING:
    from ..hub import Hub
    from .schedule import Schedule

__all__ = ["StateWatch", "TriggerError"]

_MISSING = object()

#: Told (trigger variables, message) when a trigger cannot fire, e.g. its `for` template failed.
TriggerError = Callable[[dict[str, Any], str], None]


class StateWatch:
    """One state trigger attached to its callback; holds the pending `for` timers."""

    __slots__ = ("attribute", "base", "callback", "config", "for_seconds", "for_template",
                 "from_", "globals", "hub", "not_from", "not_to", "on_error", "only_state",
                 "pending", "schedule", "to")

    def __init__(self, hub: Hub, config: StateTrigger, callback: Callable[[dict[str, Any]], None],
                 base: dict[str, Any], schedule: Schedule | None, on_error: TriggerError,
                 template_globals: Mapping[str, Any]) -> None:
        self.hub = hub
        self.on_error = on_error
        self.globals = template_globals
        self.config = config
        self.callback = callback
        self.base = base
        self.schedule = schedule
        self.from_ = frozenset(config.from_) if config.from_ is not None else None
        self.to = frozenset(config.to) if config.to is not None else None
        self.not_from = frozenset(config.not_from or ())
        self.not_to = frozenset(config.not_to or ())
        self.attribute = config.attribute
        self.only_state = not config.any_change
        self.for_seconds = config.for_.seconds if config.for_ is not None else None
        self.for_template = config.for_.template if config.for_ is not None else None
        self.pending: dict[str, asyncio.TimerHandle | asyncio.Task[None]] | None = (
            {} if config.for_ is not None else None)

    def _value(self, state: Any) -> Any:
        if state is None:
            return None
        if self.attribute is None:
            return state.state
        value = state.attributes.get(self.attribute, _MISSING)
        # Compare like the YAML was written: 3 matches to: "3", True matches to: "on".
        if isinstance(value, bool):
            return "on" if value else "off"
        return str(value) if isinstance(value, int | float) else value

    def _to_matches(self, value: Any) -> bool:
        if self.to is not None and value not in self.to:
            return False
        return value not in self.not_to

    def handle(self, event: Event) -> None:
        """Check one state_changed event of a watched entity."""
        data = event.data
        old, new = data["old_state"], data["new_state"]
        entity_id = data["entity_id"]
        new_value = self._value(new)
        pending = self.pending
        if pending and entity_id in pending and (new is None or not self._to_matches(new_value)):
            pending.pop(entity_id).cancel()
        if new is None:
            return
        old_value = self._value(old)
        if new_value == old_value and (self.only_state or self.attribute is not None):
            return
        if new_value is _MISSING:
            return
        if self.from_ is not None and old_value not in self.from_:
            return
        if old_value in self.not_from or not self._to_matches(new_value):
            return
        variables = {**self.base, "entity_id": entity_id, "from_state": old, "to_state": new,
                     "attribute": self.attribute, "for": self.for_seconds,
                     "description": f"state of {entity_id}"}
        if pending is None:
            self.callback(variables)
            return
        previous = pending.pop(entity_id, None)
        if previous is not None:
            previous.cancel()
        seconds = self.for_seconds or 0.0
        if self.for_template is not None:
            # As HA: `for` renders with the trigger's variables when the state matches.
            try:
                seconds = self.for_template.render({**self.globals, "trigger": variables}, "for")
            except TemplateError as exc:
                self.on_error(variables, str(exc))
                return
            variables["for"] = seconds
        self._start_for(entity_id, variables, seconds)

    def _start_for(self, entity_id: str, variables: dict[str, Any], seconds: float) -> None:
        pending = self.pending
        assert pending is not None
        if self.schedule is None:
            pending[entity_id] = asyncio.get_running_loop().call_later(
                seconds, self._done, entity_id, variables)
            return
        pending[entity_id] = self.hub.create_task(
            self._in_schedule(entity_id, variables, seconds), name=f"state for {entity_id}")

    async def _in_schedule(self, entity_id: str, variables: dict[str, Any],
                           seconds: float) -> None:
        assert self.schedule is not None
        if await wait_in_schedule(self.schedule, seconds):
            self._done(entity_id, variables, ours=asyncio.current_task())

    def _done(self, entity_id: str, variables: dict[str, Any], ours: object = None) -> None:
        pending = self.pending
        if pending is not None and (ours is None or pending.get(entity_id) is ours):
            pending.pop(entity_id, None)
        variables["schedule"] = self.schedule.name if self.schedule is not None else None
        self.callback(variables)

    def cancel_all(self) -> None:
        """Cancel every pending `for` timer."""
        if self.pending:
            for handle in self.pending.values():
                handle.cancel()
            self.pending.clear()
