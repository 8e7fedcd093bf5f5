"""Login throttling: too many failures for a name or from an address lock it out for a while."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """Counts failed logins per key (user name, client address) in a sliding window."""

    def __init__(self, attempts: int, window: float, lockout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window = window
        self.lockout = lockout
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    def retry_after(self, *keys: str) -> float:
        """Return seconds until these keys may try again (0 when allowed)."""
        now = self._clock()
        wait = max((self._locked_until.get(k, 0.0) - now for k in keys), default=0.0)
        return max(wait, 0.0)

    def failed(self, *keys: str) -> None:
        """Record a failed login for each key; lock a key that reached the limit."""
        now = self._clock()
        for key in keys:
            failures = self._failures.setdefault(key, deque())
            failures.append(now)
            while failures and failures[0] < now - self.window:
                failures.popleft()
            if len(failures) >= self.attempts:
                self._locked_until[key] = now + self.lockout
                failures.clear()
        if len(self._failures) > 10000:  # bound memory under a spray of names
            self._failures.clear()

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of these keys."""
        for key in keys:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)
