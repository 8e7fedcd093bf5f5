"""The hub's own components, set up in this order. Each owns one config section.

A component is a module with `async def setup(hub: Hub, config: Model | None) -> None` that
registers its cleanup with `hub.on_stop`. Sections are validated before anything starts.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

__all__ = ["COMPONENTS", "ComponentSpec", "resolve"]


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """Where a component's config model and setup function live."""

    key: str
    model: str
    setup: str
    required: bool = False
    #: 'module:function' taking the HubConfig, returning (loc, message, hint) problems that
    #: need other sections (an automation naming a schedule); run after every section.
    check: str | None = None


# Order matters: the recorder must hold the incident store before anything raises incidents.
COMPONENTS: list[ComponentSpec] = [
    ComponentSpec("recorder", "hub.recorder.config:RecorderConfig", "hub.recorder:setup",
                  required=True),
    ComponentSpec("schedules", "hub.automation.schedule_config:SchedulesConfig",
                  "hub.automation.schedule:setup", required=True),
    ComponentSpec("http", "hub.http.config:HttpConfig", "hub.http:setup"),
    ComponentSpec("live_view", "hub.liveview.config:LiveViewConfig", "hub.liveview:setup",
                  required=True),
    # runs with a `visitors:` section or with the panel (http), whose Visitors page it serves
    ComponentSpec("visitors", "hub.visitors.config:VisitorsConfig",
                  "hub.visitors:setup", required=True),
    # a list validated entry by entry through each type's config model (hub.config.validate)
    ComponentSpec("uplinks", "hub.uplinks.config:UplinkConfig", "hub.uplinks.component:setup",
                  required=True),
    # a list validated entry by entry through each platform's config model (hub.config.validate)
    ComponentSpec("notify", "hub.notify.base:NotifyConfig", "hub.notify.component:setup",
                  required=True),
    # after notify and uplinks, whose channels and destinations its steps use
    ComponentSpec("escalation", "hub.escalation.config:EscalationConfig",
                  "hub.escalation.component:setup", required=True),
    ComponentSpec("alarm_tests", "hub.alarm_tests.config:AlarmTestsConfig",
                  "hub.alarm_tests.component:setup", required=True),
    ComponentSpec("unknown_faces", "hub.unknown_faces.config:UnknownFacesConfig",
                  "hub.unknown_faces.component:setup", check="hub.unknown_faces.config:check"),
    ComponentSpec("recognition", "hub.recognition.config:RecognitionConfig",
                  "hub.recognition.component:setup"),
    ComponentSpec("discovery", "hub.discovery.config:DiscoveryConfig", "hub.discovery:setup"),
    ComponentSpec("automation", "hub.automation.config:AutomationsConfig", "hub.automation:setup",
                  required=True, check="hub.automation.config:check"),
    # shift handover: with a `duty:` section or with the panel (its Duty page)
    ComponentSpec("duty", "hub.duty.config:DutyConfig", "hub.duty:setup", required=True),
    # the daily self-check of every gate's duties, with a `self_check:` section
    ComponentSpec("self_check", "hub.selfcheck.config:SelfCheckConfig", "hub.selfcheck:setup"),
]


def resolve(path: str) -> Any:
    """Import 'package.module:name' and return the attribute."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
