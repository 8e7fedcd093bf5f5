"""Campus Hub side: start-up time and RSS with many automations and entities (fresh process)."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

from .stats import cpu_seconds, rss_mib

__all__ = ["startup"]


async def startup(params: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Start a hub with N entities (states, or real entities) and M automations."""
    began = time.time()
    from .ours_hub import start_hub  # the hub's imports count as start-up

    imported = time.time()
    entities, automations = params["entities"], params["automations"]
    recorder = params.get("recorder", False)
    if params["entity_objects"]:
        hub = await start_hub(
            data_dir, automations=automations, devices=entities, recorder=recorder
        )
    else:
        hub = await start_hub(data_dir, automations=automations, states=entities, recorder=recorder)
    ready = time.time()
    cpu = cpu_seconds()
    if len(hub.states) < entities + automations:
        raise RuntimeError("not every entity or automation is in the state machine")
    gc.collect()
    rss, peak = rss_mib()
    return {
        "ready_wall": ready,
        "setup_s": ready - imported,
        "import_s": imported - began,
        "cpu_s": cpu,
        "rss_mib": rss,
        "peak_rss_mib": peak,
    }
