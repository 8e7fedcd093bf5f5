"""The escalation engine: one task per unacknowledged incident walks its category's steps.

Each step's time is the incident's `created_at` plus the delays before it, so after a hub
restart the pending steps are recomputed from the stored incident: steps on the timeline
(`escalated`, with their index) are done, the rest run at their times (at once if the
time passed while the hub was down). The moment the incident leaves `raised`
(acknowledged, dispatched, resolved, false alarm), its task is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..bus import Event
from ..incidents import EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED, Incident, IncidentStatus
from ..incidents.handling import EscalationStep
from ..notify.const import EVENT_NOTIFY_FAILED, EVENT_NOTIFY_SENT
from .actions import ACTION_SIREN_OFF, ACTOR, ActionRunner

if TYPE_CHECKING:
    from ..hub import Hub
    from .config import EscalationConfig

_LOGGER = logging.getLogger(__name__)

__all__ = ["ACTION_ESCALATED", "EscalationEngine", "Planned", "pending", "plan"]

ACTION_ESCALATED = "escalated"


@dataclass(frozen=True, slots=True)
class Planned:
    """An action of the script: its index in the list and its offset from `created_at`."""

    index: int
    offset: float
    step: EscalationStep


def plan(steps: list[EscalationStep]) -> list[Planned]:
    """Return the actions of a script with their offsets (delays add up)."""
    offset, out = 0.0, []
    for index, step in enumerate(steps):
        if step.delay is not None:
            offset += step.delay
        else:
            out.append(Planned(index, offset, step))
    return out


def pending(incident: Incident, planned: list[Planned]) -> list[Planned]:
    """Return the planned actions the incident's timeline does not show as done."""
    done = {s.data.get("step") for s in incident.timeline if s.action == ACTION_ESCALATED}
    return [p for p in planned if p.index not in done]


class EscalationEngine:
    """Follows incidents; runs each unacknowledged one's escalation at its times."""

    def __init__(self, hub: Hub, config: EscalationConfig) -> None:
        self.hub = hub
        self.config = config
        self.runner = ActionRunner(hub, config)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._unlisten: list[Any] = []

    def start(self) -> None:
        """Listen for incidents; pick up the open ones once the hub has started."""
        bus = self.hub.bus
        self._unlisten = [self.hub.incidents.add_raise_hook(self._announce),
                          bus.listen(EVENT_INCIDENT_RAISED, self._raised),
                          bus.listen(EVENT_INCIDENT_UPDATED, self._updated),
                          bus.listen("hub_started", self._resume),
                          bus.listen(EVENT_NOTIFY_SENT, self.runner.delivered),
                          bus.listen(EVENT_NOTIFY_FAILED, self.runner.delivered)]

    def stop(self) -> None:
        """Stop listening; running tasks end with the hub's."""
        for remove in self._unlisten:
            remove()
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    @property
    def active(self) -> list[str]:
        """Return the ids of incidents whose escalation is running."""
        return list(self._tasks)

    def _announce(self, incident: Incident) -> None:
        """A raise hook: put the plan on the incident, so the panel can say what comes."""
        if not self.config.enabled or incident.test or "escalation" in incident.data:
            return
        planned = plan(self.hub.incidents.config.escalation(incident.category))
        if planned:
            incident.data["escalation"] = [{"step": p.index, "kind": p.step.kind,
                                            "after": p.offset} for p in planned]

    def _raised(self, event: Event) -> None:
        incident = event.data.get("incident") or {}
        if incident.get("status") == IncidentStatus.RAISED and not incident.get("test"):
            self._follow(event.data["incident_id"], event.data["category"])

    def _updated(self, event: Event) -> None:
        if event.data.get("status") != IncidentStatus.RAISED:
            task = self._tasks.pop(event.data["incident_id"], None)
            if task is not None and task is not asyncio.current_task():
                task.cancel()

    def _resume(self, event: Event) -> None:
        for incident in self.hub.incidents.open_incidents():
            self._sirens_still_on(incident)
            if incident.status == IncidentStatus.RAISED and not incident.test:
                self._follow(incident.id, incident.category)

    def _sirens_still_on(self, incident: Incident) -> None:
        """Switch off, at their time, the sirens a step left on when the hub stopped."""
        off = {s.data.get("step") for s in incident.timeline if s.action == ACTION_SIREN_OFF}
        for step in incident.timeline:
            data = step.data
            if (step.action == ACTION_ESCALATED and data.get("kind") == "siren"
                    and data.get("off_at") and data.get("entities")
                    and data.get("step") not in off):
                self.runner.siren_off_at(list(data["entities"]), incident.id, data["step"],
                                         float(data["off_at"]))

    def _follow(self, incident_id: str, category: str) -> None:
        if incident_id in self._tasks or not self.config.enabled:
            return
        planned = plan(self.hub.incidents.config.escalation(category))
        if planned:
            self._tasks[incident_id] = self.hub.create_task(
                self._run(incident_id, planned), name=f"escalation {incident_id}")

    async def _run(self, incident_id: str, planned: list[Planned]) -> None:
        try:
            incident = await self.hub.incidents.get(incident_id)
            for item in pending(incident, planned):
                await self.hub.clock.sleep_until(incident.created_at + item.offset)
                incident = await self.hub.incidents.get(incident_id)
                if incident.status != IncidentStatus.RAISED:
                    return
                await self._execute(incident, item)
        except asyncio.CancelledError:
            raise
        except Exception:  # logged; the incident itself is untouched
            _LOGGER.exception("Escalation of incident %s stopped", incident_id)
        finally:
            if self._tasks.get(incident_id) is asyncio.current_task():
                del self._tasks[incident_id]

    async def _execute(self, incident: Incident, item: Planned) -> None:
        kind = item.step.kind
        late = round(self.hub.clock.now() - incident.created_at - item.offset, 3)
        data: dict[str, Any] = {"step": item.index, "kind": kind, "due_after": item.offset,
                                "late": late}
        if item.step.priority is not None:
            if item.step.priority < incident.priority:
                await self.hub.incidents.change_priority(
                    incident.id, item.step.priority, action=ACTION_ESCALATED, data=data,
                    note=f"priority raised to {int(item.step.priority)}", actor=ACTOR)
                return
            data["skipped"] = "already at this priority or higher"
        else:
            data.update(await self.runner.run(incident, item.step, item.index))
        note = kind + (f": {data['error']}" if data.get("error") else "")
        await self.hub.incidents.add_step(incident.id, ACTION_ESCALATED, note=note, data=data,
                                          actor=ACTOR, forward=False)
        _LOGGER.info("Incident %s escalated: step %d (%s)", incident.id, item.index, kind)
