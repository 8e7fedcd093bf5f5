"""Webhook signatures: HMAC-SHA256 over `timestamp + "." + body`, checked with a time window."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Annotated

from pydantic import AfterValidator, SecretStr

__all__ = [
    "HEADER_ATTEMPT",
    "HEADER_IDEMPOTENCY",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "SignatureError",
    "SigningSecret",
    "sign",
    "signature_headers",
    "verify",
]

HEADER_TIMESTAMP = "X-CampusHub-Timestamp"
HEADER_SIGNATURE = "X-CampusHub-Signature"
HEADER_IDEMPOTENCY = "Idempotency-Key"
HEADER_ATTEMPT = "X-CampusHub-Attempt"
SCHEME = "v1"


class SignatureError(ValueError):
    """A webhook's signature or timestamp is not acceptable."""


def _long_secret(value: SecretStr) -> SecretStr:
    if len(value.get_secret_value()) < 16:
        raise ValueError("the secret must have at least 16 characters "
                         "(for example: openssl rand -hex 32)")
    return value


#: A config field holding an HMAC key: at least 16 characters, never shown.
SigningSecret = Annotated[SecretStr, AfterValidator(_long_secret)]


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of `timestamp.body` under `secret`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signature_headers(secret: bytes, body: bytes, idempotency_key: str,
                      now: float | None = None) -> dict[str, str]:
    """Return the headers that sign one request."""
    timestamp = int(now if now is not None else time.time())
    return {
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: f"{SCHEME}={sign(secret, timestamp, body)}",
        HEADER_IDEMPOTENCY: idempotency_key,
    }


def verify(secret: bytes, body: bytes, timestamp_header: str | None,
           signature_header: str | None, *, tolerance: float = 300.0,
           now: float | None = None) -> int:
    """Check a request's signature and freshness; return its timestamp or raise SignatureError.

    The signature header may carry several `v1=` values (comma separated) while a secret
    is being rotated; one match is enough.
    """
    if not timestamp_header or not timestamp_header.isdigit():
        raise SignatureError(f"{HEADER_TIMESTAMP}: missing or not an integer")
    timestamp = int(timestamp_header)
    current = now if now is not None else time.time()
    if abs(current - timestamp) > tolerance:
        raise SignatureError(f"{HEADER_TIMESTAMP}: {timestamp} is outside the "
                             f"{tolerance:.0f} s window (replayed or clock skew)")
    expected = sign(secret, timestamp, body)
    for part in (signature_header or "").split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SCHEME and hmac.compare_digest(value, expected):
            return timestamp
    raise SignatureError(f"{HEADER_SIGNATURE}: no valid {SCHEME} signature")
