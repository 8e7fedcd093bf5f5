"""The metal detector's last pass per gate, taken from the detectors' states.

A metal detector is an alarm entity of category `metal_detected`. A change to `triggered`
is a pass with metal; a rise of its `passes` attribute without a trigger is a clear pass.
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


@dataclass(slots=True, frozen=True)
class MetalPass:
    """One walk through a detector."""

    entity_id: str
    gate: str | None
    result: str  # "metal" or "clear"
    at: float
    zone: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the pass as a JSON-ready dict with its age."""
        return {"entity_id": self.entity_id, "gate": self.gate, "result": self.result,
                "at": self.at, "zone": self.zone, "age_seconds": round(time.time() - self.at, 1)}


def _is_detector(state: State | None) -> bool:
    return (state is not None and state.domain == "alarm"
            and state.attributes.get("category") == CATEGORY)


class MetalWatch:
    """Remembers the last pass of every metal detector."""

    def __init__(self, hub: Hub) -> None:
        self._last: dict[str, MetalPass] = {}
        self.remove = hub.bus.listen(EVENT_STATE_CHANGED, self._on_state)

    def _on_state(self, event: Event) -> None:
        new: State | None = event.data.get("new_state")
        old: State | None = event.data.get("old_state")
        if not _is_detector(new) or new is None:
            return
        attrs = new.attributes
        gate = attrs.get("gate")
        zone = attrs.get("zone") if isinstance(attrs.get("zone"), int) else None
        if new.state == "triggered" and (old is None or old.state != "triggered"):
            self._last[new.entity_id] = MetalPass(new.entity_id, gate, "metal", new.last_updated,
                                                  zone)
            return
        passes, before = attrs.get("passes"), old.attributes.get("passes") if old else None
        if isinstance(passes, int) and isinstance(before, int) and passes > before:
            last = self._last.get(new.entity_id)
            if last is None or last.result != "metal" or new.last_updated - last.at > 2.0:
                self._last[new.entity_id] = MetalPass(new.entity_id, gate, "clear",
                                                      new.last_updated)

    def last_pass(self, gate: str | None, within: float) -> MetalPass | None:
        """Return the newest pass at `gate` (any gate when None) no older than `within` s."""
        limit = time.time() - within
        found = [p for p in self._last.values()
                 if p.at >= limit and (gate is None or p.gate in (gate, None))]
        return max(found, key=lambda p: p.at, default=None)
