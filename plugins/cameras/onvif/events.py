"""Turn PullMessages notification messages into CameraEvent values."""

from __future__ import annotations

import logging
from typing import Any

from .models import CameraEvent, EventKind

_LOGGER = logging.getLogger(__name__)

#: Topic fragments (vendors vary) -> kind of event.
TOPIC_KINDS: tuple[tuple[str, EventKind], ...] = (
    ("CellMotionDetector/Motion", "motion"),
    ("VideoSource/MotionAlarm", "motion"),
    ("GlobalSceneChange", "tamper"),
    ("Tamper", "tamper"),
    ("Trigger/DigitalInput", "input"),
    ("Device/IO/DigitalInput", "input"),
    ("Trigger/Relay", "relay"),
    ("Device/IO/RelayOutput", "relay"),
)
_TRUE = {"true", "1", "active", "on"}


def topic_kind(topic: str) -> EventKind | None:
    """The kind of a topic, or None when we do not handle it."""
    for fragment, kind in TOPIC_KINDS:
        if fragment.lower() in topic.lower():
            return kind
    return None


def _items(container: Any) -> list[tuple[str, str]]:
    if container is None:
        return []
    return [(str(i.Name), str(i.Value)) for i in (getattr(container, "SimpleItem", None) or [])]


def parse_message(message: Any) -> CameraEvent | None:
    """One zeep NotificationMessage -> CameraEvent; None for topics we do not handle."""
    try:
        topic = str(message.Topic._value_1)
        payload = message.Message._value_1
        kind = topic_kind(topic)
        if kind is None:
            return None
        source = _items(payload.Source)
        data = _items(payload.Data)
        if not data:
            return None
        names = ("InputToken", "RelayToken", "Source")
        token = next((v for n, v in source if n in names), None)
        token = token or (source[0][1] if source else "")
        operation = str(getattr(payload, "PropertyOperation", "") or "")
        return CameraEvent(kind, token, data[0][1].strip().lower() in _TRUE, topic,
                           operation == "Initialized")  # fmt: skip
    except AttributeError:
        _LOGGER.debug("Skipping an event message of unexpected shape")
        return None
