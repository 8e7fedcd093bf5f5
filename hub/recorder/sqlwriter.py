"""Where the recorder's writes run: one transaction per job, urgent jobs first.

SQLite has one writer at a time, and every await on aiosqlite costs an event-loop turn, so
on a busy loop a five-statement transaction waits five turns. For SQLite the recorder
therefore writes through one thread holding one synchronous connection: a whole
transaction is one job and one wake-up of the loop, and incident saves (`urgent`) go
before queued history batches. PostgreSQL takes concurrent writers, so there a job runs on
the async engine (`run_sync`), and nothing is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..jsonutil import dumps
from .db import Database, _sqlite_pragmas

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

__all__ = ["AsyncSqlWriter", "SqlWriter", "ThreadSqlWriter", "make_writer_blocking"]

Job = Callable[[Connection], Any]
CHECKPOINT_INTERVAL = 2.0


class SqlWriter(Protocol):
    """Runs `job(connection)` in a transaction and returns its result once committed."""

    async def run(self, job: Callable[[Connection], _T], *, urgent: bool = False) -> _T:
        """Run one transaction; urgent jobs overtake queued ones."""

    async def close(self) -> None:
        """Finish queued jobs and release the connection."""

    def urgent_waiting(self) -> bool:
        """Return whether an urgent job waits (a long job may stop early and let it in)."""


class AsyncSqlWriter:
    """Runs each job on the async engine (PostgreSQL: concurrent writers are fine).

    Urgent jobs (incident saves, outbox updates) share one long-lived connection: no pool
    checkout and no pre-ping round trip before each one. A connection found dead is
    replaced and the job retried once (its transaction did not commit).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._urgent: AsyncConnection | None = None
        self._urgent_lock = asyncio.Lock()

    async def run(self, job: Callable[[Connection], _T], *, urgent: bool = False) -> _T:
        """Run one transaction."""
        if not urgent:
            async with self._db.engine.begin() as conn:
                return await conn.run_sync(job)
        async with self._urgent_lock:
            for attempt in (1, 2):
                if self._urgent is None:
                    self._urgent = await self._db.engine.connect()
                try:
                    async with self._urgent.begin():
                        return await self._urgent.run_sync(job)
                except DBAPIError as exc:
                    if not exc.connection_invalidated or attempt == 2:
                        raise
                    _LOGGER.warning("Recorder: database connection lost; reconnecting")
                    await self._drop_urgent()
        raise AssertionError("unreachable")

    async def _drop_urgent(self) -> None:
        conn, self._urgent = self._urgent, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def close(self) -> None:
        """Close the urgent jobs' connection (every job was awaited)."""
        async with self._urgent_lock:
            await self._drop_urgent()

    def urgent_waiting(self) -> bool:
        """Return False: jobs run side by side, nobody waits behind another."""
        return False


class ThreadSqlWriter:
    """One thread, one synchronous SQLite connection, a priority queue of transactions."""

    def __init__(self, db: Database) -> None:
        url = make_url(db.url).set(drivername="sqlite")
        self._engine: Engine = create_engine(
            url, json_serializer=dumps, connect_args={"timeout": 30}
        )
        event.listen(self._engine, "connect", _sqlite_pragmas)
        event.listen(self._engine, "connect", _no_autocheckpoint)
        self._jobs: queue.PriorityQueue[tuple[int, int, Any, Any, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._main, name="recorder-sqlite", daemon=True)
        self._thread.start()

    async def run(self, job: Callable[[Connection], _T], *, urgent: bool = False) -> _T:
        """Queue one transaction and wait until it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        self._jobs.put((0 if urgent else 1, next(self._order), job, future, loop))
        return await future

    def urgent_waiting(self) -> bool:
        """Return whether an urgent job is queued (called from the writer thread)."""
        waiting = self._jobs.queue  # a heap: its first entry has the lowest priority number
        return bool(waiting) and waiting[0][0] == 0

    async def close(self) -> None:
        """Run what is queued, then stop the thread and close the connection."""
        self._jobs.put((2, next(self._order), None, None, None))
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)

    def _main(self) -> None:
        checkpointer = threading.Thread(
            target=self._checkpoint_loop, daemon=True, name="recorder-checkpoint"
        )
        checkpointer.start()
        conn: Connection | None = None
        try:
            while True:
                _, _, job, future, loop = self._jobs.get()
                if job is None:
                    return
                try:
                    # (Re)connect lazily: a failed connect fails this job, not the thread.
                    conn = conn if conn is not None else self._engine.connect()
                    with conn.begin():
                        result = job(conn)
                except BaseException as exc:  # handed to the awaiting coroutine
                    if conn is not None and conn.invalidated:
                        conn.close()
                        conn = None
                    _reply(loop, _fail, future, exc)
                else:
                    _reply(loop, _succeed, future, result)
        finally:
            self._stopped.set()
            checkpointer.join()
            if conn is not None:
                conn.close()
            self._engine.dispose()

    def _checkpoint_loop(self) -> None:
        mode = "PASSIVE"
        while True:
            stopping = self._stopped.wait(CHECKPOINT_INTERVAL)
            if stopping:
                mode = "TRUNCATE"  # leave a small WAL behind
            try:
                with self._engine.connect() as conn:
                    conn.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})").all()
            except Exception as exc:  # the next round tries again
                _LOGGER.warning("Recorder WAL checkpoint failed: %s", exc)
            if stopping:
                return


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    # Checkpoints (copying the WAL into the database file, with an fsync) run in their own
    # thread, so that a commit never waits for one.
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0").close()


def _reply(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:  # the loop is closed: nobody waits any more
        _LOGGER.debug("Recorder job finished after its event loop closed")


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def make_writer_blocking(db: Database) -> SqlWriter:
    """Return the writer for this database (blocking: opens the SQLite engine)."""
    if db.is_sqlite:
        return ThreadSqlWriter(db)
    return AsyncSqlWriter(db)
