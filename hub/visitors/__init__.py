"""The visitor check at the gate ("four ones"): metal detector pass, locker, photo, visitor log.

Its own component (the `visitors:` section), run with that section or with the panel (the
Visitors page is where guards run the check); the services `visitor.check_in`,
`visitor.check_out` and `visitor.take_photo` work for automations too. Importing this package
is cheap: the log, its database and routes load only when the component runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .config import VisitorsConfig

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["VisitorsConfig", "setup"]


async def setup(hub: Hub, config: VisitorsConfig | None) -> None:
    """Component entry point (hub/components.py); a hub without either imports nothing more."""
    if config is None and hub.config.sections.get("http") is None:
        return  # no visitor check configured and no panel to run it from
    # Imported off the loop: it brings the HTTP package, which reads files at import (a
    # `visitors:` section without the panel failed under blockbuster when run first).
    component = await hub.run_blocking(importlib.import_module, "hub.visitors.component")
    await component.setup(hub, config)
