"""The incident model: category, priority, source, linked cameras, and a timeline."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

__all__ = [
    "TERMINAL",
    "TRANSITIONS",
    "Incident",
    "IncidentStatus",
    "OutboxItem",
    "Priority",
    "TimelineStep",
    "new_id",
]


class Priority(IntEnum):
    """Incident priority: 1 is the most urgent."""

    CRITICAL = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4

    @classmethod
    def parse(cls, value: int | str) -> Priority:
        """Accept 1-4 or a name such as 'critical'."""
        if isinstance(value, str) and not value.isdigit():
            return cls[value.upper()]
        return cls(int(value))


class IncidentStatus(StrEnum):
    """Where an incident is in its lifecycle."""

    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    FALSE_ALARM = "false_alarm"


TERMINAL = frozenset({IncidentStatus.RESOLVED, IncidentStatus.FALSE_ALARM})
TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.RAISED: frozenset({IncidentStatus.ACKNOWLEDGED, IncidentStatus.DISPATCHED,
                                      *TERMINAL}),
    IncidentStatus.ACKNOWLEDGED: frozenset({IncidentStatus.DISPATCHED, *TERMINAL}),
    IncidentStatus.DISPATCHED: frozenset(TERMINAL),
    IncidentStatus.RESOLVED: frozenset(),
    IncidentStatus.FALSE_ALARM: frozenset(),
}


_last_ms = 0
_seq = 0


def new_id() -> str:
    """Return a unique id that sorts in creation order within this process.

    48-bit millisecond timestamp, a 16-bit sequence for ids made in the same millisecond
    (so newest-first lists and id cursors stay ordered), then 64 random bits; 32 hex digits.
    """
    global _last_ms, _seq
    now = int(time.time() * 1000)
    if now > _last_ms:
        _last_ms, _seq = now, 0
    else:  # same millisecond, or the clock stepped back: keep counting from the last id
        _seq += 1
        if _seq > 0xFFFF:
            _last_ms, _seq = _last_ms + 1, 0
    return f"{_last_ms:012x}{_seq:04x}{os.urandom(8).hex()}"


@dataclass(slots=True)
class TimelineStep:
    """One thing that happened to an incident: who, when, what."""

    action: str
    actor: str
    at: float = field(default_factory=time.time)
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the step as a JSON-ready dict."""
        return {"action": self.action, "actor": self.actor, "at": self.at, "note": self.note,
                "data": self.data}


@dataclass(slots=True)
class Incident:
    """A security incident, from raised to resolved. Nothing in it is ever deleted."""

    id: str
    category: str
    priority: Priority
    site: str
    message: str
    source: str | None = None
    gate: str | None = None
    cameras: list[str] = field(default_factory=list)
    snapshots: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    status: IncidentStatus = IncidentStatus.RAISED
    classification: str | None = None
    test: bool = False
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    revision: int = 1
    timeline: list[TimelineStep] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Return whether the incident is neither resolved nor a false alarm."""
        return self.status not in TERMINAL

    def as_dict(self) -> dict[str, Any]:
        """Return the incident with its timeline as a JSON-ready dict."""
        return {
            "id": self.id,
            "category": self.category,
            "priority": int(self.priority),
            "priority_name": self.priority.name.lower(),
            "site": self.site,
            "message": self.message,
            "source": self.source,
            "gate": self.gate,
            "cameras": list(self.cameras),
            "snapshots": list(self.snapshots),
            "data": self.data,
            "status": str(self.status),
            "classification": self.classification,
            "test": self.test,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "revision": self.revision,
            "timeline": [step.as_dict() for step in self.timeline],
        }


@dataclass(slots=True, frozen=True)
class OutboxItem:
    """A message to deliver to one uplink, as it is written to the outbox.

    Incident items are written in the transaction of the step they are about; others
    (face captures, device status, events) have `incident_id` None and revision 0.
    `ordering_key` groups items delivered in order (empty: the incident id).
    """

    uplink: str
    incident_id: str | None
    revision: int
    idempotency_key: str
    payload: dict[str, Any]
    kind: str = "incident"
    ordering_key: str = ""

    @property
    def order(self) -> str:
        """Return the ordering key (the incident id unless one was given)."""
        return self.ordering_key or self.incident_id or self.idempotency_key
