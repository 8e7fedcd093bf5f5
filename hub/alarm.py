"""Alarm inputs: panic buttons, metal detectors, tamper and intrusion contacts.

No alarm signal may be lost (GB 50394): every press is recorded, latched or not. A press
raises an incident of the input's category; a press while that incident is open adds a
`repeated` step to it; a press after it ended raises a new one. A latched input stays
`triggered` until a person resets it (`alarm.reset`, the panel), but it never stops
recording presses. Presses are stored in order by one task per input, retried until stored;
while a press cannot be stored the input shows why (`raise_error`, `pending_presses`) and
the press is written to the press journal (hub/alarm_journal.py), so a hub that dies
meanwhile records it at its next start.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from .entity import DeviceConfig, Entity
from .entity_services import EntityService
from .incidents.messages import localized_message

if TYPE_CHECKING:
    from .hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["ALARM_SERVICES", "AlarmConfig", "AlarmInput", "AlarmState", "replay_journal"]

_RETRY_FIRST = 0.2
_RETRY_MAX = 10.0


class AlarmState(StrEnum):
    """States of an alarm input."""

    IDLE = "idle"
    TRIGGERED = "triggered"
    UNKNOWN = "unknown"


@dataclass
class _Press:
    pressed_at: float
    details: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    journaled: bool = False


class AlarmConfig(DeviceConfig):
    """Fields every alarm input has."""

    category: str = "panic"
    raise_incident: bool = True
    latch: bool = False


class AlarmInput(Entity):
    """An input that raises an incident of its category on every press.

    Subclasses call `set_triggered(True/False)` with the input's level from their polling or
    push code; the base class finds the presses (rising edges), writes the state, honours the
    latch and records each press. Alarm inputs are supervised: while unavailable the hub
    holds a device_offline incident open.
    """

    domain: ClassVar[str] = "alarm"
    supervised: ClassVar[bool] = True
    config_model: ClassVar[type[DeviceConfig]] = AlarmConfig

    def __init__(self, hub: Hub, config: DeviceConfig, object_id: str | None = None,
                 name: str | None = None, category: str | None = None) -> None:
        super().__init__(hub, config, object_id, name)
        alarm = config if isinstance(config, AlarmConfig) else AlarmConfig(
            platform=config.platform, name=config.name)
        self.category = category or alarm.category
        self.raise_incident = alarm.raise_incident
        self.latch = alarm.latch
        self.state = AlarmState.IDLE
        self.trigger_count = 0
        self.active_incident: str | None = None
        self.raise_error: str | None = None
        self._level = False  # the input as last reported: operated or not
        self._presses: deque[_Press] = deque()
        self._recorder: asyncio.Task[None] | None = None
        self._journaling = asyncio.Lock()

    @property
    def level(self) -> bool:
        """Return whether the input is operated now (pressed, contact open, ...)."""
        return self._level

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the alarm's attributes."""
        return {"category": self.category, "latched": self.latch,
                "trigger_count": self.trigger_count, "incident_id": self.active_incident,
                "pending_presses": len(self._presses), "raise_error": self.raise_error}

    def set_triggered(self, triggered: bool, details: dict[str, Any] | None = None) -> None:
        """Report the input's level; each rising edge is a press, recorded even when latched."""
        if triggered == self._level:
            return
        self._level = triggered
        if triggered:
            self.state = AlarmState.TRIGGERED
            self.trigger_count += 1
            if self.raise_incident:
                self._presses.append(_Press(time.time(), details or {}))
                self._start_recording()
                if self.raise_error is not None:  # the store is down: on disk at once
                    self.hub.create_task(self._journal_waiting(),
                                         name=f"journal presses {self.entity_id}")
            self.write_state()
        elif not self.latch and self.state == AlarmState.TRIGGERED:
            self.state = AlarmState.IDLE
            self.write_state()

    def _start_recording(self) -> None:
        if self._recorder is None or self._recorder.done():
            self._recorder = self.hub.create_task(self._record_presses(),
                                                  name=f"presses {self.entity_id}")

    def replay(self, press: dict[str, Any]) -> None:
        """Record a press the journal kept from an earlier run (hub start)."""
        self._presses.appendleft(_Press(float(press["pressed_at"]), dict(press["details"]),
                                        str(press["id"]), journaled=True))
        self._start_recording()

    async def _record_presses(self) -> None:
        """Store each press in order; retry one that fails until it is stored."""
        delay = _RETRY_FIRST
        while self._presses:
            press = self._presses[0]
            try:
                incident_id = await self._raise(press.details, press.pressed_at)
            except Exception as exc:  # the store is down, say: the press waits, visibly
                self._failed(exc)
                await self._journal_waiting()
                await asyncio.sleep(delay)
                delay = min(_RETRY_MAX, delay * 2)
                continue
            self._presses.popleft()
            delay = _RETRY_FIRST
            if self.raise_error is not None:
                _LOGGER.info("%s: alarm presses are recorded again", self.name)
                self.raise_error = None
            self.active_incident = incident_id
            self.write_state()  # the guard sees the press stored before the journal is told
            if press.journaled:
                await self._journal_done(press.id)

    async def _journal_waiting(self) -> None:
        """Write every waiting press not on disk yet to the press journal."""
        async with self._journaling:
            for press in list(self._presses):
                if press.journaled:
                    continue
                record = {"id": press.id, "entity_id": self.entity_id,
                          "category": self.category, "pressed_at": press.pressed_at,
                          "details": press.details}
                try:
                    await self.hub.run_blocking(self.hub.press_journal.append_blocking, record)
                except Exception as exc:  # kept in memory and retried all the same
                    _LOGGER.error("%s: cannot write a waiting press to %s: %s", self.name,
                                  self.hub.press_journal.path, exc)
                    return
                press.journaled = True

    async def _journal_done(self, press_id: str) -> None:
        try:
            await self.hub.run_blocking(self.hub.press_journal.done_blocking, press_id)
        except OSError as exc:  # recorded again at the next start: at least once
            _LOGGER.warning("%s: cannot mark a press done in %s: %s", self.name,
                            self.hub.press_journal.path, exc)

    def _failed(self, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if self.raise_error is None:
            _LOGGER.error("%s: cannot record an alarm press (%s); retrying until it is stored",
                          self.name, reason)
        self.raise_error = reason
        self.write_state()

    async def _raise(self, details: dict[str, Any], pressed_at: float) -> str:
        message, text = localized_message("alarm_triggered", name=self.name,
                                          category=self.category.replace("_", " "))
        incident = await self.hub.incidents.raise_incident(
            self.category, source=self.entity_id, gate=self.config.gate,
            cameras=list(self.config.cameras),
            data={**details, **text, "pressed_at": pressed_at}, message=message,
        )
        return incident.id

    async def reset(self) -> None:
        """Clear a latched alarm (the alarm.reset service); a contact still held stays."""
        self.state = AlarmState.TRIGGERED if self._level else AlarmState.IDLE
        self.active_incident = None
        _LOGGER.info("%s: reset (%s)", self.name, self.state)
        self.write_state()

    async def test(self) -> None:
        """Trigger the input as a test: raises a test-classified incident (alarm.test)."""
        _LOGGER.info("%s: test alarm", self.name)
        message, text = localized_message("alarm_test", name=self.name)
        incident = await self.hub.incidents.raise_incident(
            self.category, source=self.entity_id, gate=self.config.gate,
            cameras=list(self.config.cameras), message=message, data=text, test=True)
        self.active_incident = incident.id
        self.write_state()


async def replay_journal(hub: Hub) -> None:
    """Record the presses an earlier run could not store (hub start, after the devices)."""
    pending = await hub.run_blocking(hub.press_journal.pending_blocking)
    if not pending:
        return
    _LOGGER.warning("%d alarm presses from an earlier run were not stored; recording them now",
                    len(pending))
    for press in reversed(pending):  # each input puts them before its own new presses
        entity = hub.entities.get(press.get("entity_id"))
        if isinstance(entity, AlarmInput):
            entity.replay(press)
        else:
            hub.create_task(_record_orphan(hub, press), name="journaled press")


async def _record_orphan(hub: Hub, press: dict[str, Any]) -> None:
    """A journaled press of an input no longer configured: raise its incident as it was."""
    try:
        await hub.incidents.raise_incident(
            str(press["category"]), source=str(press["entity_id"]),
            data={**press["details"], "pressed_at": press["pressed_at"]},
            message=f"Alarm press from {press['entity_id']} (recorded after a restart)")
    except Exception:
        _LOGGER.exception("Journaled press of %s: cannot record it; kept for the next start",
                          press.get("entity_id"))
        return
    await hub.run_blocking(hub.press_journal.done_blocking, str(press["id"]))


ALARM_SERVICES = [
    EntityService("reset", "reset", roles=("admin", "guard"),
                  description="Clear a latched alarm (the button is ready again)."),
    EntityService("test", "test", roles=("admin",),
                  description="Raise a test incident from this input."),
]
