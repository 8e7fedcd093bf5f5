"""A live-view session: the camera's shared pull -> PS -> RTP to the platform, over UDP,
TCP active (the hub connects) or TCP passive (the platform connects), until BYE."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time

from .ps import PsMuxer
from .rtp import RtpPacketizer, frame_rfc4571
from .sdp import MediaOffer
from .source import AccessUnit, LiveSource, SourcePool

_LOGGER = logging.getLogger(__name__)

__all__ = ["MediaSession"]

CONNECT_TIMEOUT = 10.0


class MediaSession:
    """One INVITE's stream; `prepare()` binds the local port the SDP answer names."""

    def __init__(self, offer: MediaOffer, pool: SourcePool, url: str, local_host: str) -> None:
        self.offer = offer
        self.pool = pool
        self.url = url
        self.local_host = local_host
        self.local_port = 0
        self.source: LiveSource | None = None
        self.packets = 0
        self.first_packet_at: float | None = None
        self._queue: asyncio.Queue[AccessUnit | None] | None = None
        self._sock: socket.socket | None = None
        self._server: asyncio.Server | None = None
        self._accepted: asyncio.Future[asyncio.StreamWriter] | None = None
        self._task: asyncio.Task[None] | None = None

    async def prepare(self) -> LiveSource:
        """Join (or start) the camera's pull and bind the local media port."""
        self.source, self._queue = await self.pool.acquire(self.url)
        if self.offer.transport == "tcp_passive":
            loop = asyncio.get_running_loop()
            self._accepted = loop.create_future()
            self._server = await asyncio.start_server(self._on_connect, self.local_host, 0)
            self.local_port = int(self._server.sockets[0].getsockname()[1])
        else:
            kind = socket.SOCK_DGRAM if self.offer.transport == "udp" else socket.SOCK_STREAM
            self._sock = socket.socket(socket.AF_INET, kind)
            self._sock.setblocking(False)
            self._sock.bind((self.local_host, 0))
            self.local_port = int(self._sock.getsockname()[1])
        return self.source

    def _on_connect(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._accepted is not None and not self._accepted.done():
            self._accepted.set_result(writer)
        else:
            writer.close()

    def start(self) -> None:
        """Start sending (on ACK)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"gb28181 media {self.url}")

    async def _run(self) -> None:
        assert self.source is not None and self._queue is not None
        muxer, rtp = PsMuxer(self.source.h265), RtpPacketizer(int(self.offer.ssrc))
        loop = asyncio.get_running_loop()
        writer: asyncio.StreamWriter | None = None
        transport: asyncio.DatagramTransport | None = None
        try:
            if self.offer.transport == "udp":
                assert self._sock is not None
                transport, _ = await loop.create_datagram_endpoint(
                    asyncio.DatagramProtocol, sock=self._sock,
                    remote_addr=None)  # fmt: skip
            else:
                writer = await self._connect()
            remote = (self.offer.host, self.offer.port)
            while (unit := await self._queue.get()) is not None:
                for packet in rtp.packets(muxer.mux(unit.data, unit.pts, unit.keyframe),
                                          unit.pts):
                    if transport is not None:
                        transport.sendto(packet, remote)
                    else:
                        assert writer is not None
                        writer.write(frame_rfc4571(packet))
                    self.packets += 1
                    if self.first_packet_at is None:
                        self.first_packet_at = time.monotonic()
                if writer is not None:
                    await writer.drain()
        except (OSError, TimeoutError) as err:
            _LOGGER.info("GB28181: live view of %s to %s:%s ended: %s", self.url,
                         self.offer.host, self.offer.port, err)
        finally:
            if transport is not None:
                transport.close()
            if writer is not None:
                writer.close()

    async def _connect(self) -> asyncio.StreamWriter:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            if self.offer.transport == "tcp_passive":
                assert self._accepted is not None
                return await self._accepted
            assert self._sock is not None
            await asyncio.get_running_loop().sock_connect(self._sock,
                                                          (self.offer.host, self.offer.port))
            _, writer = await asyncio.open_connection(sock=self._sock)
            return writer

    async def stop(self) -> None:
        """Stop sending and leave the camera's pull (BYE)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        elif self._sock is not None:
            self._sock.close()
        if self._server is not None:
            self._server.close()
        if self.source is not None and self._queue is not None:
            with contextlib.suppress(Exception):
                await self.pool.release(self.source, self._queue)
            self.source = None
