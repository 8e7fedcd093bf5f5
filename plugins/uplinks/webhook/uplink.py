"""Signed webhooks: JSON over HTTPS with HMAC-SHA256, on the hub's shared keep-alive session."""

from __future__ import annotations

import logging
import ssl
from typing import TYPE_CHECKING, Any

import aiohttp

from hub import Uplink, UplinkConfig, UplinkItem, UplinkRejected, UplinkRetry
from hub.jsonutil import dumps
from hub.liveview import links_for
from hub.uplinks.message import render_message

from .config import WebhookConfig
from .signing import HEADER_ATTEMPT, signature_headers

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["WebhookUplink", "encode_body"]

# 408 timeout, 425 too early, 429 too many requests: the receiver asks us to come back.
_RETRYABLE_4XX = frozenset({408, 425, 429})
# 409: the receiver already has this idempotency key; that is a delivery.
_DUPLICATE = 409
_USER_AGENT = "CampusHub-Police/1"


def encode_body(document: dict[str, object]) -> bytes:
    """Return the exact bytes that are signed and sent (standard JSON: never NaN)."""
    return dumps(document).encode("utf-8")


class WebhookUplink(Uplink):
    """POSTs each incident message to one URL; 2xx (or 409) is a delivery."""

    type = "webhook"
    config_model = WebhookConfig
    subscribes = frozenset({"incident"})

    def __init__(self, hub: Hub, config: UplinkConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, WebhookConfig)
        self._config = config
        self._secret = config.secret.get_secret_value().encode("utf-8")
        self._ssl: ssl.SSLContext | bool = config.verify_tls
        self._timeout = aiohttp.ClientTimeout(total=config.timeout)

    async def start(self) -> None:
        """Load the private CA, if one is configured (file I/O, off the loop)."""
        if self._config.verify_tls and self._config.ca_file is not None:
            cafile = str(self._config.ca_file)
            self._ssl = await self.hub.run_blocking(_context_blocking, cafile)

    async def deliver(self, item: UplinkItem) -> str:
        """POST the signed message; raise unless the receiver took it."""
        body = encode_body(render_message(item.payload, links_for(self.hub)))
        headers = {"Content-Type": "application/json", "User-Agent": _USER_AGENT,
                   HEADER_ATTEMPT: str(item.attempts + 1), **self._config.headers,
                   **signature_headers(self._secret, body, item.key)}
        try:
            async with self.hub.client_session.post(
                    str(self._config.url), data=body, headers=headers, ssl=self._ssl,
                    timeout=self._timeout) as response:
                await response.read()  # read to the end so the connection is kept alive
                status = response.status
        except TimeoutError:
            raise UplinkRetry(f"no answer within {self._config.timeout:g} s") from None
        except aiohttp.ClientConnectorCertificateError as exc:
            raise UplinkRetry(f"TLS certificate refused: {exc.certificate_error}") from None
        except aiohttp.ClientError as exc:
            raise UplinkRetry(f"{type(exc).__name__}: {exc}") from None
        if 200 <= status < 300:
            return f"HTTP {status}"
        if status == _DUPLICATE:
            return "HTTP 409 (receiver already had it)"
        if 400 <= status < 500 and status not in _RETRYABLE_4XX:
            raise UplinkRejected(f"HTTP {status}")
        raise UplinkRetry(f"HTTP {status}")

    def status(self) -> dict[str, Any]:
        """Say where it posts (no credentials, no query string)."""
        url = self._config.url
        return {"state": "running",
                "url": f"{url.scheme}://{url.host}:{url.port}{url.path or ''}"}


def _context_blocking(cafile: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)
