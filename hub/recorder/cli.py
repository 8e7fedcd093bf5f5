"""`campus-hub db ...`: upgrade, status, purge the recorder's database (see hub/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any

from sqlalchemy import func, insert, inspect, select, text

from ..exceptions import ConfigError
from ..plugins import PluginRegistry
from .component import default_url
from .config import RecorderConfig
from .db import Database
from .migrate import alembic_config, upgrade_heads_blocking
from .models import AuditRow, EventRow, IncidentRow, OutboxRow, StateRow
from .purge import purge_history
from .write_scheduler import SqlWriter, make_writer_blocking

__all__ = ["database_url", "register"]


def register(sub: Any) -> None:
    """Add the `db` command and its subcommands."""
    db = sub.add_parser("db", help="the recorder's database: upgrade, status, purge")
    db.add_argument(
        "--config", "-c", default=os.environ.get("CAMPUS_HUB_CONFIG", "config/site.yaml")
    )
    cmds = db.add_subparsers(metavar="ACTION", required=True)
    up = cmds.add_parser(
        "upgrade",
        help="migrate every component's tables to their newest "
        "schema (the hub also does this at start)",
    )
    up.set_defaults(func=_upgrade)
    status = cmds.add_parser("status", help="schema revisions and row counts")
    status.set_defaults(func=_status)
    purge = cmds.add_parser(
        "purge",
        help="delete events and state history older than N days "
        "(incidents and the audit log are kept)",
    )
    purge.add_argument("--keep-days", type=int, required=True)
    purge.set_defaults(func=_purge)


def database_url(config_path: str) -> str:
    """Return the recorder's database URL for a configuration file (ConfigError if invalid)."""
    registry = PluginRegistry()
    registry.load_entry_points()
    config = registry.load_config(config_path)
    section = config.sections.get("recorder") or RecorderConfig()
    return section.db_url or default_url(config.data_dir)


def _url(args: argparse.Namespace) -> str:
    try:
        return database_url(args.config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        raise SystemExit(1) from None


def _upgrade(args: argparse.Namespace) -> int:
    url = _url(args)
    if url.startswith("sqlite"):
        os.makedirs(os.path.dirname(url.partition(":///")[2]) or ".", exist_ok=True)
    upgrade_heads_blocking(url)
    print("database is at the newest schema of every component")
    return 0


def _status(args: argparse.Namespace) -> int:
    from alembic.script import ScriptDirectory

    url = _url(args)
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    # Files are read before the event loop starts; the loop only talks to the database.
    versions = asyncio.run(_print_counts(Database(url)))
    print(f"schema       {', '.join(sorted(versions))}")
    if heads - versions:
        print(f"pending      {', '.join(sorted(heads - versions))} (run: campus-hub db upgrade)")
        return 1
    return 0


async def _print_counts(db: Database) -> set[str]:
    try:
        async with db.engine.connect() as conn:
            versions = set(
                (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars()
            )
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            for model in (EventRow, StateRow, AuditRow, IncidentRow):
                if model.__tablename__ not in tables:
                    print(f"{model.__tablename__:<12} (no table yet)")
                    continue
                count = (await conn.execute(select(func.count()).select_from(model))).scalar()
                print(f"{model.__tablename__:<12} {count} rows")
            if "outbox" in tables:
                outbox = await conn.execute(
                    select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
                )
                counts = ", ".join(f"{s}: {n}" for s, n in outbox.all())
                print("outbox       " + (counts or "empty"))
    finally:
        await db.close()
    return versions


def _purge(args: argparse.Namespace) -> int:
    if args.keep_days < 0:
        print("--keep-days must be 0 or more", file=sys.stderr)
        return 2
    db = Database(_url(args))
    result = asyncio.run(_purge_and_audit(db, make_writer_blocking(db), args.keep_days))
    print(
        f"removed {result['events']} events, {result['states']} states and "
        f"{result['outbox']} finished outbox items about no incident older than "
        f"{args.keep_days} days"
    )
    return 0


async def _purge_and_audit(db: Database, writer: SqlWriter, keep_days: int) -> dict[str, Any]:
    try:
        result = await purge_history(writer, keep_days)
        audit = insert(AuditRow).values(
            time=time.time(),
            user="cli",
            action="recorder.purge",
            target=None,
            details=result,
            origin="cli",
        )
        await writer.run(lambda conn: conn.execute(audit), urgent=True)
        return result
    finally:
        await writer.close()
        await db.close()
