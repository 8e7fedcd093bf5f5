"""A generic notify webhook: one signed JSON document per message (docs/notifications.md)."""

from __future__ import annotations

import ssl
import time
import uuid
from typing import TYPE_CHECKING, Any

import aiohttp

from hub import Notification, Notifier, NotifyConfig, NotifyRejected, NotifyRetry
from hub.jsonutil import dumps
from plugins.uplinks.webhook.signing import signature_headers

from .config import WebhookNotifyConfig

if TYPE_CHECKING:
    from hub import Hub

__all__ = ["SCHEMA", "WebhookNotifier", "document"]

SCHEMA = "campus-hub/notification/v1"
_RETRYABLE_4XX = frozenset({408, 425, 429})
_USER_AGENT = "CampusHub-Notify/1"


def document(site: str, channel: str, notification: Notification, message_id: str,
             now: float) -> dict[str, Any]:
    """Return the JSON document the receiver gets (docs/notifications.md)."""
    return {"schema": SCHEMA, "id": message_id, "site": site, "channel": channel,
            "sent_at": now, "title": notification.title, "message": notification.message,
            "format": notification.format, "mention_mobiles": list(notification.mention_mobiles),
            "mention_all": notification.mention_all, "incident_id": notification.incident_id,
            "priority": notification.priority}


class WebhookNotifier(Notifier):
    """POSTs each message, signed with HMAC-SHA256 like the police webhook."""

    platform = "webhook"
    config_model = WebhookNotifyConfig

    def __init__(self, hub: Hub, config: NotifyConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, WebhookNotifyConfig)
        self._config = config
        self._secret = config.secret.get_secret_value()
        self._ssl: ssl.SSLContext | bool = config.verify_tls

    def secrets(self) -> list[str]:
        """The signing secret."""
        return [self._secret]

    async def start(self) -> None:
        """Load a private CA, if one is configured."""
        self._ssl = await self.tls_context(self._config.verify_tls, self._config.ca_file)

    async def send(self, notification: Notification) -> str:
        """POST the signed document; 2xx is a delivery, 408/425/429/5xx are retried."""
        message_id = notification.key or uuid.uuid4().hex  # the same for every attempt
        body = dumps(document(self.hub.site, self.name, notification, message_id,
                              time.time())).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": _USER_AGENT,
                   **self._config.headers,
                   **signature_headers(self._secret.encode("utf-8"), body, message_id)}
        try:
            async with self.hub.client_session.post(str(self._config.url), data=body,
                                                    headers=headers, ssl=self._ssl) as response:
                await response.read()
                status = response.status
        except aiohttp.ClientError as exc:
            raise NotifyRetry(f"{type(exc).__name__}: {exc}") from None
        if 200 <= status < 300:
            return f"HTTP {status}"
        if 400 <= status < 500 and status not in _RETRYABLE_4XX:
            raise NotifyRejected(f"HTTP {status}", auth=status in (401, 403))
        raise NotifyRetry(f"HTTP {status}")

    def describe(self) -> dict[str, Any]:
        """Where it posts (no query string, no credentials)."""
        url = self._config.url
        return {"url": f"{url.scheme}://{url.host}:{url.port}{url.path or ''}"}
