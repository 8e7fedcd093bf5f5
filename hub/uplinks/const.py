"""Names of the uplink outbox: timeline actions, bus events, their payload."""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "ACTION_DEAD",
    "ACTION_DELIVERED",
    "ACTION_FAILED",
    "ACTION_FORWARD",
    "ACTION_REQUEUED",
    "DELIVERY_ACTIONS",
    "EVENT_ITEM_DEAD_LETTERED",
    "EVENT_ITEM_DELIVERED",
    "DeliveryEventData",
]

# Timeline actions; delivery steps are stored with forward=False so they make no new items.
ACTION_FORWARD = "forward"
ACTION_DELIVERED = "uplink_delivered"
ACTION_FAILED = "uplink_delivery_failed"
ACTION_DEAD = "uplink_dead_letter"
ACTION_REQUEUED = "uplink_requeued"
DELIVERY_ACTIONS = frozenset({ACTION_DELIVERED, ACTION_FAILED, ACTION_DEAD, ACTION_REQUEUED,
                              # the names before issue 11, in timelines stored then
                              "police_delivered", "police_delivery_failed",
                              "police_dead_letter", "police_requeued"})

#: an incident item reached its uplink (items about no incident fire no event: too many)
EVENT_ITEM_DELIVERED = "uplink_item_delivered"
#: any item became a dead letter
EVENT_ITEM_DEAD_LETTERED = "uplink_item_dead_lettered"


class DeliveryEventData(TypedDict):
    """Payload of uplink_item_delivered and uplink_item_dead_lettered."""

    uplink: str
    kind: str
    incident_id: str | None
    revision: int
    idempotency_key: str
    attempts: int
    detail: str
