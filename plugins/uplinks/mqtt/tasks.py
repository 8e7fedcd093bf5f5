"""Ending the uplink's tasks for sure (a lost cancellation must not keep one running)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

__all__ = ["cancel_until_done"]


async def cancel_until_done(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel tasks and wait until they end, cancelling again any that goes on.

    On Python 3.11 asyncio.wait_for (in every aiomqtt publish) returns the result when the
    publish completes at the moment it is cancelled: the cancellation is lost and a loop
    such as the heartbeat goes on forever (seen as a hub's stop hanging in tests/city).
    """
    pending = {task for task in tasks if not task.done()}
    interrupted = False
    while pending:
        for task in pending:
            task.cancel()
        try:
            _done, pending = await asyncio.wait(pending, timeout=0.5)
        except asyncio.CancelledError:  # finish the job first, then pass it on
            interrupted = True
            pending = {task for task in pending if not task.done()}
    if interrupted:
        raise asyncio.CancelledError
