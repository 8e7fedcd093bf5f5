"""Which worker works which partition: PostgreSQL sessions are the membership, advisory locks
the fence.

Every worker keeps one PostgreSQL session named `city-worker:<id>` (application_name): the
live workers are the sessions pg_stat_activity lists, so a worker that dies (even kill -9)
leaves the membership the moment its session ends, with no heartbeat table to expire.

Partition p belongs to the live worker at index p mod N of the sorted ids (`owner`). A worker
applies a message of p only while it holds the session advisory lock (LOCK_SPACE, p): when a
partition changes hands, the next worker cannot apply anything of it before the previous
one has committed and acked everything it was given and unlocked (or died), so the messages
of a school stay in order across the handover.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg

from .db import asyncpg_dsn

__all__ = ["APP_PREFIX", "LOCK_SPACE", "PartitionLocks", "owner", "workers_holding"]

APP_PREFIX = "city-worker:"
LOCK_SPACE = 0x43495459  # "CITY": the first key of the partitions' advisory locks
_TIMEOUT = 10.0


def owner(partition: int, members: Sequence[str]) -> str | None:
    """Return the live worker a partition belongs to (None without members)."""
    if not members:
        return None
    ordered = sorted(members)
    return ordered[partition % len(ordered)]


class PartitionLocks:
    """One worker's PostgreSQL session: its name in the membership and its partition locks."""

    def __init__(self, db_url: str, worker_id: str) -> None:
        self._dsn = asyncpg_dsn(db_url)
        self.worker_id = worker_id
        self.held: set[int] = set()
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one query at a time on the session

    async def open(self) -> None:
        """Open the session (the worker joins the membership)."""
        self._conn = await asyncpg.connect(
            self._dsn, timeout=_TIMEOUT,
            server_settings={"application_name": (APP_PREFIX + self.worker_id)[:63]})

    async def close(self) -> None:
        """End the session: its locks go with it (the worker leaves the membership)."""
        conn, self._conn = self._conn, None
        self.held.clear()
        if conn is not None:
            try:
                await conn.close(timeout=5)
            except (OSError, TimeoutError, asyncpg.PostgresError):
                conn.terminate()

    async def members(self) -> list[str]:
        """Return the ids of the live workers (sessions of this database), sorted."""
        rows = await self._fetch(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE $1",
            APP_PREFIX + "%")
        return sorted({str(r[0])[len(APP_PREFIX):] for r in rows})

    async def try_lock(self, partition: int) -> bool:
        """Take a partition's lock if no other worker holds it; return whether held."""
        if partition in self.held:
            return True
        rows = await self._fetch("SELECT pg_try_advisory_lock($1, $2)", LOCK_SPACE, partition)
        if rows and rows[0][0]:
            self.held.add(partition)
            return True
        return False

    async def unlock(self, partition: int) -> None:
        """Let a partition go (everything given for it is committed and acked)."""
        if partition in self.held:
            await self._fetch("SELECT pg_advisory_unlock($1, $2)", LOCK_SPACE, partition)
            self.held.discard(partition)

    async def unlock_all(self) -> None:
        """Let every partition go (the broker connection is gone: others get its messages)."""
        if self.held:
            await self._fetch("SELECT pg_advisory_unlock_all()")
            self.held.clear()

    async def _fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        if self._conn is None:
            raise ConnectionError("the worker's PostgreSQL session is closed")
        async with self._lock:
            return list(await self._conn.fetch(query, *args, timeout=_TIMEOUT))


async def workers_holding(db_url: str) -> dict[str, list[int]]:
    """Return which partitions each live worker holds now (for operators and tests)."""
    conn = await asyncpg.connect(asyncpg_dsn(db_url), timeout=_TIMEOUT)
    try:
        rows = await conn.fetch(
            "SELECT a.application_name, l.objid FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.granted "
            "AND a.datname = current_database() AND a.application_name LIKE $2",
            LOCK_SPACE, APP_PREFIX + "%")
        members = await conn.fetch(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE $1",
            APP_PREFIX + "%")
    finally:
        await conn.close()
    held: dict[str, list[int]] = {str(m[0])[len(APP_PREFIX):]: [] for m in members}
    for name, objid in rows:
        held.setdefault(str(name)[len(APP_PREFIX):], []).append(int(objid))
    return {k: sorted(v) for k, v in held.items()}
