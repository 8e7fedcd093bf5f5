"""A hub that raises incidents and writes states in a burst until it is killed (-9).

Run by test_durability.py: `python crash_child.py DB_URL DATA_DIR COMMIT_INTERVAL`. It
prints `I <id>` once raise_incident returned, `A <id>` once the acknowledge returned, and
`S <n> <time>` after state number n was set.
"""

from __future__ import annotations

import asyncio
import sys

from hub.config import validate_config
from hub.hub import Hub
from hub.incidents import IncidentStatus
from hub.plugins import PluginRegistry


async def main(url: str, data_dir: str, interval: float) -> None:
    """Start a hub with the recorder and burst until killed."""
    raw = {"hub": {"data_dir": data_dir}, "recorder": {"db_url": url, "commit_interval": interval}}
    hub = Hub(validate_config(raw, {}), PluginRegistry())
    await hub.start()
    out = sys.stdout
    out.write("READY\n")
    out.flush()
    n = 0
    while True:
        for _ in range(200):
            state = hub.states.set("sensor.burst", str(n))
            n += 1
        out.write(f"S {n - 1} {state.last_updated!r}\n")
        incident = await hub.incidents.raise_incident("intrusion", source=f"alarm.zone_{n}")
        out.write(f"I {incident.id}\n")
        out.flush()
        await hub.incidents.transition(incident.id, IncidentStatus.ACKNOWLEDGED)
        out.write(f"A {incident.id}\n")
        out.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
