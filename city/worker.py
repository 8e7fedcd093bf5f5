"""A stateless worker: consumes the partition queues, applies messages, acks after commit.

Messages wait in the queue until the transaction that applied them committed; a worker that
dies before its ack lets the broker hand them to another worker, which applies them again
without effect (city/ingest.py is idempotent). Messages already waiting are applied in one
transaction; when that fails, each is applied alone so one bad record costs no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from aiormq.exceptions import AMQPError
from sqlalchemy.exc import SQLAlchemyError

from .broker import queue_name
from .config import PlatformConfig
from .db import CityDatabase
from .ingest import apply_message
from .protocol import Inbound, ProtocolError, parse_inbound

_LOGGER = logging.getLogger(__name__)

__all__ = ["Worker", "WorkerStats"]

BATCH = 500


@dataclass
class WorkerStats:
    """What a worker did since it started."""

    applied: int = 0
    rejected: int = 0
    batches: int = 0
    reconnects: int = 0
    started: float = field(default_factory=time.monotonic)


class Worker:
    """Competing consumer of every partition queue (single active consumer per partition)."""

    def __init__(self, config: PlatformConfig, db: CityDatabase) -> None:
        self._config = config
        self._db = db
        self._inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self.stats = WorkerStats()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, reconnecting to the next broker node on failure."""
        flusher = asyncio.create_task(self._flush_forever(), name="city worker flush")
        try:
            await self._connect_forever(stop)
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher

    async def _connect_forever(self, stop: asyncio.Event) -> None:
        urls = self._config.broker.amqp_urls
        failures, index = 0, random.randrange(len(urls))
        while not stop.is_set():
            url = urls[index % len(urls)]
            try:
                await self._consume(url, stop)
                failures = 0
            except (TimeoutError, AMQPError, OSError, ConnectionError) as exc:
                if failures == 0:
                    _LOGGER.warning("worker: broker %s: %s; trying the next node",
                                    _host(url), exc or type(exc).__name__)
            failures += 1
            index += 1
            self.stats.reconnects += 1
            if not stop.is_set():
                await asyncio.sleep(min(5.0, 0.2 * failures) * random.uniform(0.5, 1.0))

    async def _consume(self, url: str, stop: asyncio.Event) -> None:
        connection = await aio_pika.connect(url, timeout=5)
        closed = asyncio.Event()
        connection.close_callbacks.add(lambda *_args: closed.set())
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self._config.broker.prefetch)
            for partition in range(self._config.broker.partitions):
                queue = await channel.declare_queue(
                    queue_name(partition), durable=True,
                    arguments={"x-queue-type": "quorum", "x-single-active-consumer": True})
                await queue.consume(self._inbox.put)
            _LOGGER.info("worker: consuming %d partitions on %s",
                         self._config.broker.partitions, _host(url))
            waits = [asyncio.create_task(stop.wait()), asyncio.create_task(closed.wait())]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in waits:
                    task.cancel()
            if not stop.is_set():
                raise ConnectionError("connection closed by the broker")
        finally:
            with contextlib.suppress(Exception):
                await connection.close()

    async def _flush_forever(self) -> None:
        while True:
            batch = [await self._inbox.get()]
            while len(batch) < BATCH and not self._inbox.empty():
                batch.append(self._inbox.get_nowait())
            await self._process(batch)

    async def _process(self, batch: list[AbstractIncomingMessage]) -> None:
        parsed: list[tuple[AbstractIncomingMessage, Inbound | None]] = []
        for message in batch:
            try:
                parsed.append((message, parse_inbound(self._config.broker.topic_prefix,
                                                      message.routing_key or "", message.body)))
            except ProtocolError as exc:
                _LOGGER.warning("worker: dropped a message: %s", exc)
                self.stats.rejected += 1
                await _settle(message)
        try:
            await self._apply([m for _msg, m in parsed if m is not None])
        except (SQLAlchemyError, ProtocolError, ValueError, TypeError, KeyError) as exc:
            _LOGGER.info("worker: batch of %d failed (%s); applying one by one",
                         len(parsed), type(exc).__name__)
            await self._one_by_one(parsed)
            return
        for message, _inbound in parsed:
            await _settle(message)
        self.stats.applied += len(parsed)
        self.stats.batches += 1

    async def _apply(self, messages: list[Inbound]) -> None:
        if not messages:
            return
        async with self._db.engine.begin() as conn:
            for inbound in messages:
                await apply_message(conn, inbound)

    async def _one_by_one(self, parsed: list[tuple[AbstractIncomingMessage,
                                                   Inbound | None]]) -> None:
        for message, inbound in parsed:
            try:
                await self._apply([inbound] if inbound is not None else [])
            except (ProtocolError, ValueError, TypeError, KeyError) as exc:
                _LOGGER.warning("worker: dropped a message from %s: %s",
                                inbound.school if inbound else "?", exc)
                self.stats.rejected += 1
            except SQLAlchemyError as exc:  # the database is down: leave it to the broker
                _LOGGER.warning("worker: database error, message left for redelivery: %s",
                                exc)
                await asyncio.sleep(1.0)
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
                continue
            self.stats.applied += 1
            await _settle(message)


async def _settle(message: AbstractIncomingMessage) -> None:
    # The channel may have died with its node: the broker then redelivers, harmlessly.
    with contextlib.suppress(Exception):
        await message.ack()


def _host(url: str) -> str:
    return url.rsplit("@", 1)[-1]
