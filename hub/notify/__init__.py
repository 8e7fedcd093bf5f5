"""Duty notifications: notify channels (`notify.<name>` services) a plugin provides."""

from .base import (
    Notification,
    Notifier,
    NotifyConfig,
    NotifyError,
    NotifyRejected,
    NotifyRetry,
    NotifyRetryConfig,
)
from .const import DOMAIN, EVENT_NOTIFY_FAILED, EVENT_NOTIFY_SENT

__all__ = [
    "DOMAIN",
    "EVENT_NOTIFY_FAILED",
    "EVENT_NOTIFY_SENT",
    "Notification",
    "Notifier",
    "NotifyConfig",
    "NotifyError",
    "NotifyRejected",
    "NotifyRetry",
    "NotifyRetryConfig",
]
