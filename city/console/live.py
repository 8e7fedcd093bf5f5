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
from .auth import ConsoleUser
from .queries import is_online

_LOGGER = logging.getLogger(__name__)

__all__ = ["LiveHub"]


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

    async def start(self) -> None:
        """LISTEN and start the watcher."""
        self._listener = await asyncpg.connect(asyncpg_dsn(self._db.url))
        await self._listener.add_listener(NOTIFY_CHANNEL, self._notified)
        await self._check_online(send=False)
        self._tasks = [asyncio.create_task(self._dispatch(), name="city live dispatch"),
                       asyncio.create_task(self._watch(), name="city online watcher")]

    async def stop(self) -> None:
        """Stop listening and close every WebSocket."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
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
            self._queue.put_nowait(json.loads(payload))

    async def _dispatch(self) -> None:
        while True:
            note = await self._queue.get()
            try:
                await self._handle(note)
            except Exception:  # one bad notification must not stop the stream
                _LOGGER.exception("live: failed to send %s", note.get("t"))

    async def _handle(self, note: dict[str, Any]) -> None:
        school = str(note.get("school"))
        district = await self._district(school)
        if note.get("t") == "incident":
            from .queries import incident_detail

            async with self._db.engine.connect() as conn:
                # The detail query checks visibility per user; read once as a city-wide user.
                detail = await incident_detail(conn, _SYSTEM, school, str(note.get("id")))
            if detail is None:
                return
            alarm = bool(note.get("new")) and (detail["priority"] == 1
                                               or detail["category"] == "panic")
            message: dict[str, Any] = {"type": "alarm" if alarm else "incident",
                                       "incident": detail}
        elif note.get("t") == "school":
            await self._check_online(send=True)
            return
        else:
            message = {"type": note.get("t"), "school": school, **{
                k: v for k, v in note.items() if k not in ("t", "school")}}
        await self._send(district, message)

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
        while True:
            await asyncio.sleep(1.0)
            try:
                await self._check_online(send=True)
            except Exception:
                _LOGGER.exception("live: online check failed")

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
