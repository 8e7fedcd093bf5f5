"""Loopback helpers for tests, demos and benches: a free port, waiting for a server to listen."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

__all__ = ["free_port", "wait_listening"]


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """Return a port free on 127.0.0.1 now (TCP by default; another process may take it later)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_listening(port: int, *, timeout: float, interval: float = 0.1,
                         give_up: Callable[[], bool] | None = None) -> bool:
    """Wait until 127.0.0.1:`port` accepts a TCP connection; return whether it did.

    False once `timeout` seconds have passed, or at once when `give_up()` turns true (the
    server's process or task has ended, say).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (give_up is not None and give_up()):
        with contextlib.suppress(OSError):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return True
        if loop.time() >= deadline:
            break
        await asyncio.sleep(interval)
    return False
