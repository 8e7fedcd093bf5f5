"""A watchdog for slow teardowns: dump every task's stack when a stop takes too long.

A stop that hangs under pytest-timeout only shows the event loop idling in select(); the
stacks of the tasks still running say what is awaited forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import io
import sys
from collections.abc import AsyncIterator


def task_stacks() -> str:
    """Return the stack of every unfinished task of the running loop."""
    out = io.StringIO()
    for task in asyncio.all_tasks():
        if not task.done():
            print(f"--- task {task.get_name()}: {task!r}", file=out)
            for frame in task.get_stack(limit=25):  # no source lines: no file reads
                code = frame.f_code
                print(f"  {code.co_filename}:{frame.f_lineno} in {code.co_name}", file=out)
    return out.getvalue()


@contextlib.asynccontextmanager
async def stop_watch(what: str, limit: float = 10.0) -> AsyncIterator[None]:
    """Print all task (and thread) stacks to stderr if the body takes over `limit` s."""

    async def bark() -> None:
        await asyncio.sleep(limit)
        print(f"\n=== {what} still running after {limit} s; tasks:\n{task_stacks()}",
              file=sys.stderr, flush=True)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)  # the threads too

    dog = asyncio.create_task(bark(), name=f"watchdog {what}")
    try:
        yield
    finally:
        dog.cancel()
        await asyncio.gather(dog, return_exceptions=True)
