"""WebSocket events deny by default; the police see faces only on incidents forwarded to them."""

from __future__ import annotations

from typing import Any

import aiohttp

from hub.testing import wait_for

from .helpers import Api


async def _ws(api: Api, role: str) -> aiohttp.ClientWebSocketResponse:
    assert api.session is not None
    ws = await api.session.ws_connect(api.url + "/api/websocket",
                                      headers={"Authorization": f"Bearer {api.tokens[role]}"})
    await ws.receive_json(timeout=5)
    return ws


async def _subscribe(ws: aiohttp.ClientWebSocketResponse, msg_id: int, event_type: str) -> bool:
    await ws.send_json({"id": msg_id, "type": "subscribe_events", "event_type": event_type})
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=5)
        if msg.get("id") == msg_id and msg["type"] == "result":
            return bool(msg["success"])


async def test_event_types_deny_by_default(api: Api) -> None:
    """Unlisted types reach admins only; viewers get no visitors, police no face stream."""
    viewer, police, guard, admin = [await _ws(api, r)
                                    for r in ("viewer", "police", "guard", "admin")]
    assert not await _subscribe(viewer, 1, "visitor_checked_in")
    assert not await _subscribe(viewer, 2, "some_plugin_event")
    assert not await _subscribe(guard, 1, "some_plugin_event")
    assert not await _subscribe(police, 1, "face_recognized")
    assert not await _subscribe(police, 2, "face_unknown")
    assert await _subscribe(guard, 2, "face_recognized")
    assert await _subscribe(viewer, 3, "incident_raised")
    assert await _subscribe(admin, 1, "some_plugin_event")
    for ws in (viewer, police, guard, admin):
        await ws.close()


async def _incident_with_snapshot(api: Api, category: str) -> tuple[str, str]:
    incident = await api.hub.incidents.raise_incident(category, source="alarm.panic_1",
                                                      cameras=["camera.gate_camera"])
    await wait_for(lambda: api.hub.incidents.all() and any(
        i.id == incident.id and i.snapshots for i in api.hub.incidents.all()))
    found = await api.hub.incidents.get(incident.id)
    return incident.id, found.snapshots[0]


async def test_police_see_pictures_of_forwarded_incidents_only(api: Api) -> None:
    """An intrusion's camera picture is hidden from the police; a panic's is theirs to read."""
    police = await _ws(api, "police")
    assert await _subscribe(police, 1, "incident_updated")
    hidden_id, hidden_snap = await _incident_with_snapshot(api, "intrusion")
    step = None
    while step is None or step["action"] != "snapshot":
        msg = await police.receive_json(timeout=5)
        if msg.get("type") == "event" and msg["event"]["data"]["incident_id"] == hidden_id:
            step = msg["event"]["data"]["step"]
            assert msg["event"]["data"]["incident"]["snapshots"] == []
    assert "snapshot_id" not in step["data"]
    await police.close()
    shown_id, shown_snap = await _incident_with_snapshot(api, "panic")

    status, incident = await api.call("GET", f"/api/incidents/{hidden_id}", role="police")
    assert status == 200 and incident["snapshots"] == [] and incident["category"] == "intrusion"
    assert hidden_snap not in str(incident)
    status, _ = await api.call("GET", f"/api/snapshots/{hidden_snap}", role="police")
    assert status == 404
    status, _ = await api.call("GET", f"/api/snapshots/{hidden_snap}", role="guard")
    assert status == 200

    status, incident = await api.call("GET", f"/api/incidents/{shown_id}", role="police")
    assert incident["snapshots"] == [shown_snap]
    status, _ = await api.call("GET", f"/api/snapshots/{shown_snap}", role="police")
    assert status == 200
    status, listed = await api.call("GET", "/api/incidents?status=all", role="police")
    pictures = {i["id"]: i["snapshots"] for i in listed["items"]}
    assert pictures[hidden_id] == [] and pictures[shown_id] == [shown_snap]

    _, photo = await api.call("POST", "/api/services/visitor/take_photo", role="guard",
                              json={"gate": "main"})  # a visitor's face: no incident links it
    status, _ = await api.call("GET", f"/api/snapshots/{photo['result']['snapshot_id']}",
                               role="police")
    assert status == 404

    _, audit = await api.call("GET", "/api/audit?user=police&limit=50")
    actions = {(e["action"], e["target"]) for e in audit["items"]}
    assert ("incidents.read", f"/api/incidents/{hidden_id}") in actions
    assert ("snapshot.read", shown_snap) in actions
    assert ("events.subscribed", "incident_updated") in actions
