"""A hub whose incident store is down, until it is killed (-9): presses can only wait.

Run by test_press_journal.py: `python press_child.py DATA_DIR MODBUS_PORT`. The panic
button is the simulated IO module's input 0 (real Modbus/TCP). Prints `READY` once the
input is read.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from hub.config import validate_config
from hub.hub import Hub
from hub.incidents import MemoryIncidentStore
from hub.plugins import PluginRegistry
from hub.testing import wait_for_state


class DownStore(MemoryIncidentStore):
    """The database is unreachable: every save fails."""

    async def save(self, incident: Any, step: Any, outbox: Any) -> None:
        raise ConnectionError("database unreachable")


def site(data_dir: str, port: int) -> dict[str, Any]:
    """The demo's latched panic button on the IO module; no recorder (the store is set)."""
    return {
        "hub": {"site": "demo-school", "data_dir": data_dir},
        "recorder": {"enabled": False},
        "devices": [{"platform": "modbus_io", "name": "Gate IO module", "object_id": "gate_io",
                     "gate": "main", "host": "127.0.0.1", "port": port, "scan_interval": 0.05,
                     "inputs": [{"name": "Panic 1", "address": 0, "category": "panic",
                                 "latch": True}]}],
    }


async def main(data_dir: str, port: int) -> None:
    """Start the hub with the store down; wait to be killed."""
    registry = PluginRegistry()
    registry.load_entry_points()
    hub = Hub(validate_config(site(data_dir, port), registry.config_models()), registry)
    hub.incidents.store = DownStore()
    await hub.start()
    await wait_for_state(hub, "alarm.panic_1", "idle", timeout=30)
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
