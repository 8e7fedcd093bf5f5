"""Live-view links and the uplink API (state, dead letters), served by the panel's server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from hub.bus import Event
from hub.liveview import LiveViewSigner, TokenError
from hub.testing import wait_for
from hub.uplinks.const import ACTION_DEAD, ACTION_DELIVERED
from tests.hub.uplinks.receiver import FaultyReceiver, webhook_yaml

from ..http.helpers import SITE, Api, register_test_devices, start_api

HubFactory = Callable[..., Any]


def _site(receiver_url: str) -> str:
    police = webhook_yaml(receiver_url).replace(
        "hub:\n  site: north_school\n  external_url: https://hub.example.org\n", "")
    return ("hub:\n  site: north_school\n  external_url: https://police-gw.example.org\n"
            + SITE + "  - platform: test_camera\n    name: Gate cam\n    gate: main\n"
            + police)


async def _get(api: Api, url: str) -> tuple[int, bytes, dict[str, str]]:
    path = urlsplit(url).path
    async with aiohttp.ClientSession() as session, session.get(api.url + path) as resp:
        return resp.status, await resp.read(), dict(resp.headers)


def test_token_expires_and_refuses_forgery() -> None:
    """A token is valid until its expiry; a changed byte or another key is refused."""
    signer = LiveViewSigner(b"k" * 32, ttl=60)
    token, grant = signer.mint("inc1", "camera.gate", now=1000)
    assert signer.check(token, now=1059) == grant
    for bad, now in ((token, 1061.0), (token[:-2] + "AA", 1000.0)):
        try:
            signer.check(bad, now=now)
        except TokenError:
            continue
        raise AssertionError(f"accepted {bad} at {now}")
    other = LiveViewSigner(b"x" * 32, ttl=60)
    try:
        other.check(token, now=1000)
    except TokenError as exc:
        assert str(exc) == "invalid link"
    else:
        raise AssertionError("another key accepted the token")


async def test_live_view_link_read_only_and_audited(
    hub_factory: HubFactory, register_plugin: Any, tmp_path: Path, receiver: FaultyReceiver
) -> None:
    """The message's link opens the incident's camera and snapshots, no login, each use audited."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, _site(receiver.url))
    audits: list[Event] = []
    api.hub.bus.listen("audit_logged", audits.append)
    incident = await api.hub.incidents.raise_incident(
        "panic", source="alarm.panic_1", gate="main", cameras=["camera.gate_cam"])
    message = await wait_for(lambda: next((m for m in receiver.messages if m["snapshots"]),
                                          None), timeout=10)
    live = message["live_view"]
    assert live["url"].startswith("https://police-gw.example.org/api/police/live/")
    status, page, headers = await _get(api, live["url"])
    assert status == 200 and b"Panic alarm" in page
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
    status, jpeg, _ = await _get(api, message["snapshots"][0]["url"])
    assert status == 200 and jpeg[:2] == b"\xff\xd8"
    status, jpeg, _ = await _get(api, live["url"] + "/camera.jpg")
    assert status == 200 and jpeg[:2] == b"\xff\xd8"
    async with aiohttp.ClientSession() as session, session.get(
            api.url + urlsplit(live["url"]).path + "/stream.mjpeg") as resp:
        assert resp.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        first = await resp.content.readuntil(b"\r\n\r\n")
        assert first.startswith(b"--frame\r\nContent-Type: image/jpeg")
    status, _, _ = await _get(api, live["url"] + "/snapshots/" + "0" * 32 + ".jpg")
    assert status == 404
    async with aiohttp.ClientSession() as session, session.post(
            api.url + urlsplit(live["url"]).path) as resp:
        assert resp.status in (401, 403, 405)  # read-only: no write method on a link
    uses = [e.data for e in audits if e.data["action"] == "police.live_view"]
    assert [u["details"]["what"] for u in uses] == ["page", "snapshot", "camera", "stream",
                                                    "snapshot"]
    assert {u["details"]["incident_id"] for u in uses} == {incident.id}
    assert all(u["user"].startswith("police-link:") for u in uses)


async def test_forged_and_expired_links_refused(
    hub_factory: HubFactory, register_plugin: Any, tmp_path: Path, receiver: FaultyReceiver
) -> None:
    """A forged or expired link gets 403 and the refusal is audited."""
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, _site(receiver.url))
    audits: list[Event] = []
    api.hub.bus.listen("audit_logged", audits.append)
    forwarder = api.hub.components["live_view"]
    incident = await api.hub.incidents.raise_incident("panic", cameras=["camera.gate_cam"])
    old, _ = forwarder.signer.mint(incident.id, "camera.gate_cam", now=time.time() - 7200)
    status, _, _ = await _get(api, f"/api/police/live/{old}")
    assert status == 403
    fresh, _ = forwarder.signer.mint(incident.id, "camera.gate_cam")
    status, _, _ = await _get(api, f"/api/police/live/{fresh[:-3]}xyz/camera.jpg")
    assert status == 403
    refused = [e.data["details"]["reason"] for e in audits
               if e.data["action"] == "police.live_view_refused"]
    assert refused == ["link expired", "invalid link"]


async def test_dead_letter_api_roles(
    hub_factory: HubFactory, register_plugin: Any, tmp_path: Path, receiver: FaultyReceiver
) -> None:
    """Admins see uplinks, list and requeue dead letters over the API; others may not."""
    register_test_devices(register_plugin)
    receiver.statuses = [410]
    api = await start_api(hub_factory, tmp_path, _site(receiver.url))
    api.session = aiohttp.ClientSession()
    try:
        await _dead_letters(api, receiver)
    finally:
        await api.session.close()


async def _dead_letters(api: Api, receiver: FaultyReceiver) -> None:
    incident = await api.hub.incidents.raise_incident("panic", source="alarm.panic_1")
    await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_DEAD])
    status, dead = await api.call("GET", "/api/uplinks/dead_letters")
    assert status == 200 and [d["incident_id"] for d in dead] == [incident.id]
    assert dead[0]["last_error"] == "HTTP 410" and dead[0]["event"] == "raised"
    for role in ("guard", "police", "viewer"):
        status, _ = await api.call("GET", "/api/uplinks/dead_letters", role=role)
        assert status == 403, role
    status, _ = await api.call("GET", "/api/uplinks/dead_letters", role=None)
    assert status == 401
    status, item = await api.call("POST", f"/api/uplinks/dead_letters/{dead[0]['id']}/requeue")
    assert status == 200 and item["status"] == "pending"
    await wait_for(lambda: [s for s in incident.timeline if s.action == ACTION_DELIVERED])
    for _ in range(100):  # deliveries are marked in batches, within moments
        status, uplinks = await api.call("GET", "/api/uplinks")
        if uplinks[0]["delivered"]:
            break
        await asyncio.sleep(0.02)
    assert status == 200 and uplinks[0]["name"] == "city_police"
    # the requeued dead letter was delivered: none waits any more
    assert (uplinks[0]["delivered"], uplinks[0]["dead"], uplinks[0]["backlog"]) == (1, 0, 0)
    assert uplinks[0]["last_error"] == "HTTP 410" and uplinks[0]["last_delivery_at"] > 0
    for role in ("guard", "police", "viewer"):
        status, _ = await api.call("GET", "/api/uplinks", role=role)
        assert status == 403, role
    status, _ = await api.call("POST", f"/api/uplinks/dead_letters/{dead[0]['id']}/requeue")
    assert status == 404
