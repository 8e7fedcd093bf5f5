"""Open WebSockets lose access with their credentials: expiry, logout, revoked tokens."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.http.ws_access import CLOSE_UNAUTHORISED

from .helpers import PASSWORD, SITE, Api, http_of, register_test_devices, start_api

pytestmark = pytest.mark.timeout(60)


def _site(session_hours: float = 12, check_seconds: float = 3600) -> str:
    return SITE.replace("    argon2_time_cost: 1\n", f"    argon2_time_cost: 1\n"
                        f"    session_hours: {session_hours}\n"
                        f"    websocket_check_seconds: {check_seconds}\n")


async def _api(hub_factory: Any, tmp_path: Path, register_plugin: Any, site: str) -> Api:
    register_test_devices(register_plugin)
    return await start_api(hub_factory, tmp_path, site)


async def _open(session: aiohttp.ClientSession, url: str,
                headers: dict[str, str]) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(url + "/api/websocket", headers=headers)
    assert (await ws.receive_json(timeout=5))["type"] == "hello"
    await ws.send_json({"id": 1, "type": "ping"})
    assert (await ws.receive_json(timeout=5))["result"] == "pong"
    return ws


async def _closed_by_hub(ws: aiohttp.ClientWebSocketResponse, within: float) -> str:
    """Wait for the hub to close the socket; return the reason it gave."""
    msg = await ws.receive(timeout=within)
    assert msg.type == aiohttp.WSMsgType.CLOSE, msg
    assert msg.data == CLOSE_UNAUTHORISED
    return str(msg.extra)


async def _login(session: aiohttp.ClientSession, url: str, name: str) -> None:
    async with session.post(url + "/api/auth/login",
                            json={"name": name, "password": PASSWORD}) as resp:
        assert resp.status == 200


async def test_session_expiry_closes_websocket(hub_factory: Any, tmp_path: Path,
                                               register_plugin: Any) -> None:
    """A panel WebSocket closes when its session expires, though nothing else happened."""
    hours = 2.5 / 3600
    api = await _api(hub_factory, tmp_path, register_plugin, _site(session_hours=hours))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await _login(session, api.url, "guard")
        started = time.monotonic()
        ws = await _open(session, api.url, {"Origin": api.url})
        assert await _closed_by_hub(ws, within=6) == "session expired"
        assert time.monotonic() - started > 1.5  # at expiry, not at once
        assert len(http_of(api.hub).websockets) == 0
        async with session.get(api.url + "/api/info") as resp:
            assert resp.status == 401


async def test_logout_closes_the_sessions_websocket(hub_factory: Any, tmp_path: Path,
                                                    register_plugin: Any) -> None:
    """Logging out closes the WebSockets of that session at once, not those of others."""
    api = await _api(hub_factory, tmp_path, register_plugin, _site())
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        await _login(session, api.url, "guard")
        await _login(other, api.url, "guard")
        ws = await _open(session, api.url, {"Origin": api.url})
        kept = await _open(other, api.url, {"Origin": api.url})
        info = await (await session.get(api.url + "/api/info")).json()
        async with session.post(api.url + "/api/auth/logout",
                                headers={"X-CSRF-Token": info["csrf_token"]}) as resp:
            assert resp.status == 200
        assert await _closed_by_hub(ws, within=2) == "credentials revoked"
        await kept.send_json({"id": 2, "type": "ping"})
        assert (await kept.receive_json(timeout=2))["result"] == "pong"
        await kept.close()


async def test_token_revoked_through_api_closes_websocket(hub_factory: Any, tmp_path: Path,
                                                          register_plugin: Any) -> None:
    """Revoking a token through the API closes the WebSockets opened with it at once."""
    api = await _api(hub_factory, tmp_path, register_plugin, _site())
    async with aiohttp.ClientSession() as session:
        api.session = session
        ws = await _open(session, api.url, {"Authorization": f"Bearer {api.tokens['police']}"})
        status, tokens = await api.call("GET", "/api/tokens")
        [token_id] = [t["id"] for t in tokens if t["user"] == "police"]
        status, _ = await api.call("DELETE", f"/api/tokens/{token_id}")
        assert status == 200
        assert await _closed_by_hub(ws, within=2) == "credentials revoked"
        status, _ = await api.call("GET", "/api/info", role="police")
        assert status == 401


async def test_changes_outside_the_api_close_websockets_at_the_next_check(
        hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """A token revoked or a role changed in the database by someone else (CLI, another hub)
    closes the affected WebSockets at the next periodic check; others stay open."""
    api = await _api(hub_factory, tmp_path, register_plugin, _site(check_seconds=0.3))
    store = http_of(api.hub).store
    async with aiohttp.ClientSession() as session, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as panel:
        bearer = {"Authorization": f"Bearer {api.tokens['police']}"}
        by_token = await _open(session, api.url, bearer)
        await _login(panel, api.url, "guard")
        by_session = await _open(panel, api.url, {"Origin": api.url})
        kept = await _open(session, api.url, {"Authorization": f"Bearer {api.tokens['viewer']}"})
        [info] = [t for t in await store.list_tokens("police")]
        assert await store.revoke_token(info.id)  # not through the API: no immediate close
        assert await _closed_by_hub(by_token, within=3) == "credentials revoked"
        await store.update_user("guard", role="viewer")
        assert await _closed_by_hub(by_session, within=3) == "credentials revoked"
        await kept.send_json({"id": 2, "type": "ping"})
        assert (await kept.receive_json(timeout=2))["result"] == "pong"
        await kept.close()
