"""Applying one batch of a worker's messages: one transaction, ack after commit.

Messages already waiting are applied in one transaction; when that fails, each is applied
alone so one bad record costs no other. A partition claim (city/worker.py: a marker a worker
sends so whoever consumes the partition takes its lock) is acked and not applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.exc import SQLAlchemyError

from .config import PlatformConfig
from .db import CityDatabase
from .ingest import apply_message
from .protocol import Inbound, ProtocolError, parse_inbound
from .trace import TRACING, trace

_LOGGER = logging.getLogger(__name__)

__all__ = ["CLAIM_HEADER", "BatchApplier", "WorkerStats", "settle"]

CLAIM_HEADER = "x-city-claim"  # on a partition claim: the id of the worker that sent it


@dataclass
class WorkerStats:
    """What a worker did since it started."""

    applied: int = 0
    rejected: int = 0
    batches: int = 0
    reconnects: int = 0
    handovers: int = 0
    claims: int = 0  # claims sent
    recovered: int = 0  # consumers registered again after the broker cancelled them
    started: float = field(default_factory=time.monotonic)


class BatchApplier:
    """Applies batches of deliveries to PostgreSQL and acks them after the commit."""

    def __init__(self, config: PlatformConfig, db: CityDatabase, stats: WorkerStats) -> None:
        self._config = config
        self._db = db
        self._stats = stats
        self.consumed: dict[int, float] = {}  # id(message) -> when it came (CITY_TRACE)

    async def process(self, batch: list[AbstractIncomingMessage], incidents: bool) -> None:
        """Apply a batch; the ingest lane (`incidents` False) skips incidents: their copy in
        the alarm queue is the one applied."""
        parsed: list[tuple[AbstractIncomingMessage, Inbound | None]] = []
        for message in batch:
            if CLAIM_HEADER in (message.headers or {}):
                self.consumed.pop(id(message), None)
                await settle(message)  # its work (the lock) is done
                continue
            try:
                inbound = parse_inbound(self._config.broker.topic_prefix,
                                        message.routing_key or "", message.body)
                if inbound is not None and (inbound.kind == "incidents") != incidents:
                    inbound = None
                parsed.append((message, inbound))
            except ProtocolError as exc:
                _LOGGER.warning("worker: dropped a message: %s", exc)
                self._stats.rejected += 1
                await settle(message)
        if not parsed:
            return
        began = time.time()
        try:
            await self._apply([m for _msg, m in parsed if m is not None])
        except (SQLAlchemyError, ProtocolError, ValueError, TypeError, KeyError) as exc:
            _LOGGER.info("worker: batch of %d failed (%s); applying one by one",
                         len(parsed), type(exc).__name__)
            await self._one_by_one(parsed)
            return
        if TRACING:
            self._trace(parsed, began)
        for message, _inbound in parsed:
            await settle(message)
        self._stats.applied += len(parsed)
        self._stats.batches += 1

    def _trace(self, parsed: list[tuple[AbstractIncomingMessage, Inbound | None]],
               began: float) -> None:
        committed = time.time()
        for message, inbound in parsed:
            consumed = self.consumed.pop(id(message), None)
            if inbound is not None and inbound.kind == "incidents":
                trace("worker", school=inbound.school, id=str(inbound.body["incident"].get("id")),
                      rev=inbound.body.get("revision"), consumed=consumed, began=began,
                      committed=committed, batch=len(parsed))

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
                self._stats.rejected += 1
            except SQLAlchemyError as exc:  # the database is down: leave it to the broker
                _LOGGER.warning("worker: database error, message left for redelivery: %s",
                                exc)
                await asyncio.sleep(1.0)
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
                continue
            self._stats.applied += 1
            await settle(message)


async def settle(message: AbstractIncomingMessage) -> None:
    """Ack a message; the channel may have died with its node: the broker then redelivers,
    harmlessly."""
    with contextlib.suppress(Exception):
        await message.ack()
