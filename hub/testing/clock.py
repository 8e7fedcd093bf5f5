"""A clock tests drive: wall time plus an offset that `advance()` moves forward."""

from __future__ import annotations

import asyncio
import time

__all__ = ["FakeClock"]


class FakeClock:
    """`now()` is the real time plus what the test advanced; sleepers wake on `advance()`."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._waiters: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        """Return the real time plus the offset."""
        return time.time() + self.offset

    async def sleep_until(self, when: float) -> None:
        """Wait until `advance()` (or real time) brings `now()` to `when`."""
        while self.now() < when:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (when, future)
            self._waiters.append(entry)
            try:
                # real time also passes: never sleep past the target in real terms
                await asyncio.wait_for(asyncio.shield(future), max(0.0, when - self.now()))
            except TimeoutError:
                pass
            finally:
                if entry in self._waiters:
                    self._waiters.remove(entry)

    async def advance(self, seconds: float) -> None:
        """Move time forward and let the woken tasks run until they wait again."""
        self.offset += seconds
        for _when, future in list(self._waiters):
            if not future.done():
                future.set_result(None)
        for _ in range(20):  # a few loop turns: woken tasks store their steps
            await asyncio.sleep(0)
