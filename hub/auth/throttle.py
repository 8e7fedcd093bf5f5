"""Login throttling: too many attempts for a name or from an address lock it out for a while.

An attempt is counted when it starts, before the slow password hash, so concurrent
attempts cannot all slip past the limit while the first ones are still being checked
(issue 10: 45 concurrent wrong passwords were all evaluated with a limit of 5). A login
that succeeds forgets its keys' attempts.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]

_MAX_KEYS = 10000


class LoginThrottle:
    """Counts login attempts per key (user name, client address) in a sliding window."""

    def __init__(self, attempts: int, window: float, lockout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window = window
        self.lockout = lockout
        self._clock = clock
        self._attempts: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    def retry_after(self, *keys: str) -> float:
        """Return seconds until these keys may try again (0 when allowed)."""
        now = self._clock()
        wait = max((self._locked_until.get(k, 0.0) - now for k in keys), default=0.0)
        return max(wait, 0.0)

    def begin(self, *keys: str) -> float:
        """Count an attempt that is about to be checked; return seconds to wait (0: go on).

        The attempt that reaches the limit is still checked; the keys are locked from then
        on, so attempts running at the same time and later ones are refused.
        """
        wait = self.retry_after(*keys)
        if wait > 0:
            return wait
        now = self._clock()
        for key in keys:
            attempts = self._attempts.setdefault(key, deque())
            attempts.append(now)
            while attempts and attempts[0] < now - self.window:
                attempts.popleft()
            if len(attempts) >= self.attempts:
                self._locked_until[key] = now + self.lockout
                attempts.clear()
        self._bound(now)
        return 0.0

    def failed(self, *keys: str) -> None:
        """Count a failed login that was not counted by `begin`."""
        self.begin(*keys)

    def succeeded(self, *keys: str) -> None:
        """Forget the attempts of these keys."""
        for key in keys:
            self._attempts.pop(key, None)
            self._locked_until.pop(key, None)

    def _bound(self, now: float) -> None:
        # Bound memory under a spray of names: drop what has expired, never a live lock.
        if len(self._attempts) <= _MAX_KEYS:
            return
        for key in [k for k, q in self._attempts.items() if not q or q[-1] < now - self.window]:
            del self._attempts[key]
        for key in [k for k, t in self._locked_until.items() if t <= now]:
            del self._locked_until[key]
        if len(self._attempts) > _MAX_KEYS:  # still too many inside the window: oldest go
            for key in list(self._attempts)[: len(self._attempts) - _MAX_KEYS]:
                del self._attempts[key]
