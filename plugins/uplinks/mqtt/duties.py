"""The five duties of each gate, as the city platform shows them (docs/city.md).

Per gate (the `gate:` of its devices): the one-key alarm online and its last test, the guard
on post, cameras online, the broadcast speaker online, watch-list recognition running.
`None` means the gate has nothing to say about that duty (no such device configured).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from hub.hubkey import RECOGNITION, RECOGNITION_ERROR
from hub.states import STATE_UNAVAILABLE, State
from hub.uplinks.message import iso

if TYPE_CHECKING:
    from hub import Hub

__all__ = ["PanicTests", "gate_duties"]


class PanicTests:
    """When each gate's panic buttons were last tested (alarm.test incidents)."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    def record(self, incident: Mapping[str, Any]) -> bool:
        """Note a test incident of category panic; return True if it changed anything."""
        if not incident.get("test") or incident.get("category") != "panic":
            return False
        gate = incident.get("gate")
        if not isinstance(gate, str):
            return False
        at = float(incident.get("created_at") or time.time())
        if at <= self.last.get(gate, 0.0):
            return False
        self.last[gate] = at
        return True


def _online(state: State) -> bool:
    return state.state != STATE_UNAVAILABLE


def _by_gate(states: Iterable[State]) -> dict[str, list[State]]:
    gates: dict[str, list[State]] = {}
    for state in states:
        gate = state.attributes.get("gate")
        if isinstance(gate, str) and gate:
            gates.setdefault(gate, []).append(state)
    return gates


def gate_duties(hub: Hub, tests: PanicTests, now: float | None = None) -> dict[str, Any]:
    """Return {gate: duties} for every gate some device names."""
    now = time.time() if now is None else now
    recognition = hub.components.get(RECOGNITION)
    watched: dict[str, str | None] = {}  # camera -> gate of the recognition config
    offpost = None
    if recognition is not None:
        watched = {c.entity_id: c.gate for c in recognition.config.cameras}
        offpost = recognition.offpost
    failed = hub.components.get(RECOGNITION_ERROR) is not None
    gates = _by_gate(hub.states.all())
    for gate in tests.last:
        gates.setdefault(gate, [])
    out: dict[str, Any] = {}
    for gate, states in sorted(gates.items()):
        panic = [s for s in states if s.domain == "alarm"
                 and s.attributes.get("category", "panic") == "panic"]
        cameras = [s for s in states if s.domain == "camera"]
        speakers = [s for s in states if s.domain == "speaker"]
        names = {s.entity_id for s in cameras}
        running: bool | None = None
        if recognition is not None and any(
                watched_gate == gate or camera in names for camera, watched_gate
                in watched.items()):
            running = True
        elif failed and cameras:
            running = False
        guard: bool | None = None
        if offpost is not None and (offpost.config.gate == gate or offpost.camera in names):
            with contextlib.suppress(KeyError):
                if offpost.on_duty(now):
                    guard = not offpost.off_post
        last_test = tests.last.get(gate)
        out[gate] = {
            "panic": {"online": any(_online(s) for s in panic) if panic else None,
                      "last_test_at": iso(last_test) if last_test else None},
            "guard_on_post": guard,
            "cameras": {"online": sum(_online(s) for s in cameras), "total": len(cameras)},
            "speaker": {"online": any(_online(s) for s in speakers) if speakers else None},
            "recognition": {"running": running},
        }
    return out
