"""Trigger runtime: indexes by entity id and event type, so an event touches only its listeners.

One bus listener per event type serves every automation; a state change looks up its entity
id in a dict and visits only the triggers watching that entity.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..bus import Event
from ..incidents import EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED
from ..states import EVENT_STATE_CHANGED
from .config_triggers import (
    EventTrigger,
    FaceTrigger,
    IncidentTrigger,
    StateTrigger,
    TimePatternTrigger,
    TimeTrigger,
    WebhookTrigger,
)
from .state_watch import StateWatch, TriggerError
from .template import template_globals
from .timed import PatternWatch, TimeWatch

if TYPE_CHECKING:
    import datetime as dt

    from ..hub import Hub
    from .schedule import Schedules

_LOGGER = logging.getLogger(__name__)

__all__ = ["TriggerCallback", "TriggerError", "TriggerIndex", "subset"]

TriggerCallback = Callable[[dict[str, Any]], None]
Remove = Callable[[], None]


def subset(expected: Any, actual: Any) -> bool:
    """Return whether `expected` is contained in `actual` (mappings compared key by key)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        return all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


class _Watch:
    """A trigger attached to a callback."""

    __slots__ = ("base", "callback", "config")

    def __init__(self, config: Any, callback: TriggerCallback, base: dict[str, Any]) -> None:
        self.config = config
        self.callback = callback
        self.base = base


