"""A fixed-cadence poll loop with reconnect backoff (no hub imports)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .api import ModbusError

_LOGGER = logging.getLogger(__name__)

__all__ = ["PollLoop"]


class PollLoop:
    """Call `poll()` every `interval` seconds; after a failure retry with doubling backoff.

    Ticks keep a fixed cadence (a slow poll does not push later ones back); missed ticks
    are skipped, never bunched. `on_result(error)` gets None after each good poll and
    the error after each failed one. `wake()` polls at once (after a command). Any other
    exception from `poll()` (a bug, an answer nobody expected) counts as a failed poll: it
    reaches `on_result` as a ModbusError naming it and is logged once per streak, so the
    device shows why and polling never stops.
    """

    def __init__(
        self,
        poll: Callable[[], Awaitable[None]],
        on_result: Callable[[ModbusError | None], None],
        interval: float,
        backoff_max: float,
        name: str = "Modbus device",
    ) -> None:
        self.name = name
        self._poll = poll
        self._on_result = on_result
        self.interval = interval
        self.backoff_max = max(backoff_max, interval)
        self.failures = 0
        self._unexpected_logged = False
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Poll now instead of at the next tick."""
        self._wake.set()

    def _delay(self) -> float:
        if not self.failures:
            return self.interval
        return min(self.backoff_max, self.interval * 2.0 ** min(self.failures - 1, 16))

    async def run(self) -> None:
        """Poll until cancelled.

        A cancellation a library swallowed (Python 3.11's `asyncio.wait_for`, used by
        pymodbus, drops one that arrives as the answer does) still ends the loop: the task
        stays marked as cancelling, and the loop checks that before each poll.
        """
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        next_tick = loop.time()
        while True:
            if task is not None and task.cancelling():
                raise asyncio.CancelledError
            self._wake.clear()
            try:
                await self._poll()
            except ModbusError as err:
                self.failures += 1
                self._on_result(err)
            except Exception as exc:
                if not self._unexpected_logged:
                    _LOGGER.exception("%s: poll failed unexpectedly; retrying with backoff",
                                      self.name)
                    self._unexpected_logged = True
                self.failures += 1
                self._on_result(ModbusError(f"unexpected error: {type(exc).__name__}: {exc}"))
            else:
                self.failures = 0
                self._unexpected_logged = False
                self._on_result(None)
            now = loop.time()
            next_tick = max(next_tick + self._delay(), now)  # late: go now, never bunch
            try:
                async with asyncio.timeout(next_tick - now):
                    await self._wake.wait()
                next_tick = loop.time()
            except TimeoutError:
                pass
