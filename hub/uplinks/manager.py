"""The running uplinks: one instance and one sender per `uplinks:` entry, one outbox for all."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..bus import Context, Event
from ..exceptions import ServiceValidationError
from ..incidents import EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED, OutboxItem
from .base import Uplink
from .config import RetryConfig, UplinkConfig
from .const import ACTION_FORWARD, ACTION_REQUEUED
from .live import write_live
from .provider import make_provider
from .queue import OutboxQueue, QueuedItem, Status, queue_for
from .sender import Sender
from .subscriptions import listen_subscriptions

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["DOMAIN", "UplinkManager"]

DOMAIN = "uplinks"
# Incident items whose transaction never committed are forgotten after this many seconds.
_FRESH_LIMIT = 60.0


class UplinkManager:
    """`hub.components[UPLINKS]`: the configured uplinks by name, their senders, the outbox."""

    def __init__(self, hub: Hub, configs: list[UplinkConfig],
                 types: Mapping[str, type[Uplink]], retry: RetryConfig | None = None,
                 queue: OutboxQueue | None = None) -> None:
        self.hub = hub
        self.uplinks: dict[str, Uplink] = {}
        self.senders: dict[str, Sender] = {}
        self._retry = retry or RetryConfig()
        self._queue = queue
        self._fresh: list[tuple[float, OutboxItem]] = []
        self._removers: list[Any] = []
        self._live: asyncio.Task[None] | None = None
        self._status_failing: set[str] = set()  # uplinks whose status() raised: logged once
        for config in configs:
            self.uplinks[config.name] = types[config.type](hub, config)

    @property
    def queue(self) -> OutboxQueue:
        """Return the outbox (the recorder's table, or memory without a recorder)."""
        if self._queue is None:
            self._queue = queue_for(self.hub.components, self.hub.incidents.store)
        return self._queue

    def get(self, name: str) -> Uplink | None:
        """Return the uplink of that name, or None."""
        return self.uplinks.get(name)

    async def start(self) -> None:
        """Start every uplink and its sender; begin queueing what they subscribe to."""
        if not self.uplinks:
            return
        for uplink in self.uplinks.values():
            sender = Sender(self.hub, uplink, self.queue, uplink.config.retry or self._retry)
            self.senders[uplink.name] = sender
            try:
                await uplink.start()
            except Exception:  # its sender retries delivery with backoff meanwhile
                _LOGGER.exception("Uplink %s (%s): start failed", uplink.name, uplink.type)
            self.hub.create_task(sender.run(), name=f"uplink sender {uplink.name}")
        uplinks = list(self.uplinks.values())
        provider = make_provider(self.hub, uplinks, self._queued)
        self._removers.append(self.hub.incidents.add_outbox_provider(provider))
        for event_type in (EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED):
            self._removers.append(self.hub.bus.listen(event_type, self._committed))
        self._removers.extend(listen_subscriptions(self.hub, uplinks, self.append))
        self._live = self.hub.create_task(write_live(self.hub, self.own_statuses),
                                          name="uplinks live status")
        _LOGGER.info("Uplinks: %s", ", ".join(f"{u.name} ({u.type})" for u in uplinks))

    async def stop(self) -> None:
        """Stop queueing, record what was delivered, stop the uplinks."""
        for remove in self._removers:
            remove()
        self._removers.clear()
        if self._live is not None:
            self._live.cancel()
            await asyncio.gather(self._live, return_exceptions=True)
        for name, uplink in self.uplinks.items():
            try:
                if name in self.senders:
                    await self.senders[name].flush()
                await uplink.stop()
            except Exception:
                _LOGGER.exception("Uplink %s: stop failed", name)

    def wake(self, name: str) -> None:
        """Have an uplink's sender look at its queue now (it is ready again)."""
        if name in self.senders:
            self.senders[name].wake()

    # ------------------------------------------------------------------ queueing

    async def append(self, items: Sequence[OutboxItem]) -> None:
        """Store items about no incident durably, then hand them to their senders."""
        if not items:
            return
        await self.queue.append(items)
        now = time.time()
        for item in items:
            sender = self.senders.get(item.uplink)
            if sender is not None:
                sender.offer(QueuedItem.fresh(item, now))

    def _queued(self, item: OutboxItem) -> None:
        self._fresh.append((time.monotonic(), item))

    def _committed(self, event: Event) -> None:
        """Hand the incident items of the step that was just committed to their senders."""
        if not self._fresh:
            return
        incident_id = event.data["incident_id"]
        revision = event.data["incident"]["revision"]
        stale = time.monotonic() - _FRESH_LIMIT
        keep: list[tuple[float, OutboxItem]] = []
        for added, item in self._fresh:
            if item.incident_id != incident_id:
                if added > stale:
                    keep.append((added, item))
            elif item.revision == revision and item.uplink in self.senders:
                self.senders[item.uplink].offer(QueuedItem.fresh(item))
            # an older revision of this incident never committed (its store raised): drop it
        self._fresh = keep

    # ------------------------------------------------------------------ operations

    async def forward(self, incident_id: str, uplinks: list[str], note: str = "",
                      context: Context | None = None, *,
                      data: dict[str, Any] | None = None) -> None:
        """Send an incident (and its later revisions) to uplinks its filters skip; `data`
        is added to the `forward` step (escalation notes its step there)."""
        unknown = sorted(set(uplinks) - set(self.uplinks))
        if unknown:
            raise ServiceValidationError(
                f"uplinks: unknown {', '.join(unknown)}; configured: "
                f"{', '.join(self.uplinks) or 'none'}", [("uplinks", "unknown name")])
        await self.hub.incidents.add_step(incident_id, ACTION_FORWARD, note=note,
                                          data={**(data or {}), "uplinks": uplinks},
                                          context=context)

    async def requeue(self, item_id: int, context: Context | None = None) -> QueuedItem | None:
        """Put a dead letter back in its uplink's queue."""
        item = await self.queue.requeue(item_id)
        if item is None:
            return None
        sender = self.senders.get(item.uplink)
        if sender is not None:
            sender.requeued(item)
        self.hub.audit("uplinks.requeue", target=item.idempotency_key,
                       details={"outbox_id": item.id, "uplink": item.uplink},
                       context=context)
        if item.incident_id is not None:
            await self.hub.incidents.add_step(
                item.incident_id, ACTION_REQUEUED, context=context, forward=False,
                data={"uplink": item.uplink, "idempotency_key": item.idempotency_key,
                      "outbox_id": item.id})
        return item

    async def status(self) -> list[dict[str, Any]]:
        """Return each uplink's state and outbox figures, in configuration order."""
        if not self.uplinks:
            return []
        summarize = getattr(self.queue, "summary", None)  # the table keeps them over restarts
        if summarize is not None:
            found: dict[str, dict[str, Any]] = await summarize()
        else:
            found = {k: {"counts": v} for k, v in (await self.queue.counts()).items()}
        return [self._status_of(uplink, found.get(name, {}))
                for name, uplink in self.uplinks.items()]

    def own_statuses(self) -> dict[str, dict[str, Any]]:
        """Each uplink's own status() (registration, sessions, ...) by name."""
        return {name: {"type": uplink.type, **self._own_status(uplink)}
                for name, uplink in self.uplinks.items()}

    def _own_status(self, uplink: Uplink) -> dict[str, Any]:
        """The uplink's status(); a plugin bug there shows as state error, logged once."""
        try:
            own = dict(uplink.status())
        except Exception as exc:  # a plugin bug must not hide the other uplinks
            if uplink.name not in self._status_failing:
                self._status_failing.add(uplink.name)
                _LOGGER.error("Uplink %s (%s): status() failed: %s: %s", uplink.name,
                              uplink.type, type(exc).__name__, exc)
            return {"state": "error", "last_error": f"status(): {exc}"}
        self._status_failing.discard(uplink.name)
        return own

    def _status_of(self, uplink: Uplink, stored: dict[str, Any]) -> dict[str, Any]:
        counts: dict[str, int] = stored.get("counts", {})
        own = self._own_status(uplink)
        sender = self.senders.get(uplink.name)
        stats = sender.stats if sender is not None else None
        paused = sender.paused_until if sender is not None else None
        return {"name": uplink.name, "type": uplink.type, **own,
                "state": "paused" if paused and own.get("state") == "running"
                else own.get("state", "running"),
                "backlog": counts.get(Status.PENDING, 0),
                "delivered": counts.get(Status.DELIVERED, 0),
                "dropped": counts.get(Status.DROPPED, 0),
                "dead": counts.get(Status.DEAD, 0),
                "last_error": own.get("last_error") or (stats and stats.last_error)
                or stored.get("last_error"),
                "last_error_at": stats.last_error_at if stats else None,
                "last_delivery_at": (stats and stats.last_delivery_at)
                or stored.get("last_delivery_at"),
                "paused_until": paused,
                "categories": uplink.config.categories,
                "min_priority": int(uplink.config.min_priority)}
