"""The WebSocket API: events by type, states, service calls, role checks."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from .helpers import PASSWORD, Api


async def _ws(api: Api, role: str) -> aiohttp.ClientWebSocketResponse:
    assert api.session is not None
    ws = await api.session.ws_connect(api.url + "/api/websocket",
                                      headers={"Authorization": f"Bearer {api.tokens[role]}"})
    hello = await ws.receive_json(timeout=5)
    assert hello["type"] == "hello" and hello["user"]["role"] == role
    return ws


async def _result(ws: aiohttp.ClientWebSocketResponse, msg_id: int) -> dict[str, Any]:
    while True:
        msg: dict[str, Any] = await ws.receive_json(timeout=5)
        if msg.get("id") == msg_id and msg["type"] == "result":
            return msg


async def test_subscribe_and_receive_incident(api: Api) -> None:
    """A subscriber to incident_raised gets the incident as it is raised."""
    ws = await _ws(api, "viewer")
    await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "incident_raised"})
    assert (await _result(ws, 1))["success"] is True
    await api.hub.incidents.raise_incident("intrusion", source="alarm.fence")
    msg = await ws.receive_json(timeout=5)
    assert msg["type"] == "event" and msg["id"] == 1
    assert msg["event"]["event_type"] == "incident_raised"
    assert msg["event"]["data"]["incident"]["category"] == "intrusion"
    await ws.send_json({"id": 2, "type": "unsubscribe_events", "subscription": 1})
    assert (await _result(ws, 2))["success"] is True
    await ws.close()


async def test_unsubscribe_of_an_unknown_subscription_is_not_found(api: Api) -> None:
    """A subscription id that is no integer (a list, a string) answers not_found; the
    connection keeps working."""
    ws = await _ws(api, "viewer")
    for msg_id, subscription in ((1, [1]), (2, "1"), (3, 99)):
        await ws.send_json({"id": msg_id, "type": "unsubscribe_events",
                            "subscription": subscription})
        assert (await _result(ws, msg_id))["error"]["code"] == "not_found"
    await ws.send_json({"id": 4, "type": "get_states"})
    assert (await _result(ws, 4))["success"] is True
    await ws.close()


async def test_get_states_and_call_service(api: Api) -> None:
    """A guard gets states and opens a gate; the state_changed events follow."""
    ws = await _ws(api, "guard")
    await ws.send_json({"id": 1, "type": "get_states"})
    states = (await _result(ws, 1))["result"]
    assert any(s["entity_id"] == "gate.main_entrance" for s in states)
    await ws.send_json({"id": 2, "type": "subscribe_events", "event_type": "state_changed"})
    await _result(ws, 2)
    await ws.send_json({"id": 3, "type": "call_service", "domain": "gate", "service": "open",
                        "service_data": {"entity_id": "gate.main_entrance"}})
    seen: list[str] = []
    while "open" not in seen:
        msg = await ws.receive_json(timeout=5)
        if msg["type"] == "event" and msg["event"]["data"]["entity_id"] == "gate.main_entrance":
            seen.append(msg["event"]["data"]["new_state"]["state"])
    assert seen[:2] == ["opening", "open"]
    await ws.close()


async def test_roles_on_websocket(api: Api) -> None:
    """Service roles and event roles hold on the WebSocket too; errors name the field."""
    ws = await _ws(api, "viewer")
    await ws.send_json({"id": 1, "type": "call_service", "domain": "gate", "service": "open",
                        "service_data": {"entity_id": "gate.main_entrance"}})
    result = await _result(ws, 1)
    assert result["success"] is False and result["error"]["code"] == "forbidden"
    await ws.send_json({"id": 2, "type": "subscribe_events", "event_type": "audit_logged"})
    assert (await _result(ws, 2))["error"]["code"] == "forbidden"
    await ws.send_json({"id": 3, "type": "subscribe_events", "event_type": "*"})
    assert (await _result(ws, 3))["error"]["code"] == "forbidden"
    await ws.send_json({"id": 4, "type": "warp"})
    assert (await _result(ws, 4))["error"]["code"] == "unknown_command"
    await ws.close()
    ws = await _ws(api, "guard")
    await ws.send_json({"id": 5, "type": "call_service", "domain": "gate",
                        "service": "hold_open",
                        "service_data": {"entity_id": "gate.main_entrance", "seconds": "long"}})
    result = await _result(ws, 5)
    assert result["error"]["code"] == "invalid_input"
    assert result["error"]["errors"][0]["field"] == "seconds"
    await ws.close()


async def test_cross_origin_session_refused(api: Api) -> None:
    """A session cookie from another origin cannot open the WebSocket (CSWSH)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(api.url + "/api/auth/login",
                                json={"name": "guard", "password": PASSWORD}) as resp:
            assert resp.status == 200
        try:
            await session.ws_connect(api.url + "/api/websocket",
                                     headers={"Origin": "http://evil.example"})
        except aiohttp.WSServerHandshakeError as exc:
            assert exc.status == 403
        else:
            raise AssertionError("cross-origin WebSocket was accepted")
        ws = await session.ws_connect(api.url + "/api/websocket", headers={"Origin": api.url})
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        await ws.close()


