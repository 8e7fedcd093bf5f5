"""The police message: one JSON document per incident revision (schema: incident-message v1).

The outbox stores the document without links; links (live view, snapshots) are signed and
added when the message is sent, so they are fresh even after an outage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..incidents import Incident, TimelineStep

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["SCHEMA_ID", "build_message", "idempotency_key", "iso", "render_message"]

SCHEMA_ID = "https://campus-hub.org/schemas/incident-message/v1.json"
SCHEMA_VERSION = 1
# Keys of incident.data that never travel to the police (internal bookkeeping).
_PRIVATE_DATA = frozenset({"instructions", "watchlist", "embedding", "image", "face",
                           "procedure", "escalation"})


def iso(epoch: float) -> str:
    """Return an epoch time as ISO 8601 UTC with milliseconds ('2026-11-22T08:00:00.123Z')."""
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def idempotency_key(incident: Incident) -> str:
    """Return the key of the incident's current revision (the same for every destination)."""
    return f"{incident.id}-r{incident.revision}"


def build_message(hub: Hub, incident: Incident, step: TimelineStep) -> dict[str, Any]:
    """Return the message for the incident as it is after `step` (without links)."""
    settings = hub.incidents.config.category(incident.category)
    device = hub.entities.get(incident.source) if incident.source else None
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "idempotency_key": idempotency_key(incident),
        "event": step.action,
        "revision": incident.revision,
        "site": {"id": hub.site, "name": hub.config.core.name},
        "incident": {
            "id": incident.id,
            "category": incident.category,
            "title": settings.title or incident.category.replace("_", " "),
            "priority": int(incident.priority),
            "priority_name": incident.priority.name.lower(),
            "status": str(incident.status),
            "classification": incident.classification,
            "test": incident.test,
            "message": incident.message,
            "gate": incident.gate,
            "device": ({"entity_id": incident.source,
                        "name": device.name if device is not None else incident.source}
                       if incident.source else None),
            "cameras": list(incident.cameras),
            "created_at": iso(incident.created_at),
            "updated_at": iso(incident.updated_at),
            "instructions": incident.data.get("instructions") or settings.instructions or None,
            "watchlist": _watchlist(incident),
            "details": {k: v for k, v in incident.data.items() if k not in _PRIVATE_DATA},
        },
        "step": {"action": step.action, "actor": step.actor, "at": iso(step.at),
                 "note": step.note},
        "snapshots": [{"id": snap} for snap in incident.snapshots],
        "live_view": None,
    }


def _watchlist(incident: Incident) -> dict[str, Any] | None:
    entry = incident.data.get("watchlist")
    if isinstance(entry, dict):
        return {k: v for k, v in entry.items() if k not in _PRIVATE_DATA}
    return None


LinkMaker = Callable[[dict[str, Any]], tuple[dict[str, Any] | None, dict[str, str]]]


def render_message(payload: dict[str, Any], links: LinkMaker | None) -> dict[str, Any]:
    """Return the document to send: the stored payload with fresh signed links."""
    if links is None:
        return payload
    live_view, snapshot_urls = links(payload)
    return {**payload, "live_view": live_view,
            "snapshots": [{**s, "url": snapshot_urls.get(s["id"])} for s in payload["snapshots"]]}
