"""Names of the police forwarding component: domain, events, timeline actions."""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "ACTION_DEAD",
    "ACTION_DELIVERED",
    "ACTION_FAILED",
    "ACTION_FORWARD",
    "ACTION_REQUEUED",
    "DOMAIN",
    "EVENT_MESSAGE_DEAD_LETTERED",
    "EVENT_MESSAGE_DELIVERED",
    "DeliveryEventData",
]

DOMAIN = "police"

# Timeline actions; delivery steps are stored with forward=False so they make no new messages.
ACTION_FORWARD = "forward"
ACTION_DELIVERED = "police_delivered"
ACTION_FAILED = "police_delivery_failed"
ACTION_DEAD = "police_dead_letter"
ACTION_REQUEUED = "police_requeued"
DELIVERY_ACTIONS = frozenset({ACTION_DELIVERED, ACTION_FAILED, ACTION_DEAD, ACTION_REQUEUED})

EVENT_MESSAGE_DELIVERED = "police_message_delivered"
EVENT_MESSAGE_DEAD_LETTERED = "police_message_dead_lettered"


class DeliveryEventData(TypedDict):
    """Payload of police_message_delivered and police_message_dead_lettered."""

    destination: str
    incident_id: str
    revision: int
    idempotency_key: str
    attempts: int
    detail: str
