"""The incident manager: raises incidents, walks their lifecycle, keeps every step."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..bus import Context
from ..exceptions import IncidentError
from .config import IncidentsConfig
from .locks import KeyedLocks
from .messages import localized_message
from .model import (
    TERMINAL,
    TRANSITIONS,
    Incident,
    IncidentStatus,
    OutboxItem,
    Priority,
    TimelineStep,
    new_id,
)
from .procedure import ACTION_CHECKED, check_item, procedure_for, snapshot_item
from .store import IncidentStore, MemoryIncidentStore

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)
#: Closed incidents kept in memory for quick reads (the panel without a recorder, a note added
#: right after a resolve); older ones are read back from the store when asked for.
KEEP_CLOSED = 50

__all__ = ["EVENT_INCIDENT_RAISED", "EVENT_INCIDENT_UPDATED", "IncidentManager", "OutboxProvider"]

EVENT_INCIDENT_RAISED = "incident_raised"
EVENT_INCIDENT_UPDATED = "incident_updated"
HUB_ACTOR = "hub"

OutboxProvider = Callable[[Incident, TimelineStep], list[OutboxItem]]
#: Called with a new incident before it is first stored (may add to its `data`).
RaiseHook = Callable[[Incident], None]


class IncidentManager:
    """Owns every incident of this hub; each change is stored before it is announced."""

    def __init__(self, hub: Hub, config: IncidentsConfig | None = None,
                 store: IncidentStore | None = None) -> None:
        self._hub = hub
        self.config = config or IncidentsConfig()
        self.store: IncidentStore = store or MemoryIncidentStore()
        self._incidents: dict[str, Incident] = {}  # open ones only
        self._closed: OrderedDict[str, Incident] = OrderedDict()  # the last KEEP_CLOSED
        self._providers: list[OutboxProvider] = []
        self._raise_hooks: list[RaiseHook] = []
        # Changes to one incident are ordered by its lock; raises of one (category, source)
        # by theirs, so a repeat cannot open a twin. Unrelated incidents store concurrently,
        # which lets the recorder commit them together under load.
        self._locks = KeyedLocks()
        self._open_by_source: dict[tuple[str, str | None], Incident] = {}

    async def load(self) -> None:
        """Load open incidents from the store (after a restart)."""
        for incident in await self.store.load_open():
            self._incidents[incident.id] = incident
            self._open_by_source[(incident.category, incident.source)] = incident

    def add_outbox_provider(self, provider: OutboxProvider) -> Callable[[], None]:
        """Have `provider` turn each stored step into outbox items; return a remover."""
        self._providers.append(provider)
        return lambda: self._providers.remove(provider)

    def add_raise_hook(self, hook: RaiseHook) -> Callable[[], None]:
        """Have `hook` see each new incident before it is stored; return a remover."""
        self._raise_hooks.append(hook)
        return lambda: self._raise_hooks.remove(hook)

    def open_incidents(self) -> list[Incident]:
        """Return open incidents, most urgent and newest first."""
        items = [i for i in self._incidents.values() if i.is_open]
        return sorted(items, key=lambda i: (int(i.priority), -i.created_at))

    def all(self) -> list[Incident]:
        """Return the open incidents and the last closed ones held in memory, newest first."""
        held = [*self._incidents.values(), *self._closed.values()]
        return sorted(held, key=lambda i: -i.created_at)

    async def get(self, incident_id: str) -> Incident:
        """Return an incident (a closed one from the store) or raise IncidentError."""
        incident = (self._incidents.get(incident_id) or self._closed.get(incident_id)
                    or await self.store.load(incident_id))
        if incident is None:
            raise IncidentError(f"incident_id: unknown incident '{incident_id}'",
                                [("incident_id", "unknown incident")])
        if incident.is_open:
            self._incidents[incident.id] = incident
        return incident

    def _closed_now(self, incident: Incident) -> None:
        """An incident ended: it leaves the open set; the last KEEP_CLOSED stay for reads."""
        self._incidents.pop(incident.id, None)
        self._closed[incident.id] = incident
        self._closed.move_to_end(incident.id)
        while len(self._closed) > KEEP_CLOSED:
            self._closed.popitem(last=False)

    def find_open(self, category: str, source: str | None) -> Incident | None:
        """Return the open incident of this category from this source, if any."""
        incident = self._open_by_source.get((category, source))
        return incident if incident is not None and incident.is_open else None

    async def raise_incident(
        self, category: str, *, source: str | None = None, message: str = "",
        priority: Priority | int | str | None = None, gate: str | None = None,
        cameras: list[str] | None = None, snapshots: list[str] | None = None,
        data: dict[str, Any] | None = None, test: bool = False, context: Context | None = None,
    ) -> Incident:
        """Raise an incident; an open one of the same category and source gets a step instead."""
        settings = self.config.category(category)
        actor = _actor(context)
        async with self._locks.hold(("raise", category, source)):
            existing = self.find_open(category, source) if self.config.dedupe_open else None
            if existing is not None and not test:
                async with self._locks.hold(existing.id):
                    step = TimelineStep("repeated", actor, note=message, data=data or {})
                    await self._commit(existing, step, context)
                return existing
            incident = Incident(
                id=new_id(), category=category,
                priority=Priority.parse(priority) if priority is not None else settings.priority,
                site=self._hub.site, message=message or settings.title or category,
                source=source, gate=gate, cameras=list(cameras or []),
                snapshots=list(snapshots or []), data=dict(data or {}), test=test,
                classification="test" if test else None,
            )
            if settings.instructions and "instructions" not in incident.data:
                incident.data["instructions"] = settings.instructions
            if "procedure" not in incident.data:
                items = procedure_for(self._hub, incident)
                if items:
                    incident.data["procedure"] = [snapshot_item(item) for item in items]
            for hook in self._raise_hooks:
                try:
                    hook(incident)
                except Exception:  # a helper's bug must not cost the incident
                    _LOGGER.exception("Raise hook %s failed for incident %s", hook, incident.id)
            step = TimelineStep("raised", actor, at=incident.created_at, note=incident.message)
            incident.timeline.append(step)
            await self._store(incident, step)
            self._incidents[incident.id] = incident
            if not incident.test:  # a raise hook may have classified it (a test window)
                self._open_by_source[(category, source)] = incident
        # The message may name a person (watch-list match, police hit): not at INFO (issue 10).
        _LOGGER.info("Incident %s raised: %s, priority %s, source %s", incident.id, category,
                     int(incident.priority), incident.source or "-")
        _LOGGER.debug("Incident %s: %s", incident.id, incident.message)
        self._hub.bus.fire(EVENT_INCIDENT_RAISED, _payload(incident), context)
        if incident.cameras:
            self._hub.create_task(self._attach_snapshots(incident), name=f"snapshots {incident.id}")
        return incident

    async def transition(self, incident_id: str, status: IncidentStatus, *, note: str = "",
                         classification: str | None = None,
                         context: Context | None = None) -> Incident:
        """Move an incident to `status`; refuse moves its lifecycle does not allow."""
        async with self._locks.hold(incident_id):
            incident = await self.get(incident_id)  # under the lock: a stored copy is current
            if status not in TRANSITIONS[incident.status]:
                verb = "already " + str(incident.status) if incident.status in TERMINAL else (
                    f"{incident.status}, cannot become {status}")
                raise IncidentError(f"incident {incident_id} is {verb}",
                                    [("incident_id", f"incident is {incident.status}")])
            before = (incident.status, incident.classification)
            incident.status = status
            if classification:
                incident.classification = classification
            elif status == IncidentStatus.FALSE_ALARM:
                incident.classification = "false_alarm"
            step = TimelineStep(str(status), _actor(context), note=note,
                                data={"classification": classification} if classification else {})
            try:
                await self._commit(incident, step, context)
            except BaseException:
                incident.status, incident.classification = before
                raise
            if not incident.is_open:
                key = (incident.category, incident.source)
                if self._open_by_source.get(key) is incident:
                    del self._open_by_source[key]
                self._closed_now(incident)
            return incident

    async def add_step(self, incident_id: str, action: str, *, note: str = "",
                       data: dict[str, Any] | None = None, actor: str | None = None,
                       context: Context | None = None, forward: bool = True) -> Incident:
        """Add a step (a note, a delivery, a snapshot) without changing the status."""
        async with self._locks.hold(incident_id):
            incident = await self.get(incident_id)
            step = TimelineStep(action, actor or _actor(context), note=note, data=data or {})
            await self._commit(incident, step, context, forward=forward)
            return incident

    async def check_step(self, incident_id: str, item_id: str, *, note: str = "",
                         context: Context | None = None) -> Incident:
        """Tick one item of the incident's checklist (a step with who and when)."""
        async with self._locks.hold(incident_id):
            incident = await self.get(incident_id)
            item = check_item(incident, item_id)
            step = TimelineStep(ACTION_CHECKED, _actor(context), note=note or item["text"],
                                data={"item": item_id, "text": item["text"]})
            await self._commit(incident, step, context, forward=False)
            return incident

    async def change_priority(self, incident_id: str, priority: Priority, *, action: str,
                              note: str = "", data: dict[str, Any] | None = None,
                              actor: str | None = None) -> Incident:
        """Set an open incident's priority with a step saying why (escalation)."""
        async with self._locks.hold(incident_id):
            incident = await self.get(incident_id)
            before = incident.priority
            incident.priority = priority
            step = TimelineStep(action, actor or HUB_ACTOR, note=note, data={
                **(data or {}), "priority_from": int(before), "priority_to": int(priority)})
            try:
                await self._commit(incident, step, None)
            except BaseException:
                incident.priority = before
                raise
            return incident

    async def resolve_open(self, category: str, source: str | None, note: str) -> None:
        """Resolve the open incident of this category and source, if there is one."""
        incident = self.find_open(category, source)
        if incident is not None:
            await self.transition(incident.id, IncidentStatus.RESOLVED, note=note,
                                  classification="real")

    def track_availability(self, entity_id: str, name: str, gate: str | None,
                           available: bool, reason: str) -> None:
        """Hold a device_offline incident open while a supervised entity is unavailable."""
        if available:
            coro = self.resolve_open("device_offline", entity_id, f"{name} answers again")
        else:
            coro = self._offline(entity_id, name, gate, reason)
        self._hub.create_task(coro, name=f"availability {entity_id}")

    async def _offline(self, entity_id: str, name: str, gate: str | None, reason: str) -> None:
        message, text = localized_message("device_offline", name=name, reason=reason)
        await self.raise_incident("device_offline", source=entity_id, gate=gate,
                                  message=message, data=text)

    async def attach_snapshot(self, incident_id: str, snapshot_id: str, camera: str) -> None:
        """Link a stored snapshot to an incident."""
        async with self._locks.hold(incident_id):
            incident = await self.get(incident_id)
            step = TimelineStep("snapshot", HUB_ACTOR,
                                data={"snapshot_id": snapshot_id, "camera": camera})
            incident.snapshots.append(snapshot_id)
            try:
                await self._commit(incident, step, None)
            except BaseException:
                incident.snapshots.remove(snapshot_id)
                raise

    async def _attach_snapshots(self, incident: Incident) -> None:
        for camera_id in incident.cameras:
            camera = self._hub.entities.get(camera_id)
            if camera is None or not camera.available or not hasattr(camera, "snapshot_bytes"):
                continue
            try:
                async with asyncio.timeout(self.config.snapshot_timeout):
                    image = await camera.snapshot_bytes()
                snap = await self._hub.snapshots.save(image, camera_id, incident_id=incident.id)
            except Exception as exc:  # a camera fault must not lose the incident
                _LOGGER.warning("Snapshot from %s for incident %s failed: %s",
                                camera_id, incident.id, exc)
                continue
            await self.attach_snapshot(incident.id, snap, camera_id)

    async def _commit(self, incident: Incident, step: TimelineStep, context: Context | None,
                      forward: bool = True) -> None:
        updated_at = incident.updated_at
        incident.timeline.append(step)
        incident.revision += 1
        incident.updated_at = time.time()
        try:
            await self._store(incident, step, forward)
        except BaseException:
            # Not stored: the incident in memory stays as the store has it, so a retry (an
            # alarm press is retried until stored) adds the step once, not twice.
            incident.timeline.pop()
            incident.revision -= 1
            incident.updated_at = updated_at
            raise
        self._hub.bus.fire(EVENT_INCIDENT_UPDATED, {**_payload(incident), "step": step.as_dict()},
                           context)

    async def _store(self, incident: Incident, step: TimelineStep, forward: bool = True) -> None:
        outbox: list[OutboxItem] = []
        if forward:
            for provider in self._providers:
                outbox.extend(provider(incident, step))
        await self.store.save(incident, step, outbox)


def _actor(context: Context | None) -> str:
    return context.user_id if context and context.user_id else HUB_ACTOR


def _payload(incident: Incident) -> dict[str, Any]:
    return {"incident_id": incident.id, "category": incident.category,
            "priority": int(incident.priority), "status": str(incident.status),
            "source": incident.source, "gate": incident.gate, "incident": incident.as_dict()}
