"""Subscriptions (GB/T 28181-2016 9.11): the platform SUBSCRIBEs to Alarm or Catalog; the
hub NOTIFYs inside that dialog until the subscription expires or is ended (Expires: 0).

One subscription per kind (an uplink is one platform): a new SUBSCRIBE replaces the old,
one in the same dialog refreshes it. Every NOTIFY carries the subscription's Event header
and `Subscription-State: active;expires=<seconds left>` (RFC 6665).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiosipua import SipRequest, SipResponse, generate_tag

from . import manscdp
from .sip import SipEndpoint, SipTimeout, make_response

_LOGGER = logging.getLogger(__name__)

__all__ = ["Subscription", "Subscriptions"]

DEFAULT_EXPIRES = 3600
KINDS = frozenset({"Alarm", "Catalog"})


def _tag(header: str | None) -> str:
    for part in (header or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "tag":
            return value.strip()
    return ""


def _uri(header: str | None) -> str:
    text = (header or "").split(";", 1)[0].strip()
    return text[text.find("<") + 1:text.find(">")] if "<" in text else text


@dataclass(slots=True)
class Subscription:
    """One platform subscription: its dialog, its query (filters) and its expiry."""

    kind: str
    call_id: str
    event: str
    query: manscdp.ManscdpMessage
    local_uri: str
    local_tag: str
    remote_uri: str
    remote_tag: str
    expires_at: float
    cseq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    notified: int = 0

    @property
    def remaining(self) -> int:
        """Seconds until it expires (0 once expired)."""
        return max(0, round(self.expires_at - time.monotonic()))

    def as_dict(self) -> dict[str, Any]:
        """What the panel and `campus-hub uplinks` show."""
        return {"kind": self.kind, "event": self.event, "expires_in": self.remaining,
                "notified": self.notified}


class Subscriptions:
    """The platform's active subscriptions and the NOTIFYs sent in them."""

    def __init__(self, endpoint: SipEndpoint) -> None:
        self.endpoint = endpoint
        self._subs: dict[str, Subscription] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def active(self, kind: str) -> Subscription | None:
        """The unexpired subscription of this kind, if any (an expired one is dropped)."""
        sub = self._subs.get(kind)
        if sub is not None and time.monotonic() >= sub.expires_at:
            _LOGGER.info("GB28181: the platform's %s subscription expired", kind)
            del self._subs[kind]
            return None
        return sub

    def all(self) -> list[Subscription]:
        """Every unexpired subscription."""
        return [s for k in list(self._subs) if (s := self.active(k)) is not None]

    def on_subscribe(self, req: SipRequest, msg: manscdp.ManscdpMessage) -> SipResponse:
        """Accept, refresh or end (Expires: 0) a subscription; answer 200 with a Response."""
        kind = msg.cmd_type
        header = (req.get_header("Expires") or str(DEFAULT_EXPIRES)).strip()
        expires = int(header) if header.isdigit() else DEFAULT_EXPIRES
        old = self._subs.get(kind)
        local_tag = old.local_tag if old is not None and old.call_id == req.call_id \
            else _tag(req.get_header("To")) or generate_tag()
        result = "OK" if kind in KINDS else "ERROR"
        body = manscdp.build("Response", kind, msg.sn, msg.device_id, [("Result", result)])
        resp = make_response(req, 200, "OK", to_tag=local_tag, body=body,
                             content_type=manscdp.CONTENT_TYPE)
        resp.headers.set_single("Expires", str(expires if kind in KINDS else 0))
        host, port = self.endpoint.local
        user = _uri(req.get_header("To")).split(":", 1)[-1].split("@", 1)[0]
        resp.headers.set_single("Contact", f"<sip:{user}@{host}:{port}>")
        if kind not in KINDS:
            return resp
        if expires == 0:
            ended = self._subs.pop(kind, None)
            if ended is not None:
                self._spawn(self._notify(ended, None, "terminated;reason=timeout"))
            return resp
        if old is not None and old.call_id == req.call_id:
            old.expires_at, old.query = time.monotonic() + expires, msg
            return resp
        self._subs[kind] = Subscription(
            kind, req.call_id or "", req.get_header("Event") or kind, msg,
            _uri(req.get_header("To")), local_tag, _uri(req.get_header("From")),
            _tag(req.get_header("From")), time.monotonic() + expires)  # fmt: skip
        _LOGGER.info("GB28181: the platform subscribed to %s for %d s", kind, expires)
        return resp

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self, sub: Subscription, body: bytes) -> SipResponse | None:
        """Send one NOTIFY in the subscription's dialog; None when it went unanswered."""
        return await self._notify(sub, body, f"active;expires={sub.remaining}")

    def notify_later(self, sub: Subscription, body: bytes) -> None:
        """Send a NOTIFY in the background (catalog changes)."""
        self._spawn(self.notify(sub, body))

    async def _notify(self, sub: Subscription, body: bytes | None,
                      state: str) -> SipResponse | None:
        ep = self.endpoint
        req = ep.new_request("NOTIFY", sub.remote_uri, sub.local_uri, sub.remote_uri,
                             call_id=sub.call_id, from_tag=sub.local_tag,
                             to_tag=sub.remote_tag, cseq=next(sub.cseq))
        req.headers.set_single("Event", sub.event)
        req.headers.set_single("Subscription-State", state)
        if body is not None:
            req.headers.set_single("Content-Type", manscdp.CONTENT_TYPE)
            req.body = body
        try:
            resp = await ep.request(req)
        except (SipTimeout, OSError) as err:
            _LOGGER.info("GB28181: %s NOTIFY unanswered: %s", sub.kind, err)
            return None
        sub.notified += 1
        if resp.status_code == 481:  # the platform forgot the subscription
            self._subs.pop(sub.kind, None)
        return resp

    async def close(self) -> None:
        """Stop sending."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
