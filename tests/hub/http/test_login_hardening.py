"""Login under attack: throttling holds under concurrency; only same-site JSON logs in."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from .helpers import PASSWORD, Api


async def test_concurrent_wrong_passwords_throttled(api: Api) -> None:
    """45 wrong passwords sent at once: at most 5 are checked, the rest are refused with 429."""
    assert api.session is not None

    async def attempt(n: int) -> int:
        async with aiohttp.ClientSession() as session, session.post(
                api.url + "/api/auth/login",
                json={"name": "guard", "password": f"wrong password {n}"}) as resp:
            return resp.status

    statuses = await asyncio.gather(*(attempt(n) for n in range(45)))
    assert statuses.count(401) <= 5, f"{statuses.count(401)} wrong passwords were checked"
    assert statuses.count(429) >= 40 and set(statuses) <= {401, 429}
    status, _ = await api.call("POST", "/api/auth/login", role=None,
                               json={"name": "guard", "password": PASSWORD})
    assert status == 429  # locked, even with the right password


async def test_login_refuses_text_plain(api: Api) -> None:
    """A JSON body sent as text/plain (what a cross-site form can send) logs nobody in."""
    assert api.session is not None
    body = json.dumps({"name": "guard", "password": PASSWORD})
    async with api.session.post(api.url + "/api/auth/login", data=body,
                                headers={"Content-Type": "text/plain"}) as resp:
        answer = await resp.json()
        assert resp.status == 415 and "campus_session" not in resp.cookies
        assert answer["errors"][0]["field"] == "header.Content-Type"


async def test_login_refuses_other_origin(api: Api) -> None:
    """A login posted from another site's page is refused; from the hub's own page it works."""
    assert api.session is not None
    data = {"name": "guard", "password": PASSWORD}
    async with api.session.post(api.url + "/api/auth/login", json=data,
                                headers={"Origin": "https://evil.example"}) as resp:
        assert resp.status == 403 and "campus_session" not in resp.cookies
        assert (await resp.json())["errors"][0]["field"] == "header.Origin"
    async with api.session.post(api.url + "/api/auth/login", json=data,
                                headers={"Origin": "null"}) as resp:
        assert resp.status == 403
    async with api.session.post(api.url + "/api/auth/login", json=data,
                                headers={"Origin": api.url}) as resp:
        assert resp.status == 200 and "campus_session" in resp.cookies


async def test_session_change_from_other_origin_refused(api: Api) -> None:
    """A guard's session with the right CSRF token still cannot act from another origin."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(api.url + "/api/auth/login",
                                json={"name": "guard", "password": PASSWORD}) as resp:
            csrf = (await resp.json())["csrf_token"]
        url = api.url + "/api/services/gate/open"
        data = {"entity_id": "gate.main_entrance"}
        headers = {"X-CSRF-Token": csrf, "Origin": "http://attacker.example:8123"}
        async with session.post(url, json=data, headers=headers) as resp:
            assert resp.status == 403
        async with session.post(url, data=json.dumps(data),
                                headers={"X-CSRF-Token": csrf,
                                         "Content-Type": "text/plain"}) as resp:
            assert resp.status == 415
        async with session.post(url, json=data, headers={"X-CSRF-Token": csrf,
                                                         "Origin": api.url}) as resp:
            assert resp.status == 200
    assert api.hub.states.get("gate.main_entrance") is not None
