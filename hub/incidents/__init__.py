"""Incidents: the model, the manager that walks their lifecycle, and their services."""

from .config import DEFAULT_CATEGORIES, CategoryConfig, IncidentsConfig
from .manager import EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED, IncidentManager
from .messages import MESSAGES, localized_message
from .model import Incident, IncidentStatus, OutboxItem, Priority, TimelineStep, new_id
from .services import register_incident_services
from .store import IncidentStore, MemoryIncidentStore
from .visibility import POLICE_ROLE, police_event, police_view, police_visible

__all__ = [
    "DEFAULT_CATEGORIES",
    "EVENT_INCIDENT_RAISED",
    "EVENT_INCIDENT_UPDATED",
    "MESSAGES",
    "POLICE_ROLE",
    "CategoryConfig",
    "Incident",
    "IncidentManager",
    "IncidentStatus",
    "IncidentStore",
    "IncidentsConfig",
    "MemoryIncidentStore",
    "OutboxItem",
    "Priority",
    "TimelineStep",
    "localized_message",
    "new_id",
    "police_event",
    "police_view",
    "police_visible",
    "register_incident_services",
]
