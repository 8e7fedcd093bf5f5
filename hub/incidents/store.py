"""Where incidents are kept durably. The recorder provides the database store."""

from __future__ import annotations

from typing import Protocol

from .model import Incident, OutboxItem, TimelineStep

__all__ = ["IncidentStore", "MemoryIncidentStore"]


class IncidentStore(Protocol):
    """Durable incident storage: `save` returns only once the step is safe on disk."""

    async def save(self, incident: Incident, step: TimelineStep,
                   outbox: list[OutboxItem]) -> None:
        """Write the incident, its new step and its outbox items in one transaction."""

    async def load_open(self) -> list[Incident]:
        """Return every incident that is not resolved or a false alarm."""

    async def load(self, incident_id: str) -> Incident | None:
        """Return one incident with its timeline, or None."""


class MemoryIncidentStore:
    """Keeps incidents in memory: for tests and a hub without a recorder."""

    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.outbox: list[OutboxItem] = []

    async def save(self, incident: Incident, step: TimelineStep,
                   outbox: list[OutboxItem]) -> None:
        """Keep the incident and the outbox items."""
        self.incidents[incident.id] = incident
        self.outbox.extend(outbox)

    async def load_open(self) -> list[Incident]:
        """Return the open incidents."""
        return [i for i in self.incidents.values() if i.is_open]

    async def load(self, incident_id: str) -> Incident | None:
        """Return one incident."""
        return self.incidents.get(incident_id)
