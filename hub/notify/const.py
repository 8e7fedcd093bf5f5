"""Names of the notify component: its domain, events and channel states."""

from __future__ import annotations

__all__ = [
    "DOMAIN",
    "EVENT_NOTIFY_FAILED",
    "EVENT_NOTIFY_SENT",
    "STATE_AUTH_FAILED",
    "STATE_FAILING",
    "STATE_IDLE",
    "STATE_OK",
    "STATE_RETRYING",
]

DOMAIN = "notify"
#: a message reached its channel: {"channel", "incident_id", "detail", "attempts"}
EVENT_NOTIFY_SENT = "notify_sent"
#: a message was given up: {"channel", "incident_id", "error", "attempts"}
EVENT_NOTIFY_FAILED = "notify_failed"

STATE_IDLE = "idle"  # nothing sent yet
STATE_OK = "ok"  # the last message went through
STATE_RETRYING = "retrying"  # a message is waiting for its next attempt
STATE_FAILING = "failing"  # the last message was given up or refused
STATE_AUTH_FAILED = "auth_failed"  # the channel refused our key or password
