"""Access control: every route needs a login except the public few; roles hold on the server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.http.routing import Route

from .helpers import PASSWORD, SITE, Api, http_of, register_test_devices, start_api

# The only routes anyone may reach without logging in. A new public route fails the test
# until it is named here with the reason.
PUBLIC_ROUTES = {
    ("POST", "/api/auth/login"),  # the login itself
    ("GET", "/api/health"),  # load balancers and monitoring
    ("GET", "/"),  # the panel's login page ...
    ("GET", "/panel/{path:.+}"),  # ... and its static code (no data)
}


def _fill(path: str) -> str:
    return re.sub(r"{[^}]+}", "x", path)


def _routes(api: Api) -> list[Route]:
    return list(http_of(api.hub).registry.routes)


async def test_every_route_needs_login(api: Api) -> None:
    """Without credentials every registered route but the public ones answers 401."""
    routes = _routes(api)
    assert len(routes) > 20
    public = {(r.method, r.path) for r in routes if r.public}
    assert public == PUBLIC_ROUTES
    for route in routes:
        if route.public:
            continue
        status, body = await api.call(route.method, _fill(route.path), role=None, json={})
        assert status == 401, f"{route.method} {route.path} answered {status} without login"
        assert body["error"] == "unauthorized"


async def test_every_route_refuses_a_bad_token(api: Api) -> None:
    """A wrong or revoked bearer token is refused on every protected route."""
    for route in _routes(api):
        if route.public:
            continue
        status, _ = await api.call(route.method, _fill(route.path), role=None, json={},
                                   headers={"Authorization": "Bearer chub_wrong"})
        assert status == 401, f"{route.method} {route.path}"


async def test_guard_cannot_reach_admin_routes(api: Api) -> None:
    """Every admin-only route answers 403 to a guard, police and viewer."""
    admin_only = [r for r in _routes(api) if r.roles == frozenset({"admin"})]
    assert {r.path for r in admin_only} >= {"/api/users", "/api/tokens", "/api/audit"}
    for role in ("guard", "police", "viewer"):
        for route in admin_only:
            status, body = await api.call(route.method, _fill(route.path), role=role, json={})
            assert status == 403, f"{role}: {route.method} {route.path} answered {status}"
            assert role in body["message"]


@pytest.mark.parametrize(("role", "domain", "service", "expected"), [
    ("viewer", "gate", "open", 403),
    ("police", "gate", "open", 403),
    ("guard", "acme", "press", 403),
    ("guard", "gate", "open", 200),
    ("police", "incident", "raise", 403),
])
async def test_service_roles_checked(api: Api, role: str, domain: str, service: str,
                                     expected: int) -> None:
    """Each service call is checked against the service's own roles."""
    data = {"entity_id": "gate.main_entrance"} if domain == "gate" else (
        {"entity_id": "alarm.panic_1"} if domain == "acme" else {"category": "intrusion"})
    status, _ = await api.call("POST", f"/api/services/{domain}/{service}", role=role,
                               json=data)
    assert status == expected


