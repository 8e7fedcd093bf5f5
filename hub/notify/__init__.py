"""Duty notifications: notify channels (`notify.<name>` services) a plugin provides."""

from . import base
from .base import *  # noqa: F403  (the notify contract, re-exported: base.__all__)
from .const import DOMAIN, EVENT_NOTIFY_FAILED, EVENT_NOTIFY_SENT

__all__ = [*base.__all__, "DOMAIN", "EVENT_NOTIFY_FAILED", "EVENT_NOTIFY_SENT"]
