"""The recorder: events, state history, incidents, audit log and outbox in SQL.

Importing this package stays cheap (other components import `Base` from it); the
component itself lives in `hub.recorder.component` and loads when the hub starts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .db import Base, Database, utcnow

if TYPE_CHECKING:
    from ..hub import Hub
    from .config import RecorderConfig

__all__ = ["Base", "Database", "setup", "utcnow"]


async def setup(hub: Hub, config: RecorderConfig | None) -> None:
    """Set up the recorder component (see hub.recorder.component)."""
    # Importing Alembic reads files (entry points): do it off the event loop.
    module = await hub.run_blocking(importlib.import_module, "hub.recorder.component")
    await module.setup(hub, config)
