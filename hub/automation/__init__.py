"""Automations in Home Assistant's shape (trigger / condition / action) and school calendars.

`hub.components['automation']` is an `AutomationComponent`; `hub.components['schedules']` a
`Schedules` mapping. The HTTP layer fires webhook triggers with `fire_webhook`. Triggers attach
when the hub fires `hub_started` (as HA's at `homeassistant_started`), so the state changes of
start-up run no automation; automations reloaded later attach at once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from ..exceptions import ServiceValidationError
from ..hubkey import AUTOMATION, SCHEDULES
from ..services import ServiceCall
from .component import DOMAIN, AutomationComponent
from .config import AutomationConfig, AutomationsConfig
from .schedule import Schedule, Schedules
from .schedule_config import ScheduleConfig, SchedulesConfig
from .trace import Trace

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "AutomationComponent",
    "AutomationConfig",
    "AutomationsConfig",
    "Schedule",
    "ScheduleConfig",
    "Schedules",
    "SchedulesConfig",
    "Trace",
    "fire_webhook",
    "setup",
]


class AutomationTarget(BaseModel):
    """Data of automation.trigger/turn_on/turn_off: an automation's entity id or id."""

    model_config = ConfigDict(extra="forbid")

    entity_id: str | list[str]
    skip_condition: bool = True

    def targets(self) -> list[str]:
        """Return the targets as a list."""
        return [self.entity_id] if isinstance(self.entity_id, str) else list(self.entity_id)


async def setup(hub: Hub, config: AutomationsConfig | None) -> None:
    """Load the automations and register the automation.* services."""
    schedules = hub.components.get(SCHEDULES)
    if not isinstance(schedules, Schedules):
        raise RuntimeError("the schedules component must be set up before automations")
    component = AutomationComponent(hub, schedules)
    hub.components[AUTOMATION] = component
    hub.on_stop(component.stop)
    component.load(config)
    _register_services(hub, component)


def _register_services(hub: Hub, component: AutomationComponent) -> None:
    def each(call: ServiceCall, action: Any) -> list[Any]:
        data: AutomationTarget = call.data
        try:
            return [action(target, data) for target in data.targets()]
        except KeyError as exc:
            raise ServiceValidationError(f"entity_id: {exc.args[0]}",
                                         [("entity_id", str(exc.args[0]))]) from None

    reg = hub.services.register
    reg(DOMAIN, "trigger",
        lambda c: each(c, lambda t, d: component.trigger(t, skip_condition=d.skip_condition)),
        AutomationTarget, "Run an automation now (conditions skipped unless asked).")
    reg(DOMAIN, "turn_on", lambda c: each(c, lambda t, d: component.set_enabled(t, True)),
        AutomationTarget, "Let an automation's triggers run it.")
    reg(DOMAIN, "turn_off", lambda c: each(c, lambda t, d: component.set_enabled(t, False)),
        AutomationTarget, "Ignore an automation's triggers.")
    reg(DOMAIN, "reload", lambda c: component.reload(), None,
        "Re-read the automation section of the configuration file.")


def fire_webhook(hub: Hub, webhook_id: str, *, json: Any = None,
                 query: dict[str, str] | None = None, method: str = "POST") -> int:
    """Fire the webhook triggers with this id; return how many automations it reached.

    For the HTTP layer: answer the caller the same way whatever this returns, so webhook ids
    cannot be guessed.
    """
    component = hub.components.get(AUTOMATION)
    if component is None:
        return 0
    return component.fire_webhook(webhook_id, json=json, query=query, method=method)
