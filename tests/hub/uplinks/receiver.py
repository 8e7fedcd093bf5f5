"""The reference webhook receiver with switchable faults, for the uplink tests."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import ssl
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[3]
RETRY = "{max_attempts: 5, initial_delay: 0.05, max_delay: 0.4}"
SECRET = "test-secret-0123456789abcdef"


def load_example_receiver() -> ModuleType:
    """Import examples/police_receiver/police_receiver.py (not a package: police IT copy it)."""
    name = "police_receiver"
    if name in sys.modules:
        return sys.modules[name]
    path = ROOT / "examples" / "police_receiver" / "police_receiver.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Arrival:
    """One request as the receiver saw it."""

    key: str
    attempt: int
    at: float
    status: int
    peer_port: int = 0


@dataclass
class FaultyReceiver:
    """The reference receiver behind a front that can answer with errors or slowly."""

    inner: Any
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    arrivals: list[Arrival] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key", "")
        attempt = int(request.headers.get("X-CampusHub-Attempt", "0"))
        peer = request.transport.get_extra_info("peername") if request.transport else None
        port = peer[1] if peer else 0
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.statuses:
            status = self.statuses.pop(0)
            self.arrivals.append(Arrival(key, attempt, time.monotonic(), status, port))
            await request.read()
            return web.Response(status=status, text="fault\n")
        response: web.StreamResponse = await self.inner.handle(request)
        self.arrivals.append(Arrival(key, attempt, time.monotonic(), response.status, port))
        return response

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.inner.messages)


async def start_receiver(ssl_context: ssl.SSLContext | None = None,
                         port: int = 0) -> tuple[FaultyReceiver, web.AppRunner]:
    """Start a FaultyReceiver on 127.0.0.1; return it and its runner."""
    module = load_example_receiver()
    front = FaultyReceiver(module.Receiver(SECRET.encode()))
    app = web.Application()
    app.router.add_post("/hook", front.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=ssl_context)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    scheme = "https" if ssl_context else "http"
    host = "localhost" if ssl_context else "127.0.0.1"
    front.url = f"{scheme}://{host}:{bound}/hook"
    return front, runner


def webhook_entry(url: str, name: str = "city_police", retry: str = RETRY,
                  **extra: Any) -> str:
    """Return one `uplinks:` list entry of type webhook with fast retries."""
    options = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return (f"  - type: webhook\n    name: {name}\n    url: {url}\n    secret: {SECRET}\n"
            f"    retry: {retry}\n{options}")


def webhook_yaml(url: str, **extra: Any) -> str:
    """Return a site.yaml with one webhook uplink and fast retries."""
    return ("hub:\n  site: north_school\n  external_url: https://hub.example.org\n"
            "uplinks:\n" + webhook_entry(url, **extra))


@contextlib.asynccontextmanager
async def running_receiver() -> AsyncIterator[FaultyReceiver]:
    """Run a verifying webhook receiver on 127.0.0.1 (plain HTTP)."""
    front, runner = await start_receiver()
    try:
        yield front
    finally:
        await runner.cleanup()


# Import the recorder (Alembic reads files at import) outside the event loop, like tests/hub/http.
with contextlib.suppress(ImportError):
    import hub.recorder.component  # noqa: F401
