"""A hub process for the durability test: raise a burst of panics, or just deliver.

    python -m tests.hub.uplinks.durable_child CONFIG raise N   # print 'RAISED <id>' per commit
    python -m tests.hub.uplinks.durable_child CONFIG deliver   # run until SIGTERM
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from hub.config import load_config
from hub.hub import Hub
from hub.plugins import PluginRegistry


async def main(config_path: str, mode: str, count: int) -> None:
    """Start a hub from CONFIG; raise `count` incidents (printing each) or only deliver."""
    registry = PluginRegistry()
    registry.load_entry_points()
    config = load_config(Path(config_path), registry.config_models(),
                         uplinks=registry.uplink_models())
    hub = Hub(config, registry)
    await hub.start()
    print("STARTED", flush=True)
    if mode == "raise":
        for n in range(count):
            incident = await hub.incidents.raise_incident(
                "panic", source=f"alarm.panic_{n}", gate="main")
            # The incident (and its outbox items) is committed once raise_incident returns.
            # One write: the test runs this unbuffered, and SIGKILL may land between writes.
            print(f"RAISED {incident.id}", flush=True)
        print("BURST_DONE", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await hub.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0))
