"""Commands down to schools: incident steps and broadcasts, one message per school.

A command is stored with one delivery row per school before it is published (AMQP,
persistent, publisher confirms, mandatory) to `amq.topic`, where the school's MQTT session
queue receives it; the school's ack comes back through a worker (city/ingest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection
from aiormq.exceptions import AMQPError
from sqlalchemy import text

from .broker import EXCHANGE
from .config import PlatformConfig
from .db import CityDatabase
from .protocol import command_routing_key

_LOGGER = logging.getLogger(__name__)

__all__ = ["CommandSender"]


class CommandSender:
    """Publishes commands with confirms over one AMQP connection (fails over across nodes)."""

    def __init__(self, config: PlatformConfig, db: CityDatabase) -> None:
        self._config = config
        self._db = db
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._lock = asyncio.Lock()
        self._next = 0

    async def close(self) -> None:
        """Close the AMQP connection."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):  # a dead node never answers
                    await self._connection.close()
        self._connection = self._channel = None

    async def _open(self) -> AbstractChannel:
        if self._channel is not None and not self._channel.is_closed:
            return self._channel
        await self.close()
        urls = self._config.broker.amqp_urls
        errors = []
        for _ in urls:
            url = urls[self._next % len(urls)]
            self._next += 1
            try:
                self._connection = await aio_pika.connect(url, timeout=5)
                self._channel = await self._connection.channel(publisher_confirms=True)
                return self._channel
            except (TimeoutError, AMQPError, OSError) as exc:
                errors.append(f"{url.rsplit('@', 1)[-1]}: {exc or type(exc).__name__}")
        raise ConnectionError("no broker node answered: " + "; ".join(errors))

    async def send(self, kind: str, payload: dict[str, Any], schools: Sequence[str],
                   actor: str, scope: str, target: str | None) -> str:
        """Store and publish one command to each school; return the command id."""
        command_id = uuid.uuid4().hex
        now = time.time()
        async with self._db.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO commands (id, kind, scope, target, actor, payload, created_at) "
                "VALUES (:id, :k, :sc, :t, :a, :p, :now)"),
                {"id": command_id, "k": kind, "sc": scope, "t": target, "a": actor,
                 "p": json.dumps(payload), "now": now})
            if schools:
                await conn.execute(text(
                    "INSERT INTO command_deliveries (command_id, school_id, sent_at) "
                    "VALUES (:id, :s, :now)"),
                    [{"id": command_id, "s": s, "now": now} for s in schools])
        body = {"id": command_id, "kind": kind, "actor": actor, **payload}
        failed = await self._publish_all(command_id, body, schools)
        if failed:
            async with self._db.engine.begin() as conn:
                await conn.execute(text(
                    "UPDATE command_deliveries SET ok = false, error = :e "
                    "WHERE command_id = :id AND school_id = :s AND acked_at IS NULL"),
                    [{"id": command_id, "s": s, "e": err} for s, err in failed.items()])
        return command_id

    async def _publish_all(self, command_id: str, body: dict[str, Any],
                           schools: Sequence[str]) -> dict[str, str]:
        raw = json.dumps(body, separators=(",", ":")).encode()
        failed: dict[str, str] = {}
        prefix = self._config.broker.topic_prefix
        async with self._lock:
            for school in schools:
                for attempt in range(3):
                    try:
                        channel = await self._open()
                        exchange = await channel.get_exchange(EXCHANGE, ensure=False)
                        await exchange.publish(
                            aio_pika.Message(raw, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                             content_type="application/json",
                                             message_id=command_id),
                            command_routing_key(prefix, school, command_id),
                            mandatory=True, timeout=10)
                        failed.pop(school, None)
                        break
                    except aio_pika.exceptions.DeliveryError:
                        failed[school] = "the school has never connected (no session queue)"
                        break
                    except (TimeoutError, AMQPError, OSError, ConnectionError) as exc:
                        failed[school] = f"broker: {exc or type(exc).__name__}"
                        self._channel = None
                        await asyncio.sleep(0.2 * (attempt + 1))
        return failed
