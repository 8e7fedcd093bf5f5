"""Shift handover: the guard on duty starts and ends the duty; the next signs the handover off.

Its own component (the `duty:` section), run with that section or with the panel (the Duty
page is where guards hand over). Importing this package is cheap: the log, its database and
routes load only when the component runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .config import DutyConfig

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["DutyConfig", "setup"]


async def setup(hub: Hub, config: DutyConfig | None) -> None:
    """Component entry point (hub/components.py); a hub without either imports nothing more."""
    if config is None and hub.config.sections.get("http") is None:
        return
    # Imported off the loop: it brings the HTTP package, which reads files at import.
    component = await hub.run_blocking(importlib.import_module, "hub.duty.component")
    await component.setup(hub, config)