async def test_many_events_in_order(api: Api) -> None:
    """A burst of events arrives complete and in order."""
    ws = await _ws(api, "admin")
    await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "burst"})
    await _result(ws, 1)
    for n in range(500):
        api.hub.bus.fire("burst", {"n": n})
    got = [(await ws.receive_json(timeout=5))["event"]["data"]["n"] for _ in range(500)]
    assert got == list(range(500))
    await asyncio.sleep(0)
    await ws.close()


async def test_disabled_user_websocket_closed(api: Api) -> None:
    """Disabling a user closes their open WebSocket at once."""
    ws = await _ws(api, "police")
    status, _ = await api.call("PATCH", "/api/users/police", json={"disabled": True})
    assert status == 200
    msg = await ws.receive(timeout=5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_slow_client_is_cut_off(api: Api) -> None:
    """A client that stops reading is disconnected instead of growing the hub's memory."""
    ws = await _ws(api, "admin")
    await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "flood"})
    await _result(ws, 1)
    http = api.hub.components["http"]
    [conn] = [c for c in http.websockets if c.user_name == "admin"]
    for n in range(5000):  # far more than the queue holds, faster than the socket drains
        api.hub.bus.fire("flood", {"n": n, "pad": "x" * 200})
    await asyncio.sleep(0.5)
    assert conn not in http.websockets or not conn.subscriptions
    await ws.close()


async def test_a_burst_reaches_a_coalescing_client_in_few_frames(api: Api) -> None:
    """A client that asks for `coalesce_messages` gets a burst as JSON arrays (in order, none
    lost); a client that does not gets one message per frame, as before (the 200-client
    burst bench: 1.46M frames for 1,000 incidents before)."""
    fast, plain = await _ws(api, "guard"), await _ws(api, "guard")
    await fast.send_json({"id": 1, "type": "supported_features",
                          "features": {"coalesce_messages": 1}})
    assert (await _result(fast, 1))["success"] is True
    for ws in (fast, plain):
        await ws.send_json({"id": 2, "type": "subscribe_events", "event_type": "incident_raised"})
        assert (await _result(ws, 2))["success"] is True
    for n in range(50):  # one loop turn: the events queue up behind each other
        api.hub.bus.fire("incident_raised", {"incident_id": f"i{n}", "n": n})
    frames: dict[str, list[Any]] = {"fast": [], "plain": []}
    for name, ws in (("fast", fast), ("plain", plain)):
        got: list[int] = []
        while len(got) < 50:
            frame = await ws.receive_json(timeout=5)
            frames[name].append(frame)
            got += [m["event"]["data"]["n"] for m in (frame if isinstance(frame, list)
                                                     else [frame])]
        assert got == list(range(50))
    assert all(isinstance(f, dict) for f in frames["plain"]) and len(frames["plain"]) == 50
    assert len(frames["fast"]) < 10 and any(isinstance(f, list) for f in frames["fast"])
    await fast.close()
    await plain.close()
