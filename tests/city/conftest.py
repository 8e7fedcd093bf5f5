"""City platform fixtures: a real 3-node RabbitMQ cluster and PostgreSQL, started once per run.

The cluster (Debian's rabbitmq-server, MQTT plugin, quorum queues) starts once per session
(about 20 s on 2 cores); each test module gets its own PostgreSQL database and each test its
own school ids, so tests share the cluster without seeing each other's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

# Import Alembic and the console outside the event loop (imports read files).
import city.db  # noqa: F401
from city.broker import definitions, partition_of, provision
from city.cluster import RabbitCluster, rabbitmq_available
from city.commands import CommandSender
from city.config import PlatformConfig
from city.console.app import make_app
from city.console.auth import UserStore
from city.db import CityDatabase, upgrade_blocking
from city.run import seed_schools
from city.school import HubSchool
from city.sim import SimSchool
from city.worker import Worker
from hub.auth.passwords import Passwords
from tests.city.watchdog import stop_watch
from tests.hub.recorder.conftest import PostgresServer, postgres_server

__all__ = ["postgres_server"]

PASSWORD = "city-test-password"


# The first test on a cluster also waits for the cluster to start (RabbitCluster.start bounds
# that at 120 s); that wait is not the test's own, so such tests get it on top of their timeout.
CLUSTER_START_ALLOWANCE = 150.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the cluster's start-up allowance to the timeout of every test on a cluster; put
    the cluster restart last among the city tests."""
    for item in items:
        if "rabbit" not in getattr(item, "fixturenames", ()):
            continue
        marker = item.get_closest_marker("timeout")
        base = float(marker.args[0]) if marker and marker.args else float(
            config.getini("timeout") or 120)
        item.add_marker(pytest.mark.timeout(base + CLUSTER_START_ALLOWANCE))
    # The whole-cluster restart (~2 minutes on RabbitMQ 3.10, docs/city.md) restarts the
    # session's cluster and waits for one node only: it runs last among the city tests.
    restart = [i for i in items if i.nodeid.startswith("tests/city/test_restart.py")]
    rest = [i for i in items if i not in restart]
    city = [n for n, i in enumerate(rest) if i.nodeid.startswith("tests/city/")]
    at = city[-1] + 1 if city else len(rest)
    items[:] = rest[:at] + restart + rest[at:]


@pytest.fixture(scope="session")
def rabbit() -> Iterator[RabbitCluster]:
    """A 3-node RabbitMQ cluster on 127.0.0.1."""
    yield from rabbit_cluster()


def rabbit_cluster() -> Iterator[RabbitCluster]:
    """Start a 3-node RabbitMQ cluster on 127.0.0.1, yield it, stop it."""
    if not rabbitmq_available():
        if os.environ.get("CI") == "true":
            pytest.fail("rabbitmq-server is not installed (scripts/bootstrap installs it)")
        pytest.skip("rabbitmq-server is not installed (Debian package rabbitmq-server)")
    cluster = RabbitCluster(3)
    # A run stopped with SIGTERM (timeout, CI) tears down like Ctrl-C, so the nodes go too;
    # city.cluster's atexit hook kills whatever is left if even that is cut short.
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt("SIGTERM")


@pytest.fixture(scope="module")
def city_db_url(postgres_server: PostgresServer) -> str:
    """A fresh, migrated platform database for the module."""
    import asyncpg

    name = f"city_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        conn = await asyncpg.connect(host=postgres_server.host, port=postgres_server.port,
                                     user=postgres_server.user, database="postgres",
                                     ssl=False)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    url = postgres_server.url(name)
    upgrade_blocking(url)
    return url


def management_urls(cluster: RabbitCluster) -> list[str]:
    """Return the management API URL of every node with the admin's credentials."""
    return [f"http://{cluster.admin_user}:{cluster.admin_password}@127.0.0.1:{n.http_port}"
            for n in cluster.nodes]


def platform_config(cluster: RabbitCluster, db_url: str, **overrides: Any) -> PlatformConfig:
    """Return a platform configuration on the test cluster (short heartbeats)."""
    raw: dict[str, Any] = {
        "database_url": db_url,
        "broker": {"amqp_urls": cluster.amqp_urls(), "management_urls": management_urls(cluster),
                   "mqtt_servers": cluster.mqtt_servers(), "partitions": 4},
        "heartbeat_interval": 1.0, "console": {"port": 0},
    }
    raw.update(overrides)
    return PlatformConfig.model_validate(raw)


