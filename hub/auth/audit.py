"""The audit log as the panel reads it: every `audit_logged` event, newest first."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from ..bus import Event
from ..privacy import redact

__all__ = ["AuditEntry", "AuditLog", "redact"]



@dataclass(slots=True, frozen=True)
class AuditEntry:
    """One audited action."""

    at: float
    user: str
    action: str
    target: str | None
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as a JSON-ready dict."""
        return {"time": self.at, "user": self.user, "action": self.action,
                "target": self.target, "details": self.details}


class AuditLog:
    """Keeps the newest audit entries in memory for the admin page.

    Used only when the recorder is disabled; the recorder keeps the durable audit log and
    the API reads it from there.
    """

    def __init__(self, size: int = 10000) -> None:
        self._entries: deque[AuditEntry] = deque(maxlen=size)

    def on_event(self, event: Event) -> None:
        """Bus listener for `audit_logged`."""
        data = event.data
        self._entries.append(AuditEntry(event.time_fired, str(data.get("user", "hub")),
                                        str(data.get("action", "")), data.get("target"),
                                        dict(data.get("details") or {})))

    def query(self, *, user: str | None = None, action: str | None = None,
              target: str | None = None, limit: int = 50,
              offset: int = 0) -> tuple[list[AuditEntry], int]:
        """Return a page of matching entries, newest first, and the number that matched."""
        found = [e for e in reversed(self._entries)
                 if (user is None or e.user == user) and (action is None or e.action == action)
                 and (target is None or e.target == target)]
        return found[offset:offset + limit], len(found)
