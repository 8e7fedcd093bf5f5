"""The state machine: the current state of every entity, with state_changed events."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .bus import _HUB_CONTEXT, Context, Event, EventBus

__all__ = ["EVENT_STATE_CHANGED", "STATE_UNAVAILABLE", "State", "StateMachine"]

EVENT_STATE_CHANGED = "state_changed"
STATE_UNAVAILABLE = "unavailable"


@dataclass(slots=True, frozen=True)
class State:
    """An entity's state at one moment; never mutated, replaced on change."""

    entity_id: str
    state: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    last_changed: float = field(default_factory=time.time)
    last_updated: float = field(default_factory=time.time)

    @property
    def domain(self) -> str:
        """Return the part of the entity id before the dot."""
        return self.entity_id.partition(".")[0]

    def as_dict(self) -> dict[str, Any]:
        """Return the state as a JSON-ready dict."""
        return {
            "entity_id": self.entity_id,
            "state": self.state,
            "attributes": dict(self.attributes),
            "last_changed": self.last_changed,
            "last_updated": self.last_updated,
        }


_NEW = object.__new__
_SET_FIELDS = tuple(
    State.__dict__[name].__set__
    for name in ("entity_id", "state", "attributes", "last_changed", "last_updated")
)


def _new_state(entity_id: str, state: str, attributes: Mapping[str, Any],
               last_changed: float, last_updated: float) -> State:
    """Build a State twice as fast as the frozen dataclass's __init__ (same object).

    The generated __init__ of a frozen dataclass sets each field through
    `object.__setattr__`; calling the slots' own setters skips that lookup. The hot path
    of every state write (issue 2 bench).
    """
    obj: State = _NEW(State)
    set_id, set_state, set_attributes, set_changed, set_updated = _SET_FIELDS
    set_id(obj, entity_id)
    set_state(obj, state)
    set_attributes(obj, attributes)
    set_changed(obj, last_changed)
    set_updated(obj, last_updated)
    return obj


class StateMachine:
    """Holds states by entity id and fires `state_changed` with old and new state."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._states: dict[str, State] = {}

    def get(self, entity_id: str) -> State | None:
        """Return the state of `entity_id`, or None."""
        return self._states.get(entity_id)

    def all(self, domain: str | None = None) -> list[State]:
        """Return all states, or those of one domain."""
        if domain is None:
            return list(self._states.values())
        prefix = domain + "."
        return [s for k, s in self._states.items() if k.startswith(prefix)]

    def __iter__(self) -> Iterator[State]:
        return iter(list(self._states.values()))

    def __len__(self) -> int:
        return len(self._states)

    def set(
        self,
        entity_id: str,
        new_state: str,
        attributes: Mapping[str, Any] | None = None,
        force_update: bool = False,
        context: Context | None = None,
    ) -> State:
        """Set a state; fire `state_changed` when the state or attributes changed."""
        if attributes is None:
            attributes = {}
        old = self._states.get(entity_id)
        if old is None:
            same_state = same_attributes = False
        else:
            same_state = old.state == new_state
            same_attributes = old.attributes == attributes
            if same_state and same_attributes and not force_update:
                return old
        now = time.time()
        # Unchanged attributes keep the old (never mutated) copy: no copy, and listeners
        # that cache per attributes object (the recorder's encoder) hit.
        state = _new_state(
            entity_id,
            new_state,
            old.attributes if same_attributes and old is not None else dict(attributes),
            old.last_changed if same_state and old is not None else now,
            now,
        )
        self._states[entity_id] = state
        self._bus.fire_event(Event(
            EVENT_STATE_CHANGED,
            {"entity_id": entity_id, "old_state": old, "new_state": state},
            now,
            context or _HUB_CONTEXT,
        ))
        return state

    def remove(self, entity_id: str) -> bool:
        """Forget an entity's state; fire `state_changed` with new_state None."""
        old = self._states.pop(entity_id, None)
        if old is None:
            return False
        self._bus.fire(EVENT_STATE_CHANGED,
                       {"entity_id": entity_id, "old_state": old, "new_state": None})
        return True
