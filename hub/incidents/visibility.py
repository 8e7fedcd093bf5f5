"""What the police role sees of incidents: faces only on incidents forwarded to the police.

An incident is police-visible when its category is forwarded (`incidents.categories.<name>.
forward`, panic and watch-list matches by default) or a person forwarded it (a `forward`
step). On other incidents the police see what happened, not the pictures: the snapshot ids
are left out, so a capture of a child that no police-visible incident links cannot be
fetched (issue 10 item 7).
"""

from __future__ import annotations

from typing import Any

from .config import IncidentsConfig
from .model import Incident

__all__ = ["POLICE_ROLE", "police_event", "police_view", "police_visible"]

POLICE_ROLE = "police"
#: Timeline actions that hand an incident to the police.
_FORWARD_ACTIONS = frozenset({"forward"})
#: Step data keys that name a picture.
_PICTURE_KEYS = frozenset({"snapshot_id", "capture_snapshot_id", "enrolled_snapshot_id"})


def police_visible(incident: Incident | dict[str, Any], config: IncidentsConfig) -> bool:
    """Return whether the police may see this incident's pictures."""
    data = incident.as_dict() if isinstance(incident, Incident) else incident
    if config.category(str(data.get("category", ""))).forward:
        return True
    return any(step.get("action") in _FORWARD_ACTIONS for step in data.get("timeline") or ())


def police_view(incident: dict[str, Any], config: IncidentsConfig) -> dict[str, Any]:
    """Return the incident as the police see it (pictures left out unless police-visible)."""
    if police_visible(incident, config):
        return incident
    timeline = [_without_pictures(step) for step in incident.get("timeline") or ()]
    return {**incident, "snapshots": [], "timeline": timeline}


def police_event(data: dict[str, Any], config: IncidentsConfig) -> dict[str, Any]:
    """Return an incident_raised/updated payload as the police see it."""
    incident = data.get("incident")
    if not isinstance(incident, dict) or police_visible(incident, config):
        return data
    shown = {**data, "incident": police_view(incident, config)}
    if isinstance(data.get("step"), dict):
        shown["step"] = _without_pictures(data["step"])
    return shown


def _without_pictures(step: dict[str, Any]) -> dict[str, Any]:
    return {**step, "data": {k: v for k, v in (step.get("data") or {}).items()
                             if k not in _PICTURE_KEYS}}