@dataclass
class Platform:
    """Workers and the console in this process, plus simulated schools."""

    cluster: RabbitCluster
    config: PlatformConfig
    db: CityDatabase
    url: str = ""
    schools: dict[str, SimSchool] = field(default_factory=dict)
    workers: list[tuple[Worker, asyncio.Event, asyncio.Task[None]]] = field(default_factory=list)
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    hubs: list[HubSchool] = field(default_factory=list)
    config_path: Path | None = None

    async def add_schools(self, district: str, count: int, *, start: bool = True,
                          heartbeat: float = 1.0, prefix: str = "s",
                          per_partition: bool = False) -> list[SimSchool]:
        """Register, provision and (optionally) start `count` simulated schools (with
        `per_partition`, ids chosen so each partition gets count / partitions of them)."""
        tag = secrets.token_hex(3)
        ids = [f"{prefix}{tag}{i}" for i in range(count)]
        if per_partition:
            partitions = self.config.broker.partitions
            ids, i = [], 0
            while len(ids) < count:
                school = f"{prefix}{tag}{i}"
                i += 1
                if sum(partition_of(s, partitions) == partition_of(school, partitions)
                       for s in ids) < count // partitions:
                    ids.append(school)
        async with self.db.engine.begin() as conn:
            from sqlalchemy import text

            await conn.execute(text(
                "INSERT INTO schools (id, name, district, created_at, heartbeat_seq, "
                "live_view_url) VALUES (:id, :n, :d, 0, 0, :lv)"),
                [{"id": i, "n": f"School {i}", "d": district,
                  "lv": f"http://127.0.0.1:1/live/{i}"} for i in ids])
        await provision(self.config.broker.management_urls,
                        definitions({i: PASSWORD + i for i in ids}, "campus",
                                    self.config.broker.partitions))
        sims = [SimSchool(i, PASSWORD + i, self.cluster.mqtt_servers(),
                          heartbeat_interval=heartbeat) for i in ids]
        for sim in sims:
            self.schools[sim.school] = sim
            if start:
                await sim.start()
        if start:
            await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in sims)), 60)
        return sims

    async def start_worker(self, config: PlatformConfig | None = None) -> Worker:
        """Start one worker in this process (on the platform's configuration or `config`)."""
        worker, stop = Worker(config or self.config, self.db), asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        self.workers.append((worker, stop, task))
        return worker

    async def start_worker_process(self) -> asyncio.subprocess.Process:
        """Start one worker as its own process (`python -m city worker`)."""
        assert self.config_path is not None
        log = self.config_path.parent / f"worker{len(self.processes)}.log"  # kept by pytest
        with await asyncio.to_thread(open, log, "wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "city", "worker", "--config", str(self.config_path),
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr)
        self.processes.append(process)
        return process

    async def login(self, session: aiohttp.ClientSession, username: str) -> str:
        """Log in; return the CSRF token."""
        async with session.post(f"{self.url}/api/login",
                                json={"username": username, "password": PASSWORD}) as resp:
            assert resp.status == 200, await resp.text()
            return str((await resp.json())["csrf_token"])

    async def stop(self) -> None:
        """Stop schools, workers and worker processes."""
        for sim in self.schools.values():
            await sim.stop()
        await asyncio.gather(*(h.stop() for h in self.hubs), return_exceptions=True)
        for _worker, stop, task in self.workers:
            stop.set()
            # not wait_for: on Python 3.11 it waits for ever for a task that lost the
            # cancellation it sends at the timeout
            _done, pending = await asyncio.wait({task}, timeout=10)
            while pending:
                task.cancel()
                _done, pending = await asyncio.wait({task}, timeout=1)
            with contextlib.suppress(BaseException):
                task.result()
        for process in self.processes:
            if process.returncode is None:
                process.kill()
                await process.wait()


def client_session() -> aiohttp.ClientSession:
    """An HTTP client that keeps the console's cookie on 127.0.0.1."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def wait_for(predicate: Any, timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {value!r})")
        await asyncio.sleep(interval)


@pytest.fixture
async def platform(rabbit: RabbitCluster, city_db_url: str,
                   tmp_path: Path) -> AsyncIterator[Platform]:
    """One in-process worker, the console on a free port, users of every role."""
    config = platform_config(rabbit, city_db_url)
    config_path = tmp_path / "platform.yaml"
    config_path.write_text(yaml.safe_dump(config.model_dump(mode="json")))
    db = CityDatabase(city_db_url)
    await seed_schools(db, config)
    users = UserStore(db, 1.0, Passwords(time_cost=1, memory_kib=8192, parallelism=1))
    for name, role, district in (("admin", "city_admin", None), ("police", "dispatcher", None),
                                 ("north", "district_officer", "north"),
                                 ("south", "district_officer", "south"),
                                 ("viewer", "viewer", None)):
        await users.add(name, PASSWORD, role, district)
    sender = CommandSender(config, db)
    runner = web.AppRunner(make_app(config, db, users, sender))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    harness = Platform(rabbit, config, db, url=f"http://127.0.0.1:{port}",
                       config_path=config_path)
    try:
        yield harness
    finally:
        async with stop_watch("the platform fixture's teardown"):
            await harness.stop()
            await runner.cleanup()
            await sender.close()
            await db.close()
