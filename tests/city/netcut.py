"""A TCP relay on 127.0.0.1 whose 'network' can be cut: bytes stop flowing both ways.

Stands for a school's internet line: `cut()` black-holes every connection (no FIN, as a
dead line looks to both ends: only keepalives notice), `restore()` drops the dead
connections and lets new ones through again.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["NetCut"]


class NetCut:
    """Relays 127.0.0.1:<port> to a target while the line is up."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.up = True
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def address(self) -> str:
        """Return host:port to connect to."""
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close everything."""
        self._drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Cut the line: nothing passes any more, nobody is told."""
        self.up = False

    def restore(self) -> None:
        """Bring the line back: the dead connections go, new ones pass."""
        self._drop()
        self.up = True

    def _drop(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                             return_exceptions=True)
        for w in (writer, up_writer):
            self._writers.discard(w)
            w.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if self.up:
                    writer.write(data)
                    await writer.drain()
