"""Constants of the rtsp plugin: domain, event names and payloads."""

from __future__ import annotations

from typing import Final, TypedDict

DOMAIN: Final = "rtsp"
PLATFORM: Final = "rtsp"

EVENT_MOTION_CHANGED: Final = "rtsp_motion_changed"

ATTR_MOTION: Final = "motion"
ATTR_FRAMES_GRABBED: Final = "frames_grabbed"
ATTR_FRAMES_DROPPED: Final = "frames_dropped"

ZEROCONF_TYPE: Final = "_rtsp._tcp.local."


class MotionChangedData(TypedDict):
    """Payload of rtsp_motion_changed."""

    entity_id: str
    motion: bool
    changed: float
