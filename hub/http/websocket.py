"""The WebSocket API at /api/websocket: subscribe to events by type, get states, call services.

Messages are JSON objects with an integer `id` and a `type`: `subscribe_events`
(`event_type`), `unsubscribe_events` (`subscription`), `get_states`, `call_service`
(`domain`, `service`, `service_data`), `ping`, `supported_features` (`features`:
`{"coalesce_messages": 1}`). Answers are `{"id", "type": "result", "success", "result" |
"error"}`; events arrive as `{"id": <subscription>, "type": "event", "event": {...}}`. A
client that asked for `coalesce_messages` may get several messages in one frame, as a JSON
array (in order), whenever more than one is waiting: a burst costs one frame, not hundreds.
The connection is authenticated at the handshake like any route.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType, web

from ..auth.audit import redact
from ..auth.roles import ALL_ROLES, STAFF
from ..bus import MATCH_ALL, Event
from ..exceptions import HubError, ServiceNotFound, ServiceValidationError
from ..incidents import POLICE_ROLE, police_event
from ..jsonutil import JsonInputError, check_input, dumps
from .errors import ApiError
from .routing import Route, principal
from .security import Principal, same_origin

if TYPE_CHECKING:
    from ..incidents.config import IncidentsConfig
    from .server import HttpComponent

_LOGGER = logging.getLogger(__name__)

__all__ = ["EVENT_ROLES", "websocket_route"]

#: Who may subscribe to which event type. Deny by default: a type not listed reaches
#: admins only (issue 10). Components add their own (`EVENT_ROLES["x_happened"] = ...`).
#: Faces (`face_recognized`: children's identities) go to staff only; the police see faces
#: on incidents forwarded to them.
EVENT_ROLES: dict[str, frozenset[str]] = {
    MATCH_ALL: frozenset({"admin"}),
    "state_changed": ALL_ROLES,
    "incident_raised": ALL_ROLES,
    "incident_updated": ALL_ROLES,
    "face_recognized": STAFF,
    "face_unknown": STAFF,
    "service_called": STAFF,
    "visitor_checked_in": STAFF,
    "visitor_checked_out": STAFF,
}
_INCIDENT_EVENTS = frozenset({"incident_raised", "incident_updated"})
_ADMIN_ONLY = frozenset({"admin"})
_QUEUE = 2048
_BATCH = 512  # messages in one coalesced frame at most


class _Connection:
    """One WebSocket client: its subscriptions and an outgoing queue (slow clients are cut)."""

    def __init__(self, http: HttpComponent, ws: web.WebSocketResponse, who: Principal) -> None:
        self.http = http
        self.ws = ws
        self.who = who
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(_QUEUE)
        self.subscriptions: dict[int, Callable[[], None]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.close_code: int = WSCloseCode.OK
        self.close_reason = ""
        self.coalesce = False  # the client takes a JSON array of messages in one frame

    @property
    def user_name(self) -> str:
        """Return the connected user's name."""
        return self.who.user.name

    def send(self, message: dict[str, Any]) -> None:
        """Queue a message; a client that does not keep up is disconnected."""
        self.send_encoded(dumps(message).encode())

    def send_encoded(self, data: bytes) -> None:
        """Queue one message already encoded as UTF-8 JSON (an event shared by many clients)."""
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            _LOGGER.warning("WebSocket client %s is too slow; closing", self.who.user.name)
            self.close(WSCloseCode.TRY_AGAIN_LATER, "too slow")

    def close(self, code: int = WSCloseCode.OK, reason: str = "") -> None:
        """Unsubscribe and stop the writer (dropping what a slow client has not taken)."""
        if self.close_code == WSCloseCode.OK:
            self.close_code, self.close_reason = code, reason
        for remove in self.subscriptions.values():
            remove()
        self.subscriptions.clear()
        while self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(None)

    async def writer(self) -> None:
        """Send queued messages in order (several in one frame to a coalescing client)."""
        closing = False
        while not closing and (data := await self.queue.get()) is not None:
            if self.ws.closed:
                return
            if self.coalesce and not self.queue.empty():
                batch = [data]
                while not self.queue.empty() and len(batch) < _BATCH:
                    item = self.queue.get_nowait()
                    if item is None:
                        closing = True
                        break
                    batch.append(item)
                if len(batch) > 1:
                    data = b"[" + b",".join(batch) + b"]"
            await self.ws.send_frame(data, WSMsgType.TEXT)
        await self.ws.close(code=self.close_code, message=self.close_reason.encode())

    async def handle(self, msg: dict[str, Any]) -> None:
        """Answer one client message."""
        msg_id, kind = msg.get("id"), msg.get("type")
        if not isinstance(msg_id, int) or not isinstance(kind, str):
            self.send({"id": msg_id, "type": "result", "success": False,
                       "error": {"code": "invalid_format",
                                 "message": "each message needs an integer id and a type"}})
            return
        try:
            result = await self._dispatch(msg_id, kind, msg)
        except ApiError as exc:
            self._error(msg_id, exc.code, exc.message, exc.errors)
        except ServiceNotFound as exc:
            self._error(msg_id, "not_found", str(exc))
        except ServiceValidationError as exc:
            self._error(msg_id, "invalid_input", str(exc), exc.errors)
        except (HubError, TimeoutError) as exc:
            self._error(msg_id, "failed", str(exc) or type(exc).__name__)
        else:
            self.send({"id": msg_id, "type": "result", "success": True, "result": result})

    def _error(self, msg_id: int, code: str, message: str,
               errors: list[tuple[str, str]] | None = None) -> None:
        self.send({"id": msg_id, "type": "result", "success": False,
                   "error": {"code": code, "message": message,
                             "errors": [{"field": f, "message": m} for f, m in errors or []]}})

    async def _dispatch(self, msg_id: int, kind: str, msg: dict[str, Any]) -> Any:
        hub, role = self.http.hub, self.who.user.role
        if kind == "ping":
            return "pong"
        if kind == "supported_features":
            features = msg.get("features")
            if not isinstance(features, dict):
                raise ApiError(422, "invalid_input", "features: expected an object",
                               [("features", "expected an object")])
            self.coalesce = bool(features.get("coalesce_messages"))
            return None
        if kind == "get_states":
            return [s.as_dict() for s in hub.states.all()]
        if kind == "subscribe_events":
            return self._subscribe(msg_id, msg.get("event_type"))
        if kind == "unsubscribe_events":
            subscription = msg.get("subscription")
            remove = (self.subscriptions.pop(subscription, None)
                      if isinstance(subscription, int) else None)
            if remove is None:
                raise ApiError(404, "not_found", "subscription: unknown subscription")
            remove()
            return None
        if kind == "call_service":
            domain, name = str(msg.get("domain", "")), str(msg.get("service", ""))
            data = msg.get("service_data") or {}
            if not isinstance(data, dict):
                raise ApiError(422, "invalid_input", "service_data: expected an object",
                               [("service_data", "expected an object")])
            if role not in hub.services.get(domain, name).roles:
                raise ApiError(403, "forbidden", f"role {role} may not call {domain}.{name}")
            context = self.who.context("websocket")
            await hub.audit_committed("service.call", target=f"{domain}.{name}",
                                      details=redact(data), context=context)
            return await hub.services.call(domain, name, data, context)
        raise ApiError(400, "unknown_command", f"type: unknown message type '{kind}'")

    def _subscribe(self, msg_id: int, event_type: object) -> Any:
        if not isinstance(event_type, str) or not event_type:
            raise ApiError(422, "invalid_input", "event_type: expected an event type",
                           [("event_type", "required")])
        role = self.who.user.role
        if role not in EVENT_ROLES.get(event_type, _ADMIN_ONLY) | _ADMIN_ONLY:
            raise ApiError(403, "forbidden", f"role {role} may not subscribe to {event_type}")
        incidents = self.http.hub.config.incidents
        if role == POLICE_ROLE:  # what the police may read is audited (issue 10)
            self.http.hub.audit("events.subscribed", target=event_type,
                                context=self.who.context("websocket"))

        head = b'{"id":%d,"type":"event","event":' % msg_id

        def forward(event: Event) -> None:
            police = role == POLICE_ROLE and event.event_type in _INCIDENT_EVENTS
            self.send_encoded(head + _encoded(event, incidents if police else None) + b"}")

        self.subscriptions[msg_id] = self.http.hub.bus.listen(event_type, forward)
        return None


