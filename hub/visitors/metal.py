"""The metal detector's last pass per gate, taken from the detectors' states.

A metal detector is an alarm entity of category `metal_detected`; a change to `triggered`
is a pass with metal. Clear passes come from a pass counter: a `passes` attribute of that
alarm entity, or a sensor at the same gate whose id ends in `_passes` (the Modbus IO
plugin's register sensors). A counter rise within a few seconds of an alarm is the same
walk, so it does not turn a metal result into a clear one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..bus import Event
from ..states import EVENT_STATE_CHANGED, State

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["MetalPass", "MetalWatch"]

CATEGORY = "metal_detected"
SAME_WALK = 3.0


@dataclass(slots=True, frozen=True)
class MetalPass:
    """One walk through a detector."""

    entity_id: str
    gate: str | None
    result: str  # "metal" or "clear"
    at: float

    def as_dict(self) -> dict[str, Any]:
        """Return the pass as a JSON-ready dict with its age."""
        return {"entity_id": self.entity_id, "gate": self.gate, "result": self.result,
                "at": self.at, "age_seconds": round(time.time() - self.at, 1)}


def _count(state: State | None, key: str | None) -> int | None:
    if state is None:
        return None
    value = state.attributes.get(key) if key else state.state
    if not isinstance(value, str | int | float):
        return None
    try:
        return int(value)
    except ValueError:
        return None


class MetalWatch:
    """Remembers the last pass through a metal detector at each gate."""

    def __init__(self, hub: Hub) -> None:
        self._last: dict[str, MetalPass] = {}
        self.remove = hub.bus.listen(EVENT_STATE_CHANGED, self._on_state)

    def _on_state(self, event: Event) -> None:
        new: State | None = event.data.get("new_state")
        old: State | None = event.data.get("old_state")
        if new is None:
            return
        gate = new.attributes.get("gate")
        if new.domain == "alarm" and new.attributes.get("category") == CATEGORY:
            if new.state == "triggered" and (old is None or old.state != "triggered"):
                self._record(MetalPass(new.entity_id, gate, "metal", new.last_updated))
            elif (_count(new, "passes") or 0) > (_count(old, "passes") or 0) and old:
                self._clear(new.entity_id, gate, new.last_updated)
        elif new.domain == "sensor" and new.entity_id.endswith("_passes"):
            before, after = _count(old, None), _count(new, None)
            if before is not None and after is not None and after > before:
                self._clear(new.entity_id, gate, new.last_updated)

    def _clear(self, entity_id: str, gate: str | None, at: float) -> None:
        last = self._last.get(gate or entity_id)
        if last is not None and last.result == "metal" and abs(at - last.at) < SAME_WALK:
            return
        self._record(MetalPass(entity_id, gate, "clear", at))

    def _record(self, found: MetalPass) -> None:
        self._last[found.gate or found.entity_id] = found

    def last_pass(self, gate: str | None, within: float) -> MetalPass | None:
        """Return the newest pass at `gate` (any gate when None) no older than `within` s."""
        limit = time.time() - within
        found = [p for p in self._last.values()
                 if p.at >= limit and (gate is None or p.gate in (gate, None))]
        return max(found, key=lambda p: p.at, default=None)
