"""Connection limits in front of aiohttp: a header timeout and caps on open connections.

aiohttp waits for a request's headers as long as the client likes, and accepts every
connection: 2,000 half-sent requests were all held open (issue 10). Each connection is
wrapped: it is closed when its first request's headers are not complete within
`header_timeout`, and a new connection past `max_connections` (or past
`max_connections_per_address` from one address, trusted proxies excepted) is closed at
once. Idle keep-alive connections end after aiohttp's `keepalive_timeout`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import Counter
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

from aiohttp import web

_LOGGER = logging.getLogger(__name__)

__all__ = ["ConnectionLimits", "serve_guarded"]

_END_OF_HEAD = b"\r\n\r\n"


@dataclass
class ConnectionLimits:
    """The limits, and the connections open now."""

    header_timeout: float
    max_connections: int
    max_per_address: int
    trusted: list[IPv4Network | IPv6Network] = field(default_factory=list)
    open: int = 0
    by_address: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    timed_out: int = 0

    def admit(self, address: str) -> bool:
        """Count a new connection from `address`; return False when it must be refused."""
        per_address = not self._trusted(address)
        if self.open >= self.max_connections or (
                per_address and self.by_address[address] >= self.max_per_address):
            self.refused += 1
            if self.refused in (1, 100, 10000) or self.refused % 100000 == 0:
                _LOGGER.warning("HTTP: refused %d connections over the limit (%d open, %d "
                                "from %s)", self.refused, self.open, self.by_address[address],
                                address)
            return False
        self.open += 1
        self.by_address[address] += 1
        return True

    def release(self, address: str) -> None:
        """Forget a connection that ended."""
        self.open -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]

    def _trusted(self, address: str) -> bool:
        try:
            peer = ip_address(address)
        except ValueError:
            return False
        return any(peer in net for net in self.trusted)


class _Guarded(asyncio.Protocol):
    """One connection: aiohttp's handler behind the header timeout and the caps."""

    def __init__(self, inner: Any, limits: ConnectionLimits) -> None:
        self._inner = inner
        self._limits = limits
        self._address: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else "?"
        if not self._limits.admit(address):
            if isinstance(transport, asyncio.Transport):
                transport.abort()  # no lingering: the point is to free the slot now
            else:
                transport.close()
            return
        self._address = address
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._limits.header_timeout, self._expired, transport)
        self._inner.connection_made(transport)

    def _expired(self, transport: asyncio.BaseTransport) -> None:
        self._timer = None
        self._limits.timed_out += 1
        transport.close()

    def data_received(self, data: bytes) -> None:
        if self._timer is not None:
            seen = self._tail + data
            if _END_OF_HEAD in seen:  # the first request's headers are complete
                self._timer.cancel()
                self._timer = None
            self._tail = seen[-3:]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        result: bool | None = self._inner.eof_received()
        return result

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._address is None:
            return  # refused before aiohttp saw it
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._limits.release(self._address)
        self._address = None
        self._inner.connection_lost(exc)


async def serve_guarded(runner: web.BaseRunner, sock: socket.socket, limits: ConnectionLimits,
                        backlog: int = 128) -> asyncio.Server:
    """Listen on `sock`, each connection handled by the runner's server behind `limits`.

    Public API only: `runner.server` (aiohttp's protocol factory, after `runner.setup()`)
    and the loop's `create_server`. The caller closes the returned server before
    `runner.cleanup()` (which then closes the open connections).
    """
    server = runner.server
    if server is None:
        raise RuntimeError("call runner.setup() before serving")

    def factory() -> asyncio.Protocol:
        return _Guarded(server(), limits)

    return await asyncio.get_running_loop().create_server(factory, sock=sock, backlog=backlog)
