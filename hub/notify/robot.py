"""Sending to a group-robot webhook (WeCom, DingTalk) that answers `{"errcode", "errmsg"}`."""

from __future__ import annotations

import ssl
from collections.abc import Collection, Mapping
from typing import Any

import aiohttp
from yarl import URL

from .base import NotifyRejected, NotifyRetry

__all__ = ["post_to_robot"]


async def post_to_robot(session: aiohttp.ClientSession, url: str | URL, payload: Any, *,
                        ssl_context: ssl.SSLContext | bool,
                        retry_errcodes: Collection[int], auth_errcodes: Collection[int],
                        params: Mapping[str, str] | None = None) -> str:
    """POST the JSON payload; errcode 0 is sent, HTTP 5xx/429 and `retry_errcodes` are
    retried (NotifyRetry), anything else is refused (NotifyRejected)."""
    try:
        async with session.post(url, params=params, json=payload,
                                ssl=ssl_context) as response:
            status = response.status
            answer = await response.json(content_type=None) if status == 200 else None
    except aiohttp.ClientError as exc:
        raise NotifyRetry(f"{type(exc).__name__}: {exc}") from None
    except ValueError:
        raise NotifyRetry("the answer is not JSON") from None
    if status != 200:
        if status >= 500 or status == 429:
            raise NotifyRetry(f"HTTP {status}")
        raise NotifyRejected(f"HTTP {status}")
    if not isinstance(answer, dict):
        raise NotifyRetry("the answer is not a JSON object")
    errcode, errmsg = answer.get("errcode"), str(answer.get("errmsg", ""))[:200]
    if errcode == 0:
        return "errcode 0"
    if errcode in retry_errcodes:
        raise NotifyRetry(f"errcode {errcode}: {errmsg}")
    raise NotifyRejected(f"errcode {errcode}: {errmsg}", auth=errcode in auth_errcodes)
