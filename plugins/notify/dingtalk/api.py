"""DingTalk (钉钉) custom group robot: payloads, the signed mode, answers, as DingTalk documents.

POST <base>/robot/send?access_token=<token> with `{"msgtype": "text", "text": {"content"},
"at": {"atMobiles", "isAtAll"}}` or `{"msgtype": "markdown", "markdown": {"title", "text"},
"at": {...}}`. In signed mode (加签) the URL also carries `timestamp` (milliseconds) and
`sign`: HMAC-SHA256 of "<timestamp>\\n<secret>" keyed with the secret, base64, then
URL-encoded. The answer is `{"errcode", "errmsg"}`, errcode 0 meaning sent. A mentioned
phone number is highlighted only when "@<number>" also appears in the content.
No hub imports: this module could ship on its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from typing import Any

__all__ = [
    "AUTH_ERRCODES",
    "RETRY_ERRCODES",
    "SECURITY_ERRCODE",
    "SEND_PATH",
    "markdown_payload",
    "sign",
    "signed_query",
    "text_payload",
]

SEND_PATH = "/robot/send"
#: -1 system busy; 130101 sending too fast (more than 20 messages a minute)
RETRY_ERRCODES = frozenset({-1, 130101})
#: 310000: the robot's security settings refused it (keyword, signature or IP list)
SECURITY_ERRCODE = 310000
#: 300001: the access token does not exist
AUTH_ERRCODES = frozenset({SECURITY_ERRCODE, 300001})


def sign(secret: str, timestamp_ms: int) -> str:
    """Return the base64 HMAC-SHA256 of "timestamp\\nsecret" under `secret` (not yet encoded)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_query(access_token: str, secret: str | None, timestamp_ms: int) -> str:
    """Return the query string: access_token, and in signed mode timestamp and sign."""
    query = "access_token=" + urllib.parse.quote_plus(access_token)
    if secret:
        query += (f"&timestamp={timestamp_ms}"
                  f"&sign={urllib.parse.quote_plus(sign(secret, timestamp_ms))}")
    return query


def _at(mobiles: list[str], at_all: bool) -> dict[str, Any]:
    return {"atMobiles": list(mobiles), "isAtAll": at_all}


def _with_mentions(content: str, mobiles: list[str]) -> str:
    missing = [m for m in mobiles if f"@{m}" not in content]
    return content + ("\n" + " ".join(f"@{m}" for m in missing) if missing else "")


def text_payload(content: str, mobiles: list[str] | None = None,
                 at_all: bool = False) -> dict[str, Any]:
    """Return a text message mentioning `mobiles` (their @number is added to the content)."""
    mobiles = list(mobiles or [])
    return {"msgtype": "text", "text": {"content": _with_mentions(content, mobiles)},
            "at": _at(mobiles, at_all)}


def markdown_payload(title: str, text: str, mobiles: list[str] | None = None,
                     at_all: bool = False) -> dict[str, Any]:
    """Return a markdown message; `title` is what the conversation list shows."""
    mobiles = list(mobiles or [])
    return {"msgtype": "markdown",
            "markdown": {"title": title, "text": _with_mentions(text, mobiles)},
            "at": _at(mobiles, at_all)}
