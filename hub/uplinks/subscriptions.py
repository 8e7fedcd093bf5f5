"""Items about no incident: face captures, device status and bus events, appended durably.

The recognition side fires `face_captured` (hub/recognition/capture.py, payload
`hub.recognition.const.FaceCapturedData`: snapshot ids, never image bytes); an entity's
availability change is a device status; "event:<type>" takes any bus event. Each
becomes one outbox item per subscribed uplink that wants it, written before its sender
sees it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..bus import Event
from ..incidents import OutboxItem
from ..recognition.const import EVENT_FACE_CAPTURED, FaceCapturedData
from ..states import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from .base import (
    EVENT_PREFIX,
    SUBSCRIPTION_DEVICE_STATUS,
    SUBSCRIPTION_FACE_CAPTURE,
    Uplink,
    UplinkItem,
)

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["EVENT_FACE_CAPTURED", "FaceCapturedData", "listen_subscriptions"]

Append = Callable[[list[OutboxItem]], Awaitable[None]]


def _items(uplinks: Iterable[Uplink], kind: str, key: str, ordering_key: str,
           payload: dict[str, Any]) -> list[OutboxItem]:
    items = []
    for uplink in uplinks:
        candidate = UplinkItem(0, uplink.name, kind, key, ordering_key, payload,
                               created_at=time.time())
        if not uplink.wants(candidate):
            continue
        built = uplink.build(candidate)
        if built is not None:
            items.append(OutboxItem(uplink.name, None, 0, key, built, kind, ordering_key))
    return items


def listen_subscriptions(hub: Hub, uplinks: list[Uplink], append: Append
                         ) -> list[Callable[[], None]]:
    """Listen for what the uplinks subscribe to besides incidents; return the removers."""
    by_kind: dict[str, list[Uplink]] = {}
    for uplink in uplinks:
        for kind in uplink.subscribes:
            by_kind.setdefault(kind, []).append(uplink)
    removers = []
    for kind, subscribers in by_kind.items():
        if kind == SUBSCRIPTION_FACE_CAPTURE:
            removers.append(hub.bus.listen(EVENT_FACE_CAPTURED, _on_capture(subscribers, append)))
        elif kind == SUBSCRIPTION_DEVICE_STATUS:
            removers.append(hub.bus.listen(EVENT_STATE_CHANGED, _on_status(subscribers, append)))
        elif kind.startswith(EVENT_PREFIX):
            removers.append(hub.bus.listen(kind[len(EVENT_PREFIX):],
                                           _on_event(kind, subscribers, append)))
    return removers


def _on_capture(uplinks: list[Uplink], append: Append) -> Callable[[Event], Awaitable[None]]:
    async def captured(event: Event) -> None:
        data = event.data
        try:
            key, camera = f"face-{data['capture_id']}", str(data["camera"])
        except KeyError as exc:
            _LOGGER.warning("face_captured without %s: not sent to any uplink", exc)
            return
        await append(_items(uplinks, SUBSCRIPTION_FACE_CAPTURE, key, camera, dict(data)))

    return captured


def _on_status(uplinks: list[Uplink], append: Append) -> Callable[[Event], Awaitable[None]]:
    async def changed(event: Event) -> None:
        old, new = event.data.get("old_state"), event.data.get("new_state")
        was = old is not None and old.state != STATE_UNAVAILABLE
        now = new is not None and new.state != STATE_UNAVAILABLE
        if old is not None and was == now:
            return
        entity_id = event.data["entity_id"]
        attributes = new.attributes if new is not None else {}
        payload = {"entity_id": entity_id, "available": now,
                   "state": new.state if new is not None else None,
                   "reason": attributes.get("unavailable_reason"),
                   "name": attributes.get("friendly_name"), "at": event.time_fired}
        key = f"status-{entity_id}-{round(event.time_fired * 1000)}"
        await append(_items(uplinks, SUBSCRIPTION_DEVICE_STATUS, key, entity_id, payload))

    return changed


def _on_event(kind: str, uplinks: list[Uplink], append: Append
              ) -> Callable[[Event], Awaitable[None]]:
    async def fired(event: Event) -> None:
        payload = {"event_type": event.event_type, "data": event.data,
                   "time_fired": event.time_fired}
        key = f"event-{event.event_type}-{uuid.uuid4().hex}"
        await append(_items(uplinks, kind, key, event.event_type, payload))

    return fired
