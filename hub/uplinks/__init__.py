"""Uplinks: one contract for everything that leaves the hub (police, video and city platforms).

A plugin provides uplink types through `register_uplinks`; school IT configures instances
under `uplinks:`; the outbox delivers what each subscribes to.
"""

from ..exceptions import UplinkError, UplinkRejected, UplinkRetry
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

__all__ = [
    "DOMAIN",
    "SUBSCRIPTIONS",
    "SUBSCRIPTION_DEVICE_STATUS",
    "SUBSCRIPTION_FACE_CAPTURE",
    "SUBSCRIPTION_INCIDENT",
    "BacklogConfig",
    "RetryConfig",
    "Uplink",
    "UplinkConfig",
    "UplinkError",
    "UplinkItem",
    "UplinkManager",
    "UplinkRejected",
    "UplinkRetry",
    "check_subscription",
]
