"""A webhook receiver for the benches, run in a child process (its CPU is not the hub's).

It serves POST /hook on 127.0.0.1 (a free port), sends that port over the pipe, then answers
each command on the pipe with `report()` until the command "stop".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection

from aiohttp import web

__all__ = ["serve_hook"]


async def serve_hook(conn: Connection, handle: Callable[[web.Request], Awaitable[web.Response]],
                     report: Callable[[], object]) -> None:
    """Serve `handle` at POST /hook and answer the pipe with `report()` until "stop"."""
    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        conn.send(runner.addresses[0][1])
        while await asyncio.to_thread(conn.recv) != "stop":
            conn.send(report())
    finally:
        await runner.cleanup()
