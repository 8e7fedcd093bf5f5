"""A hub with the API and the recorder that runs until it is killed (-9).

Run by test_audit_durability.py: `python audit_child.py DATA_DIR DB_URL`. History commits
only every 60 s, so an audit row that exists after the kill was committed with its action.
Prints `READY <url>` once the users `guard` and `admin` exist.
"""

from __future__ import annotations

import asyncio
import sys

from hub.config import validate_config
from hub.http import HttpComponent
from hub.hub import Hub
from hub.plugins import PluginRegistry

PASSWORD = "correct horse battery"


async def main(data_dir: str, url: str) -> None:
    """Start the hub, create the users, wait to be killed."""
    raw = {
        "hub": {"data_dir": data_dir},
        "recorder": {"db_url": url, "commit_interval": 60},
        "http": {"port": 0, "auth": {"argon2_time_cost": 1, "argon2_memory_kib": 8192,
                                     "argon2_parallelism": 1}},
        "devices": [{"platform": "acme_gate", "name": "Main entrance", "gate": "main",
                     "travel_seconds": 0.1, "auto_close_seconds": 30}],
    }
    registry = PluginRegistry()
    registry.load_entry_points()
    hub = Hub(validate_config(raw, registry.config_models()), registry)
    await hub.start()
    http = hub.components["http"]
    assert isinstance(http, HttpComponent)
    await http.started.wait()
    for name in ("guard", "admin"):
        await http.store.add_user(name, name, PASSWORD)
    sys.stdout.write(f"READY {http.url}\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