class TriggerIndex:
    """Attaches triggers to callbacks; owns the few bus listeners all triggers share."""

    def __init__(self, hub: Hub, schedules: Schedules, tz: dt.tzinfo) -> None:
        self.hub = hub
        self.schedules = schedules
        self.tz = tz
        self._state: dict[str, list[StateWatch]] = {}
        self._event: dict[str, list[_Watch]] = {}
        self._incident: dict[str | None, list[_Watch]] = {}
        self._face: list[_Watch] = []
        self._webhook: dict[str, list[_Watch]] = {}
        self._listeners: dict[str, Remove] = {}
        self._globals: dict[str, Any] | None = None

    def attach(self, config: Any, idx: int, callback: TriggerCallback,
               on_error: TriggerError | None = None) -> Remove:
        """Start watching for one trigger; return a function that stops it.

        `on_error` hears of a trigger that matched but could not fire (a `for` template that
        failed); without it the failure is logged.
        """
        base = {"platform": config.platform, "id": config.id or str(idx), "idx": idx}
        if isinstance(config, StateTrigger):
            return self._attach_state(config, callback, base, on_error or _log_error)
        if isinstance(config, TimeTrigger):
            return TimeWatch(self.hub, config, callback, base, self.tz).cancel
        if isinstance(config, TimePatternTrigger):
            return PatternWatch(self.hub, config, callback, base, self.tz).cancel
        watch = _Watch(config, callback, base)
        if isinstance(config, EventTrigger):
            return self._attach_keys(self._event, config.event_type, watch, self._on_event)
        if isinstance(config, IncidentTrigger):
            self._listen(EVENT_INCIDENT_RAISED, self._on_incident)
            self._listen(EVENT_INCIDENT_UPDATED, self._on_incident)
            return self._attach_keys(self._incident, config.category or (None,), watch)
        if isinstance(config, FaceTrigger):
            self._listen(config.event, self._on_face)
            self._face.append(watch)
            return lambda: self._face.remove(watch) if watch in self._face else None
        if isinstance(config, WebhookTrigger):
            return self._attach_keys(self._webhook, (config.webhook_id,), watch)
        raise TypeError(f"unknown trigger {type(config).__name__}")

    def _listen(self, event_type: str, listener: Callable[[Event], None]) -> None:
        if event_type not in self._listeners:
            self._listeners[event_type] = self.hub.bus.listen(event_type, listener)

    def _attach_keys(self, table: dict[Any, list[Any]], keys: Any, watch: Any,
                     listener: Callable[[Event], None] | None = None) -> Remove:
        for key in keys:
            table[key] = [*table.get(key, ()), watch]  # copy on write: dispatch never copies
            if listener is not None:
                self._listen(key, listener)

        def remove() -> None:
            for key in keys:
                left = [w for w in table.get(key, ()) if w is not watch]
                if left:
                    table[key] = left
                else:
                    table.pop(key, None)

        return remove

    def _attach_state(self, config: StateTrigger, callback: TriggerCallback,
                      base: dict[str, Any], on_error: TriggerError) -> Remove:
        schedule = None
        if config.for_ is not None and config.for_.schedule is not None:
            schedule = self.schedules[config.for_.schedule]
        if self._globals is None and config.for_ is not None and config.for_.template is not None:
            self._globals = template_globals(self.hub.states, self.tz)
        watch = StateWatch(self.hub, config, callback, base, schedule, on_error,
                           self._globals or {})
        self._listen(EVENT_STATE_CHANGED, self._on_state)
        remove = self._attach_keys(self._state, config.entity_id, watch)

        def stop() -> None:
            remove()
            watch.cancel_all()

        return stop

    # ------------------------------------------------------------------ dispatch (hot path)

    def _on_state(self, event: Event) -> None:
        watches = self._state.get(event.data["entity_id"])
        if watches is not None:
            for watch in watches:
                watch.handle(event)

    def _on_event(self, event: Event) -> None:
        for watch in self._event.get(event.event_type, ()):
            expected = watch.config.event_data
            if expected and not subset(expected, event.data):
                continue
            watch.callback({**watch.base, "event": event, "event_type": event.event_type,
                            "description": f"event '{event.event_type}'"})

    def _on_incident(self, event: Event) -> None:
        data = event.data
        raised = event.event_type == EVENT_INCIDENT_RAISED
        step = None if raised else (data.get("step") or {}).get("action")
        for key in (data.get("category"), None):
            for watch in self._incident.get(key, ()):
                cfg: IncidentTrigger = watch.config
                if raised and "raised" not in cfg.status:
                    continue
                if not raised and "updated" not in cfg.status and step not in cfg.status:
                    continue
                if cfg.priority is not None and data.get("priority", 99) > cfg.priority:
                    continue
                if cfg.gate is not None and data.get("gate") not in cfg.gate:
                    continue
                if cfg.source is not None and data.get("source") not in cfg.source:
                    continue
                watch.callback({**watch.base, **_incident_vars(data, raised, step)})

    def _on_face(self, event: Event) -> None:
        data = event.data
        for watch in self._face:
            cfg: FaceTrigger = watch.config
            if cfg.event != event.event_type or not _face_matches(cfg, data):
                continue
            watch.callback({**watch.base, **data, "event": event,
                            "description": f"{event.event_type} "
                                           f"{data.get('name') or data.get('person_id') or ''}"})

    def fire_webhook(self, webhook_id: str, *, json: Any = None, query: dict[str, str] | None
                     = None, method: str = "POST") -> int:
        """Run the automations listening on `webhook_id`; return how many were triggered."""
        fired = 0
        for watch in self._webhook.get(webhook_id, ()):
            if method.upper() not in watch.config.allowed_methods:
                continue
            watch.callback({**watch.base, "webhook_id": webhook_id, "json": json,
                            "query": dict(query or {}), "method": method.upper(),
                            "description": f"webhook {webhook_id[:4]}..."})
            fired += 1
        return fired

    def close(self) -> None:
        """Remove the shared bus listeners."""
        for remove in self._listeners.values():
            remove()
        self._listeners.clear()

    def stats(self) -> dict[str, int]:
        """Return how many triggers each index holds (for tests and the bench)."""
        return {"state_entities": len(self._state), "event_types": len(self._event),
                "incident": sum(map(len, self._incident.values())), "face": len(self._face),
                "webhook": len(self._webhook), "bus_listeners": len(self._listeners)}


def _log_error(variables: dict[str, Any], message: str) -> None:
    _LOGGER.error("Trigger %s did not fire: %s", variables.get("description"), message)


def _incident_vars(data: dict[str, Any], raised: bool, step: str | None) -> dict[str, Any]:
    return {"incident_id": data.get("incident_id"), "category": data.get("category"),
            "priority": data.get("priority"), "status": data.get("status"),
            "step": step, "incident": data.get("incident"),
            "description": f"incident {data.get('category')} {'raised' if raised else step}"}


def _face_matches(cfg: FaceTrigger, data: dict[str, Any]) -> bool:
    if cfg.person is not None and not ({str(data.get("person")), str(data.get("person_id")),
                                        str(data.get("name"))} & set(cfg.person)):
        return False
    if cfg.group is not None and data.get("group") not in cfg.group:
        return False
    if cfg.list_ is not None and data.get("list") not in cfg.list_:
        return False
    if cfg.camera is not None and data.get("camera") not in cfg.camera:
        return False
    if cfg.gate is not None and data.get("gate") not in cfg.gate:
        return False
    score = data.get("score")
    return cfg.min_score is None or (isinstance(score, int | float) and score >= cfg.min_score)
