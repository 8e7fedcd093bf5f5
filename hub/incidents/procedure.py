"""Procedures: the checklist an incident carries (from its category, its watch-list or police
category), the guard's ticks (`procedure_checked` steps) and what is left."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import IncidentError
from .handling import ProcedureItem
from .model import Incident

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = [
    "ACTION_CHECKED",
    "check_item",
    "checked",
    "procedure_for",
    "remaining",
    "snapshot_item",
]

ACTION_CHECKED = "procedure_checked"
#: keys of incident.data naming a watch-list or police category (recognition.categories)
_CATEGORY_KEYS = ("police_category", "category")


def snapshot_item(item: ProcedureItem) -> dict[str, Any]:
    """Return an item as stored on the incident (it keeps the list it was raised with)."""
    return {"id": item.id, "text": item.text, "zh": item.zh}


def procedure_for(hub: Hub, incident: Incident) -> list[ProcedureItem]:
    """Return the checklist: the watch-list/police category's, else the incident category's."""
    recognition = hub.config.sections.get("recognition")
    categories = getattr(recognition, "categories", None) or {}
    for key in _CATEGORY_KEYS:
        name = incident.data.get(key)
        watch = categories.get(name) if isinstance(name, str) else None
        if watch is not None and getattr(watch, "procedure", None):
            items: list[ProcedureItem] = watch.procedure
            return items
    return hub.incidents.config.procedure(incident.category)


def checked(incident: Incident) -> dict[str, dict[str, Any]]:
    """Return item id -> {actor, at} for each ticked item."""
    return {str(s.data.get("item")): {"actor": s.actor, "at": s.at}
            for s in incident.timeline if s.action == ACTION_CHECKED}


def remaining(incident: Incident) -> list[dict[str, Any]]:
    """Return the items nobody has ticked yet, in checklist order."""
    done = checked(incident)
    return [item for item in incident.data.get("procedure") or [] if item["id"] not in done]


def check_item(incident: Incident, item_id: str) -> dict[str, Any]:
    """Return the item to tick; raise IncidentError if it is unknown or already ticked."""
    items = {item["id"]: item for item in incident.data.get("procedure") or []}
    if item_id not in items:
        known = ", ".join(items) or "none"
        raise IncidentError(f"item: '{item_id}' is not on this incident's checklist "
                            f"(items: {known})", [("item", "not on the checklist")])
    done = checked(incident).get(item_id)
    if done is not None:
        raise IncidentError(f"item: '{item_id}' was already ticked by {done['actor']}",
                            [("item", "already ticked")])
    item: dict[str, Any] = items[item_id]
    return item
