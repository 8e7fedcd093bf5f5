"""E-mail notifications: the `smtp` notify platform."""

from __future__ import annotations

from hub import Notifier, hookimpl

from .notifier import SmtpNotifier

__all__ = ["SmtpNotifier", "register_notify_platforms"]


@hookimpl
def register_notify_platforms() -> list[type[Notifier]]:
    """The `smtp` notify platform."""
    return [SmtpNotifier]
