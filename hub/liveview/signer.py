"""Live-view links: a signed, expiring token that opens one camera and one incident's snapshots."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass

__all__ = ["LiveViewGrant", "LiveViewSigner", "TokenError"]


class TokenError(ValueError):
    """A live-view token is malformed, forged or expired."""


@dataclass(frozen=True, slots=True)
class LiveViewGrant:
    """What a valid token allows: read-only access to one incident (and one camera)."""

    token_id: str
    incident_id: str
    camera: str | None
    expires_at: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LiveViewSigner:
    """Mints and checks live-view tokens with an HMAC-SHA256 key."""

    def __init__(self, key: bytes, ttl: float) -> None:
        if len(key) < 16:
            raise ValueError("live-view key must be at least 16 bytes")
        self._key = key
        self.ttl = ttl

    def mint(self, incident_id: str, camera: str | None,
             now: float | None = None) -> tuple[str, LiveViewGrant]:
        """Return a new token and its grant, valid for `ttl` seconds."""
        grant = LiveViewGrant(os.urandom(6).hex(), incident_id, camera,
                              round((now if now is not None else time.time()) + self.ttl))
        body = json.dumps({"t": grant.token_id, "i": incident_id, "c": camera,
                           "e": grant.expires_at}, separators=(",", ":")).encode()
        part = _b64(body)
        return f"{part}.{self._mac(part)}", grant

    def check(self, token: str, now: float | None = None) -> LiveViewGrant:
        """Return the grant of a valid token or raise TokenError."""
        part, _, mac = token.partition(".")
        if not part or not mac or not hmac.compare_digest(mac, self._mac(part)):
            raise TokenError("invalid link")
        try:
            body = json.loads(_unb64(part))
            grant = LiveViewGrant(str(body["t"]), str(body["i"]), body["c"], float(body["e"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise TokenError("invalid link") from None
        if (now if now is not None else time.time()) > grant.expires_at:
            raise TokenError("link expired")
        return grant

    def _mac(self, part: str) -> str:
        return _b64(hmac.new(self._key, part.encode("ascii"), hashlib.sha256).digest())
