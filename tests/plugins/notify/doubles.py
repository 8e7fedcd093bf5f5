"""Local doubles of the WeCom and DingTalk group-robot APIs, and a signed-webhook receiver.

Written strictly from the channels' public API documentation (not from our client):
- WeCom group robot (developer.work.weixin.qq.com, 群机器人配置说明): POST
  /cgi-bin/webhook/send?key=KEY, JSON body; msgtype text (text.content at most 2048 UTF-8
  bytes, optional mentioned_list / mentioned_mobile_list) or markdown (markdown.content at
  most 4096 bytes); the answer {"errcode", "errmsg"}; 93000 for an invalid key; 45009 when
  the robot sends more than 20 messages a minute.
- DingTalk custom robot (open.dingtalk.com, 自定义机器人接入 / 加签): POST
  /robot/send?access_token=TOKEN[&timestamp=MS&sign=SIGN]; sign = urlEncode(base64(
  HmacSHA256(key=secret, "timestamp\\nsecret"))), timestamp within one hour of the server's
  clock; msgtype text (text.content) or markdown (markdown.title, markdown.text), `at`
  {atMobiles, isAtAll}; keyword mode needs a keyword in the content; errcode 310000 when a
  security setting refuses, 130101 when sending too fast.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from plugins.uplinks.webhook.signing import HEADER_SIGNATURE, HEADER_TIMESTAMP, verify

__all__ = ["DingTalkDouble", "WeComDouble", "WebhookReceiver", "serve"]


def _answer(errcode: int, errmsg: str) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": errmsg})


async def _json_body(request: web.Request) -> Any:
    if request.content_type != "application/json":
        return None
    try:
        return orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return None


@dataclass
class WeComDouble:
    """A WeCom group robot: one key; `busy` answers 45009 that many times first; more than
    `per_minute` sends in any 60 s are refused with 45009 ("不能超过20条/分钟"); `delay`
    seconds before each answer (`max_in_flight` counts requests answered at once)."""

    key: str
    busy: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    per_minute: int = 20
    delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    sent_at: list[float] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one send as the WeCom server documents it."""
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.Response:
        if request.query.get("key") != self.key:
            return _answer(93000, "invalid webhook url")
        if self.busy > 0:
            self.busy -= 1
            return _answer(45009, "api freq out of limit")
        now = time.monotonic()
        if len([t for t in self.sent_at if t > now - 60]) >= self.per_minute:
            return _answer(45009, "api freq out of limit")
        self.sent_at.append(now)
        body = await _json_body(request)
        if not isinstance(body, dict):
            return _answer(40035, "invalid json")
        msgtype = body.get("msgtype")
        if msgtype == "text":
            content = (body.get("text") or {}).get("content")
            limit = 2048
        elif msgtype == "markdown":
            content = (body.get("markdown") or {}).get("content")
            limit = 4096
        else:
            return _answer(40008, "invalid message type")
        if not isinstance(content, str) or not content:
            return _answer(44004, "empty content")
        if len(content.encode("utf-8")) > limit:
            return _answer(40058, "content exceed max length")
        self.received.append(body)
        return _answer(0, "ok")

    def app(self) -> web.Application:
        """The robot's HTTP app."""
        app = web.Application()
        app.router.add_post("/cgi-bin/webhook/send", self.handle)
        return app


@dataclass
class DingTalkDouble:
    """A DingTalk custom robot: token, and a signing secret or a keyword when set."""

    access_token: str
    secret: str | None = None
    keyword: str | None = None
    too_fast: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)

    def _signature_ok(self, query: Any) -> str | None:
        timestamp, signature = query.get("timestamp"), query.get("sign")
        if not timestamp or not signature or not timestamp.isdigit():
            return "sign not match"
        if abs(int(timestamp) - time.time() * 1000) > 3600 * 1000:
            return "timestamp is out of range"
        assert self.secret is not None
        expected = base64.b64encode(hmac.new(
            self.secret.encode(), f"{timestamp}\n{self.secret}".encode(),
            hashlib.sha256).digest()).decode()
        return None if hmac.compare_digest(signature, expected) else "sign not match"

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one send as the DingTalk server documents it."""
        self.queries.append(dict(request.query))
        if request.query.get("access_token") != self.access_token:
            return _answer(300001, "token is not exist")
        if self.secret is not None and (problem := self._signature_ok(request.query)):
            return _answer(310000, problem)
        if self.too_fast > 0:
            self.too_fast -= 1
            return _answer(130101, "send too fast, exceed 20 times per minute")
        body = await _json_body(request)
        if not isinstance(body, dict):
            return _answer(40035, "invalid json")
        if body.get("msgtype") == "text":
            content = (body.get("text") or {}).get("content")
            texts = [content]
        elif body.get("msgtype") == "markdown":
            markdown = body.get("markdown") or {}
            content, texts = markdown.get("text"), [markdown.get("title"), markdown.get("text")]
        else:
            return _answer(40035, "invalid msgtype")
        if not all(isinstance(t, str) and t for t in texts):
            return _answer(40035, "missing content")
        if self.keyword is not None and self.keyword not in str(content):
            return _answer(310000, "keywords not in content")
        self.received.append(body)
        return _answer(0, "ok")

    def app(self) -> web.Application:
        """The robot's HTTP app."""
        app = web.Application()
        app.router.add_post("/robot/send", self.handle)
        return app


@dataclass
class WebhookReceiver:
    """Our own signed-webhook format (docs/notifications.md): verifies every request."""

    secret: str
    fail: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    #: the Idempotency-Key of every request, refused and failed ones too
    ids: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        """Verify the signature, then keep the document (or fail as told)."""
        body = await request.read()
        self.ids.append(request.headers.get("Idempotency-Key", ""))
        try:
            verify(self.secret.encode(), body, request.headers.get(HEADER_TIMESTAMP),
                   request.headers.get(HEADER_SIGNATURE))
        except ValueError:
            self.refused += 1
            return web.Response(status=401)
        if self.fail > 0:
            self.fail -= 1
            return web.Response(status=503)
        self.received.append(orjson.loads(body))
        return web.Response(status=204)

    def app(self) -> web.Application:
        """The receiver's HTTP app."""
        app = web.Application()
        app.router.add_post("/notify", self.handle)
        return app


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run `app` on 127.0.0.1, port 0; yield its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
