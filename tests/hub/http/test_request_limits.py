"""What an unauthenticated or hostile client can make the server do: bounded, and a clear 4xx."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from hub import Hub
from hub.auth.refusals import RefusalAudit
from hub.bus import Event

from .helpers import SITE, Api, register_test_devices, start_api


async def test_deeply_nested_json_is_400(api: Api) -> None:
    """JSON nested 100,000 deep is a 400 naming the body, on login and on a service call."""
    nested = b"[" * 100_000 + b"]" * 100_000
    for path, role in (("/api/auth/login", None), ("/api/services/gate/open", "guard"),
                       ("/api/webhook/hook1", "guard")):
        status, body = await api.call("POST", path, role=role, data=nested,
                                      headers={"Content-Type": "application/json"})
        assert status == 400, f"{path}: {status} {body}"
        assert body["error"] == "invalid_json" and body["errors"][0]["field"] == "body"


POLICE = ("uplinks:\n  - type: webhook\n    name: city_police\n    url: http://127.0.0.1:9/hook\n"
          "    secret: test-secret-0123456789abcdef\n")


async def test_refused_live_view_links_rate_limited(
        hub_factory: Any, register_plugin: Any, tmp_path: Path) -> None:
    """300 forged live-view links from one client: 10 audit rows and 403s, then 429s."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, SITE + POLICE)
    audits: list[Event] = []
    api.hub.bus.listen("audit_logged", audits.append)
    statuses = []
    async with aiohttp.ClientSession() as session:
        for n in range(300):
            async with session.get(f"{api.url}/api/police/live/forged{n}") as resp:
                statuses.append(resp.status)
        async with session.get(f"{api.url}/api/health") as resp:
            assert resp.status == 200  # other routes are not limited
    assert statuses[:10] == [403] * 10 and set(statuses[10:]) == {429}
    refused = [e for e in audits if e.data["action"] == "police.live_view_refused"]
    assert len(refused) == 10


def test_refusal_summary_at_window_end() -> None:
    """Past the budget, one `.suppressed` row per address says how many were refused."""
    hub = Hub()  # built outside the loop: it resolves the working folder
    asyncio.run(_refuse_past_budget(hub))


async def _refuse_past_budget(hub: Hub) -> None:
    rows: list[dict[str, Any]] = []
    hub.bus.listen("audit_logged", lambda e: rows.append(e.data))
    now = [0.0]
    refusals = RefusalAudit(hub, per_key=3, window=60, clock=lambda: now[0])
    allowed = [refusals.refused("police.live_view_refused", "10.0.0.7", {"what": "page"})
               for _ in range(50)]
    assert allowed == [True] * 3 + [False] * 47 and len(rows) == 3
    now[0] = 61.0  # the window ends: the summary is written, the budget starts again
    assert refusals.refused("police.live_view_refused", "10.0.0.7", {"what": "page"})
    assert [r["action"] for r in rows] == ["police.live_view_refused"] * 3 + [
        "police.live_view_refused.suppressed", "police.live_view_refused"]
    assert rows[3]["details"] == {"remote": "10.0.0.7", "count": 47, "window_seconds": 60}


LIMITED = SITE.replace("http:\n  port: 0\n", "http:\n  port: 0\n  header_timeout: 1.5\n"
                       "  keepalive_timeout: 0.5\n  max_connections_per_address: 20\n"
                       "  body_timeout: 0.5\n")


async def _closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    """Return whether the server closes the connection within `within` seconds."""
    try:
        async with asyncio.timeout(within):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


async def test_slow_clients_cut_and_connections_capped(
        hub_factory: Any, register_plugin: Any, tmp_path: Path) -> None:
    """Half-sent requests are closed after the header timeout; one address holds at most 20."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, LIMITED)
    port = int(api.url.rsplit(":", 1)[1])
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(30)]
    for _reader, writer in conns:
        writer.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
    closed = await asyncio.gather(*(_closed_by_server(r, 0.3) for r, _w in conns))
    assert closed.count(True) == 10, "past 20 connections from one address are refused"
    closed = await asyncio.gather(*(_closed_by_server(r, 5) for r, _w in conns))
    assert all(closed), "half-sent requests are cut after the header timeout"
    for _reader, writer in conns:
        writer.close()
    async with aiohttp.ClientSession() as session, session.get(
            f"{api.url}/api/health") as resp:
        assert resp.status == 200  # the slots are free again
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert (await reader.readuntil(b"\r\n")).startswith(b"HTTP/1.1 200")
    assert await _closed_by_server(reader, 3), "an idle keep-alive connection is closed"
    writer.close()


async def test_trickled_body_answered_408(hub_factory: Any, register_plugin: Any,
                                          tmp_path: Path) -> None:
    """A login whose body never finishes arriving gets 408 after the body timeout."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, LIMITED)
    port = int(api.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\"")
    async with asyncio.timeout(5):
        status_line = await reader.readuntil(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 408"), status_line
    writer.close()
