"""Component entry point of escalation (`escalation:` section, optional)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hubkey import HubKey
from .config import EscalationConfig
from .engine import EscalationEngine

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["ESCALATION", "setup"]

ESCALATION: HubKey[EscalationEngine] = HubKey("escalation")


async def setup(hub: Hub, config: EscalationConfig | None) -> None:
    """Start following incidents; `hub.components[ESCALATION]` holds the engine."""
    engine = EscalationEngine(hub, config or EscalationConfig())
    hub.components[ESCALATION] = engine
    engine.start()
    hub.on_stop(engine.stop)
