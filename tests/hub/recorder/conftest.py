"""Recorder fixtures: a real PostgreSQL server started by the test run, a database per test."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.recorder.db import Database
from hub.recorder.migrate import upgrade_heads_blocking
from hub.recorder.store import DatabaseIncidentStore
from hub.recorder.write_scheduler import make_writer_blocking
from hub.testing.net import free_port
from tests.prerequisites import missing

PG_BIN = Path(os.environ.get("CAMPUS_HUB_PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass(frozen=True)
class PostgresServer:
    """A running PostgreSQL server on 127.0.0.1."""

    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        """Return the asyncpg URL of one database.

        Trust authentication ignores the password; giving one (and ssl=disable) keeps asyncpg
        from looking for ~/.pgpass and client certificates, file I/O on the event loop.
        """
        return (
            f"postgresql+asyncpg://{self.user}:unused@{self.host}:{self.port}/{database}"
            "?ssl=disable"
        )


def _run(cmd: list[str], owner: str | None) -> None:
    full = ["runuser", "-u", owner, "--", *cmd] if owner else cmd
    done = subprocess.run(full, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr or done.stdout}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start PostgreSQL 15 in a temporary folder (as user postgres when running as root)."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        missing(f"PostgreSQL binaries in {PG_BIN}",
                "install the postgresql package (./scripts/bootstrap does)")
    owner = None
    # Not pytest's basetemp: a concurrent pytest session may prune it under a live server.
    root = Path(tempfile.mkdtemp(prefix="campus-hub-pg-"))
    if os.geteuid() == 0:
        try:
            owner_info = pwd.getpwnam("postgres")
        except KeyError:
            missing("the 'postgres' user (root cannot run PostgreSQL itself)",
                    "install the postgresql package, which creates it")
        owner = "postgres"
        os.chown(root, owner_info.pw_uid, owner_info.pw_gid)
    data, sockets = root / "data", root / "sock"
    for folder in (data, sockets):
        folder.mkdir()
        if owner:
            shutil.chown(folder, owner, owner)
    user = "campus"
    _run(
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        owner,
    )
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {sockets} -F -c fsync=off"
    _run(
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "start",
        ],
        owner,
    )
    try:
        yield PostgresServer("127.0.0.1", port, user)
    finally:
        _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], owner)
        shutil.rmtree(root, ignore_errors=True)


async def _admin(server: PostgresServer, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(
        host=server.host, port=server.port, user=server.user, database="postgres"
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def postgres_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """A fresh, empty database on the test PostgreSQL server; dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:12]
    await _admin(postgres_server, f"CREATE DATABASE {name}")
    yield postgres_server.url(name)
    await _admin(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'campus-hub.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A database migrated to every head."""
    await asyncio.to_thread(upgrade_heads_blocking, db_url)
    database = await asyncio.to_thread(Database, db_url)
    yield database
    await database.close()


@pytest.fixture
async def store(db: Database) -> AsyncIterator[DatabaseIncidentStore]:
    """The incident store on `db`, writing the way the hub does (a thread for SQLite)."""
    writer = await asyncio.to_thread(make_writer_blocking, db)
    yield DatabaseIncidentStore(db, writer)
    await writer.close()
