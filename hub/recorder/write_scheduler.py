"""Where the recorder's writes run: urgent jobs first, committed together in groups.

SQLite has one writer at a time, and every await on aiosqlite costs an event-loop turn, so
on a busy loop a five-statement transaction waits five turns. For SQLite the recorder
therefore writes through one thread holding one synchronous connection: a whole
transaction is one job and one wake-up of the loop, and incident saves (`urgent`) go
before queued history batches. PostgreSQL takes concurrent writers, so there a history job
runs on the async engine (`run_sync`) as it comes.

Group commit: urgent jobs that wait together (incident saves, outbox marks) run in one
transaction, up to `GROUP_MAX` of them, and each caller hears back only after that commit.
If the group fails it is rolled back and every job runs again alone, so one bad job fails
only its own caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..jsonutil import dumps
from .db import Database, _sqlite_pragmas

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

__all__ = ["GROUP_MAX", "AsyncSqlWriter", "SqlWriter", "ThreadSqlWriter", "make_writer_blocking"]

Job = Callable[[Connection], Any]
CHECKPOINT_INTERVAL = 2.0
GROUP_MAX = 256  # urgent jobs per transaction at most


class SqlWriter(Protocol):
    """Runs `job(connection)` in a transaction and returns its result once committed."""

    group_stats: GroupStats

    async def run(self, job: Callable[[Connection], _T], *, urgent: bool = False) -> _T:
        """Run one transaction; urgent jobs overtake queued ones."""

    async def close(self) -> None:
        """Finish queued jobs and release the connection."""

    def urgent_waiting(self) -> bool:
        """Return whether an urgent job waits (a long job may stop early and let it in)."""


@dataclass
class GroupStats:
    """Urgent jobs and the transactions they were committed in (jobs / groups = group size)."""

    jobs: int = 0
    groups: int = 0
    split: int = 0  # groups that failed and were run again job by job
    largest: int = 0

    def count(self, size: int) -> None:
        """Count one committed or attempted group of `size` jobs."""
        self.jobs += size
        self.groups += 1
        self.largest = max(self.largest, size)


def run_jobs(jobs: Sequence[Job], conn: Connection) -> list[Any]:
    """Run jobs in order on one connection (inside the caller's transaction).

    Neighbouring jobs with the same `run_many(jobs, conn) -> results` static method (the
    incident store's saves) run through it together, so they can share statements.
    """
    results: list[Any] = []
    for run_many, same in itertools.groupby(jobs, key=lambda job: getattr(job, "run_many", None)):
        if run_many is None:
            results.extend(job(conn) for job in same)
        else:
            results.extend(run_many(list(same), conn))
    return results


class AsyncSqlWriter:
    """Runs each job on the async engine (PostgreSQL: concurrent writers are fine).

    Urgent jobs (incident saves, outbox updates) queue for one task that commits them in
    groups on one long-lived connection: no pool checkout and no pre-ping round trip per
    save. A connection found dead is replaced and the group retried once (it did not
    commit).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._urgent: AsyncConnection | None = None
        self._waiting: deque[tuple[Job, asyncio.Future[Any]]] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self.group_stats = GroupStats()

    async def run(self, job: Callable[[Connection], _T], *, urgent: bool = False) -> _T:
        """Run one transaction (urgent: in the next group)."""
        if not urgent:
            async with self._db.engine.begin() as conn:
                return await conn.run_sync(job)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        self._waiting.append((job, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain(), name="recorder urgent writes")
        return await future

    async def _drain(self) -> None:
        waiting = self._waiting
        while waiting:
            group = [waiting.popleft() for _ in range(min(GROUP_MAX, len(waiting)))]
            try:
                await self._run_group(group)
            except BaseException:  # cancelled: nobody will run these
                for _job, future in [*group, *waiting]:
                    future.cancel()
                waiting.clear()
                raise

    async def _run_group(self, group: list[tuple[Job, asyncio.Future[Any]]]) -> None:
        self.group_stats.count(len(group))
        try:
            results = await self._transaction([job for job, _ in group])
        except Exception as exc:
            if len(group) == 1:
                _fail(group[0][1], exc)
                return
            self.group_stats.split += 1
            _LOGGER.debug("Recorder group of %d failed (%s); running each alone", len(group), exc)
            for entry in group:
                await self._run_group([entry])
            return
        for (_job, future), result in zip(group, results, strict=True):
            _succeed(future, result)

    async def _transaction(self, jobs: list[Job]) -> list[Any]:
        for attempt in (1, 2):
            if self._urgent is None:
                self._urgent = await self._db.engine.connect()
            try:
                async with self._urgent.begin():
                    return await self._urgent.run_sync(lambda conn: run_jobs(jobs, conn))
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
        """Let queued urgent jobs commit, then close their connection."""
        while self._drainer is not None and not self._drainer.done():
            await asyncio.wait([self._drainer])  # its callers hear about its failures
        await self._drop_urgent()

    def urgent_waiting(self) -> bool:
        """Return False: history jobs run beside urgent ones, nobody waits behind another."""
        return False


_Entry = tuple[int, int, Any, Any, Any]  # priority, order, job, future, loop


class ThreadSqlWriter:
    """One thread, one synchronous SQLite connection, a priority queue of transactions."""

    def __init__(self, db: Database) -> None:
        url = make_url(db.url).set(drivername="sqlite")
        self.engine: Engine = create_engine(
            url, json_serializer=dumps, connect_args={"timeout": 30}
        )
        event.listen(self.engine, "connect", _sqlite_pragmas)
        event.listen(self.engine, "connect", _no_autocheckpoint)
        self.group_stats = GroupStats()
        self._jobs: queue.PriorityQueue[_Entry] = queue.PriorityQueue()
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
                entry = self._jobs.get()
                if entry[2] is None:
                    return
                group = [entry, *self._more_urgent()] if entry[0] == 0 else [entry]
                conn = self._run_group(conn, group)
        finally:
            self._stopped.set()
            checkpointer.join()
            if conn is not None:
                conn.close()
            self.engine.dispose()

    def _more_urgent(self) -> list[_Entry]:
        # Only this thread takes from the queue, so an urgent head stays there until taken.
        taken: list[_Entry] = []
        waiting = self._jobs.queue
        while len(taken) < GROUP_MAX - 1 and waiting and waiting[0][0] == 0:
            taken.append(self._jobs.get_nowait())
        return taken

    def _run_group(self, conn: Connection | None, group: list[_Entry]) -> Connection | None:
        """Run the group in one transaction; on failure, each job alone. Return the connection."""
        if group[0][0] == 0:
            self.group_stats.count(len(group))
        try:
            # (Re)connect lazily: a failed connect fails this group, not the thread.
            conn = conn if conn is not None else self.engine.connect()
            with conn.begin():
                results = run_jobs([e[2] for e in group], conn)
        except BaseException as exc:  # handed to the awaiting coroutines
            if conn is not None and conn.invalidated:
                conn.close()
                conn = None
            if len(group) == 1:
                _reply(group[0][4], _fail_all, [(group[0][3], exc)])
                return conn
            self.group_stats.split += 1
            _LOGGER.debug("Recorder group of %d failed (%s); running each alone", len(group), exc)
            for entry in group:
                conn = self._run_group(conn, [entry])
            return conn
        # One wake-up per event loop for the whole group.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, Any]]] = {}
        for entry, result in zip(group, results, strict=True):
            by_loop.setdefault(entry[4], []).append((entry[3], result))
        for loop, replies in by_loop.items():
            _reply(loop, _succeed_all, replies)
        return conn

    def _checkpoint_loop(self) -> None:
        mode = "PASSIVE"
        while True:
            stopping = self._stopped.wait(CHECKPOINT_INTERVAL)
            if stopping:
                mode = "TRUNCATE"  # leave a small WAL behind
            try:
                with self.engine.connect() as conn:
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


def _succeed_all(replies: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for future, result in replies:
        _succeed(future, result)


def _fail_all(replies: list[tuple[asyncio.Future[Any], BaseException]]) -> None:
    for future, exc in replies:
        _fail(future, exc)


def make_writer_blocking(db: Database) -> SqlWriter:
    """Return the writer for this database (blocking: opens the SQLite engine)."""
    if db.is_sqlite:
        return ThreadSqlWriter(db)
    return AsyncSqlWriter(db)
