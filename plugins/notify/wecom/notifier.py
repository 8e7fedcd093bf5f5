"""WeCom group robot: text or markdown to the group, errcode handled as WeCom documents."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from hub import Notification, Notifier, NotifyConfig, NotifyRateConfig
from hub.notify.robot import post_to_robot

from .api import (
    AUTH_ERRCODES,
    MENTION_ALL,
    RETRY_ERRCODES,
    SEND_PATH,
    TEXT_MAX_BYTES,
    markdown_payload,
    text_payload,
)
from .config import WeComConfig

if TYPE_CHECKING:
    from hub import Hub

__all__ = ["WeComNotifier"]


class WeComNotifier(Notifier):
    """Sends to one WeCom group robot."""

    platform = "wecom"
    config_model = WeComConfig
    #: "每个机器人发送的消息不能超过20条/分钟" (WeCom group robot documentation)
    default_rate_limit = NotifyRateConfig(messages=20, per=60)
    #: text takes 2048 bytes, markdown 4096: a digest is cut to fit the smaller
    max_bytes = TEXT_MAX_BYTES

    def __init__(self, hub: Hub, config: NotifyConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, WeComConfig)
        self._config = config
        self._ssl: ssl.SSLContext | bool = config.verify_tls

    def secrets(self) -> list[str]:
        """The robot key."""
        return [self._config.key.get_secret_value()]

    async def start(self) -> None:
        """Load a private CA, if one is configured (file I/O, off the loop)."""
        self._ssl = await self.tls_context(self._config.verify_tls, self._config.ca_file)

    def payload(self, notification: Notification) -> dict[str, Any]:
        """Return the documented message body for one notification."""
        mobiles = list(notification.mention_mobiles or self._config.mention_mobiles)
        users = list(self._config.mention_users)
        if notification.mention_all:
            users = [*users, MENTION_ALL] if MENTION_ALL not in users else users
        if notification.format == "markdown":
            mentions = " ".join(f"<@{u}>" for u in users if u != MENTION_ALL)
            body = notification.as_markdown() + (f"\n{mentions}" if mentions else "")
            return markdown_payload(body)
        return text_payload(notification.as_text(), users, mobiles)

    async def send(self, notification: Notification) -> str:
        """POST the message; errcode 0 is sent, busy and rate limits are retried."""
        base = str(self._config.base_url).rstrip("/")
        return await post_to_robot(
            self.hub.client_session, base + SEND_PATH, self.payload(notification),
            params={"key": self._config.key.get_secret_value()}, ssl_context=self._ssl,
            retry_errcodes=RETRY_ERRCODES, auth_errcodes=AUTH_ERRCODES)

    def describe(self) -> dict[str, Any]:
        """Where it sends (the key never)."""
        url = self._config.base_url
        return {"url": f"{url.scheme}://{url.host}:{url.port}{SEND_PATH}"}
