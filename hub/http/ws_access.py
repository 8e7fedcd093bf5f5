"""Open WebSockets stay authorised: closed when their session expires or their token is revoked.

A WebSocket is authenticated once, at the handshake. Afterwards each connection has a timer
that fires when its session expires, and every `http.auth.websocket_check_seconds` all
connections are checked again against the database, which catches what happened outside
this process (`campus-hub users disable`, a second hub on the same database, a purge).
Changes made through this hub's API close the affected connections at once
(`close_where`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Protocol

from ..recorder.db import utcnow
from .security import Authenticator, Principal

_LOGGER = logging.getLogger(__name__)

__all__ = ["CLOSE_UNAUTHORISED", "WebSocketConnection", "WebSocketRegistry"]

#: WebSocket close code (application range) when the credentials stopped being valid.
CLOSE_UNAUTHORISED = 4001


class WebSocketConnection(Protocol):
    """What the registry needs of a connection."""

    @property
    def who(self) -> Principal:
        """The caller authenticated at the handshake."""

    def close(self, code: int = ..., reason: str = ...) -> None:
        """Stop the connection, telling the client why."""


class WebSocketRegistry:
    """The open WebSocket connections of one server, with their access checks."""

    def __init__(self, auth: Authenticator, check_seconds: float) -> None:
        self.auth = auth
        self.check_seconds = check_seconds
        self._timers: dict[WebSocketConnection, asyncio.TimerHandle | None] = {}

    def __iter__(self) -> Iterator[WebSocketConnection]:
        return iter(list(self._timers))

    def __contains__(self, conn: object) -> bool:
        return conn in self._timers

    def __len__(self) -> int:
        return len(self._timers)

    def add(self, conn: WebSocketConnection) -> None:
        """Track a connection; a session's connection closes when the session expires."""
        timer = None
        expires = conn.who.expires_at
        if expires is not None:
            loop = asyncio.get_running_loop()
            delay = max(0.0, (expires - utcnow()) / dt.timedelta(seconds=1))
            timer = loop.call_later(delay, self._expired, conn)
        self._timers[conn] = timer

    def discard(self, conn: WebSocketConnection) -> None:
        """Forget a connection that has ended."""
        timer = self._timers.pop(conn, None)
        if timer is not None:
            timer.cancel()

    def close_where(self, predicate: Callable[[Principal], bool], reason: str) -> int:
        """Close every connection whose caller matches; return how many."""
        closing = [conn for conn in self._timers if predicate(conn.who)]
        for conn in closing:
            self._close(conn, reason)
        return len(closing)

    async def run(self) -> None:
        """Check every connection's credentials again, every `check_seconds`."""
        while True:
            await asyncio.sleep(self.check_seconds)
            await self.check_all()

    async def check_all(self) -> int:
        """Close connections whose session or token no longer grants access; return how many."""
        closed = 0
        for conn in list(self._timers):
            try:
                valid = await self.auth.still_valid(conn.who)
            except Exception:  # a database hiccup must not end the checks
                _LOGGER.exception("WebSocket access check failed")
                return closed
            if not valid and conn in self._timers:
                self._close(conn, "credentials revoked")
                closed += 1
        return closed

    def _expired(self, conn: WebSocketConnection) -> None:
        self._close(conn, "session expired")

    def _close(self, conn: WebSocketConnection, reason: str) -> None:
        _LOGGER.info("Closing the WebSocket of %s: %s", conn.who.user.name, reason)
        self.discard(conn)
        conn.close(CLOSE_UNAUTHORISED, reason)
