"""The police forwarder: outbox provider, one sender per destination, forward and requeue."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..bus import Context, Event
from ..datadir import private_dirs_blocking
from ..exceptions import ServiceValidationError
from ..incidents import EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED, OutboxItem
from .config import DestinationConfig, MqttConfig, PoliceConfig, SiaConfig, WebhookConfig
from .const import ACTION_FORWARD, ACTION_REQUEUED
from .liveview import LiveViewSigner
from .message import iso
from .mqtt import MqttTransport
from .provider import make_provider
from .queue import OutboxQueue, QueuedItem, queue_for
from .sender import Sender, Transport
from .sia_transport import SiaTransport
from .webhook import WebhookTransport

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["LIVE_PATH", "Forwarder"]

KEY_FILE = "police_live_view.key"
# Items whose transaction never committed are forgotten after this many seconds.
_FRESH_LIMIT = 60.0
LIVE_PATH = "/api/police/live"


class Forwarder:
    """The running police component: `hub.components["police"]`."""

    def __init__(self, hub: Hub, config: PoliceConfig,
                 queue: OutboxQueue | None = None) -> None:
        self.hub = hub
        self.config = config
        self.queue = queue or queue_for(hub.components, hub.incidents.store)
        self.signer: LiveViewSigner | None = None
        self.senders: dict[str, Sender] = {}
        self._fresh: list[tuple[float, OutboxItem]] = []
        self._removers: list[Any] = []

    async def start(self) -> None:
        """Start every destination's transport and sender; begin queueing incidents."""
        if self.config.live_view.enabled:
            self.signer = LiveViewSigner(await self._live_view_key(), self.config.live_view.ttl)
        for dest in self.config.destinations():
            transport = self._transport(dest)
            sender = Sender(self.hub, dest, transport, self.queue, self.config.retry_for(dest))
            if isinstance(transport, MqttTransport):
                transport.on_ready = sender.wake
            await transport.start()
            self.senders[dest.name] = sender
            self.hub.create_task(sender.run(), name=f"police sender {dest.name}")
        provider = make_provider(self.hub, self.config, self._queued)
        self._removers.append(self.hub.incidents.add_outbox_provider(provider))
        for event_type in (EVENT_INCIDENT_RAISED, EVENT_INCIDENT_UPDATED):
            self._removers.append(self.hub.bus.listen(event_type, self._committed))
        _LOGGER.info("Police forwarding to %d destinations: %s", len(self.senders),
                     ", ".join(self.senders) or "none")

    async def stop(self) -> None:
        """Stop queueing, record what was delivered, close the transports."""
        for remove in self._removers:
            remove()
        self._removers.clear()
        for sender in self.senders.values():
            try:
                await sender.flush()
                await sender.transport.stop()
            except Exception:
                _LOGGER.exception("Police destination %s: stop failed", sender.name)

    def _transport(self, dest: DestinationConfig) -> Transport:
        links = self.links if self.signer is not None else None
        if isinstance(dest, WebhookConfig):
            return WebhookTransport(self.hub, dest, links)
        if isinstance(dest, SiaConfig):
            return SiaTransport(self.hub, dest)
        if isinstance(dest, MqttConfig):
            return MqttTransport(self.hub, dest, links)
        raise TypeError(f"unknown destination type {type(dest).__name__}")

    async def _live_view_key(self) -> bytes:
        if self.config.live_view.secret is not None:
            return self.config.live_view.secret.get_secret_value().encode("utf-8")
        return await self.hub.run_blocking(_key_file_blocking, self.hub.config.data_dir / KEY_FILE)

    def _queued(self, item: OutboxItem) -> None:
        self._fresh.append((time.monotonic(), item))

    def _committed(self, event: Event) -> None:
        """Hand the items of the step that was just committed to their senders."""
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
            elif item.revision == revision and item.destination in self.senders:
                self.senders[item.destination].offer(QueuedItem.fresh(item))
            # an older revision of this incident never committed (its store raised): drop it
        self._fresh = keep

    def links(self, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Return a fresh live-view link and signed snapshot links for one message."""
        assert self.signer is not None
        incident = payload["incident"]
        camera = incident["cameras"][0] if incident["cameras"] else None
        token, grant = self.signer.mint(incident["id"], camera)
        base = f"{self.hub.config.core.external_url.rstrip('/')}{LIVE_PATH}/{token}"
        live = {"url": base, "camera": camera, "expires_at": iso(grant.expires_at)}
        return live, {s["id"]: f"{base}/snapshots/{s['id']}.jpg" for s in payload["snapshots"]}

    async def forward(self, incident_id: str, destinations: list[str], note: str = "",
                      context: Context | None = None) -> None:
        """Send an incident (and its later revisions) to destinations its filters skip."""
        unknown = sorted(set(destinations) - set(self.senders))
        if unknown:
            raise ServiceValidationError(
                f"destinations: unknown {', '.join(unknown)}; configured: "
                f"{', '.join(self.senders) or 'none'}", [("destinations", "unknown name")])
        await self.hub.incidents.add_step(incident_id, ACTION_FORWARD, note=note,
                                          data={"destinations": destinations}, context=context)

    async def requeue(self, item_id: int, context: Context | None = None) -> QueuedItem | None:
        """Put a dead letter back in its destination's queue."""
        item = await self.queue.requeue(item_id)
        if item is None:
            return None
        sender = self.senders.get(item.destination)
        if sender is not None:
            sender.requeued(item)
        self.hub.audit("police.requeue", target=item.idempotency_key,
                       details={"outbox_id": item.id, "destination": item.destination},
                       context=context)
        await self.hub.incidents.add_step(
            item.incident_id, ACTION_REQUEUED, context=context, forward=False,
            data={"destination": item.destination, "idempotency_key": item.idempotency_key,
                  "outbox_id": item.id})
        return item

    def status(self) -> list[dict[str, Any]]:
        """Return each destination with its delivery counters."""
        out = []
        for info in self.config.describe():
            sender = self.senders[info["name"]]
            stats = sender.stats
            out.append({**info, "delivered": stats.delivered, "failed": stats.failed,
                        "dead": stats.dead, "last_delivery_at": stats.last_delivery_at,
                        "last_error": stats.last_error, "last_error_at": stats.last_error_at,
                        "paused_until": sender.paused_until})
        return out


def _key_file_blocking(path: Path) -> bytes:
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    private_dirs_blocking(path.parent)
    key = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key
