"""The daily self-check of each gate's five duties and the visitor check (`self_check:`).

Importing this package is cheap: the checks and their routes load only with the section.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .config import SelfCheckConfig

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["SelfCheckConfig", "setup"]


async def setup(hub: Hub, config: SelfCheckConfig | None) -> None:
    """Component entry point (hub/components.py)."""
    if config is None:
        return
    # Imported off the loop: it brings the HTTP package, which reads files at import.
    component = await hub.run_blocking(importlib.import_module, "hub.selfcheck.component")
    await component.setup(hub, config)
