"""The running hub's live uplink status, for `campus-hub uplinks` (which runs apart).

Every `INTERVAL` seconds the manager writes each uplink's own `status()` (registration,
live views, subscriptions, ...) to `<data_dir>/uplinks.live.json`; the command shows it
while the file is fresh and says the hub is not running otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["FRESH", "INTERVAL", "LIVE_FILE", "describe", "read_live_blocking", "write_live"]

LIVE_FILE = "uplinks.live.json"
INTERVAL = 5.0
FRESH = 3 * INTERVAL
_SKIP = frozenset({"state", "last_error", "history"})


def _write_blocking(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # data files are private
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(data, default=str))
    os.replace(tmp, path)


def _remove_blocking(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def write_live(hub: Hub, statuses: Callable[[], dict[str, dict[str, Any]]],
                     interval: float | None = None) -> None:
    """Write the statuses every `interval` (default INTERVAL) s until cancelled; remove
    the file then."""
    path = hub.config.data_dir / LIVE_FILE
    try:
        while True:
            await hub.run_blocking(_write_blocking, path,
                                   {"at": time.time(), "uplinks": statuses()})
            await asyncio.sleep(interval or INTERVAL)
    finally:
        with contextlib.suppress(RuntimeError):  # the hub's executor is already shut down
            await asyncio.shield(hub.run_blocking(_remove_blocking, path))


def read_live_blocking(data_dir: Path, now: float | None = None
                       ) -> dict[str, dict[str, Any]] | None:
    """The statuses a running hub wrote, or None when there are none or they are stale."""
    try:
        data = json.loads((data_dir / LIVE_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if (now or time.time()) - float(data.get("at", 0)) > FRESH:
        return None
    uplinks: dict[str, dict[str, Any]] = data.get("uplinks", {})
    return uplinks


def _value(value: Any) -> str:
    if isinstance(value, list):
        parts = [", ".join(f"{k} {v}" for k, v in item.items()) if isinstance(item, dict)
                 else str(item) for item in value]
        return f"{len(value)}" + (f" [{'; '.join(parts)}]" if parts else "")
    if isinstance(value, float) and value > 1e9:  # an epoch time
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))
    return str(value)


def describe(status: dict[str, Any]) -> str:
    """One line of an uplink's own status fields ('live_views 1, broadcasts 1 [...]')."""
    return ", ".join(f"{key} {_value(value)}" for key, value in status.items()
                     if key not in _SKIP and value is not None)
