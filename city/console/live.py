"""The live stream to consoles: PostgreSQL NOTIFY from the workers, online/offline changes.

Workers NOTIFY channel `city` in the transaction that applied a message; each console process
LISTENs on one connection, reads the changed incident once and sends it to every WebSocket
whose user may see its school. A watcher compares every school's online state each second
and sends the changes (a school that stops sending heartbeats goes offline within 1.5 of its
heartbeat periods).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import asyncpg
from aiohttp import web
from sqlalchemy import text

from ..db import CityDatabase, asyncpg_dsn
from ..ingest import NOTIFY_CHANNEL
from ..trace import TRACING, trace
from .auth import ConsoleUser
from .queries import is_online

_LOGGER = logging.getLogger(__name__)

__all__ = ["LiveHub"]

BATCH = 500  # notifications handled together (their incidents read in one query)


class LiveHub:
    """Fans platform changes out to the consoles' WebSockets."""

    def __init__(self, db: CityDatabase, default_interval: float) -> None:
        self._db = db
        self._interval = default_interval
        self._clients: dict[web.WebSocketResponse, ConsoleUser] = {}
        self._online: dict[str, bool] = {}
        self._districts: dict[str, str] = {}
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: asyncpg.Connection | None = None
        self._schools_changed = asyncio.Event()

    async def start(self) -> None:
        """LISTEN and start the watcher."""
        self._listener = await asyncpg.connect(asyncpg_dsn(self._db.url))
        await self._listener.add_listener(NOTIFY_CHANNEL, self._notified)
        await self._check_online(send=False)
        self._tasks = [asyncio.create_task(self._dispatch(), name="city live dispatch"),
                       asyncio.create_task(self._watch(), name="city online watcher")]

    async def stop(self) -> None:
        """Stop listening and close every WebSocket."""
        pending = {task for task in self._tasks if not task.done()}
        while pending:  # again each 0.5 s: a library's wait_for may lose a cancellation
            for task in pending:
                task.cancel()
            _done, pending = await asyncio.wait(pending, timeout=0.5)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        for ws in list(self._clients):
            await ws.close()

    def add(self, ws: web.WebSocketResponse, user: ConsoleUser) -> None:
        """Send changes to this WebSocket from now on."""
        self._clients[ws] = user

    def remove(self, ws: web.WebSocketResponse) -> None:
        """Stop sending to this WebSocket."""
        self._clients.pop(ws, None)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        with contextlib.suppress(ValueError):
            note = json.loads(payload)
            if TRACING:
                note["_at"] = time.time()
            self._queue.put_nowait(note)

    async def _dispatch(self) -> None:
        while True:
            notes = [await self._queue.get()]
            while not self._queue.empty() and len(notes) < BATCH:
                notes.append(self._queue.get_nowait())
            try:
                await self._handle(notes)
            except Exception:  # one bad notification must not stop the stream
                _LOGGER.exception("live: failed to send %d notes", len(notes))

    async def _handle(self, notes: list[dict[str, Any]]) -> None:
        """Send what these notes changed: incidents first, all of them read in one go."""
        incidents = [n for n in notes if n.get("t") == "incident"]
        if incidents:
            await self._incidents(incidents)
        for note in notes:
            if note.get("t") == "school":
                # Coalesced: a mass reconnect sends one note per school; re-reading every
                # school for each of them queued alarms behind seconds of reads (bench_city).
                self._schools_changed.set()
            elif note.get("t") != "incident":
                school = str(note.get("school"))
                await self._send(await self._district(school), {
                    "type": note.get("t"), "school": school, **{
                        k: v for k, v in note.items() if k not in ("t", "school", "_at")}})

    async def _incidents(self, notes: list[dict[str, Any]]) -> None:
        from .queries import incident_details

        keys = list(dict.fromkeys((str(n.get("school")), str(n.get("id"))) for n in notes))
        async with self._db.engine.connect() as conn:
            # The detail query checks visibility per user; read once as a city-wide user.
            details = await incident_details(conn, _SYSTEM, keys)
        read = time.time()
        for note in notes:
            detail = details.get((str(note.get("school")), str(note.get("id"))))
            if detail is None:
                continue
            # a panic-button test is listed, never sounded (the school tests its button)
            alarm = bool(note.get("new")) and not detail["test"] and (
                detail["priority"] == 1 or detail["category"] == "panic")
            await self._send(detail["district"], {"type": "alarm" if alarm else "incident",
                                                  "incident": detail})
            trace("console", school=detail["school"], id=detail["id"], rev=note.get("rev"),
                  notified=note.get("_at"), read=read, sent=time.time(), batch=len(notes))

    async def _send(self, district: str | None, message: dict[str, Any]) -> None:
        raw = json.dumps(message)
        for ws, user in list(self._clients.items()):
            if district is not None and not user.sees(district):
                continue
            try:
                await ws.send_str(raw)
            except (ConnectionError, RuntimeError):
                self.remove(ws)

    async def _district(self, school: str) -> str | None:
        if school not in self._districts:
            async with self._db.engine.connect() as conn:
                row = (await conn.execute(text("SELECT district FROM schools WHERE id = :s"),
                                          {"s": school})).first()
            if row is None:
                return None
            self._districts[school] = row[0]
        return self._districts[school]

    async def _watch(self) -> None:
        """Re-read link states every second, or at once (at most 5 times a second) on a note."""
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation
            # that meets the event being set, and this loop would outlive stop()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._schools_changed.wait()
            self._schools_changed.clear()
            try:
                await self._check_online(send=True)
            except Exception:
                _LOGGER.exception("live: online check failed")
            await asyncio.sleep(0.2)

    async def _check_online(self, send: bool) -> None:
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT id, district, last_heartbeat_at, heartbeat_interval, link_status, "
                "link_status_at FROM schools"))).all()
        now = time.time()
        for row in rows:
            self._districts[row.id] = row.district
            online = is_online(row, self._interval, now)
            if self._online.get(row.id) != online:
                self._online[row.id] = online
                if send:
                    await self._send(row.district, {"type": "school", "school": row.id,
                                                    "online": online,
                                                    "last_heartbeat_at": row.last_heartbeat_at})


_SYSTEM = ConsoleUser("system", "city_admin", None, "")
