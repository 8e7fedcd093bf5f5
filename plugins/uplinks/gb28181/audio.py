"""The audio of a voice broadcast: RTP in, G.711 decoded, WAV pieces out to the speaker.

Platforms send G.711 A-law (PCMA, payload type 8, 8 kHz) as plain RTP, some G.711 u-law
(PCMU, 0), and some wrap the G.711 bytes in an MPEG program stream (payload type 96,
"PS/90000"; PES stream id 0xC0, stream map type 0x90 A-law or 0x91 u-law, annex C).
Decoded audio is cut into pieces of `chunk_seconds` and handed to `sink` in order.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import io
import logging
import sys
import time
import wave
from collections.abc import Awaitable, Callable

from .rtp import parse_rtp

_LOGGER = logging.getLogger(__name__)

__all__ = ["AudioReceiver", "PsAudioDemuxer", "alaw_to_pcm", "ulaw_to_pcm"]

RATE = 8000
STREAM_TYPE_G711A, STREAM_TYPE_G711U = 0x90, 0x91


def _alaw(byte: int) -> int:
    """ITU-T G.711 A-law expansion of one code to a 16-bit sample."""
    a = byte ^ 0x55
    exponent, mantissa = (a >> 4) & 0x07, a & 0x0F
    value = (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
    return value if a & 0x80 else -value


def _ulaw(byte: int) -> int:
    """ITU-T G.711 u-law expansion of one code to a 16-bit sample."""
    u = ~byte & 0xFF
    value = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 0x07)
    return 0x84 - value if u & 0x80 else value - 0x84


_ALAW = [_alaw(b) for b in range(256)]
_ULAW = [_ulaw(b) for b in range(256)]


def _expand(codes: bytes, table: list[int]) -> bytes:
    samples = array.array("h", [table[b] for b in codes])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def alaw_to_pcm(codes: bytes) -> bytes:
    """G.711 A-law bytes -> 16-bit little-endian PCM."""
    return _expand(codes, _ALAW)


def ulaw_to_pcm(codes: bytes) -> bytes:
    """G.711 u-law bytes -> 16-bit little-endian PCM."""
    return _expand(codes, _ULAW)


class PsAudioDemuxer:
    """Pull the audio PES payloads out of a program stream fed in arbitrary pieces."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.stream_type = STREAM_TYPE_G711A  # until a stream map says otherwise

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the audio payloads of every complete PES packet."""
        self._buf += data
        out: list[bytes] = []
        buf = self._buf
        pos = 0
        while True:
            start = buf.find(b"\x00\x00\x01", pos)
            if start < 0 or len(buf) - start < 6:
                pos = start if start >= 0 else max(0, len(buf) - 3)
                break
            code = buf[start + 3]
            if code == 0xBA:  # pack header: 14 bytes plus stuffing
                if len(buf) - start < 14:
                    pos = start
                    break
                pos = start + 14 + (buf[start + 13] & 0x07)
                continue
            if code < 0xBB:  # not a system start code: resynchronise
                pos = start + 3
                continue
            end = start + 6 + int.from_bytes(buf[start + 4:start + 6], "big")
            if end > len(buf):
                pos = start
                break
            if code == 0xBC:
                self._stream_map(bytes(buf[start:end]))
            elif 0xC0 <= code <= 0xDF and end - start > 9:
                out.append(bytes(buf[start + 9 + buf[start + 8]:end]))
            pos = end
        del buf[:pos]
        return out

    def _stream_map(self, psm: bytes) -> None:
        info_len = int.from_bytes(psm[8:10], "big")
        at = 10 + info_len + 2
        end = min(len(psm) - 4, at + int.from_bytes(psm[at - 2:at], "big"))
        while at + 4 <= end:
            stream_type, stream_id = psm[at], psm[at + 1]
            if 0xC0 <= stream_id <= 0xDF:
                self.stream_type = stream_type
            at += 4 + int.from_bytes(psm[at + 2:at + 4], "big")


Sink = Callable[[bytes], Awaitable[None]]


class _Rtp(asyncio.DatagramProtocol):
    def __init__(self, owner: AudioReceiver) -> None:
        self.owner = owner

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.owner.on_packet(data)


class AudioReceiver:
    """One broadcast's media port: decode what arrives, send WAV pieces to `sink` in order.

    `transport` "udp"; "tcp_passive": the hub listens and the platform connects; or
    "tcp_active": the hub connects to `connect()`'s address. RTP over TCP is framed by a
    two-byte length (RFC 4571).
    """

    def __init__(self, sink: Sink, *, host: str, encoding: str = "PCMA",
                 chunk_seconds: float = 1.0, idle_timeout: float = 10.0,
                 transport: str = "udp") -> None:
        self.sink, self.host, self.encoding = sink, host, encoding.upper()
        self.transport = transport
        self.chunk_bytes = max(320, int(chunk_seconds * RATE) * 2)
        self.idle_timeout = idle_timeout
        self.port = 0
        self.packets = self.samples = self.pieces = 0
        self.last_packet_at: float | None = None
        self.idle = asyncio.Event()  # set when nothing arrived for idle_timeout
        self._pcm = bytearray()
        self._seen: set[int] = set()
        self._ps = PsAudioDemuxer()
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._transport: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def seconds(self) -> float:
        """Audio received so far, in seconds."""
        return self.samples / RATE

    async def start(self) -> int:
        """Bind the port (announced in the SDP) and start delivering; return the port."""
        loop = asyncio.get_running_loop()
        if self.transport == "udp":
            transport, _ = await loop.create_datagram_endpoint(lambda: _Rtp(self),
                                                               local_addr=(self.host, 0))
            self._transport = transport
            self.port = int(transport.get_extra_info("sockname")[1])
        elif self.transport == "tcp_passive":
            self._server = await asyncio.start_server(self._on_connection, self.host, 0)
            self.port = int(self._server.sockets[0].getsockname()[1])
        self._tasks = [loop.create_task(self._deliver(), name="gb28181 broadcast audio"),
                       loop.create_task(self._watch(), name="gb28181 broadcast idle")]
        return self.port

    def send(self, packet: bytes, remote: tuple[str, int]) -> None:
        """Send an RTP packet from this port (UDP: to `remote`; TCP: framed, RFC 4571, on
        the platform's connection) - the way back of a Talk call."""
        if self._transport is not None:
            self._transport.sendto(packet, remote)
        for writer in self._writers:
            if not writer.is_closing():
                writer.write(len(packet).to_bytes(2, "big") + packet)

    def _on_connection(self, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        self._tasks.append(asyncio.get_running_loop().create_task(self._read_tcp(reader)))

    async def connect(self, host: str, port: int) -> None:
        """(tcp_active) Connect to the platform's media port and read from it."""
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        self._on_connection(reader, writer)

    async def _read_tcp(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                length = int.from_bytes(await reader.readexactly(2), "big")
                self.on_packet(await reader.readexactly(length))

    def on_packet(self, packet: bytes) -> None:
        """Decode one RTP packet (duplicates dropped); queue every full piece."""
        try:
            payload_type, seq, _, _, _, payload = parse_rtp(packet)
        except ValueError:
            return
        if seq in self._seen:
            return
        self._seen.add(seq)
        if len(self._seen) > 512:
            self._seen = {s for s in self._seen if (seq - s) & 0xFFFF < 256}
        self.packets += 1
        self.last_packet_at = time.monotonic()
        pcm = self._decode(payload_type, payload)
        self.samples += len(pcm) // 2
        self._pcm += pcm
        while len(self._pcm) >= self.chunk_bytes:
            self._queue.put_nowait(bytes(self._pcm[:self.chunk_bytes]))
            del self._pcm[:self.chunk_bytes]

    def _decode(self, payload_type: int, payload: bytes) -> bytes:
        if payload_type == 8 or (self.encoding == "PCMA" and payload_type != 0
                                 and payload_type < 96):
            return alaw_to_pcm(payload)
        if payload_type == 0 or self.encoding == "PCMU":
            return ulaw_to_pcm(payload)
        pcm = bytearray()  # PS
        for codes in self._ps.feed(payload):
            pcm += (ulaw_to_pcm(codes) if self._ps.stream_type == STREAM_TYPE_G711U
                    else alaw_to_pcm(codes))
        return bytes(pcm)

    async def _deliver(self) -> None:
        while (pcm := await self._queue.get()) is not None:
            buf = io.BytesIO()
            with wave.open(buf, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(RATE)
                wav.writeframes(pcm)
            try:
                await self.sink(buf.getvalue())
                self.pieces += 1
            except Exception as err:  # one lost piece must not end the broadcast
                _LOGGER.warning("GB28181 broadcast: the speaker refused audio: %s", err)

    async def _watch(self) -> None:
        started = time.monotonic()
        while True:
            last = self.last_packet_at or started
            wait = last + self.idle_timeout - time.monotonic()
            if wait <= 0:
                self.idle.set()
                return
            await asyncio.sleep(wait)

    async def stop(self, drain_timeout: float = 10.0) -> None:
        """Close the port, play what is left, wait until the speaker has every piece."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        readers = self._tasks[2:]
        if readers:  # TCP: what the platform wrote before its BYE is still read
            await asyncio.wait(readers, timeout=0.5)
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        if len(self._pcm) >= 160:  # at least 10 ms
            self._queue.put_nowait(bytes(self._pcm))
        self._pcm.clear()
        self._queue.put_nowait(None)
        if self._tasks:
            deliver, *others = self._tasks
            for task in others:
                task.cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(deliver), drain_timeout)
            deliver.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
