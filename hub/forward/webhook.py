"""Signed webhooks: JSON over HTTPS with HMAC-SHA256, on the hub's shared keep-alive session."""

from __future__ import annotations

import logging
import ssl
from typing import TYPE_CHECKING

import aiohttp

from ..jsonutil import dumps
from .config import WebhookConfig
from .message import LinkMaker, render_message
from .queue import QueuedItem
from .sender import DeliveryError
from .signing import HEADER_ATTEMPT, signature_headers

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["WebhookTransport", "encode_body"]

# 408 timeout, 425 too early, 429 too many requests: the receiver asks us to come back.
_RETRYABLE_4XX = frozenset({408, 425, 429})
# 409: the receiver already has this idempotency key; that is a delivery.
_DUPLICATE = 409
_USER_AGENT = "CampusHub-Police/1"


def encode_body(document: dict[str, object]) -> bytes:
    """Return the exact bytes that are signed and sent (standard JSON: never NaN)."""
    return dumps(document).encode("utf-8")


class WebhookTransport:
    """POSTs each message to one URL; 2xx (or 409) is a delivery."""

    def __init__(self, hub: Hub, config: WebhookConfig, links: LinkMaker | None) -> None:
        self._hub = hub
        self._config = config
        self._links = links
        self._secret = config.secret.get_secret_value().encode("utf-8")
        self._ssl: ssl.SSLContext | bool = config.verify_tls
        self._timeout = aiohttp.ClientTimeout(total=config.timeout)

    async def start(self) -> None:
        """Load the private CA, if one is configured (file I/O, off the loop)."""
        if self._config.verify_tls and self._config.ca_file is not None:
            cafile = str(self._config.ca_file)
            self._ssl = await self._hub.run_blocking(_context_blocking, cafile)

    async def stop(self) -> None:
        """Nothing to close: the session is the hub's."""

    async def deliver(self, item: QueuedItem, attempt: int) -> str:
        """POST the signed message; raise DeliveryError unless the receiver took it."""
        body = encode_body(render_message(item.payload, self._links))
        headers = {"Content-Type": "application/json", "User-Agent": _USER_AGENT,
                   HEADER_ATTEMPT: str(attempt), **self._config.headers,
                   **signature_headers(self._secret, body, item.idempotency_key)}
        session = self._hub.client_session
        try:
            async with session.post(str(self._config.url), data=body, headers=headers,
                                    ssl=self._ssl, timeout=self._timeout) as response:
                await response.read()  # read to the end so the connection is kept alive
                status = response.status
        except TimeoutError:
            raise DeliveryError(f"no answer within {self._config.timeout:g} s") from None
        except aiohttp.ClientConnectorCertificateError as exc:
            raise DeliveryError(f"TLS certificate refused: {exc.certificate_error}") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        if 200 <= status < 300:
            return f"HTTP {status}"
        if status == _DUPLICATE:
            return "HTTP 409 (receiver already had it)"
        permanent = 400 <= status < 500 and status not in _RETRYABLE_4XX
        raise DeliveryError(f"HTTP {status}", permanent=permanent)


def _context_blocking(cafile: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)
