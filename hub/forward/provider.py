"""The outbox provider: which destinations get a message for each stored incident step."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..incidents import Incident, OutboxItem, TimelineStep
from .config import DestinationConfig, PoliceConfig, SiaConfig
from .const import ACTION_FORWARD, DELIVERY_ACTIONS
from .message import build_message

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["forced_to", "make_provider", "wants"]

# SIA carries alarms and their end only; webhooks and MQTT get every revision.
_SIA_STEPS = frozenset({"raised", ACTION_FORWARD, "resolved", "false_alarm"})


def forced_to(incident: Incident, dest: DestinationConfig) -> bool:
    """Return whether `police.forward` sent this incident to `dest`."""
    for step in incident.timeline:
        if step.action == ACTION_FORWARD:
            names = step.data.get("destinations") or []
            if not names or dest.name in names:
                return True
    return False


def wants(hub: Hub, dest: DestinationConfig, incident: Incident) -> bool:
    """Return whether the destination's filter matches the incident (forward: or categories)."""
    if incident.test and not dest.include_tests:
        return False
    if dest.categories is not None:
        if incident.category not in dest.categories:
            return False
    elif not hub.incidents.config.category(incident.category).forward:
        return False
    return int(incident.priority) <= int(dest.min_priority)


def _sia_step(hub: Hub, dest: DestinationConfig, incident: Incident,
              step: TimelineStep) -> bool:
    if step.action not in _SIA_STEPS:
        return False
    if step.action == ACTION_FORWARD:  # an alarm only if it was not sent already
        earlier = [s for s in incident.timeline[:-1] if s.action == ACTION_FORWARD
                   and (not s.data.get("destinations") or dest.name in s.data["destinations"])]
        return incident.is_open and not wants(hub, dest, incident) and not earlier
    return True


def make_provider(hub: Hub, config: PoliceConfig, queued: Callable[[OutboxItem], None]
                  ) -> Callable[[Incident, TimelineStep], list[OutboxItem]]:
    """Return the provider; `queued` sees each item it makes (committed or not yet)."""

    def provide(incident: Incident, step: TimelineStep) -> list[OutboxItem]:
        if step.action in DELIVERY_ACTIONS:
            return []
        items: list[OutboxItem] = []
        message = None
        for dest in config.destinations():
            if not (wants(hub, dest, incident) or forced_to(incident, dest)):
                continue
            if isinstance(dest, SiaConfig) and not _sia_step(hub, dest, incident, step):
                continue
            if message is None:
                message = build_message(hub, incident, step)
            item = OutboxItem(dest.name, incident.id, incident.revision,
                              message["idempotency_key"], message)
            items.append(item)
            queued(item)
        return items

    return provide
