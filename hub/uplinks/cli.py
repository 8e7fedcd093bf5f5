"""`campus-hub uplinks -c CONFIG`: each configured uplink's state, backlog and counters.

Read from the configuration and the outbox table, so it works whether the hub runs or not;
while the hub runs, each uplink's live status (a police platform's registration, live
views, broadcasts, subscriptions) is added from the file the hub refreshes every 5 s (also
on the panel's Uplinks page and `GET /api/uplinks`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
from typing import Any

from ..exceptions import ConfigError
from .live import describe, read_live_blocking

__all__ = ["register", "rows"]

_COLUMNS = ("name", "type", "state", "backlog", "delivered", "dropped", "dead",
            "last delivery", "last error")


def register(sub: Any) -> None:
    """Add the `uplinks` command."""
    cmd = sub.add_parser("uplinks", help="each uplink's state: backlog, delivered, dropped, "
                                         "dead letters, last error and delivery")
    cmd.add_argument("--config", "-c",
                     default=os.environ.get("CAMPUS_HUB_CONFIG", "config/site.yaml"))
    cmd.set_defaults(func=_uplinks)


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "never"
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def rows(configured: list[tuple[str, str]], summary: dict[str, dict[str, Any]]
         ) -> list[tuple[str, ...]]:
    """Return one printable row per configured (name, type), in configuration order."""
    out: list[tuple[str, ...]] = []
    for name, kind in configured:
        found = summary.get(name, {})
        counts = found.get("counts", {})
        retry_at = found.get("retry_at")
        state = f"retrying (next try {_when(retry_at)})" if retry_at else (
            "waiting" if counts.get("pending") else "ok")
        error = (found.get("last_error") or "-").replace("\n", " ")[:80]
        out.append((name, kind, state, str(counts.get("pending", 0)),
                    str(counts.get("delivered", 0)), str(counts.get("dropped", 0)),
                    str(counts.get("dead", 0)), _when(found.get("last_delivery_at")), error))
    return out


def _uplinks(args: argparse.Namespace) -> int:
    from ..plugins import PluginRegistry
    from ..recorder.component import default_url
    from ..recorder.config import RecorderConfig
    from ..recorder.db import Database
    from ..recorder.outbox import outbox_summary

    registry = PluginRegistry()
    registry.load_entry_points()
    try:
        config = registry.load_config(args.config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    configured = [(u.name, u.type) for u in config.sections.get("uplinks") or []]
    if not configured:
        print(f"{args.config}: no uplinks configured")
        return 0
    recorder = config.sections.get("recorder") or RecorderConfig()
    summary: dict[str, dict[str, Any]] = {}
    url = recorder.db_url or default_url(config.data_dir)
    if not recorder.enabled:
        print("the recorder is off: the outbox lives in the running hub's memory only "
              "(see the panel's Uplinks page)", file=sys.stderr)
    elif url.startswith("sqlite") and not os.path.exists(url.partition(":///")[2]):
        print(f"no database yet at {url}: nothing was queued", file=sys.stderr)
    else:
        summary = asyncio.run(_summary(Database(url), outbox_summary))
    table = [_COLUMNS, *rows(configured, summary)]
    widths = [max(len(r[i]) for r in table) for i in range(len(_COLUMNS))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip())
    live = read_live_blocking(config.data_dir)
    if live is None:
        print("live status: none (the hub is not running)")
        return 0
    print("live status (running hub):")
    for name, _ in configured:
        own = live.get(name)
        if own is not None:
            error = f" ({own['last_error']})" if own.get("last_error") else ""
            print(f"  {name}: {own.get('state', '?')}{error}; {describe(own)}")
    return 0


async def _summary(db: Any, summarize: Any) -> dict[str, dict[str, Any]]:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        result: dict[str, dict[str, Any]] = await summarize(db)
        return result
    except SQLAlchemyError as exc:  # an old schema: `campus-hub db upgrade` (or a start) fixes it
        print(f"outbox not readable ({type(exc).__name__}); run: campus-hub db upgrade",
              file=sys.stderr)
        return {}
    finally:
        await db.close()
