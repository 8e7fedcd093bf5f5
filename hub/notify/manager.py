"""The notify manager: one channel per `notify:` entry, the `notify.<name>` services."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..exceptions import ServiceValidationError
from ..services import ServiceCall
from .base import Notification, Notifier, NotifyConfig, NotifyError
from .channel import Channel
from .const import DOMAIN
from .outbox import NotifyOutbox

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["NotifyData", "NotifyManager"]

#: who may send through a channel by service call (the hub itself always may)
_SENDERS = ("admin", "guard")


class NotifyData(BaseModel):
    """Data of `notify.<name>` (Home Assistant's notify shape: message, title, data)."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=4000)
    title: str = Field(default="", max_length=200)
    format: Literal["text", "markdown"] | None = None
    mention_mobiles: list[str] = Field(default=[], max_length=50)
    mention_all: bool = False
    incident_id: str | None = Field(default=None, max_length=64)
    #: wait for the delivery (or its failure) instead of returning once queued
    wait: bool = False


class NotifyManager:
    """Holds the channels; `send` delivers one message, `notify.<name>` queues one."""

    def __init__(self, hub: Hub, configs: list[NotifyConfig],
                 platforms: dict[str, type[Notifier]]) -> None:
        self.hub = hub
        self.channels: dict[str, Channel] = {}
        #: messages are stored until sent, so a restart does not lose them
        self.outbox = NotifyOutbox(hub, hub.config.data_dir / "notify")
        for config in configs:
            cls = platforms.get(config.platform)
            if cls is None:  # validated at load; a plugin disabled since then
                _LOGGER.error("notify.%s: platform %s is not loaded", config.name,
                              config.platform)
                continue
            self.channels[config.name] = Channel(hub, cls(hub, config), self.outbox)

    async def start(self) -> None:
        """Queue the messages stored before a restart; start each channel; register services."""
        for name, channel in self.channels.items():
            try:
                stored = await self.outbox.load(name)
            except OSError as exc:
                _LOGGER.error("notify.%s: stored messages not read: %s", name, exc)
                stored = []
            for record in stored:
                channel.restore(record)
            if stored:
                _LOGGER.warning("notify.%s: %d message(s) from before the restart queued",
                                name, len(stored))
            try:
                await channel.notifier.start()
            except Exception as exc:
                _LOGGER.error("notify.%s: could not start: %s", name, exc)
                channel.state = "failing"
                channel.last_error = str(exc)
            self.hub.create_task(channel.run(), name=f"notify {name}")
            self.hub.services.register(DOMAIN, name, self._handler(channel), NotifyData,
                                       f"Send a message through the {channel.notifier.platform} "
                                       f"channel '{name}'.", _SENDERS)

    def _handler(self, channel: Channel) -> Any:
        async def handle(call: ServiceCall) -> dict[str, Any]:
            d: NotifyData = call.data
            future = channel.submit(self.notification(channel.name, d))
            if not d.wait:
                return {"channel": channel.name, "queued": True}
            try:
                detail = await future
            except NotifyError as exc:
                raise ServiceValidationError(f"notify.{channel.name}: {exc}") from None
            return {"channel": channel.name, "sent": True, "detail": detail}

        return handle

    def notification(self, name: str, d: NotifyData) -> Notification:
        """Build a Notification from service data, in the channel's default format."""
        channel = self.channels[name]
        return Notification(d.message, d.title, d.format or channel.notifier.config.format,
                            tuple(d.mention_mobiles), d.mention_all, d.incident_id)

    def has(self, name: str) -> bool:
        """Return whether a channel of that name is configured."""
        return name in self.channels

    async def send(self, name: str, notification: Notification) -> str:
        """Deliver through channel `name` (retrying); return its detail or raise NotifyError."""
        channel = self.channels.get(name)
        if channel is None:
            raise NotifyError(f"no notify channel named '{name}'")
        return await channel.submit(notification)

    def submit(self, name: str, notification: Notification,
               key: str | None = None) -> asyncio.Future[str]:
        """Queue a message on channel `name`; the future ends with its outcome.

        With a `key`, the message is sent once per key (see `Channel.submit`).
        """
        channel = self.channels.get(name)
        if channel is None:
            raise NotifyError(f"no notify channel named '{name}'")
        return channel.submit(notification, key)

    def already_sent(self, name: str, key: str) -> bool:
        """Return whether channel `name` sent (or gave up) the message with this key."""
        channel = self.channels.get(name)
        return channel is not None and self.outbox.done(name, key)

    def status(self) -> list[dict[str, Any]]:
        """Return each channel's state and counters."""
        return [channel.status() for channel in self.channels.values()]