#: The last event encoded, per variant (None: as is; the police's view): every connection
#: subscribed to it gets the same bytes; an event is serialised once, not once per client.
_last_encoded: dict[bool, tuple[Event, bytes]] = {}


def _encoded(event: Event, police_of: IncidentsConfig | None) -> bytes:
    """Return the event as UTF-8 JSON (the police's view of an incident when given)."""
    police = police_of is not None
    last = _last_encoded.get(police)
    if last is not None and last[0] is event:
        return last[1]
    message = event.as_dict()
    if police_of is not None:
        message["data"] = police_event(event.data, police_of)
    data = dumps(message).encode()
    _last_encoded[police] = (event, data)
    return data


def _parse(conn: _Connection, text: str) -> dict[str, Any] | None:
    """Return the message, or answer why it is refused (naming the field) and return None."""
    try:
        msg = json.loads(text)
    except (ValueError, RecursionError):
        msg = None
    if not isinstance(msg, dict):
        conn.send({"id": None, "type": "result", "success": False,
                   "error": {"code": "invalid_json", "message": "not a JSON object"}})
        return None
    try:
        check_input(msg)
    except JsonInputError as exc:
        msg_id = msg.get("id") if isinstance(msg.get("id"), int) else None
        conn.send({"id": msg_id, "type": "result", "success": False,
                   "error": {"code": "invalid_input", "message": str(exc),
                             "errors": [{"field": exc.field, "message": exc.reason}]}})
        return None
    return msg


def websocket_route(http: HttpComponent) -> Route:
    """Return the /api/websocket route."""

    async def websocket(request: web.Request) -> web.StreamResponse:
        who = principal(request)
        if who.via == "session" and not same_origin(request,
                                                     http.hub.config.core.external_url):
            raise ApiError(403, "forbidden", "cross-origin WebSocket refused")
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=256 * 1024)
        await ws.prepare(request)
        conn = _Connection(http, ws, who)
        http.websockets.add(conn)
        writer = asyncio.create_task(conn.writer(), name=f"ws writer {who.user.name}")
        conn.send({"type": "hello", "user": who.user.as_dict(), "site": http.hub.site})
        try:
            async for raw in ws:
                if raw.type != WSMsgType.TEXT:
                    continue
                msg = _parse(conn, raw.data)
                if msg is None:
                    continue
                task = asyncio.create_task(conn.handle(msg), name="ws message")
                conn.tasks.add(task)
                task.add_done_callback(conn.tasks.discard)
        finally:
            http.websockets.discard(conn)
            conn.close()
            for task in list(conn.tasks):
                task.cancel()
            await asyncio.gather(writer, *conn.tasks, return_exceptions=True)
        return ws

    return Route("GET", "/api/websocket", websocket, ALL_ROLES,
                 "The WebSocket API (events, states, service calls).", tags=("websocket",),
                 extra={"hidden": True})
