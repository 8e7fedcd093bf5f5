"""Police views library (GA/T 1400) uplink: hook implementations."""

from __future__ import annotations

from hub import hookimpl
from hub.incidents.config import DEFAULT_ESCALATION, CategoryConfig
from hub.incidents.model import Priority
from hub.uplinks import Uplink

from .const import CATEGORY_POLICE_HIT
from .uplink import Gat1400Uplink


@hookimpl
def register_uplinks() -> list[type[Uplink]]:
    """The `gat1400` uplink type."""
    return [Gat1400Uplink]


@hookimpl
def register_incident_categories() -> dict[str, CategoryConfig]:
    """`police_hit`: the views library matched a capture against a police database.

    Escalated like a watch-list match, without its forward step (the police sent the hit).
    """
    return {CATEGORY_POLICE_HIT: CategoryConfig(
        priority=Priority.HIGH, title="Police views-library hit", forward=True,
        instructions="Follow the police category's procedure; keep the person in view and "
                     "call the police contact.",
        escalation=[s for s in DEFAULT_ESCALATION["watchlist_match"] if s.forward is None])}
