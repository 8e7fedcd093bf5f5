"""What each escalation action does: sirens, announcements, priority, the duty list, police."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..bus import Context, Event
from ..incidents import Incident
from ..incidents.handling import (
    BroadcastAction,
    EscalationStep,
    ForwardAction,
    NotifyAction,
    SirenAction,
)
from ..notify import Notification, NotifyError

if TYPE_CHECKING:
    from ..hub import Hub
    from .config import EscalationConfig

_LOGGER = logging.getLogger(__name__)

__all__ = ["ACTION_SIREN_OFF", "ACTOR", "BROADCAST_TEXT", "KEY_PREFIX", "ActionRunner"]

ACTOR = "escalation"
#: a siren step's sirens were switched off after its `seconds` (data: step, entities)
ACTION_SIREN_OFF = "escalation_siren_off"
#: notify keys of escalation messages: escalation:<incident>:<step>:<channel>
KEY_PREFIX = "escalation:"
#: what the gate speakers say when a step does not give a message
BROADCAST_TEXT = {
    "en": "Alarm at the gate. Guard on duty, acknowledge the alarm in the panel now.",
    "zh": "校门报警。值班保安请立即在管理面板上确认报警。",
}


class ActionRunner:
    """Runs one step's action for one incident; returns the timeline step's data."""

    def __init__(self, hub: Hub, config: EscalationConfig) -> None:
        self.hub = hub
        self.config = config
        self.context = Context(user_id=ACTOR, origin="escalation")

    async def run(self, incident: Incident, step: EscalationStep, index: int) -> dict[str, Any]:
        """Do what step `index` says; errors are reported in the result, never raised."""
        if step.siren is not None:
            return await self._siren(incident, step.siren, index)
        if step.broadcast is not None:
            return await self._broadcast(incident, step.broadcast)
        if step.notify is not None:
            return self._notify(incident, step.notify, index)
        if step.forward is not None:
            return await self._forward(incident, step.forward, index)
        raise ValueError(f"step {step.kind} has no runner")  # priority: the engine does it

    # ------------------------------------------------------------------ at the gate

    def _at_gate(self, incident: Incident, domain: str, match: str = "") -> list[str]:
        found = []
        for entity in self.hub.entities.values():
            if entity.domain != domain:
                continue
            if incident.gate and entity.config.gate not in (None, incident.gate):
                continue
            if match and match not in entity.entity_id and match not in entity.name.lower():
                continue
            found.append(entity.entity_id)
        return sorted(found)

    async def _siren(self, incident: Incident, action: SirenAction,
                     index: int) -> dict[str, Any]:
        targets = action.entity_id or self._at_gate(incident, "switch", self.config.siren_match)
        result: dict[str, Any] = {"entities": targets}
        if not targets:
            return {**result, "error": "no siren at this gate"}
        errors = await self._call_each("switch", "turn_on", targets, {})
        if action.seconds > 0:
            result["off_at"] = self.hub.clock.now() + action.seconds
            self.siren_off_at(targets, incident.id, index, result["off_at"])
        return {**result, **({"error": errors} if errors else {}), "seconds": action.seconds}

    def siren_off_at(self, targets: list[str], incident_id: str, index: int, at: float) -> None:
        """Switch the sirens of step `index` off at `at` (now if past) and note it on the
        timeline; a restart finds the note missing and schedules it again."""
        self.hub.create_task(self._siren_off(targets, incident_id, index, at),
                             name=f"siren off {incident_id}")

    async def _siren_off(self, targets: list[str], incident_id: str, index: int,
                         at: float) -> None:
        await self.hub.clock.sleep_until(at)
        errors = await self._call_each("switch", "turn_off", targets, {})
        await self._record(incident_id, ACTION_SIREN_OFF, {
            "step": index, "entities": targets, **({"error": errors} if errors else {})})

    async def _broadcast(self, incident: Incident, action: BroadcastAction) -> dict[str, Any]:
        targets = action.entity_id or self._at_gate(incident, "speaker")
        language = action.language or self.hub.config.core.language
        message = action.message or BROADCAST_TEXT[language]
        result: dict[str, Any] = {"entities": targets, "message": message}
        if not targets:
            return {**result, "error": "no speaker at this gate"}
        errors = await self._call_each("speaker", "broadcast", targets, {
            "message": message, "language": language, "repeat": action.repeat,
            "volume": action.volume})
        return {**result, **({"error": errors} if errors else {})}

    async def _call_each(self, domain: str, service: str, targets: list[str],
                         data: dict[str, Any]) -> str:
        async def one(entity_id: str) -> str | None:
            try:
                await self.hub.services.call(domain, service, {"entity_id": entity_id, **data},
                                             self.context, timeout=15)
            except Exception as exc:  # one dead speaker must not stop the others
                return f"{entity_id}: {exc or type(exc).__name__}"
            return None

        errors = [e for e in await asyncio.gather(*(one(t) for t in targets)) if e]
        return "; ".join(errors)

    # ------------------------------------------------------------------ people and police

    def _notify(self, incident: Incident, action: NotifyAction, index: int) -> dict[str, Any]:
        from ..notify.component import NOTIFY

        manager = self.hub.components.get(NOTIFY)
        names = action.channel or self.config.notify or (
            sorted(manager.channels) if manager is not None else [])
        if manager is None or not names:
            return {"channels": [], "error": "no notify channel is configured"}
        notification = self.notification(incident, action)
        queued, sent, errors = [], [], []
        for name in names:
            key = f"{KEY_PREFIX}{incident.id}:{index}:{name}"
            if manager.already_sent(name, key):  # the step ran before a restart
                sent.append(name)
                continue
            try:  # once per step and channel, also when the step runs again after a restart
                manager.submit(name, notification, key)
            except NotifyError as exc:
                errors.append(str(exc))
                continue
            queued.append(name)
        return {"channels": queued, **({"already_sent": sent} if sent else {}),
                **({"error": "; ".join(errors)} if errors else {})}

    def notification(self, incident: Incident, action: NotifyAction) -> Notification:
        """Return the duty-list message: what, where, since when, unacknowledged for how long."""
        settings = self.hub.incidents.config.category(incident.category)
        name = settings.title or incident.category
        title = action.title or f"[P{int(incident.priority)}] {name} not acknowledged"
        zone = ZoneInfo(self.hub.config.core.time_zone)
        raised = dt.datetime.fromtimestamp(incident.created_at, zone).strftime("%H:%M:%S")
        waited = int(self.hub.clock.now() - incident.created_at)
        lines = [action.message or incident.message,
                 f"Site: {self.hub.config.core.name}" + (f", gate {incident.gate}"
                                                        if incident.gate else ""),
                 f"Raised {raised}, not acknowledged after {waited} s.",
                 f"Panel: {self.hub.config.core.external_url.rstrip('/')}/#/incidents/"
                 f"{incident.id}"]
        return Notification("\n".join(lines), title, mention_all=action.mention_all,
                            incident_id=incident.id, priority=int(incident.priority))

    def delivered(self, event: Event) -> None:
        """On notify_sent / notify_failed of an escalation message: put it on the timeline."""
        key = event.data.get("key") or ""
        incident_id = event.data.get("incident_id")
        if not key.startswith(KEY_PREFIX) or not incident_id:
            return
        channel = event.data["channel"]
        if "error" in event.data:
            data, action = {"channel": channel, "error": event.data["error"]}, \
                "escalation_notify_failed"
        else:
            data = {"channel": channel, "detail": event.data.get("detail", "")}
            action = "escalation_notified"
        self.hub.create_task(self._record(incident_id, action, data),
                             name=f"escalation notified {incident_id} {channel}")

    async def _record(self, incident_id: str, action: str, data: dict[str, Any]) -> None:
        try:
            await self.hub.incidents.add_step(incident_id, action, data=data, actor=ACTOR,
                                              note=data.get("detail") or data.get("error", ""),
                                              forward=False)
        except Exception as exc:
            _LOGGER.warning("Incident %s: could not record notify outcome: %s", incident_id, exc)

    async def _forward(self, incident: Incident, action: ForwardAction,
                       index: int) -> dict[str, Any]:
        from ..uplinks.component import manager_of
        from ..uplinks.const import ACTION_FORWARD

        try:
            manager = manager_of(self.hub)
        except LookupError:
            return {"uplinks": [], "error": "no uplinks are configured"}
        names = action.uplinks or sorted(manager.uplinks)
        if not names:
            return {"uplinks": [], "error": "no uplinks are configured"}
        if any(s.action == ACTION_FORWARD and s.data.get("escalation_step") == index
               for s in incident.timeline):  # the step ran before a restart
            return {"uplinks": names, "skipped": "already forwarded"}
        try:
            await manager.forward(incident.id, action.uplinks, action.note, self.context,
                                  data={"escalation_step": index})
        except Exception as exc:
            return {"uplinks": names, "error": str(exc) or type(exc).__name__}
        return {"uplinks": names}