async def _login(api: Api, session: aiohttp.ClientSession, name: str) -> str:
    async with session.post(api.url + "/api/auth/login",
                            json={"name": name, "password": PASSWORD}) as resp:
        assert resp.status == 200
        cookie = resp.cookies["campus_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        return str((await resp.json())["csrf_token"])


async def test_session_needs_csrf_header_for_changes(api: Api) -> None:
    """With a session cookie, a POST without the CSRF header is refused; with it, it passes."""
    # unsafe=True: aiohttp keeps cookies of IP-address hosts only when told to.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        csrf = await _login(api, session, "guard")
        url = api.url + "/api/services/gate/open"
        data = {"entity_id": "gate.main_entrance"}
        async with session.post(url, json=data) as resp:
            assert resp.status == 403 and (await resp.json())["error"] == "csrf"
        async with session.post(url, json=data, headers={"X-CSRF-Token": "wrong"}) as resp:
            assert resp.status == 403
        async with session.post(url, json=data, headers={"X-CSRF-Token": csrf}) as resp:
            assert resp.status == 200
        async with session.get(api.url + "/api/states") as resp:
            assert resp.status == 200  # reads need no CSRF header
        async with session.post(api.url + "/api/auth/logout",
                                headers={"X-CSRF-Token": csrf}) as resp:
            assert resp.status == 200
        async with session.get(api.url + "/api/states") as resp:
            assert resp.status == 401


async def test_revoked_token_refused(api: Api) -> None:
    """A revoked API token stops working at once."""
    status, created = await api.call("POST", "/api/tokens", json={"name": "nvr", "user": "police"})
    assert status == 201 and created["token"].startswith("chub_")
    headers = {"Authorization": f"Bearer {created['token']}"}
    status, _ = await api.call("GET", "/api/incidents", role=None, headers=headers)
    assert status == 200
    status, _ = await api.call("DELETE", f"/api/tokens/{created['id']}")
    assert status == 200
    status, _ = await api.call("GET", "/api/incidents", role=None, headers=headers)
    assert status == 401


async def test_login_throttled(api: Api) -> None:
    """After five wrong passwords the name is locked out, even with the right password."""
    for _ in range(5):
        status, body = await api.call("POST", "/api/auth/login", role=None,
                                      json={"name": "viewer", "password": "wrong password"})
        assert status == 401 and body["errors"][0]["field"] == "body.password"
    status, body = await api.call("POST", "/api/auth/login", role=None,
                                  json={"name": "viewer", "password": PASSWORD})
    assert status == 429 and "try again" in body["message"]


async def test_disabled_user_loses_access(api: Api) -> None:
    """Disabling a user ends their sessions and tokens at once."""
    status, _ = await api.call("PATCH", "/api/users/police", json={"disabled": True})
    assert status == 200
    status, _ = await api.call("GET", "/api/incidents", role="police")
    assert status == 401


async def test_admin_cannot_lock_themselves_out(api: Api) -> None:
    """An admin cannot demote or disable their own account."""
    status, body = await api.call("PATCH", "/api/users/admin", json={"role": "guard"})
    assert status == 422 and body["errors"][0]["field"] == "body.role"


async def test_websocket_needs_login(api: Api) -> None:
    """The WebSocket handshake without credentials is refused."""
    assert api.session is not None
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await api.session.ws_connect(api.url + "/api/websocket")
    assert err.value.status == 401


# Police live-view links carry their own signed, expiring token in the path (hub/liveview).
POLICE_PUBLIC_PREFIX = "/api/police/live/{token}"


async def test_every_route_needs_login_with_live_view_and_uplinks(
        hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """With the live-view and uplink routes too: all need a login, except the signed live-view
    links, which refuse a forged token."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, SITE + "live_view: {}\n")
    async with aiohttp.ClientSession() as session:
        api.session = session
        routes = _routes(api)
        assert any(r.path.startswith("/api/police/live/") for r in routes)
        assert any(r.path == "/api/uplinks" for r in routes)
        for route in routes:
            if route.public:
                assert ((route.method, route.path) in PUBLIC_ROUTES
                        or route.path.startswith(POLICE_PUBLIC_PREFIX)), route.path
                if route.path.startswith(POLICE_PUBLIC_PREFIX):
                    status, _ = await api.call(route.method, _fill(route.path), role=None)
                    assert 400 <= status < 500, f"{route.path} answered {status} to a forged link"
                continue
            status, _ = await api.call(route.method, _fill(route.path), role=None, json={})
            assert status == 401, f"{route.method} {route.path} answered {status} without login"


async def test_session_cookie_secure_behind_https(hub_factory: Any, tmp_path: Path,
                                                  register_plugin: Any) -> None:
    """When the hub's external URL is https, the session cookie is Secure."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path,
                          "hub:\n  external_url: https://hub.example.org\n" + SITE)
    async with aiohttp.ClientSession() as session, session.post(api.url + "/api/auth/login",
                            json={"name": "guard", "password": PASSWORD}) as resp:
        assert resp.status == 200
        cookie = resp.cookies["campus_session"]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
