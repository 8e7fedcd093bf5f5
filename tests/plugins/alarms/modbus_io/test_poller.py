"""PollLoop: an unexpected exception in a poll is a failed poll, shown and logged once."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hub.testing import wait_for
from plugins.alarms.modbus_io.api import ModbusError
from plugins.alarms.modbus_io.poller import PollLoop


async def test_an_unexpected_error_is_a_failed_poll_and_polling_goes_on(caplog: Any) -> None:
    """Two polls raise ValueError: on_result names it, one log line; the third poll is good."""
    polls = 0
    results: list[ModbusError | None] = []

    async def poll() -> None:
        nonlocal polls
        polls += 1
        if polls <= 2:
            raise ValueError("register 7 reads 0xFFFF")

    loop = PollLoop(poll, results.append, interval=0.01, backoff_max=0.02, name="Gate IO")
    caplog.set_level("ERROR", logger="plugins.alarms.modbus_io.poller")
    task = asyncio.create_task(loop.run())
    try:
        await wait_for(lambda: len(results) >= 3)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [str(r) if r else None for r in results[:3]] == [
        "unexpected error: ValueError: register 7 reads 0xFFFF"] * 2 + [None]
    assert [r.getMessage() for r in caplog.records] == [
        "Gate IO: poll failed unexpectedly; retrying with backoff"]


async def test_a_swallowed_cancellation_still_stops_the_loop() -> None:
    """A poll that swallows the cancellation (as Python 3.11's asyncio.wait_for in pymodbus
    does when the answer arrives with it): the loop still ends, so a hub stops at once
    instead of waiting out its 5 s shutdown limit with the device polling on."""
    polling = asyncio.Event()

    async def poll() -> None:
        polling.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.05)

    loop = PollLoop(poll, lambda _result: None, interval=0.01, backoff_max=0.02)
    task = asyncio.create_task(loop.run())
    await polling.wait()
    task.cancel()
    done, _pending = await asyncio.wait({task}, timeout=1.0)
    if not done:
        task.cancel()
    assert done and task.cancelled()
