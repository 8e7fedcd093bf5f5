"""Incident messages the hub and its plugins write, as keys a panel can show in its language.

An incident's `message` is English text (police receivers, logs, exports read it). Messages
built here also put `message_key` and `message_args` into the incident's `data`, so the
guard panel can show the same message in Chinese (hub/panel/lib/i18n.js, `MESSAGES`, has a
text for every key below). A message given in the site file or by an automation is shown
as written.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES", "localized_message"]

#: key -> English text; `{...}` are the args. Keep hub/panel/lib/i18n.js in step (tested).
MESSAGES: dict[str, str] = {
    "alarm_triggered": "{name}: {category}",
    "alarm_test": "{name}: test",
    "device_offline": "{name} is offline: {reason}",
    "camera_tampered": "{name}: camera tampered with ({detail})",
    "guard_off_post": "No guard seen on {camera} for {minutes} min during duty",
    "watchlist_match": "Watch-list match: {name} ({group}) on {camera}",
    "police_hit": "Police hit: {title} ({category}) on {camera}",
    "unknown_face": "Unknown face on {camera} outside {schedule}",
}


def localized_message(key: str, **args: Any) -> tuple[str, dict[str, Any]]:
    """Return the English message and the `data` entries that let a panel translate it."""
    text = MESSAGES[key].format(**args)
    return text, {"message_key": key, "message_args": args}
