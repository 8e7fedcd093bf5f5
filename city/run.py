"""`campus-hub platform run`: migrate, provision the broker, N worker processes, the console."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from pathlib import Path

from aiohttp import web
from sqlalchemy import text

from .broker import definitions, provision
from .commands import CommandSender
from .config import PlatformConfig
from .console.app import make_app
from .console.auth import UserStore
from .db import CityDatabase, upgrade_blocking
from .worker import Worker

_LOGGER = logging.getLogger(__name__)

__all__ = ["WorkerPool", "prepare", "run_platform", "run_worker", "seed_schools"]


async def seed_schools(db: CityDatabase, config: PlatformConfig) -> list[str]:
    """Insert or update the schools listed in platform.yaml; return every known school id."""
    now = time.time()
    async with db.engine.begin() as conn:
        if config.schools:
            await conn.execute(text(
                "INSERT INTO schools (id, name, district, live_view_url, created_at, "
                "heartbeat_seq) VALUES (:id, :n, :d, :lv, :now, 0) ON CONFLICT (id) DO UPDATE "
                "SET name = excluded.name, district = excluded.district, "
                "live_view_url = excluded.live_view_url"),
                [{"id": s.id, "n": s.name, "d": s.district, "lv": s.live_view_url, "now": now}
                 for s in config.schools])
        rows = (await conn.execute(text("SELECT id FROM schools"))).all()
    return [r[0] for r in rows]


async def prepare(config: PlatformConfig) -> CityDatabase:
    """Migrate the database, seed the schools and provision the broker; return the database."""
    await asyncio.get_running_loop().run_in_executor(None, upgrade_blocking,
                                                     config.database_url)
    db = CityDatabase(config.database_url)
    known = await seed_schools(db, config)
    if config.broker.management_urls:
        passwords: dict[str, str | None] = {s: None for s in known}
        passwords.update({s.id: s.password.get_secret_value() if s.password else None
                          for s in config.schools})
        await provision(config.broker.management_urls,
                        definitions(passwords, config.broker.topic_prefix,
                                    config.broker.partitions))
        _LOGGER.info("broker: %d schools, %d partitions provisioned", len(known),
                     config.broker.partitions)
    return db


async def run_worker(config: PlatformConfig, stop: asyncio.Event) -> None:
    """Run one worker in this process until `stop` is set."""
    db = CityDatabase(config.database_url)
    try:
        worker = Worker(config, db)
        await worker.run(stop)
    finally:
        await db.close()


class WorkerPool:
    """N worker processes, each restarted when it dies."""

    def __init__(self, config_path: Path, size: int) -> None:
        self._path, self._size = config_path, size
        self.processes: list[asyncio.subprocess.Process | None] = [None] * size
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start every worker and its supervisor."""
        self._tasks = [asyncio.create_task(self._keep(i), name=f"city worker {i}")
                       for i in range(self._size)]

    async def _keep(self, index: int) -> None:
        while True:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "city", "worker", "--config", str(self._path))
            self.processes[index] = process
            code = await process.wait()
            _LOGGER.warning("worker %d exited (%s); starting another", index, code)
            await asyncio.sleep(1.0)

    async def stop(self) -> None:
        """Stop every worker (SIGTERM, then wait)."""
        for task in self._tasks:
            task.cancel()
        for process in self.processes:
            if process is not None and process.returncode is None:
                process.terminate()
        for process in self.processes:
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    await asyncio.wait_for(process.wait(), 10)


async def run_platform(config: PlatformConfig, config_path: Path, stop: asyncio.Event) -> None:
    """Run workers and the console until `stop` is set."""
    db = await prepare(config)
    sender = CommandSender(config, db)
    pool = WorkerPool(config_path, config.workers)
    await pool.start()
    runner = web.AppRunner(make_app(config, db, UserStore(db, config.console.session_hours),
                                    sender))
    await runner.setup()
    site = web.TCPSite(runner, config.console.host, config.console.port)
    await site.start()
    _LOGGER.info("console on http://%s:%d/ with %d workers", config.console.host,
                 config.console.port, config.workers)
    print(json.dumps({"console": f"http://{config.console.host}:{config.console.port}/"}),
          flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await pool.stop()
        await sender.close()
        await db.close()
