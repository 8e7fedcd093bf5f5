"""Escalation: steps that run while nobody acknowledges an incident (issue 15)."""

from .config import EscalationConfig
from .engine import ACTION_ESCALATED, EscalationEngine, Planned, pending, plan

__all__ = ["ACTION_ESCALATED", "EscalationConfig", "EscalationEngine", "Planned", "pending",
           "plan"]
