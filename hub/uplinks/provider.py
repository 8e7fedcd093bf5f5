"""Incident items: which uplinks get an item for each stored incident step, and its payload."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..incidents import Incident, OutboxItem, TimelineStep
from .base import SUBSCRIPTION_INCIDENT, Uplink, UplinkItem
from .config import UplinkConfig
from .const import ACTION_FORWARD, DELIVERY_ACTIONS
from .message import build_message

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["forward_targets", "forwarded_to", "make_provider", "matches"]


def forward_targets(step: TimelineStep) -> list[str]:
    """Return the uplinks a `forward` step names (empty: every uplink)."""
    names = step.data.get("uplinks") or step.data.get("destinations")  # before issue 11
    return list(names or [])


def forwarded_to(incident: Incident, name: str, steps: Iterable[TimelineStep] | None = None
                 ) -> bool:
    """Return whether `uplinks.forward` sent this incident to the uplink `name`."""
    for step in incident.timeline if steps is None else steps:
        if step.action == ACTION_FORWARD:
            names = forward_targets(step)
            if not names or name in names:
                return True
    return False


def matches(hub: Hub, config: UplinkConfig, incident: Incident) -> bool:
    """Return whether the uplink's filter takes the incident (categories, priority, tests)."""
    if incident.test and not config.include_tests:
        return False
    if incident.category in config.also_categories:
        pass
    elif config.categories is not None:
        if incident.category not in config.categories:
            return False
    elif not hub.incidents.config.category(incident.category).forward:
        return False
    return int(incident.priority) <= int(config.min_priority)


def make_provider(hub: Hub, uplinks: list[Uplink], queued: Callable[[OutboxItem], None]
                  ) -> Callable[[Incident, TimelineStep], list[OutboxItem]]:
    """Return the incident store's provider; `queued` sees each item it makes."""
    subscribers = [u for u in uplinks if SUBSCRIPTION_INCIDENT in u.subscribes]

    def provide(incident: Incident, step: TimelineStep) -> list[OutboxItem]:
        if step.action in DELIVERY_ACTIONS or not subscribers:
            return []
        items: list[OutboxItem] = []
        message = None
        for uplink in subscribers:
            if not (matches(hub, uplink.config, incident) or forwarded_to(incident, uplink.name)):
                continue
            if message is None:
                message = build_message(hub, incident, step)
            key = message["idempotency_key"]
            candidate = UplinkItem(0, uplink.name, SUBSCRIPTION_INCIDENT, key, incident.id,
                                   message, incident_id=incident.id, incident=incident)
            if not uplink.wants(candidate):
                continue
            payload = uplink.build(candidate)
            if payload is None:
                continue
            item = OutboxItem(uplink.name, incident.id, incident.revision, key, payload,
                              SUBSCRIPTION_INCIDENT, incident.id)
            items.append(item)
            queued(item)
        return items

    return provide
