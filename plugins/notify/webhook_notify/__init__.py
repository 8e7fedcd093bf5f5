"""Signed webhook notifications: the `webhook` notify platform."""

from __future__ import annotations

from hub import Notifier, hookimpl

from .notifier import WebhookNotifier

__all__ = ["WebhookNotifier", "register_notify_platforms"]


@hookimpl
def register_notify_platforms() -> list[type[Notifier]]:
    """The `webhook` notify platform."""
    return [WebhookNotifier]
