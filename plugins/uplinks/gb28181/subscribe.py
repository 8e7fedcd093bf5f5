"""Subscriptions (GB/T 28181-2016 9.11): the platform SUBSCRIBEs to Alarm or Catalog; the
hub NOTIFYs inside that dialog until the subscription expires or is ended (Expires: 0).

Each dialog is its own subscription (RFC 6665 4.1.2): a platform may hold several of one
kind, from different operators or with different filters, each with its own expiry; a
SUBSCRIBE in the same dialog refreshes it, one with `Expires: 0` ends only that one. At most
MAX_PER_KIND of a kind are kept (the oldest goes first: a platform that re-subscribes in new
dialogs without ending the old ones must not grow the list without end). Every NOTIFY
carries the subscription's Event header and `Subscription-State: active;expires=<seconds
left>`.
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
from .sip import SipEndpoint, SipTimeout, header_tag, header_uri, make_response, uri_user

_LOGGER = logging.getLogger(__name__)

__all__ = ["Subscription", "Subscriptions"]

DEFAULT_EXPIRES = 3600
KINDS = frozenset({"Alarm", "Catalog"})
MAX_PER_KIND = 8


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
    def key(self) -> tuple[str, str]:
        """The dialog: Call-ID and the subscriber's tag."""
        return self.call_id, self.remote_tag

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
        self._subs: dict[tuple[str, str], Subscription] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def active(self, kind: str) -> list[Subscription]:
        """The unexpired subscriptions of this kind, oldest first (expired ones are dropped)."""
        now = time.monotonic()
        for key, sub in list(self._subs.items()):
            if now >= sub.expires_at:
                _LOGGER.info("GB28181: the platform's %s subscription %s expired", sub.kind,
                             sub.call_id)
                del self._subs[key]
        return [s for s in self._subs.values() if s.kind == kind]

    def all(self) -> list[Subscription]:
        """Every unexpired subscription."""
        return [s for kind in sorted(KINDS) for s in self.active(kind)]

    def on_subscribe(self, req: SipRequest,
                     msg: manscdp.ManscdpMessage) -> tuple[SipResponse, Subscription | None]:
        """Accept, refresh or end (Expires: 0) a subscription; answer 200 with a Response.
        Also return the subscription when this SUBSCRIBE started it (it gets a first
        NOTIFY), else None."""
        kind = msg.cmd_type
        header = (req.get_header("Expires") or str(DEFAULT_EXPIRES)).strip()
        expires = int(header) if header.isdigit() else DEFAULT_EXPIRES
        key = (req.call_id or "", header_tag(req.get_header("From")))
        old = self._subs.get(key)
        if old is not None and old.kind != kind:
            old = None
        local_tag = old.local_tag if old is not None \
            else header_tag(req.get_header("To")) or generate_tag()
        result = "OK" if kind in KINDS else "ERROR"
        body = manscdp.build("Response", kind, msg.sn, msg.device_id, [("Result", result)])
        resp = make_response(req, 200, "OK", to_tag=local_tag, body=body,
                             content_type=manscdp.CONTENT_TYPE)
        resp.headers.set_single("Expires", str(expires if kind in KINDS else 0))
        host, port = self.endpoint.local
        user = uri_user(header_uri(req.get_header("To")))
        resp.headers.set_single("Contact", f"<sip:{user}@{host}:{port}>")
        if kind not in KINDS:
            return resp, None
        if expires == 0:
            if old is not None:
                del self._subs[key]
                _LOGGER.info("GB28181: the platform ended its %s subscription %s", kind,
                             key[0])
                self._spawn(self._notify(old, None, "terminated;reason=timeout"))
            return resp, None
        if old is not None:
            old.expires_at, old.query = time.monotonic() + expires, msg
            return resp, None
        same = self.active(kind)
        if len(same) >= MAX_PER_KIND:
            _LOGGER.info("GB28181: %d %s subscriptions: the oldest (%s) is dropped",
                         len(same), kind, same[0].call_id)
            del self._subs[same[0].key]
        sub = self._subs[key] = Subscription(
            kind, key[0], req.get_header("Event") or kind, msg,
            header_uri(req.get_header("To")), local_tag, header_uri(req.get_header("From")),
            key[1], time.monotonic() + expires)  # fmt: skip
        _LOGGER.info("GB28181: the platform subscribed to %s for %d s (%s)", kind, expires,
                     key[0])
        return resp, sub

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
            self._subs.pop(sub.key, None)
        return resp

    async def close(self) -> None:
        """Stop sending."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
