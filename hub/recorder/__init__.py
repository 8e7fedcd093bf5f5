"""The recorder: events, state history, incidents, audit log and outbox in SQL.

Importing this package is cheap: `Base`, `Database` and `utcnow` load SQLAlchemy on first
use, and the component itself (`hub.recorder.component`) loads only when the hub starts
an enabled recorder.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..hub import Hub
    from .config import RecorderConfig
    from .db import Base, Database, utcnow

_LOGGER = logging.getLogger(__name__)

__all__ = ["Base", "Database", "setup", "utcnow"]


def __getattr__(name: str) -> Any:
    if name in ("Base", "Database", "utcnow"):
        return getattr(importlib.import_module(".db", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


async def setup(hub: Hub, config: RecorderConfig | None) -> None:
    """Set up the recorder component (see hub.recorder.component)."""
    if config is not None and not config.enabled:
        _LOGGER.warning(
            "Recorder disabled: incidents live in memory only and are lost on "
            "restart; do not run a school like this"
        )
        return
    # Importing SQLAlchemy and the models reads files: do it off the event loop.
    module = await hub.run_blocking(importlib.import_module, "hub.recorder.component")
    await module.setup(hub, config)
