"""Uplinks: one contract for everything that leaves the hub (police, video and city platforms).

A plugin provides uplink types through `register_uplinks`; school IT configures instances
under `uplinks:`; the outbox delivers what each subscribes to.
"""

from ..exceptions import UplinkError, UplinkRejected, UplinkRetry, UplinkUnavailable
from .base import (
    SUBSCRIPTION_DEVICE_STATUS,
    SUBSCRIPTION_FACE_CAPTURE,
    SUBSCRIPTION_INCIDENT,
    SUBSCRIPTIONS,
    Uplink,
    UplinkItem,
    check_subscription,
)
from .config import BacklogConfig, RetryConfig, UplinkConfig
from .manager import DOMAIN, UplinkManager
from .subscriptions import EVENT_FACE_CAPTURED, FaceCapturedData

__all__ = [
    "DOMAIN",
    "EVENT_FACE_CAPTURED",
    "SUBSCRIPTIONS",
    "SUBSCRIPTION_DEVICE_STATUS",
    "SUBSCRIPTION_FACE_CAPTURE",
    "SUBSCRIPTION_INCIDENT",
    "BacklogConfig",
    "FaceCapturedData",
    "RetryConfig",
    "Uplink",
    "UplinkConfig",
    "UplinkError",
    "UplinkItem",
    "UplinkManager",
    "UplinkRejected",
    "UplinkRetry",
    "UplinkUnavailable",
    "check_subscription",
]
