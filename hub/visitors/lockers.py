"""The visitor check's lockers: real locker banks when a plugin provides the `locker` kind.

The hub does not know lockers; a plugin registers the kind (plugins/lockers/locker_kind).
When entities of that kind exist, the visitor check works through its services by name, as
it opens the gate through `gate.open`: check-in assigns a locker (`locker.assign`, holder
`visit:<id>`, never the visitor's name) and opens its door (`locker.open`); check-out opens it
again and frees it (`locker.release`). Lockers are found by their `label` attribute (what is
written on the door) and, at check-out, by their holder. Without such entities the
`visitors.lockers` labels of the configuration are used, as before.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..bus import Context
from ..exceptions import HubError, ServiceValidationError
from ..states import State

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["LOCKER_DOMAIN", "VisitorLockers", "holder_of"]

_LOGGER = logging.getLogger(__name__)

LOCKER_DOMAIN = "locker"


def holder_of(visitor_id: str) -> str:
    """The holder id a visit's locker carries (no name: every panel user sees states)."""
    return f"visit:{visitor_id}"


def _invalid(message: str) -> ServiceValidationError:
    return ServiceValidationError(f"locker: {message}", [("locker", message)])


class VisitorLockers:
    """Find, assign, open and free lockers of the `locker` kind for visits."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def states(self) -> list[State]:
        """Every locker door, ordered by bank and door number."""
        return sorted(self.hub.states.all(LOCKER_DOMAIN),
                      key=lambda s: (str(s.attributes.get("bank", "")),
                                     int(s.attributes.get("door_number") or 0), s.entity_id))

    @property
    def present(self) -> bool:
        """Whether any locker of the kind exists (else the configured labels are used)."""
        return any(e.domain == LOCKER_DOMAIN for e in self.hub.entities.values())

    def _at_gate(self, gate: str) -> list[State]:
        states = self.states()
        here = [s for s in states if gate and s.attributes.get("gate") == gate]
        return here or states

    def find(self, label: str, gate: str) -> State:
        """The locker labelled `label` (at the visit's gate first); refuse an unknown one."""
        for state in self._at_gate(gate):
            if str(state.attributes.get("label")) == label:
                return state
        labels = ", ".join(str(s.attributes.get("label")) for s in self.states())
        raise _invalid(f"no locker '{label}' (lockers: {labels})")

    def free(self, gate: str) -> State:
        """The first free, empty, reachable locker at the gate; refuse when there is none."""
        for state in self._at_gate(gate):
            if state.state == "free" and not state.attributes.get("occupied"):
                return state
        raise _invalid(f"no free locker at gate '{gate or 'any'}'")

    def check_free(self, state: State) -> None:
        """Refuse a locker that is in use, holds something or cannot be reached."""
        label = state.attributes.get("label")
        if state.state == "unavailable":
            raise _invalid(f"locker {label} cannot be reached "
                           f"({state.attributes.get('unavailable_reason', 'no answer')})")
        if state.state != "free":
            raise _invalid(f"locker {label} is in use")
        if state.attributes.get("occupied"):
            raise _invalid(f"locker {label} is not empty")

    async def take(self, state: State, visitor_id: str, context: Context) -> None:
        """Assign the locker to the visit and open its door; undo the assignment on failure."""
        entity = {"entity_id": state.entity_id}
        await self.hub.services.call(LOCKER_DOMAIN, "assign",
                                     {**entity, "holder": holder_of(visitor_id)}, context)
        try:
            await self.hub.services.call(LOCKER_DOMAIN, "open", entity, context)
        except BaseException:
            await self.hub.services.call(LOCKER_DOMAIN, "release", entity, context)
            raise

    def held_by(self, visitor_id: str) -> State | None:
        """The locker a visit holds, if any."""
        holder = holder_of(visitor_id)
        return next((s for s in self.states() if s.attributes.get("holder") == holder), None)

    async def give_back(self, visitor_id: str, context: Context) -> str | None:
        """Open the visit's locker and free it; return what went wrong (the visitor still
        leaves: the guard opens it by key), or None."""
        state = self.held_by(visitor_id)
        if state is None:
            return None
        entity = {"entity_id": state.entity_id}
        try:
            await self.hub.services.call(LOCKER_DOMAIN, "open", entity, context)
        except HubError as err:
            _LOGGER.warning("Locker %s not opened at check-out: %s",
                            state.attributes.get("label"), err)
            return f"locker {state.attributes.get('label')} did not open: {err}"
        await self.hub.services.call(LOCKER_DOMAIN, "release", entity, context)
        return None

    def listing(self) -> list[dict[str, Any]]:
        """Each locker as the Visitors page lists it: label, entity, state, door, holder."""
        return [{"locker": str(s.attributes.get("label")), "entity_id": s.entity_id,
                 "state": s.state, "door": s.attributes.get("door"),
                 "occupied": s.attributes.get("occupied"), "gate": s.attributes.get("gate"),
                 "holder": s.attributes.get("holder")} for s in self.states()]
