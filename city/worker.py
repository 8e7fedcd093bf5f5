"""A stateless worker: consumes the partition queues, applies messages, acks after commit.

Messages wait in the queue until the transaction that applied them committed; a worker that
dies before its ack lets the broker hand them to another worker, which applies them again
without effect (city/ingest.py is idempotent; batches: city/worker_apply.py).

Two lanes, each with its own pending messages and transactions: incidents come from the
alarm queue (city/broker.py) in batches of at most ALARM_BATCH, so a panic never waits
behind the other lane's backlog of heartbeats and device reports; the ingest queues' copies
of incidents are acked unapplied. A school's incident steps stay in order: one queue, one
active consumer, one lane.

Every worker has a single-active-consumer on every queue, so when a worker dies a waiting
consumer of another takes its partitions at once. Partitions are spread over the live
workers (city/partitions.py; the alarm queue counts as one more partition): a worker that
holds a partition belonging to another live worker cancels its consumer there, applies and
acks what it was given, lets the partition's lock go and registers again, behind the
queue's waiting consumers; the broker makes the next waiting consumer active. A school's
messages stay in order through it. The broker does not say which consumer is active, so a
worker that owns a partition without holding its lock sends a claim (a marker message) into
the partition's queue: whoever consumes it takes the lock, and hands it over at its next
round if it is not the owner. Idle partitions thus move too (`rebalance_interval`).

A consumer the broker cancels (its queue deleted, or moved) is registered again once what it
was given is applied, and the partition's lock goes meanwhile, so no other worker waits on
it for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import secrets
import socket
import time
from collections import deque
from dataclasses import dataclass, field

import aio_pika
import aiormq
import asyncpg
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from aiormq.abc import FieldTable
from aiormq.exceptions import AMQPError

from .broker import ALARM_QUEUE, queue_name
from .config import PlatformConfig
from .db import CityDatabase
from .partitions import PartitionLocks, owner
from .trace import TRACING
from .worker_apply import CLAIM_HEADER, BatchApplier, WorkerStats

_LOGGER = logging.getLogger(__name__)

__all__ = ["Worker", "WorkerStats", "worker_id"]

BATCH = 500
ALARM_BATCH = 50  # small: the first alarms of a burst commit (and show) early
_CLOSE_TIMEOUT = 5.0
_LOCK_RETRY = 0.1  # s between tries for a partition another worker is handing over
_SETTLE = 0.05  # s after a cancel-ok before waiting for the partition's last deliveries
_DRAIN_TIMEOUT = 60.0  # s a handover waits for the lanes to apply what they were given
_QUEUE_ARGS: FieldTable = {"x-queue-type": "quorum", "x-single-active-consumer": True}


@dataclass
class _Lane:
    """One kind of queue (alarm or ingest) and what waits in it, per partition."""

    name: str
    queues: dict[int, str]  # partition -> its queue
    batch: int
    incidents: bool
    pending: dict[int, deque[tuple[int, AbstractIncomingMessage]]] = field(
        default_factory=dict)  # partition -> (connection epoch, message), in delivery order
    busy: set[int] = field(default_factory=set)  # partitions in the batch being applied
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Consumer:
    channel: aiormq.abc.AbstractChannel
    tag: str


def worker_id() -> str:
    """Return a new worker id: host, process and a random part (unique among live ones)."""
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{secrets.token_hex(3)}"


class Worker:
    """Consumer of every partition queue; applies the partitions it holds the lock of."""

    def __init__(self, config: PlatformConfig, db: CityDatabase,
                 worker_id_: str | None = None) -> None:
        self._config = config
        self._db = db
        self.id = worker_id_ or worker_id()
        self.locks = PartitionLocks(db.url, self.id)
        partitions = config.broker.partitions
        # The alarm queue is partition number `partitions` (one lock more, one owner).
        self._lanes = [_Lane("alarm", {partitions: ALARM_QUEUE}, ALARM_BATCH, True),
                       _Lane("ingest", {k: queue_name(k) for k in range(partitions)}, BATCH,
                             False)]
        self._consumers: dict[int, tuple[_Lane, _Consumer]] = {}
        self._epoch = 0  # one per broker connection; older messages are not applied
        self._handed: dict[int, float] = {}  # partition -> when it may be handed over again
        self._claimed: dict[int, float] = {}  # partition -> when it may be claimed again
        self._every = config.broker.rebalance_interval
        self._channel: AbstractChannel | None = None  # of this connection
        self._broken = asyncio.Event()  # this connection must be made again
        self._recovering: set[asyncio.Task[None]] = set()
        self.members: list[str] = []
        self.stats = WorkerStats()
        self._applier = BatchApplier(config, db, self.stats)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, reconnecting to the next broker node on failure."""
        await self.locks.open()
        self.members = await self.locks.members()
        tasks = [asyncio.create_task(self._lane_forever(lane), name=f"city worker {lane.name}")
                 for lane in self._lanes]
        tasks.append(asyncio.create_task(self._rebalance_forever(), name="city worker share"))
        try:
            await self._connect_forever(stop)
        finally:
            await _cancel_until_done(tasks)
            await self.locks.close()

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
        closed = self._broken = asyncio.Event()
        connection.close_callbacks.add(lambda *_args: closed.set())
        self._epoch += 1
        try:
            # What an earlier connection gave is redelivered to whoever is active now: let
            # its partitions go once the lanes are done with it.
            await self._release_all()
            channel = await connection.channel()
            channel.close_callbacks.add(lambda *_args: closed.set())
            await channel.set_qos(prefetch_count=self._config.broker.prefetch)
            underlay = await channel.get_underlay_channel()
            underlay.on_consumer_cancel_callbacks.add(self._cancelled_by_broker)
            self._channel = channel
            for lane in self._lanes:
                for partition, name in lane.queues.items():
                    await channel.declare_queue(name, durable=True, arguments=_QUEUE_ARGS)
                    await self._subscribe(lane, partition, underlay)
            _LOGGER.info("worker %s: consuming %d partitions on %s", self.id,
                         self._config.broker.partitions, _host(url))
            waits = [asyncio.create_task(stop.wait()), asyncio.create_task(closed.wait())]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in waits:
                    task.cancel()
            if not stop.is_set():
                raise ConnectionError("connection or channel closed")
        finally:
            self._epoch += 1  # what this connection delivered can no longer be acked
            self._consumers.clear()
            self._channel = None
            await _cancel_until_done(list(self._recovering))
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_TIMEOUT):  # a dead node never answers
                    await connection.close()

    async def _subscribe(self, lane: _Lane, partition: int,
                         channel: aiormq.abc.AbstractChannel) -> None:
        # aiormq's own consume: the callback runs in the first step of a task made when the
        # delivery was read, so every delivery sent before a cancel-ok is pending by the
        # time the cancel returns (aio_pika's wrapper would add a task in between).
        ok = await channel.basic_consume(
            lane.queues[partition],
            functools.partial(self._deliver, lane, partition, self._epoch))
        assert ok.consumer_tag is not None
        self._consumers[partition] = (lane, _Consumer(channel, ok.consumer_tag))

    async def _deliver(self, lane: _Lane, partition: int, epoch: int,
                       message: aiormq.abc.DeliveredMessage) -> None:
        # (no await: it all happens in the task's first step)
        incoming = aio_pika.IncomingMessage(message, no_ack=False)
        if TRACING:
            self._applier.consumed[id(incoming)] = time.time()
        lane.pending.setdefault(partition, deque()).append((epoch, incoming))
        lane.arrived.set()

    # ------------------------------------------------------------------ applying

    async def _lane_forever(self, lane: _Lane) -> None:
        applied, blocked = False, False
        while True:
            if not applied:  # nothing applied last round: wait for deliveries
                # (briefly when a partition is still being handed over by another worker;
                # asyncio.timeout, not wait_for: on 3.11 wait_for can lose a cancellation)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(_LOCK_RETRY if blocked else self._every):
                        await lane.arrived.wait()
            lane.arrived.clear()
            try:
                applied, blocked = await self._flush_once(lane)
            except (OSError, asyncpg.PostgresError, ConnectionError) as exc:
                # the worker's PostgreSQL session: _rebalance_forever opens it again
                _LOGGER.warning("worker %s: %s lane: partition locks unavailable (%s)",
                                self.id, lane.name, exc)
                await asyncio.sleep(_LOCK_RETRY)
                applied, blocked = False, True

    async def _flush_once(self, lane: _Lane) -> tuple[bool, bool]:
        """Apply one batch of what waits in the partitions this worker holds; return whether
        anything was applied and whether a partition waits for another worker's handover."""
        blocked = False
        batch: list[AbstractIncomingMessage] = []
        for partition, waiting in list(lane.pending.items()):
            while waiting and waiting[0][0] != self._epoch:  # its connection is gone
                self._applier.consumed.pop(id(waiting.popleft()[1]), None)
            if not waiting or len(batch) >= lane.batch:
                continue
            if not await self.locks.try_lock(partition):
                blocked = True
                continue
            lane.busy.add(partition)
            while waiting and len(batch) < lane.batch:
                batch.append(waiting.popleft()[1])
        try:
            if batch:
                await self._applier.process(batch, lane.incidents)
        finally:
            lane.busy.clear()
        return bool(batch), blocked

    # ------------------------------------------------------------------ sharing partitions

    async def _rebalance_forever(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                self.members = await self.locks.members()
                await self._hand_over()
                await self._claim()
            except (OSError, asyncpg.PostgresError, ConnectionError) as exc:
                _LOGGER.warning("worker %s: partition locks lost (%s); reopening", self.id, exc)
                await self.locks.close()
                with contextlib.suppress(OSError, asyncpg.PostgresError, TimeoutError):
                    await self.locks.open()

    async def _hand_over(self) -> None:
        """Give up the held partitions that belong to another live worker."""
        now = time.monotonic()
        surplus = [p for p in sorted(self.locks.held)
                   if len(self.members) > 1 and owner(p, self.members) not in (self.id, None)
                   and self._handed.get(p, 0.0) <= now and p in self._consumers]
        if not surplus:
            return
        cancelled: list[tuple[_Lane, int, aiormq.abc.AbstractChannel]] = []
        for partition in surplus:
            lane, consumer = self._consumers.pop(partition)
            with contextlib.suppress(AMQPError, OSError, RuntimeError):
                await consumer.channel.basic_cancel(consumer.tag)  # no more deliveries
                cancelled.append((lane, partition, consumer.channel))
        await asyncio.sleep(_SETTLE)
        await self._drained(surplus)  # everything it was given: applied and acked
        for partition in surplus:
            await self.locks.unlock(partition)
            # Not again for a while: should its owner have no consumer there yet (still
            # connecting), the broker makes this worker's consumer active again at once.
            self._handed[partition] = time.monotonic() + self._config.broker.handover_pause
            self.stats.handovers += 1
        for lane, partition, channel in cancelled:
            with contextlib.suppress(AMQPError, OSError, RuntimeError):
                await self._subscribe(lane, partition, channel)  # waiting, behind the others
        _LOGGER.info("worker %s: handed over partitions %s (%d workers)", self.id, surplus,
                     len(self.members))

    async def _claim(self) -> None:
        """Send a claim into each queue this worker owns but does not hold: the worker
        consuming it (maybe this one) takes the lock, and hands it over if not the owner."""
        channel, now = self._channel, time.monotonic()
        if channel is None:
            return
        for lane in self._lanes:
            for partition, name in lane.queues.items():
                if (partition in self.locks.held or partition not in self._consumers
                        or owner(partition, self.members) != self.id
                        or self._claimed.get(partition, 0.0) > now):
                    continue
                self._claimed[partition] = now + 2 * self._every
                with contextlib.suppress(AMQPError, OSError, RuntimeError):
                    await channel.default_exchange.publish(
                        aio_pika.Message(b"", headers={CLAIM_HEADER: self.id}), name)
                    self.stats.claims += 1

    # ------------------------------------------------------------------ broker-side cancel

    def _cancelled_by_broker(self, frame: aiormq.spec.Basic.Cancel) -> None:
        """The broker ended a consumer (its queue was deleted, or moved): register again."""
        found = next((p for p, (_lane, c) in self._consumers.items()
                      if c.tag == frame.consumer_tag), None)
        if found is None:
            return
        lane, consumer = self._consumers.pop(found)
        _LOGGER.warning("worker %s: the broker cancelled the consumer of %s", self.id,
                        lane.queues[found])
        task = asyncio.create_task(self._recover(lane, found, consumer.channel),
                                   name=f"city worker recover {found}")
        self._recovering.add(task)
        task.add_done_callback(self._recovering.discard)

    async def _recover(self, lane: _Lane, partition: int,
                       channel: aiormq.abc.AbstractChannel) -> None:
        """Apply what the cancelled consumer was given, let the lock go, consume again."""
        epoch = self._epoch
        try:
            await asyncio.sleep(_SETTLE)
            await self._drained([partition])
            await self.locks.unlock(partition)
            failures = 0
            while self._epoch == epoch and self._channel is not None:
                try:  # (declared again: re-provisioning brings its bindings back)
                    await self._channel.declare_queue(lane.queues[partition], durable=True,
                                                      arguments=_QUEUE_ARGS)
                    await self._subscribe(lane, partition, channel)
                    self.stats.recovered += 1
                    _LOGGER.info("worker %s: consuming %s again", self.id,
                                 lane.queues[partition])
                    return
                except (AMQPError, OSError, RuntimeError) as exc:
                    failures += 1
                    _LOGGER.warning("worker %s: %s: %s", self.id, lane.queues[partition], exc)
                    await asyncio.sleep(min(5.0, 0.2 * failures))
        except (OSError, asyncpg.PostgresError, ConnectionError) as exc:
            _LOGGER.warning("worker %s: partition %d not recovered (%s); reconnecting",
                            self.id, partition, exc)
            self._broken.set()  # a new connection returns what is unacked

    async def _drained(self, partitions: list[int]) -> None:
        """Wait until the lanes have applied what they hold of these partitions."""
        deadline = time.monotonic() + _DRAIN_TIMEOUT
        while any(lane.pending.get(p) or p in lane.busy
                  for lane in self._lanes for p in partitions):
            if time.monotonic() > deadline:
                raise ConnectionError(f"partitions {partitions} not applied within "
                                      f"{_DRAIN_TIMEOUT:.0f} s")
            await asyncio.sleep(0.02)

    async def _release_all(self) -> None:
        """Let every partition go once the lanes have dropped or applied what they hold."""
        if not self.locks.held:
            return
        for lane in self._lanes:
            lane.arrived.set()  # (they drop what the closed connection gave)
        try:
            await self._drained(sorted(self.locks.held))
            await self.locks.unlock_all()
        except (OSError, asyncpg.PostgresError, ConnectionError) as exc:
            _LOGGER.warning("worker %s: partitions not released (%s); new session", self.id,
                            exc)
            await self.locks.close()  # its locks end with it
            await self.locks.open()

async def _cancel_until_done(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel tasks, again each 0.5 s until they end (a cancellation lost in a library's
    asyncio.wait_for on Python 3.11 must not keep a worker from stopping)."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=0.5)
    await asyncio.gather(*tasks, return_exceptions=True)


def _host(url: str) -> str:
    return url.rsplit("@", 1)[-1]
