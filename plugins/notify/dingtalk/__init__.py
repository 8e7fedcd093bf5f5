"""DingTalk (钉钉) group robot notifications: the `dingtalk` notify platform."""

from __future__ import annotations

from hub import Notifier, hookimpl

from .notifier import DingTalkNotifier

__all__ = ["DingTalkNotifier", "register_notify_platforms"]


@hookimpl
def register_notify_platforms() -> list[type[Notifier]]:
    """The `dingtalk` notify platform."""
    return [DingTalkNotifier]
