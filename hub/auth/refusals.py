"""Refused unauthenticated requests: rate-limited, and audited in summary, not row by row.

Anyone on the network can send a bad live-view link or a wrong password. Each refusal
used to write an audit row (209 rows in 2 s from one client, issue 10), so a stranger
could grow the database without limit. Now, per action and client address, the first
`per_key` refusals in each window are audited one by one; the rest are counted and one
`<action>.suppressed` row per key says how many at the end of the window, and the caller
answers them with 429. The number of keys per window is bounded too: past `max_keys`,
refusals from new addresses share one key (`*`). `refused_committed` (failed logins) stores
each audited row before the caller answers, like the other security-relevant rows; the
summary rows are written with the history, at the end of the window.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["RefusalAudit"]


class RefusalAudit:
    """Audits refused unauthenticated requests with a per-address budget per window."""

    def __init__(self, hub: Hub, per_key: int = 10, window: float = 60.0,
                 max_keys: int = 1000, clock: Callable[[], float] = time.monotonic) -> None:
        self.hub = hub
        self.per_key = per_key
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._started = clock()
        self._counts: dict[tuple[str, str], int] = {}
        self._flush: asyncio.TimerHandle | None = None

    def refused(self, action: str, remote: str | None, details: dict[str, Any],
                target: str | None = None) -> bool:
        """Count one refusal; audit it if within budget. Return False when over the limit."""
        if not self._count(action, remote):
            return False
        self.hub.audit(action, target=target, details={**details, "remote": remote})
        return True

    async def refused_committed(self, action: str, remote: str | None,
                                details: dict[str, Any], target: str | None = None) -> bool:
        """As `refused`, but an audited refusal's row is stored before this returns."""
        if not self._count(action, remote):
            return False
        await self.hub.audit_committed(action, target=target,
                                       details={**details, "remote": remote})
        return True

    def _count(self, action: str, remote: str | None) -> bool:
        """Count one refusal; return whether it is within the budget (audited one by one)."""
        self._roll()
        key = (action, remote or "?")
        if key not in self._counts and len(self._counts) >= self.max_keys:
            key = (action, "*")
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        if count <= self.per_key:
            return True
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(
                max(0.0, self._started + self.window - self._clock()), self._write_summary)
        return False

    def retry_after(self) -> int:
        """Return whole seconds until the current window ends."""
        return max(1, int(self._started + self.window - self._clock()) + 1)

    def _roll(self) -> None:
        if self._clock() - self._started >= self.window:
            self._write_summary()

    def _write_summary(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        for (action, remote), count in self._counts.items():
            if count > self.per_key:
                self.hub.audit(f"{action}.suppressed", details={
                    "remote": remote, "count": count - self.per_key,
                    "window_seconds": self.window})
        self._counts.clear()
        self._started = self._clock()
