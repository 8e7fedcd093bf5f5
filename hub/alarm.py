"""Alarm inputs: panic buttons, metal detectors, tamper and intrusion contacts."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any, ClassVar

from .entity import DeviceConfig, Entity
from .entity_services import EntityService
from .incidents.messages import localized_message

_LOGGER = logging.getLogger(__name__)

__all__ = ["ALARM_SERVICES", "AlarmConfig", "AlarmInput", "AlarmState"]


class AlarmState(StrEnum):
    """States of an alarm input."""

    IDLE = "idle"
    TRIGGERED = "triggered"
    UNKNOWN = "unknown"


class AlarmConfig(DeviceConfig):
    """Fields every alarm input has."""

    category: str = "panic"
    raise_incident: bool = True
    latch: bool = False


class AlarmInput(Entity):
    """An input that raises an incident of its category when it triggers.

    Subclasses call `set_triggered(True/False)` from their polling or push code; the base
    class writes the state, honours the latch and raises the incident. Alarm inputs are
    supervised: while unavailable the hub holds a device_offline incident open.
    """

    domain: ClassVar[str] = "alarm"
    supervised: ClassVar[bool] = True
    config_model: ClassVar[type[DeviceConfig]] = AlarmConfig

    def __init__(self, hub: Any, config: DeviceConfig, object_id: str | None = None,
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

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return the alarm's attributes."""
        return {"category": self.category, "latched": self.latch,
                "trigger_count": self.trigger_count, "incident_id": self.active_incident}

    def set_triggered(self, triggered: bool, details: dict[str, Any] | None = None) -> None:
        """Report the input's level; an idle -> triggered edge raises an incident."""
        if triggered and self.state != AlarmState.TRIGGERED:
            self.state = AlarmState.TRIGGERED
            self.trigger_count += 1
            self.write_state()
            if self.raise_incident:
                self.hub.create_task(self._raise(details or {}), name=f"raise {self.entity_id}")
        elif not triggered and self.state == AlarmState.TRIGGERED and not self.latch:
            self.state = AlarmState.IDLE
            self.write_state()

    async def _raise(self, details: dict[str, Any]) -> None:
        message, text = localized_message("alarm_triggered", name=self.name,
                                  category=self.category.replace("_", " "))
        incident = await self.hub.incidents.raise_incident(
            self.category, source=self.entity_id, gate=self.config.gate,
            cameras=list(self.config.cameras), data={**details, **text}, message=message,
        )
        self.active_incident = incident.id
        self.write_state()

    async def reset(self) -> None:
        """Clear a latched alarm (the alarm.reset service)."""
        self.state = AlarmState.IDLE
        self.active_incident = None
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


ALARM_SERVICES = [
    EntityService("reset", "reset", roles=("admin", "guard"), description="Clear a latched alarm."),
    EntityService("test", "test", roles=("admin",),
                  description="Raise a test incident from this input."),
]
