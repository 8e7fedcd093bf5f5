"""WeCom (企业微信) group robot notifications: the `wecom` notify platform."""

from __future__ import annotations

from hub import Notifier, hookimpl

from .notifier import WeComNotifier

__all__ = ["WeComNotifier", "register_notify_platforms"]


@hookimpl
def register_notify_platforms() -> list[type[Notifier]]:
    """The `wecom` notify platform."""
    return [WeComNotifier]
