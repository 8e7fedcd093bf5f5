"""DingTalk custom robot: text or markdown, signed mode, mentions of the duty phone list."""

from __future__ import annotations

import ssl
import time
from typing import TYPE_CHECKING, Any

from yarl import URL

from hub import Notification, Notifier, NotifyConfig, NotifyRateConfig
from hub.notify.robot import post_to_robot

from .api import AUTH_ERRCODES, RETRY_ERRCODES, SEND_PATH, markdown_payload, signed_query
from .api import text_payload as text_body
from .config import DingTalkConfig

if TYPE_CHECKING:
    from hub import Hub

__all__ = ["DingTalkNotifier"]


class DingTalkNotifier(Notifier):
    """Sends to one DingTalk group robot."""

    platform = "dingtalk"
    config_model = DingTalkConfig
    #: "每个机器人每分钟最多发送20条" (DingTalk custom robot documentation; above it the
    #: robot is throttled for 10 minutes)
    default_rate_limit = NotifyRateConfig(messages=20, per=60)
    #: no documented body limit; a digest is kept to WeCom's markdown size
    max_bytes = 4096

    def __init__(self, hub: Hub, config: NotifyConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, DingTalkConfig)
        self._config = config
        self._ssl: ssl.SSLContext | bool = config.verify_tls

    def secrets(self) -> list[str]:
        """The access token and the signing secret."""
        found = [self._config.access_token.get_secret_value()]
        if self._config.secret is not None:
            found.append(self._config.secret.get_secret_value())
        return found

    async def start(self) -> None:
        """Load a private CA, if one is configured."""
        self._ssl = await self.tls_context(self._config.verify_tls, self._config.ca_file)

    def payload(self, notification: Notification) -> dict[str, Any]:
        """Return the documented message body for one notification."""
        mobiles = list(notification.mention_mobiles or self._config.mention_mobiles)
        keyword = self._config.keyword
        if notification.format == "markdown":
            text = notification.as_markdown()
            title = notification.title or notification.message.splitlines()[0][:50]
            if keyword and keyword not in text + title:
                title = f"{keyword} {title}"
                text = f"{keyword}\n{text}"
            return markdown_payload(title, text, mobiles, notification.mention_all)
        text = notification.as_text()
        if keyword and keyword not in text:
            text = f"{keyword} {text}"
        return text_body(text, mobiles, notification.mention_all)

    def url(self, now_ms: int | None = None) -> URL:
        """Return the send address, signed (timestamp, sign) when a secret is set."""
        secret = self._config.secret.get_secret_value() if self._config.secret else None
        query = signed_query(self._config.access_token.get_secret_value(), secret,
                             now_ms if now_ms is not None else int(time.time() * 1000))
        base = str(self._config.base_url).rstrip("/")
        return URL(f"{base}{SEND_PATH}?{query}", encoded=True)

    async def send(self, notification: Notification) -> str:
        """POST the message; errcode 0 is sent, busy and too-fast are retried."""
        return await post_to_robot(
            self.hub.client_session, self.url(), self.payload(notification), ssl_context=self._ssl,
            retry_errcodes=RETRY_ERRCODES, auth_errcodes=AUTH_ERRCODES)

    def describe(self) -> dict[str, Any]:
        """Where it sends and whether it signs (no token, no secret)."""
        url = self._config.base_url
        return {"url": f"{url.scheme}://{url.host}:{url.port}{SEND_PATH}",
                "signed": self._config.secret is not None}
